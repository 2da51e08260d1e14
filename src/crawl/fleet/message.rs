//! What travels on the fleet's streams: a [`Task`] (one URL of the
//! frontier) and a [`ResultMessage`] (one record, for the sink), both JSON.

use crate::io::output::{ErrorInfo, FetchFields, Record};
use crate::{Article, PageType};
use serde::{Deserialize, Serialize};

/// One URL to fetch, as published on a frontier partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The URL (a list line without its comment; may be no valid URL, which
    /// then gives an `invalid_url` record).
    pub url: String,
    /// The list it came from, as records name it.
    pub source: String,
    /// 0 for a listed URL; one more for each feed or sitemap it was found in.
    #[serde(default)]
    pub depth: u8,
    /// The run epoch: a URL is fetched and written once per epoch.
    pub epoch: u64,
}

/// One record on its way to the sink.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultMessage {
    /// [`record_key`](super::record_key) of the URL and epoch.
    pub key: String,
    /// The record.
    pub record: WireRecord,
}

/// A [`Record`] with its parts apart (the written record flattens them,
/// which does not read back unambiguously).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireRecord {
    /// Output schema version.
    pub schema_version: u32,
    /// The input as given.
    pub source: String,
    /// The page URL.
    pub url: Option<String>,
    /// Response facts.
    pub fetch: Option<FetchFields>,
    /// The article.
    pub article: Option<Article>,
    /// The failure.
    pub error: Option<ErrorInfo>,
    /// The page type of a page whose type was not asked for.
    pub page_type: Option<PageType>,
}

impl From<Record> for WireRecord {
    fn from(r: Record) -> WireRecord {
        WireRecord {
            schema_version: r.schema_version,
            source: r.source,
            url: r.url,
            fetch: r.fetch,
            article: r.article,
            error: r.error,
            page_type: r.page_type,
        }
    }
}

impl From<WireRecord> for Record {
    fn from(w: WireRecord) -> Record {
        let mut r = Record::failed(w.source, w.url, "", String::new());
        r.schema_version = w.schema_version;
        r.fetch = w.fetch;
        r.article = w.article;
        r.error = w.error;
        r.page_type = w.page_type;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_the_wire() {
        let article = Article {
            text: "Body.".into(),
            ..Default::default()
        };
        let mut ok = Record::ok("list".into(), Some("https://x.org/a".into()), article);
        ok.fetch = Some(FetchFields {
            status: Some(200),
            content_hash: Some("h".into()),
            ..Default::default()
        });
        let failed = Record::failed("list".into(), None, "invalid_url", "bad".into());
        for r in [ok, failed] {
            let json = serde_json::to_string(&r).unwrap();
            let wire = serde_json::to_vec(&WireRecord::from(r)).unwrap();
            let back: Record = serde_json::from_slice::<WireRecord>(&wire).unwrap().into();
            assert_eq!(serde_json::to_string(&back).unwrap(), json);
        }
    }
}
