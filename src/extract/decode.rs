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
    ];
    for (magic, what) in MAGIC {
        if head.starts_with(magic) {
            return Err(DecodeError::Binary((*what).into()));
        }
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    if head.contains(&0) && control as f32 > head.len() as f32 * BINARY_CONTROL_RATIO / 4.0
        || control as f32 > head.len() as f32 * BINARY_CONTROL_RATIO
    {
        return Err(DecodeError::Binary(format!(
            "{control} control bytes in the first {} bytes",
            head.len()
        )));
    }
    Ok(())
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
}
