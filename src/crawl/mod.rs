//! The crawler behind `pith run`: a polite, guarded HTTP fetcher
//! (robots.txt, per-host politeness, retries, address guard), feed and
//! sitemap discovery, URL normalization, the SQLite state of incremental
//! runs, scheduling and sharding, and the engine that ties them to the
//! extractor and the writer.
//!
//! Data flows: URL list → [`run`] (fetch → extract on the blocking pool) →
//! one [`PageOutcome`] per URL, in the order the pages finish (not in list
//! order), handed to the caller's writer.

pub(crate) mod discover;
pub(crate) mod fetch;
pub mod fleet;
pub(crate) mod normalize;
pub(crate) mod pipeline;
pub(crate) mod schedule;
pub(crate) mod shard;
pub mod sites;
pub(crate) mod state;

pub use fetch::{FetchSettings, Fetcher, SharedRobots, SharedVerdict};
pub use pipeline::{
    Line, MAX_DISCOVERY_DEPTH, PageOutcome, RunSettings, Written, is_url_line, run, url_of_line,
};
pub use schedule::Schedule;
pub use shard::Shard;
pub use state::StateStore;
