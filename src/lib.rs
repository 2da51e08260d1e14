//! pith turns web pages into clean main text with metadata.
//!
//! The heart of the library is one function, [`extract()`]: the bytes of a
//! page (and its URL and HTTP charset, when known) in, an [`Article`] out, or
//! an [`ExtractError`] whose [`kind`](ExtractError::kind) says why there is
//! none. It never touches the network, files or the environment, and it is
//! all a build with `default-features = false` contains.
//!
//! The crate has three parts, and the arrows between them point one way:
//! `crawl` → `io` → `extract`.
//! * **extract** (always built): decode → prescan → parse → flatten →
//!   metadata → the fallback ladder of clean → score → select → render.
//! * **[`io`]** (feature `io`): the inputs of `pith extract` (files,
//!   directories, lists, standard input, WARC files), the record schema and
//!   the writers of JSON lines, text, Markdown and per-article files.
//! * **[`crawl`]** (feature `crawl`): the polite, guarded fetcher, feed and
//!   sitemap discovery, the state of incremental runs, scheduling, sharding,
//!   and the engine of `pith run`; [`config`] reads `config.toml`.
//!
//! The `pith` binary (feature `cli`, on by default) parses flags and the
//! settings file and calls these.
//!
//! ```
//! let page = br#"<html lang="en"><head><title>Rain in Spain | Weather Daily</title>
//!   <meta property="article:published_time" content="2021-04-01T08:00:00Z"></head>
//!   <body><article><h1>Rain in Spain</h1>
//!   <p>The rain in Spain, as the saying goes, stays mainly in the plain. Forecasters agree.</p>
//!   <p>This spring, however, the mountains got their share too, and the reservoirs are full.</p>
//!   </article><footer>(c) Weather Daily</footer></body></html>"#;
//! let article = pith::extract(page, None, &Default::default()).unwrap();
//! assert_eq!(article.metadata.title.as_deref(), Some("Rain in Spain"));
//! assert_eq!(article.metadata.date.as_deref(), Some("2021-04-01"));
//! assert!(!article.text.contains("Weather Daily"));
//! ```

pub(crate) mod extract;

#[cfg(feature = "io")]
pub mod io;

#[cfg(feature = "crawl")]
pub mod config;
#[cfg(feature = "crawl")]
pub mod crawl;
#[cfg(feature = "serve")]
pub mod serve;

#[cfg(all(test, feature = "crawl"))]
mod fuzz;

#[doc(hidden)]
pub use extract::block_model::{BlockRow, NUMERIC as BLOCK_FEATURES};
pub use extract::error::{DecodeError, ExtractError};
#[doc(hidden)]
pub use extract::explain::explain;
pub use extract::explained::{Explained, FieldSource, Part};
pub use extract::model::{Article, Block, BlockKind, Metadata, PageType, SCHEMA_VERSION};
#[doc(hidden)]
pub use extract::page_type::{classify as classify_page_type, page_features};
pub use extract::{
    BlockRows, ExtractOptions, Profile, RuleSet, Selectors, block_rows, explain_extract, extract,
    peak_memory,
};
