//! Decoding a JSON extraction request (the body of `POST /v1/extract`, a
//! line of `POST /v1/batch`).
//!
//! The page's HTML is nearly all of such a body, and every quote and line
//! break of a page is an escape in it (one every 21 bytes on ScrapingHub's
//! pages). serde_json decodes such a string a byte at a time into a scratch
//! buffer that grows as it goes, then checks it and copies it again: on
//! ScrapingHub's pages that was 13 % of what serving cost, nearly all of the
//! difference with `pith extract`. So the body is checked as UTF-8 once
//! (`simdutf8`, many bytes per step) and its top-level object walked here:
//! the `html` string is decoded in one pass into the page's bytes (they are
//! UTF-8, and the extractor is told so), the stops (quotes, backslashes,
//! control characters) of 64 bytes found at once (SSE2 on x86-64) and the
//! plain text between them copied by moves of a fixed size, with no call
//! per run; every other member (few and small) is
//! delimited by serde_json and the lot decoded by it into an
//! [`ExtractRequest`], which checks names, types and duplicates as before.
//! What is accepted is what `serde_json::from_slice::<ExtractRequest>`
//! accepts (the tests compare the two).

use crate::crawl::sites::SelectorsConfig;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The body of `POST /v1/extract`, a line of `POST /v1/batch`, the query of
/// `GET /v1/extract`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractRequest {
    /// The page's HTML (UTF-8: a JSON string); when absent, `url` is
    /// fetched.
    #[serde(default, deserialize_with = "utf8_bytes")]
    pub html: Option<Vec<u8>>,
    /// The page's address (fetched when there is no `html`).
    pub url: Option<String>,
    /// `json` (the record, default), `markdown` or `text`.
    pub format: Option<String>,
    /// Selectors forcing parts in or out, added to the configured ones.
    pub selectors: Option<SelectorsConfig>,
    /// Return reader comments in the record's `comments` field.
    pub comments: Option<bool>,
    /// Keep links as `[text](href)` in the Markdown.
    pub links: Option<bool>,
    /// Keep images as `![alt](src)` in the Markdown.
    pub images: Option<bool>,
}

/// A JSON string (or null) as its UTF-8 bytes.
fn utf8_bytes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(String::into_bytes))
}

/// The request `body` makes, or why it makes none.
pub fn decode(body: &[u8]) -> Result<ExtractRequest, String> {
    let text = simdutf8::basic::from_utf8(body)
        .map_err(|_| "invalid unicode code point: the body is not UTF-8".to_string())?;
    let body = text.as_bytes();
    let mut html = None;
    let mut seen_html = false;
    // The other members, as JSON text for serde_json.
    let mut others = String::from("{");
    let mut p = expect(body, skip_ws(body, 0), b'{')?;
    p = skip_ws(body, p);
    if body.get(p) == Some(&b'}') {
        p += 1;
    } else {
        loop {
            let (key, end) = raw_value(body, p)?;
            if !key.get().starts_with('"') {
                return Err(format!("key must be a string at byte {p}"));
            }
            let name: String = serde_json::from_str(key.get()).map_err(|e| e.to_string())?;
            p = skip_ws(body, expect(body, skip_ws(body, end), b':')?);
            if name == "html" {
                if seen_html {
                    return Err("duplicate field `html`".into());
                }
                seen_html = true;
            }
            if name == "html" && body.get(p) == Some(&b'"') {
                let (decoded, end) = string_at(body, p)?;
                html = Some(decoded);
                p = end;
            } else {
                let (value, end) = raw_value(body, p)?;
                if others.len() > 1 {
                    others.push(',');
                }
                others.push_str(key.get());
                others.push(':');
                others.push_str(value.get());
                p = end;
            }
            p = skip_ws(body, p);
            match body.get(p) {
                Some(b',') => p = skip_ws(body, p + 1),
                Some(b'}') => {
                    p += 1;
                    break;
                }
                _ => return Err(format!("expected `,` or `}}` at byte {p}")),
            }
        }
    }
    if skip_ws(body, p) != body.len() {
        return Err(format!("trailing characters at byte {p}"));
    }
    others.push('}');
    let mut req: ExtractRequest = serde_json::from_str(&others).map_err(|e| e.to_string())?;
    if html.is_some() {
        req.html = html;
    }
    Ok(req)
}

/// The index of the first byte at or after `p` that is not JSON
/// whitespace.
fn skip_ws(bytes: &[u8], mut p: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(p) {
        p += 1;
    }
    p
}

/// The index after `bytes[p]`, which must be `want`.
fn expect(bytes: &[u8], p: usize, want: u8) -> Result<usize, String> {
    match bytes.get(p) {
        Some(&b) if b == want => Ok(p + 1),
        Some(_) => Err(format!("expected `{}` at byte {p}", char::from(want))),
        None => Err(format!("EOF while expecting `{}`", char::from(want))),
    }
}

/// The JSON value starting at `bytes[p]`, as serde_json reads it, and the
/// index after it.
fn raw_value(bytes: &[u8], p: usize) -> Result<(&RawValue, usize), String> {
    let mut values =
        serde_json::Deserializer::from_slice(&bytes[p.min(bytes.len())..]).into_iter::<&RawValue>();
    match values.next() {
        Some(Ok(v)) => Ok((v, p + values.byte_offset())),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("EOF while parsing a value".into()),
    }
}

/// Bytes whose stops are found at once.
const BLOCK: usize = 64;

/// One bit per byte of `block` that ends a run of plain string text: a
/// quote, a backslash or a control character. On x86-64, SSE2 (which every
/// such processor has) compares sixteen bytes at once and gathers their
/// flags in one instruction.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unsafe_code)]
fn stops(block: &[u8; BLOCK]) -> u64 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x,
        _mm_set1_epi8,
    };
    let mut mask = 0u64;
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        let half =
            |at: usize| i64::from_le_bytes(chunk[at..at + 8].try_into().expect("eight bytes"));
        // SAFETY: these intrinsics take values, no pointers, and need SSE2
        // alone, which is part of every x86-64 target.
        let hits = unsafe {
            let v = _mm_set_epi64x(half(8), half(0));
            // A byte is a control character when the smaller of it and
            // 0x1F is itself.
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control))
        };
        mask |= u64::from(hits as u16) << (16 * k);
    }
    mask
}

/// One bit per byte of `block` that ends a run of plain string text: a
/// quote, a backslash or a control character. The bytes are compared in a
/// loop the compiler turns into vector instructions, and each eight flags
/// are gathered into a byte by one multiplication.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn stops(block: &[u8; BLOCK]) -> u64 {
    let mut flags = [0u8; BLOCK];
    for (f, &b) in flags.iter_mut().zip(block) {
        *f = u8::from(b == b'"') | u8::from(b == b'\\') | u8::from(b < 0x20);
    }
    let mut mask = 0u64;
    for (k, word) in flags.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(word.try_into().expect("eight flags"));
        // Each byte is 0 or 1: the multiplication moves byte i's bit to
        // bit 56 + i, and nothing else reaches bits 56 to 63.
        mask |= (w.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    mask
}

/// The text of the JSON string whose opening quote is `bytes[start]`, as
/// UTF-8 bytes, and the index after its closing quote. `bytes` must be
/// UTF-8 (then so is the text).
///
/// The string is read [`BLOCK`] bytes at a time: the block's stops come as
/// one mask, and the plain text before each stop is appended in one move of
/// a fixed [`BLOCK`] bytes (a few vector moves, where a copy of the run's
/// own length is a call), cut back to the run at once. The text is never
/// longer than the string, so room for the string and one block is made
/// once (and left unwritten until the text fills it), and a run is copied
/// by the short way only near the string's end.
fn string_at(bytes: &[u8], start: usize) -> Result<(Vec<u8>, usize), String> {
    if bytes.get(start) != Some(&b'"') {
        return Err(format!("expected a string at byte {start}"));
    }
    let src = &bytes[start + 1..];
    let mut out = Vec::with_capacity(src.len() + BLOCK);
    // The first byte not yet copied or decoded, and the start of the block.
    let mut from = 0usize;
    let mut p = 0;
    // Append `src[from..to]` (at most a block) to `out`.
    let run = |out: &mut Vec<u8>, from: usize, to: usize| match src.get(from..from + BLOCK) {
        Some(whole) => {
            let len = out.len();
            out.extend_from_slice(whole);
            out.truncate(len + to - from);
        }
        None => out.extend_from_slice(&src[from..to]),
    };
    'blocks: while let Some(block) = src.get(p..p + BLOCK) {
        // A block starts at the end of an escape or of the block before
        // it, so none of its stops is part of an escape already decoded.
        let mut mask = stops(block.try_into().expect("a block"));
        while mask != 0 {
            let at = p + mask.trailing_zeros() as usize;
            run(&mut out, from, at);
            match src[at] {
                b'\\' => from = at + unescape_into(bytes, start + 1 + at, &mut out)?,
                b'"' => return Ok((out, start + at + 2)),
                _ => return Err(control(start + 1 + at)),
            }
            if from >= p + BLOCK {
                p = from;
                continue 'blocks;
            }
            mask &= !0u64 << (from - p);
        }
        p += BLOCK;
        run(&mut out, from, p);
        from = p;
    }
    // The last bytes, fewer than a block.
    loop {
        match src.get(p) {
            None => return Err("EOF while parsing a string".into()),
            Some(b'"') => {
                run(&mut out, from, p);
                return Ok((out, start + p + 2));
            }
            Some(b'\\') => {
                run(&mut out, from, p);
                p += unescape_into(bytes, start + 1 + p, &mut out)?;
                from = p;
            }
            Some(0..=0x1f) => return Err(control(start + 1 + p)),
            Some(_) => p += 1,
        }
    }
}

/// The byte a one-character escape stands for, by the byte after its
/// backslash (`n` gives a newline); 0 where no such escape exists (`u`
/// starts a longer one).
const UNESCAPED: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t[b'/' as usize] = b'/';
    t[b'n' as usize] = b'\n';
    t[b't' as usize] = b'\t';
    t[b'r' as usize] = b'\r';
    t[b'b' as usize] = 8;
    t[b'f' as usize] = 12;
    t
};

/// Append the text of the escape at `bytes[at]` (a backslash) to `out`:
/// the escape's length. A table lookup, not a branch per kind, decodes the
/// one-character escapes, which markup mixes unpredictably (`\"` and `\n`).
#[inline(always)]
fn unescape_into(bytes: &[u8], at: usize, out: &mut Vec<u8>) -> Result<usize, String> {
    let next = bytes.get(at + 1).copied();
    let b = UNESCAPED[usize::from(next.unwrap_or(0))];
    if b != 0 {
        out.push(b);
        return Ok(2);
    }
    let placed = |e: &str| format!("{e} at byte {at}");
    match next {
        Some(b'u') => {
            let (c, len) = unicode_escape(bytes, at).map_err(placed)?;
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            Ok(len)
        }
        Some(_) => Err(placed("invalid escape")),
        None => Err(placed("unfinished escape")),
    }
}

/// The error of a control character at byte `at`.
fn control(at: usize) -> String {
    format!("control character (\\u0000-\\u001F) found while parsing a string at byte {at}")
}

/// The character of the `\uXXXX` escape (or surrogate pair of them) at
/// `bytes[at]`, and its length.
fn unicode_escape(bytes: &[u8], at: usize) -> Result<(char, usize), &'static str> {
    let first = hex4(bytes, at + 2)?;
    match first {
        0xD800..=0xDBFF => {
            if bytes.get(at + 6) != Some(&b'\\') || bytes.get(at + 7) != Some(&b'u') {
                return Err("lone leading surrogate in hex escape");
            }
            let second = hex4(bytes, at + 8)?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return Err("lone leading surrogate in hex escape");
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            let c = char::from_u32(code).ok_or("invalid unicode code point")?;
            Ok((c, 12))
        }
        0xDC00..=0xDFFF => Err("lone trailing surrogate in hex escape"),
        _ => Ok((
            char::from_u32(first).ok_or("invalid unicode code point")?,
            6,
        )),
    }
}

/// The value of the four hex digits at `bytes[at..]`.
fn hex4(bytes: &[u8], at: usize) -> Result<u32, &'static str> {
    let digits = bytes.get(at..at + 4).ok_or("unfinished escape")?;
    digits.iter().try_fold(0u32, |acc, &d| {
        let v = char::from(d).to_digit(16).ok_or("invalid escape")?;
        Ok(acc << 4 | v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of the JSON string literal `raw`, which must be all of it.
    fn unescape(raw: &str) -> Result<String, String> {
        let (text, end) = string_at(raw.as_bytes(), 0)?;
        match end == raw.len() {
            true => Ok(String::from_utf8(text).expect("UTF-8 in, UTF-8 out")),
            false => Err("trailing characters".into()),
        }
    }

    /// `s` as a JSON string literal with every non-ASCII character as
    /// `\u` escapes (surrogate pairs beyond the BMP).
    fn ascii_literal(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
                c => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{u:04X}"));
                    }
                }
            }
        }
        out.push('"');
        out
    }

    const SAMPLES: &[&str] = &[
        "",
        "plain",
        "<p class=\"x\">a\\b</p>\n\t\r",
        "\u{0}\u{1f}\u{7f}",
        "é — ü 中文 \u{FFFF}",
        "emoji 😀 and 𝄞 at the end 😀",
        "\\",
        "\"",
        "/ \u{8} \u{c}",
        "a longer run of plain text, longer than eight bytes \"quoted\" ok",
    ];

    #[test]
    fn agrees_with_serde_json() {
        for s in SAMPLES {
            let literal = serde_json::to_string(s).expect("encode");
            assert_eq!(unescape(&literal).as_deref(), Ok(*s), "{literal}");
            let ascii = ascii_literal(s);
            assert_eq!(unescape(&ascii).as_deref(), Ok(*s), "{ascii}");
            assert_eq!(
                serde_json::from_str::<String>(&ascii).expect("serde_json"),
                *s
            );
        }
    }

    #[test]
    fn every_escape() {
        assert_eq!(
            unescape(r#""\"\\\/\b\f\n\r\t\u0041\u00e9\u4E2D\ud83d\ude00\u0000""#).as_deref(),
            Ok("\"\\/\u{8}\u{c}\n\r\tAé中😀\u{0}")
        );
        assert_eq!(unescape(r#""a\nb""#).as_deref(), Ok("a\nb"));
        assert_eq!(unescape(r#""\uDBFF\uDFFF""#).as_deref(), Ok("\u{10FFFF}"));
    }

    #[test]
    fn escapes_at_every_place_of_a_block() {
        // Each escape (and a bad one) at every offset around the first
        // block boundaries, with plain text after it longer than a block,
        // and the closing quote right after it.
        for esc in [
            r#"\""#,
            r"\n",
            r"\u00e9",
            r"\ud83d\ude00",
            "é",
            "😀",
            r"\q",
            "\u{1}",
        ] {
            for at in 0..2 * BLOCK + 2 {
                for tail in ["b".repeat(BLOCK + 3), String::new()] {
                    let literal = format!("\"{}{esc}{tail}\"", "a".repeat(at));
                    let ours = unescape(&literal);
                    match serde_json::from_str::<String>(&literal) {
                        Ok(s) => assert_eq!(ours.as_deref(), Ok(s.as_str()), "{literal}"),
                        Err(_) => assert!(ours.is_err(), "{literal}"),
                    }
                }
            }
        }
        // Escapes packed closer than a block, across block ends, and a
        // string with no end.
        let many = format!("\"{}\"", r#"x\"y\n\\"#.repeat(40));
        assert_eq!(unescape(&many), Ok("x\"y\n\\".repeat(40)));
        assert!(unescape(&format!("\"{}", "a".repeat(3 * BLOCK))).is_err());
        assert!(unescape(&format!("\"{}\\", "a".repeat(BLOCK - 2))).is_err());
    }

    #[test]
    fn refuses_bad_strings() {
        for bad in [
            r#""\x""#,
            r#""\u12""#,
            r#""\u12g4""#,
            r#""\""#,
            r#""abc\"#,
            r#""\ud800""#,
            r#""\ud800x""#,
            r#""\ud800\n""#,
            r#""\ud800\u0041""#,
            r#""\ud800\ud800""#,
            r#""\udc00""#,
            r#""\udfff\ud800""#,
            "\"a\u{1}b\"",
            "\"0123456789\nabc\"",
            "\"a\u{7}\"",
            "5",
            "\"",
            "\"0123456789",
        ] {
            assert!(unescape(bad).is_err(), "{bad:?}");
        }
        assert!(decode(b"{\"html\":\"\xff\xfe\"}").is_err());
        assert!(decode(b"{\"html\":\"0123456789\xc3\"}").is_err());
    }

    /// `decode` against serde_json on `body`: both refuse it, or both
    /// give the same request.
    fn same_as_serde_json(body: &[u8]) {
        let ours = decode(body).map(|r| format!("{r:?}"));
        let theirs = serde_json::from_slice::<ExtractRequest>(body).map(|r| format!("{r:?}"));
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", String::from_utf8_lossy(body)),
            (Err(_), Err(_)) => {}
            _ => panic!(
                "{}: ours {ours:?}, serde_json {theirs:?}",
                String::from_utf8_lossy(body)
            ),
        }
    }

    #[test]
    fn decodes_requests_as_serde_json_does() {
        let req = decode(
            br#"{"html":"<p>\u00e9\"</p>","url":"https://e.com/","format":"text",
                 "selectors":{"keep":["main"],"drop":[".ad"]},"comments":true,
                 "links":false,"images":true}"#,
        )
        .expect("request");
        assert_eq!(req.html.as_deref(), Some("<p>é\"</p>".as_bytes()));
        assert_eq!(req.url.as_deref(), Some("https://e.com/"));
        let s = req.selectors.expect("selectors");
        assert_eq!((s.keep, s.drop), (vec!["main".into()], vec![".ad".into()]));
        for body in [
            &br#"{"html":"<p>\u00e9\"</p>","url":"https://e.com/","format":"text","selectors":{"keep":["main"],"drop":[".ad"]},"comments":true,"links":false,"images":true}"#[..],
            br#" { "url" : "https://e.com/" , "html" : null } "#,
            br#"{}"#,
            b" {\n}\t\r\n",
            br#"{"\u0068tml":"<b>x</b>"}"#,
            br#"{"html":"a","url":null,"comments":null}"#,
            br#"{"url":"u","url":"v"}"#,
            br#"{"html":"a","html":"b"}"#,
            br#"{"html":null,"html":"b"}"#,
            br#"{"html":"a","html":null}"#,
            br#"{"html":"<p>\ud800</p>"}"#,
            br#"{"html":5}"#,
            br#"{"html":["<p>"]}"#,
            br#"{"html":{"a":1}}"#,
            br#"{"html":"a"b"}"#,
            b"{\"html\":\"a\nb\"}",
            br#"{"html":"a\qb"}"#,
            br#"{"html":"<p>"#,
            br#"{"html":"<p>""#,
            br#"{"html":"<p>","#,
            br#"{"html":"<p>",}"#,
            br#"{"html":"<p>" "url":"u"}"#,
            br#"{"html" "<p>"}"#,
            br#"{html:"<p>"}"#,
            br#"{5:"<p>"}"#,
            br#"{"html":"<p>","extra":1}"#,
            br#"{"html":"<p>","url":5}"#,
            br#"{"html":"<p>","comments":tru}"#,
            br#"{"html":"<p>","comments":true}x"#,
            br#"{"html":"<p>"}{}"#,
            br#"{"html":"<p>","selectors":{"keep":["a"],"bad":[]}}"#,
            b"{\"html\":\"\xff\"}",
            b"{\"html\":\"0123456789abcdef\xe2\x82\"}",
            b"",
            b"   ",
            b"[]",
            b"null",
            b"{",
            b"}",
        ] {
            same_as_serde_json(body);
        }
    }

    #[test]
    fn agrees_with_serde_json_on_generated_pages() {
        // Pieces whose every mix is a request, valid or not.
        const PIECES: &[&str] = &[
            "a",
            "<p class=\\\"x\\\">",
            "\\n",
            "\\\"",
            "\\\\",
            "\\/",
            "\\u00e9",
            "é",
            "中",
            "😀",
            "\\ud83d\\ude00",
            "\\ud83d",
            "\\ude00",
            "\\u12",
            "\\x",
            "\n",
            "\u{1f}",
            "\"",
            "\\",
            "\\b\\f\\r\\t",
            "0123456789abcdef",
            " ",
            "\\u0000",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..5000 {
            let mut body = String::from("{\"html\":\"");
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let n = (seed >> 59) as usize;
            for _ in 0..n {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                body.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
            }
            body.push_str("\",\"url\":\"https://e.com/\"}");
            same_as_serde_json(body.as_bytes());
        }
    }
}
