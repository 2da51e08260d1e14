//! The fleet's seen-set, a JetStream key-value bucket (`<prefix>-seen`):
//! normalized URL (hashed) → the epoch it was last queued in. `enqueue` and
//! workers queueing the entries of feeds and sitemaps ask it first, so a
//! URL is queued once per epoch across the whole fleet.

use super::connection::{Fleet, FleetError, js_err};
use async_nats::jetstream::kv;

/// The bucket's name.
pub(crate) fn bucket(fleet: &Fleet) -> String {
    fleet.name("seen")
}

/// The seen-set.
pub struct Seen {
    store: kv::Store,
}

impl Seen {
    /// The fleet's seen-set.
    pub async fn open(fleet: &Fleet) -> Result<Seen, FleetError> {
        let store = fleet.bucket(&bucket(fleet)).await?;
        Ok(Seen { store })
    }

    /// Mark `url` seen in `epoch`; `true` when it was not yet (so the caller
    /// queues it), `false` when it was queued in this epoch already.
    pub async fn first_in_epoch(&self, url: &str, epoch: u64) -> Result<bool, FleetError> {
        // Keys are the URL's hash (keys allow few characters).
        let key = super::message::record_key(url, 0);
        let value = epoch.to_string();
        match self.store.create(&key, value.clone().into()).await {
            Ok(_) => return Ok(true),
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {}
            Err(e) => return Err(js_err("mark a URL seen")(e)),
        }
        let Some(entry) = self
            .store
            .entry(&key)
            .await
            .map_err(js_err("read the seen-set"))?
        else {
            return Ok(false);
        };
        if entry.value.as_ref() == value.as_bytes() {
            return Ok(false);
        }
        // Queued in another epoch: this one claims it, unless another
        // enqueuer did in between.
        Ok(self
            .store
            .update(&key, value.into(), entry.revision)
            .await
            .is_ok())
    }
}
