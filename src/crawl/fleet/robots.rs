//! robots.txt shared by the fleet: a JetStream key-value bucket
//! (`<prefix>-robots`, values kept for the robots.txt TTL) of origin
//! (hashed) → the file's body or the verdict of its status, so an origin's
//! robots.txt is fetched once per TTL for every worker together. Workers
//! hand it to their [`Fetcher`](crate::crawl::Fetcher) as its
//! [`SharedRobots`].

use super::connection::{Fleet, FleetError};
use crate::crawl::fetch::{SharedFuture, SharedRobots, SharedVerdict};
use crate::crawl::pipeline::hex_sha256;
use async_nats::jetstream::kv;

/// The bucket's name.
pub(crate) fn bucket(fleet: &Fleet) -> String {
    fleet.name("robots")
}

/// The fleet's robots.txt verdicts.
pub struct RobotsBucket {
    store: kv::Store,
}

impl RobotsBucket {
    /// The fleet's bucket.
    pub async fn open(fleet: &Fleet) -> Result<RobotsBucket, FleetError> {
        let store = fleet.bucket(&bucket(fleet)).await?;
        Ok(RobotsBucket { store })
    }
}

/// An origin's key (keys allow few characters).
fn key(origin: &str) -> String {
    let mut k = hex_sha256(origin.as_bytes());
    k.truncate(32);
    k
}

/// A verdict as stored: a tag byte (`b` body, `a` allow all, `d` disallow
/// all), then the body.
fn encode(v: &SharedVerdict) -> Vec<u8> {
    match v {
        SharedVerdict::Body(body) => {
            let mut out = Vec::with_capacity(body.len() + 1);
            out.push(b'b');
            out.extend_from_slice(body);
            out
        }
        SharedVerdict::AllowAll => vec![b'a'],
        SharedVerdict::DisallowAll => vec![b'd'],
    }
}

fn decode(bytes: &[u8]) -> Option<SharedVerdict> {
    match bytes.split_first()? {
        (b'b', body) => Some(SharedVerdict::Body(body.to_vec())),
        (b'a', _) => Some(SharedVerdict::AllowAll),
        (b'd', _) => Some(SharedVerdict::DisallowAll),
        _ => None,
    }
}

impl SharedRobots for RobotsBucket {
    fn get<'a>(&'a self, origin: &'a str) -> SharedFuture<'a, Option<SharedVerdict>> {
        Box::pin(async move {
            match self.store.get(key(origin)).await {
                Ok(v) => v.and_then(|b| decode(&b)),
                Err(e) => {
                    tracing::warn!(%origin, "cannot read the shared robots.txt verdict: {e}");
                    None
                }
            }
        })
    }

    fn put<'a>(&'a self, origin: &'a str, verdict: SharedVerdict) -> SharedFuture<'a, ()> {
        Box::pin(async move {
            if let Err(e) = self.store.put(key(origin), encode(&verdict).into()).await {
                tracing::warn!(%origin, "cannot share the robots.txt verdict: {e}");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_round_trip() {
        for v in [
            SharedVerdict::Body(b"User-agent: *\nDisallow: /x\n".to_vec()),
            SharedVerdict::Body(Vec::new()),
            SharedVerdict::AllowAll,
            SharedVerdict::DisallowAll,
        ] {
            assert_eq!(decode(&encode(&v)), Some(v));
        }
        assert_eq!(decode(b""), None);
        assert_eq!(key("https://x.org:443").len(), 32);
    }
}
