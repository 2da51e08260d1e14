//! WARC files (ISO 28500), the web archive format: `write` (feature `crawl`) keeps every
//! HTTP exchange of `pith run`, `read` finds the HTML responses of any
//! WARC (pith's, Common Crawl's, wget's, warcio's) for `pith extract`.

pub(crate) mod read;
#[cfg(feature = "crawl")]
pub mod write;

/// The version line of every record pith writes.
#[cfg(feature = "crawl")]
pub(crate) const WARC_VERSION: &str = "WARC/1.1";
