//! Input and output around the extractor: where pages come from for
//! `pith extract` ([`input`]: files, directories, lists, standard input,
//! WARC files), what a record is and how records are written ([`output`]),
//! and the web archive format ([`warc`]). Media-type and charset helpers
//! shared with the crawler live here too, so offline and live runs decide
//! alike. Nothing here fetches anything.

pub mod input;
pub(crate) mod mime;
pub mod output;
pub mod warc;
