//! WARC files (ISO 28500), the web archive format: [`write`](mod@write) keeps every
//! HTTP exchange of `pith run`, [`read`] finds the HTML responses of any
//! WARC (pith's, Common Crawl's, wget's, warcio's) for `pith extract`.

pub mod read;
pub mod write;

/// The version line of every record pith writes.
pub const WARC_VERSION: &str = "WARC/1.1";
