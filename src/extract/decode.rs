//! Bytes to text: the first stage of extraction.
//!
//! The charset is chosen in this order of trust:
//! 1. a byte-order mark;
//! 2. the charset the caller knows (an HTTP `Content-Type` header);
//! 3. the page's own `<meta charset>` or `<meta http-equiv="Content-Type">`,
//!    looked for in the whole `<head>` (up to [`META_SCAN_LIMIT`] bytes), not
//!    only the first 1024 bytes;
//! 4. a statistical detector (chardetng) when nothing is declared, or when the
//!    declaration contradicts the bytes.
//!
//! A declaration "contradicts the bytes" when decoding with it hits malformed
//! sequences, or when it names a legacy single-byte charset while the bytes
//! are valid, non-ASCII UTF-8 (a very common mislabel). Undeclared bytes that
//! are valid UTF-8 are read as UTF-8.

use crate::extract::error::DecodeError;
use encoding_rs::{Encoding, UTF_8};
use std::borrow::Cow;

/// How far into the document the `<meta>` charset prescan looks.
pub const META_SCAN_LIMIT: usize = 64 * 1024;
/// How many leading bytes are checked for binary content.
const BINARY_SNIFF_LEN: usize = 2048;
/// Share of control bytes in the sniffed prefix above which input is binary.
const BINARY_CONTROL_RATIO: f32 = 0.10;
/// Share of NUL bytes above which input is binary (UTF-16 without a
/// byte-order mark has one in two).
const BINARY_NUL_RATIO: f32 = 0.30;

/// Where the chosen charset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// A byte-order mark.
    Bom,
    /// The caller's hint (HTTP header).
    Http,
    /// The page's `<meta>` declaration.
    Meta,
    /// Valid UTF-8 with no usable declaration.
    Utf8Check,
    /// The statistical detector.
    Detector,
}

/// Text of a page and how its charset was chosen.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The decoded page.
    pub text: Cow<'a, str>,
    /// The charset used (WHATWG name, e.g. `windows-1252`).
    pub charset: &'static str,
    /// Which rule chose the charset.
    pub source: CharsetSource,
}

/// Decode the raw bytes of a page into text.
///
/// `http_charset` is the `charset` parameter of a `Content-Type` header, when
/// the caller has one. `tld` (e.g. `"jp"`) helps the detector on undeclared
/// legacy pages.
pub fn decode<'a>(
    bytes: &'a [u8],
    http_charset: Option<&str>,
    tld: Option<&str>,
) -> Result<Decoded<'a>, DecodeError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DecodeError::Empty);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Ok(Decoded {
            text,
            charset: enc.name(),
            source: CharsetSource::Bom,
        });
    }
    check_binary(bytes)?;

    let declared = http_charset
        .and_then(|l| Encoding::for_label(l.trim().as_bytes()))
        .map(|e| (e, CharsetSource::Http))
        .or_else(|| sniff_meta_charset(bytes).map(|e| (e, CharsetSource::Meta)));

    let valid_utf8 = std::str::from_utf8(bytes).ok();
    if let Some((enc, source)) = declared {
        // UTF-16 declared in a byte stream without BOM is always a lie in
        // practice (the meta tag could not have been read otherwise).
        let enc = if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            UTF_8
        } else {
            enc
        };
        if enc == UTF_8 {
            if let Some(text) = valid_utf8 {
                return Ok(utf8(text, source));
            }
        } else if let Some(text) =
            valid_utf8.filter(|t| !t.is_ascii() && is_single_byte_legacy(enc))
        {
            // Declared legacy, but the bytes are clean UTF-8 with multi-byte
            // sequences: the declaration is stale.
            return Ok(utf8(text, CharsetSource::Utf8Check));
        } else if let Some(text) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
            return Ok(Decoded {
                text,
                charset: enc.name(),
                source,
            });
        }
    } else if let Some(text) = valid_utf8 {
        return Ok(utf8(text, CharsetSource::Utf8Check));
    }

    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = det.guess(tld.map(str::as_bytes), chardetng::Utf8Detection::Allow);
    let (text, _) = enc.decode_without_bom_handling(bytes);
    Ok(Decoded {
        text,
        charset: enc.name(),
        source: CharsetSource::Detector,
    })
}

fn utf8(text: &str, source: CharsetSource) -> Decoded<'_> {
    Decoded {
        text: Cow::Borrowed(text),
        charset: UTF_8.name(),
        source,
    }
}

fn is_single_byte_legacy(enc: &'static Encoding) -> bool {
    enc.is_single_byte()
}

/// Refuse input that is not text: files of known binary formats by their
/// magic bytes, data full of control bytes, and data with NUL bytes that
/// shows no markup (or is markup in UTF-16 without a byte-order mark).
/// Stray NUL bytes in a page that is otherwise markup, even runs of them,
/// are noise (the parser drops them), not a sign of binary data.
fn check_binary(bytes: &[u8]) -> Result<(), DecodeError> {
    let head = &bytes[..bytes.len().min(BINARY_SNIFF_LEN)];
    if head.starts_with(b"%PDF-") {
        return Err(DecodeError::Binary("PDF document".into()));
    }
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG", "PNG image"),
        (b"\xff\xd8\xff", "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"PK\x03\x04", "ZIP archive"),
        (b"\x1f\x8b", "gzip data"),
        (b"\x28\xb5\x2f\xfd", "zstd data"),
        (b"\xfd7zXZ\x00", "xz data"),
        (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
        (b"Rar!\x1a\x07", "RAR archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office document"),
        (b"\x7fELF", "ELF executable"),
        (b"wOFF", "WOFF font"),
        (b"wOF2", "WOFF2 font"),
        (b"OggS", "Ogg media"),
        (b"SQLite format 3\x00", "SQLite database"),
    ];
    for (magic, what) in MAGIC {
        if head.starts_with(magic) {
            return Err(DecodeError::Binary((*what).into()));
        }
    }
    if head.get(4..8) == Some(b"ftyp") {
        return Err(DecodeError::Binary("MP4 media".into()));
    }
    if head.starts_with(b"RIFF") && head.get(8..12).is_some_and(|f| f != b"    ") {
        return Err(DecodeError::Binary("RIFF media".into()));
    }
    let is_control = |b: u8| b < 0x20 && !matches!(b, 0 | b'\t' | b'\n' | b'\r' | 0x0c);
    // The first bytes that are not NUL: stray NULs neither hide a page's
    // markup nor count as its control bytes.
    let sample: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|&b| b != 0)
        .take(BINARY_SNIFF_LEN)
        .collect();
    let control = sample.iter().filter(|&&b| is_control(b)).count();
    if control as f32 > sample.len() as f32 * BINARY_CONTROL_RATIO {
        return Err(DecodeError::Binary(format!(
            "{control} control bytes in the first {} bytes",
            sample.len()
        )));
    }
    let nul = head.iter().filter(|&&b| b == 0).count();
    if nul == 0 {
        return Ok(());
    }
    if looks_like_markup(&sample) {
        // Markup with a NUL after every other byte is UTF-16 without a
        // byte-order mark, which is not read here.
        let interleaved = (1..head.len().saturating_sub(1))
            .filter(|&i| head[i] == 0 && head[i - 1] != 0 && head[i + 1] != 0)
            .count();
        if interleaved as f32 > head.len() as f32 * BINARY_NUL_RATIO {
            return Err(DecodeError::Binary(
                "UTF-16 text without a byte-order mark".into(),
            ));
        }
        return Ok(());
    }
    let nul_total = memchr::memchr_iter(0, bytes).count();
    let head_control = head.iter().filter(|&&b| is_control(b)).count();
    if nul_total as f32 > bytes.len() as f32 * BINARY_NUL_RATIO
        || (nul + head_control) as f32 > head.len() as f32 * BINARY_CONTROL_RATIO / 4.0
    {
        return Err(DecodeError::Binary(format!(
            "{} NUL and control bytes in the first {} bytes",
            nul + head_control,
            head.len()
        )));
    }
    Ok(())
}

/// Whether `bytes` hold an HTML or XML tag that pages commonly start with.
fn looks_like_markup(bytes: &[u8]) -> bool {
    const TAGS: &[&[u8]] = &[
        b"<!doctype",
        b"<html",
        b"<head",
        b"<body",
        b"<meta",
        b"<title",
        b"<link",
        b"<script",
        b"<style",
        b"<div",
        b"<p>",
        b"<p ",
        b"<span",
        b"<a ",
        b"<br",
        b"<table",
        b"<!--",
        b"<?xml",
        b"<rss",
        b"<feed",
        b"<article",
        b"<section",
        b"<h1",
        b"<h2",
        b"<ul",
        b"<li",
    ];
    let lower = bytes.to_ascii_lowercase();
    TAGS.iter()
        .any(|t| memchr::memmem::find(&lower, t).is_some())
}

/// Find a charset declared in a `<meta>` tag, anywhere in the head.
pub fn sniff_meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let hay = &bytes[..bytes.len().min(META_SCAN_LIMIT)];
    let mut pos = 0;
    while let Some(off) = memchr::memchr(b'<', &hay[pos..]) {
        let start = pos + off;
        let rest = &hay[start + 1..];
        if rest.len() >= 4 && rest[..4].eq_ignore_ascii_case(b"meta") {
            let end = memchr::memchr(b'>', rest).map_or(rest.len(), |e| e);
            let tag = &rest[4..end];
            if let Some(enc) = charset_in_meta(tag) {
                return Some(enc);
            }
            pos = start + 1 + end;
        } else if rest.len() >= 5 && rest[..5].eq_ignore_ascii_case(b"/head") {
            break;
        } else if rest.len() >= 3 && rest[..3] == *b"!--" {
            pos = match memchr::memmem::find(&rest[3..], b"-->") {
                Some(e) => start + 4 + e + 3,
                None => break,
            };
        } else {
            pos = start + 1;
        }
    }
    None
}

fn charset_in_meta(tag: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = tag.to_ascii_lowercase();
    let at = memchr::memmem::find(&lower, b"charset")?;
    let mut v = &lower[at + 7..];
    while let [b' ' | b'\t' | b'\n' | b'\r', rest @ ..] = v {
        v = rest;
    }
    let [b'=', rest @ ..] = v else { return None };
    let mut v = rest;
    while let [b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'', rest @ ..] = v {
        v = rest;
    }
    let end = v
        .iter()
        .position(|&b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>' | b'\t' | b'\n'))
        .unwrap_or(v.len());
    Encoding::for_label(&v[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_wins_over_everything() {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("<meta charset=windows-1251><p>é</p>".as_bytes());
        let d = decode(&b, Some("shift_jis"), None).unwrap();
        assert_eq!(d.source, CharsetSource::Bom);
        assert!(d.text.contains('é'));
    }

    #[test]
    fn meta_after_first_kilobyte_is_found() {
        let mut s = String::from("<html><head><style>");
        s.push_str(&"x".repeat(3000));
        s.push_str("</style><meta charset=\"windows-1251\"></head><body>");
        let mut b = s.into_bytes();
        b.extend_from_slice(&[0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]); // "Привет"
        let d = decode(&b, None, None).unwrap();
        assert_eq!(d.charset, "windows-1251");
        assert!(d.text.ends_with("Привет"));
    }

    #[test]
    fn http_equiv_is_read() {
        let b = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">";
        assert_eq!(sniff_meta_charset(b), Some(encoding_rs::SHIFT_JIS));
    }

    #[test]
    fn stale_latin1_label_on_utf8_bytes_reads_utf8() {
        let b = "<meta charset=iso-8859-1><p>café</p>".as_bytes();
        let d = decode(b, None, None).unwrap();
        assert_eq!(d.charset, "UTF-8");
        assert!(d.text.contains("café"));
    }

    #[test]
    fn undeclared_cp1252_is_detected() {
        let mut b = b"<html><body><p>".to_vec();
        let (enc, _, _) = encoding_rs::WINDOWS_1252
            .encode("The caf\u{e9} served cr\u{e8}me br\u{fb}l\u{e9}e \u{2014} na\u{ef}ve \u{201c}quotes\u{201d} for \u{a3}5 every d\u{e9}j\u{e0} vu evening.");
        b.extend_from_slice(&enc);
        let d = decode(&b, None, None).unwrap();
        assert_eq!(d.source, CharsetSource::Detector);
        assert!(d.text.contains("café"), "{}", d.text);
        assert!(d.text.contains('\u{2014}'));
    }

    #[test]
    fn declared_utf8_with_bad_bytes_goes_to_detector() {
        let mut b = b"<meta charset=utf-8><p>".to_vec();
        let (enc, _, _) = encoding_rs::WINDOWS_1251
            .encode("Съешь же ещё этих мягких французских булок, да выпей чаю");
        b.extend_from_slice(&enc);
        let d = decode(&b, None, Some("ru")).unwrap();
        assert_eq!(d.source, CharsetSource::Detector);
        assert!(d.text.contains("французских"), "{}", d.text);
    }

    #[test]
    fn empty_and_binary_are_errors() {
        assert_eq!(decode(b"  \n", None, None).unwrap_err(), DecodeError::Empty);
        assert!(matches!(
            decode(b"%PDF-1.4 ...", None, None),
            Err(DecodeError::Binary(_))
        ));
        let noise: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 256) as u8).collect();
        assert!(matches!(
            decode(&noise, None, None),
            Err(DecodeError::Binary(_))
        ));
    }

    #[test]
    fn stray_nul_bytes_do_not_make_a_page_binary() {
        let page = "<!doctype html><html><head><title>Harbour plan</title></head><body>\
                    <p>The council met on Tuesday to discuss the harbour plan.</p></body></html>";
        // A NUL after every few bytes: some 8% of the page.
        let mut sprinkled = Vec::new();
        for (i, b) in page.bytes().enumerate() {
            sprinkled.push(b);
            if i % 12 == 5 {
                sprinkled.push(0);
            }
        }
        // A run of NULs before the page, and NULs padding its end.
        let mut padded = vec![0u8; 3000];
        padded.extend_from_slice(page.as_bytes());
        padded.extend_from_slice(&[0u8; 500]);
        for bytes in [sprinkled, padded] {
            let d = decode(&bytes, None, None).expect("a page with stray NUL bytes is HTML");
            assert!(d.text.contains("Harbour"), "{}", d.text);
        }
        // And the article comes out whole: the parser drops the NULs.
        let p = "<p>The council met on Tuesday evening to discuss the new harbour plan, which \
                 has divided residents, fishermen and shop owners for most of the past year.</p>";
        let article =
            format!("<html><body><article><h1>Harbour plan</h1>{p}{p}</article></body></html>");
        let bytes: Vec<u8> = article
            .bytes()
            .enumerate()
            .flat_map(|(i, b)| if i % 10 == 3 { vec![b, 0] } else { vec![b] })
            .collect();
        let a = crate::extract(&bytes, None, &Default::default()).expect("extracted");
        assert!(
            a.text.contains("divided residents, fishermen"),
            "{}",
            a.text
        );
    }

    #[test]
    fn binary_data_is_still_binary() {
        let with = |prefix: &[u8]| {
            let mut b = prefix.to_vec();
            b.extend_from_slice(b"<html><body><p>text</p></body></html>");
            b.extend((0..3000u32).map(|i| (i * 7919 % 256) as u8));
            b
        };
        for magic in [
            &b"%PDF-1.7\n"[..],
            b"\x89PNG\r\n\x1a\n",
            b"\xff\xd8\xff\xe0",
            b"GIF89a",
            b"PK\x03\x04",
            b"\x1f\x8b\x08",
            b"\x7fELF\x02\x01",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            b"\x00\x00\x00\x20ftypisom",
            b"RIFF\x00\x10\x00\x00WEBPVP8 ",
        ] {
            assert!(
                matches!(
                    decode(&with(magic), None, None),
                    Err(DecodeError::Binary(_))
                ),
                "{magic:?}"
            );
        }
        // Mostly control bytes, markup or not.
        let control: Vec<u8> = b"<html><p>"
            .iter()
            .chain(&[1u8, 2, 3, 4, 5, 6, 7, 8].repeat(300))
            .copied()
            .collect();
        assert!(matches!(
            decode(&control, None, None),
            Err(DecodeError::Binary(_))
        ));
        // NUL-dominated: UTF-16 without a byte-order mark, or zeros.
        let utf16: Vec<u8> = "<html><body><p>text</p></body></html>"
            .bytes()
            .flat_map(|b| [b, 0])
            .collect();
        assert!(matches!(
            decode(&utf16, None, None),
            Err(DecodeError::Binary(_))
        ));
        assert!(matches!(
            decode(&[0u8; 5000], None, None),
            Err(DecodeError::Binary(_))
        ));
    }
}
