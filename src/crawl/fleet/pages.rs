//! What the fleet remembers of each URL between epochs, as `pith run`'s
//! state does between runs: a JetStream key-value bucket
//! (`<prefix>-pages`), normalized URL (hashed) → its validators (`ETag`,
//! `Last-Modified`), the hash of its last article and its revisions.
//!
//! The sink is its one writer: it notes each URL's visit in its SQLite
//! state as `pith run` does (the same rules for revisions, repeats and
//! failures) and copies the result here. A worker reads it before it
//! fetches, so a URL crawled again in a later epoch is asked for
//! conditionally (a `304 Not Modified` gives an `unchanged` record) and an
//! article with the same text as last time is `unchanged`, another text
//! its next revision.

use super::connection::{Fleet, FleetError, js_err};
use crate::crawl::state::PageState;
use async_nats::jetstream::kv;
use serde::{Deserialize, Serialize};

/// The bucket's name.
pub(crate) fn bucket(fleet: &Fleet) -> String {
    fleet.name("pages")
}

/// A URL's entry in the bucket.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    etag: Option<String>,
    last_modified: Option<String>,
    content_hash: Option<String>,
    revisions: u32,
}

/// The bucket.
pub struct Pages {
    store: kv::Store,
}

impl Pages {
    /// The fleet's bucket of pages.
    pub async fn open(fleet: &Fleet) -> Result<Pages, FleetError> {
        let store = fleet.bucket(&bucket(fleet)).await?;
        Ok(Pages { store })
    }

    /// What is remembered of `url`, if anything.
    pub async fn get(&self, url: &str) -> Result<Option<PageState>, FleetError> {
        // Keys are the URL's hash (keys allow few characters).
        let key = super::message::record_key(url, 0);
        let Some(value) = self
            .store
            .get(&key)
            .await
            .map_err(js_err("read the bucket of pages"))?
        else {
            return Ok(None);
        };
        let e: Entry = match serde_json::from_slice(&value) {
            Ok(e) => e,
            Err(e) => {
                tracing::debug!(%url, "not a page entry, ignored: {e}");
                return Ok(None);
            }
        };
        Ok(Some(PageState {
            etag: e.etag,
            last_modified: e.last_modified,
            content_hash: e.content_hash,
            revisions: e.revisions,
        }))
    }

    /// Remember `state` for `url`.
    pub async fn put(&self, url: &str, state: &PageState) -> Result<(), FleetError> {
        let key = super::message::record_key(url, 0);
        let value = serde_json::to_vec(&Entry {
            etag: state.etag.clone(),
            last_modified: state.last_modified.clone(),
            content_hash: state.content_hash.clone(),
            revisions: state.revisions,
        })
        .map_err(js_err("encode a page entry"))?;
        self.store
            .put(&key, value.into())
            .await
            .map_err(js_err("note a page"))?;
        Ok(())
    }
}
