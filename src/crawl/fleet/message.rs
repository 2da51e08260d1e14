//! What travels on the fleet's streams: a [`Task`] (one URL of the
//! frontier), JSON, and a [`ResultMessage`] (one URL's record and WARC
//! records, for the sink): JSON, followed in the same payload by the WARC
//! records ([`WarcPart::inline`] bytes of gzip members) when they fit in
//! the server's largest payload, else in chunks of their own on the
//! `<prefix>-chunks` stream ([`WarcPart::chunks`]); a record too large
//! for a message travels there too ([`ResultMessage::record_chunks`]).

use crate::crawl::normalize::normalize;
use crate::crawl::pipeline::hex_sha256;
use crate::io::output::{ErrorInfo, FetchFields, Record};
use crate::{Article, PageType};
use serde::{Deserialize, Serialize};

/// The key of a URL's record in an epoch: the `Nats-Msg-Id` of its result
/// and what the sink remembers, hex of SHA-256 over the normalized URL and
/// the epoch (32 characters).
pub fn record_key(url: &str, epoch: u64) -> String {
    let url = normalize(url).unwrap_or_else(|| url.trim().to_string());
    let mut key = hex_sha256(format!("{url}\n{epoch}").as_bytes());
    key.truncate(32);
    key
}

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

/// One URL's outcome on its way to the sink.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultMessage {
    /// [`record_key`] of the URL and epoch.
    pub key: String,
    /// The epoch of the URL (articles repeated within an epoch are
    /// written once).
    #[serde(default)]
    pub epoch: u64,
    /// The record; none for a feed or sitemap whose entries were queued
    /// (its WARC records still travel), or when it is in chunks.
    pub record: Option<WireRecord>,
    /// Or: the stream sequences, in order, of the chunks on the
    /// `<prefix>-chunks` stream that hold the record's JSON (a record too
    /// large for one message).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_chunks: Vec<u64>,
    /// The WARC records of the URL's exchanges, when the worker archives.
    #[serde(default)]
    pub warc: Option<WarcPart>,
}

/// Where a URL's WARC records are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarcPart {
    /// The `WARC-Record-ID` of the `warcinfo` record they refer to (one per
    /// worker process; the sink writes it before the first of them).
    pub info_id: String,
    /// Bytes of gzip members at the end of the message's payload, after
    /// the JSON.
    #[serde(default)]
    pub inline: u64,
    /// Or: the stream sequences, in order, of the chunks on the
    /// `<prefix>-chunks` stream that hold them.
    #[serde(default)]
    pub chunks: Vec<u64>,
}

impl ResultMessage {
    /// The payload: the JSON, then the inline WARC bytes.
    pub fn encode(&self, inline: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
        let mut out = serde_json::to_vec(self)?;
        out.extend_from_slice(inline);
        Ok(out)
    }

    /// A payload read back: the message and its inline WARC bytes.
    pub fn decode(payload: &[u8]) -> Result<(ResultMessage, &[u8]), serde_json::Error> {
        // The JSON is one object: it ends where the deserializer stops.
        let mut de = serde_json::Deserializer::from_slice(payload).into_iter::<ResultMessage>();
        let message = match de.next() {
            Some(m) => m?,
            None => return Err(serde::de::Error::custom("an empty message")),
        };
        let end = de.byte_offset();
        let inline = message.warc.as_ref().map_or(0, |w| w.inline);
        let rest = &payload[end..];
        if rest.len() as u64 != inline {
            return Err(serde::de::Error::custom(format!(
                "{} bytes follow the record, {inline} announced",
                rest.len()
            )));
        }
        Ok((message, rest))
    }
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

    #[test]
    fn warc_bytes_travel_after_the_json() {
        let gz = [0x1f_u8, 0x8b, 8, 0, b'{', b'}', 0xff];
        let m = ResultMessage {
            key: "k".into(),
            epoch: 3,
            record: None,
            record_chunks: vec![],
            warc: Some(WarcPart {
                info_id: "<urn:uuid:x>".into(),
                inline: gz.len() as u64,
                chunks: vec![],
            }),
        };
        let payload = m.encode(&gz).unwrap();
        let (back, inline) = ResultMessage::decode(&payload).unwrap();
        assert_eq!(inline, gz);
        assert_eq!(back.warc, m.warc);
        assert_eq!(back.epoch, 3);
        // A message of an earlier version: a record, no WARC part.
        let old = br#"{"key":"k","record":{"schema_version":1,"source":"s","url":null,"fetch":null,"article":null,"error":null,"page_type":null}}"#;
        let (back, inline) = ResultMessage::decode(old).unwrap();
        assert!(back.record.is_some() && back.warc.is_none() && inline.is_empty());
        assert!(ResultMessage::decode(&payload[..payload.len() - 1]).is_err());
    }
}
