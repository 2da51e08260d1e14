//! pith turns web article pages into clean text with metadata.
//!
//! The library is one function, [`extract()`]: the bytes of a page (and its URL
//! and HTTP charset, when known) in, an [`Article`] out, or an
//! [`ExtractError`] whose [`kind`](ExtractError::kind) says why there is none.
//! It never touches the network, files or the environment.
//!
//! The data flows one way, one module per stage:
//! [`decode`] → [`prescan`] → parse → [`dom`] → [`metadata`] → [`clean`] →
//! [`score`] → [`render`], driven by [`extract()`](extract::extract); [`input`] and
//! [`output`] serve the command-line tool around it.
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

pub mod clean;
pub mod config;
pub mod decode;
pub mod discover;
pub mod dom;
pub mod error;
pub mod extract;
pub mod fetch;
pub mod input;
pub mod listing;
pub mod metadata;
pub mod model;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod prescan;
pub mod render;
pub mod schedule;
pub mod score;
pub mod shard;
pub mod state;
pub mod warc;

pub use error::{DecodeError, ExtractError};
pub use extract::{ExtractOptions, extract};
pub use model::{Article, Metadata, SCHEMA_VERSION};
