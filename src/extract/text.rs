//! Text measures and normalizations that several stages share.
//!
//! Measures:
//! - [`measure`]: a text's length as the cleaner, scorer and listing checks
//!   count it (whitespace runs once, CJK characters [`CJK_CHAR_WEIGHT`]
//!   times) and its commas. Every length threshold in the extractor is in
//!   these units.
//! - [`word_count`]: the `word_count` of an [`Article`](super::model::Article).
//! - [`is_cjk`]: the characters both of them weigh differently.
//!
//! Normalizations, each for one kind of comparison:
//! - [`push_collapsed`]: append a text node to a buffer with whitespace runs
//!   folded into one space, as a browser lays text out. For building text
//!   from several nodes: a space at a node's edge is kept, so words on either
//!   side of an element stay apart.
//! - [`collapse_whitespace`]: one value with whitespace runs folded into one
//!   space and the ends trimmed. For metadata values (titles, names, tags)
//!   that are shown as they are.
//! - [`fold_line`]: lower case, trimmed, trailing punctuation and a leading
//!   dash off. For comparing a whole line with the phrase lists in
//!   [`rules`](super::rules) ("Advertisement", "You may also like") and with
//!   the headline or the authors' names; words and spaces stay.
//! - [`identity_key`]: alphanumerics only, lower case. For asking whether two
//!   strings name the same thing (a title and `<title>`, a site name and a
//!   title part), whatever their spacing and punctuation.

/// Whether `c` is a CJK character (Han, kana, Hangul, full-width forms).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
}

/// Weight of one CJK character in lengths: one Han or kana character carries
/// about as much as three Latin letters, so thresholds tuned on European text
/// hold for Chinese and Japanese pages too.
pub const CJK_CHAR_WEIGHT: u32 = 3;

/// (weighted length with whitespace runs counted once, commas).
pub fn measure(text: &str) -> (u32, u16) {
    let mut len = 0u32;
    let mut commas = 0u32;
    // Whether the last ASCII character was whitespace (or there was none):
    // other characters neither end nor start a run.
    let mut in_space = true;
    // In pieces of about `PIECE` bytes: an ASCII piece (most of them, in
    // most languages) is measured without branches on its bytes.
    const PIECE: usize = 64;
    let mut at = 0;
    while at < text.len() {
        let mut end = (at + PIECE).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let piece = &text[at..end];
        at = end;
        if piece.is_ascii() {
            let (l, c) = measure_ascii(piece.as_bytes(), in_space);
            len += l;
            commas += c;
            in_space = piece.as_bytes().last().is_some_and(u8::is_ascii_whitespace);
            continue;
        }
        for c in piece.chars() {
            if c.is_ascii() {
                if c.is_ascii_whitespace() {
                    len += u32::from(!in_space);
                    in_space = true;
                } else {
                    in_space = false;
                    len += 1;
                    commas += u32::from(c == ',');
                }
            } else if !c.is_whitespace() {
                len += if is_cjk(c) { CJK_CHAR_WEIGHT } else { 1 };
                commas += u32::from(matches!(c, '，' | '、' | '،'));
            }
        }
    }
    (len, u16::try_from(commas).unwrap_or(u16::MAX))
}

/// Length and commas of ASCII text (as [`measure`] counts them) after
/// whitespace when `in_space`, without branches on the bytes (so that the
/// loop runs on vectors): each byte counts but a whitespace byte after
/// whitespace.
fn measure_ascii(b: &[u8], in_space: bool) -> (u32, u32) {
    let Some(&first) = b.first() else {
        return (0, 0);
    };
    // `u8::is_ascii_whitespace`, as 1 or 0.
    let ws = |c: u8| {
        u32::from(c == b' ')
            | u32::from(c == b'\t')
            | u32::from(c == b'\n')
            | u32::from(c == b'\x0c')
            | u32::from(c == b'\r')
    };
    let mut len = 1 - (ws(first) & u32::from(in_space));
    let mut commas = u32::from(first == b',');
    for (&prev, &c) in b.iter().zip(&b[1..]) {
        len += 1 - (ws(prev) & ws(c));
        commas += u32::from(c == b',');
    }
    (len, commas)
}

/// Count words: whitespace-separated tokens, each CJK character one word.
pub fn word_count(text: &str) -> usize {
    // One pass: a word counts its CJK characters, and one more when it
    // holds another letter or digit. ASCII bytes are read as bytes.
    let b = text.as_bytes();
    let mut count = 0;
    let (mut cjk, mut other) = (0usize, false);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii() {
            i += 1;
            if is_ascii_space(c) {
                count += cjk + usize::from(other);
                (cjk, other) = (0, false);
            } else {
                other |= c.is_ascii_alphanumeric();
            }
            continue;
        }
        let ch = text[i..].chars().next().expect("a character starts here");
        i += ch.len_utf8();
        if ch.is_whitespace() {
            count += cjk + usize::from(other);
            (cjk, other) = (0, false);
        } else if is_cjk(ch) {
            cjk += 1;
        } else if !other {
            other = ch.is_alphanumeric();
        }
    }
    count + cjk + usize::from(other)
}

/// Whether an ASCII byte is whitespace to [`char::is_whitespace`] (vertical
/// tab included).
fn is_ascii_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t'..=b'\r')
}

/// Whether the character at byte `i` of `text` is whitespace (as
/// [`char::is_whitespace`] says), and its length in bytes. Only the lead
/// bytes of the few non-ASCII whitespace characters (U+0085, U+00A0,
/// U+1680, U+2000–U+205F, U+3000) are decoded.
fn whitespace_at(text: &str, i: usize) -> (bool, usize) {
    let c = text.as_bytes()[i];
    if c.is_ascii() {
        return (is_ascii_space(c), 1);
    }
    if matches!(c, 0xc2 | 0xe1..=0xe3) {
        let ch = text[i..].chars().next().expect("a character starts here");
        return (ch.is_whitespace(), ch.len_utf8());
    }
    let width = match c {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    (false, width)
}

/// Append `text` to `out` with whitespace runs folded into one space.
pub fn push_collapsed(out: &mut String, text: &str) {
    // Each word is copied whole; a space goes before it when whitespace
    // comes before it in `text` and `out` does not end in one already.
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        let (space, width) = whitespace_at(text, i);
        if space {
            if i > start {
                push_word(out, text, start, i);
            }
            start = i + width;
        }
        i += width;
    }
    if start < text.len() {
        push_word(out, text, start, text.len());
    } else if !text.is_empty() && !out.is_empty() && !out.ends_with(' ') {
        // `text` ends with whitespace.
        out.push(' ');
    }
}

/// Append the word `text[start..end]` to `out`, after a space when
/// whitespace comes before it (`start > 0`).
#[inline]
fn push_word(out: &mut String, text: &str, start: usize, end: usize) {
    if start > 0 && !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
    out.push_str(&text[start..end]);
}

/// `s` with whitespace runs folded into one space and the ends trimmed.
pub fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Normalise a line for comparison with the lists of known lines in
/// [`rules`](super::rules): lower case, trimmed, without trailing
/// punctuation or a leading dash.
pub fn fold_line(text: &str) -> String {
    let t = text.trim().to_lowercase();
    t.trim_end_matches(|c: char| c.is_ascii_punctuation() || c == '…' || c.is_whitespace())
        .trim_start_matches(|c: char| c == '—' || c == '-' || c.is_whitespace())
        .to_string()
}

/// The letters and digits of `s`, lower case: equal for two spellings of
/// the same name ("The Daily" and "the-daily").
pub fn identity_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_text_weighs_more() {
        assert_eq!(measure("ab  cd").0, 5);
        assert_eq!(measure("日本語").0, 9);
        assert_eq!(measure("a, b，c").1, 2);
    }

    #[test]
    fn ascii_pieces_measure_as_any_text() {
        // A trailing "é" sends a piece down the path for any text and adds
        // one; runs of spaces reach across pieces and past "é".
        let long = format!("{}, ,{}", "a ".repeat(40), "  b".repeat(30));
        let cases = [
            "",
            " ",
            "a",
            " a ",
            "a,b",
            "\t\n a  b ,, c\r\n",
            ",",
            "a \x0b b",
            &long,
        ];
        for s in cases {
            let (len, commas) = measure(s);
            assert_eq!((len + 1, commas), measure(&format!("{s}é")), "{s:?}");
            assert_eq!(measure(&format!("{s} é ")).0, measure(&format!("{s} é")).0);
        }
        assert_eq!(measure("a é b").0, 4);
        let x = "x".repeat(70);
        assert_eq!(measure(&format!("{x} é  {x}")).0, 142);
    }

    #[test]
    fn words_are_counted_across_scripts() {
        assert_eq!(word_count("Hello, world — again."), 3);
        assert_eq!(word_count("日本語 text"), 4);
    }

    #[test]
    fn each_normalization_keeps_what_its_comparison_needs() {
        assert_eq!(collapse_whitespace("  A \n big\tstory "), "A big story");
        assert_eq!(fold_line(" — You May Also Like… "), "you may also like");
        assert_eq!(identity_key("The Daily-News!"), "thedailynews");
        let mut out = String::from("one");
        push_collapsed(&mut out, " two\n three ");
        push_collapsed(&mut out, "four");
        assert_eq!(out, "one two three four");
    }

    #[test]
    fn byte_scans_agree_with_char_scans() {
        // What `word_count` and `push_collapsed` were, over characters.
        fn words(text: &str) -> usize {
            text.split_whitespace()
                .map(|w| {
                    if w.is_ascii() {
                        return usize::from(w.bytes().any(|b| b.is_ascii_alphanumeric()));
                    }
                    let cjk = w.chars().filter(|&c| is_cjk(c)).count();
                    if cjk == 0 {
                        usize::from(w.chars().any(char::is_alphanumeric))
                    } else {
                        cjk + usize::from(w.chars().any(|c| c.is_alphanumeric() && !is_cjk(c)))
                    }
                })
                .sum()
        }
        fn collapsed(out: &mut String, text: &str) {
            for (k, word) in text.split_whitespace().enumerate() {
                if (k > 0 || text.starts_with(char::is_whitespace))
                    && !out.is_empty()
                    && !out.ends_with(' ')
                {
                    out.push(' ');
                }
                out.push_str(word);
            }
            if text.ends_with(char::is_whitespace) && !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        }
        let pieces = [
            "", " ", "a", "Ab1", ",", "\t", "\n", "\x0b", "\x0c", "\r", "\u{85}", "\u{a0}",
            "\u{1680}", "\u{2003}", "\u{2028}", "\u{202f}", "\u{205f}", "\u{3000}", "\u{200b}",
            "é", "日本", "語", "한", "ｶ", "—", "€", "𝔸", "😀", "x\u{a0}y",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}");
                    assert_eq!(word_count(&text), words(&text), "{text:?}");
                    for start in ["", "x", "x "] {
                        let (mut fast, mut slow) = (start.to_string(), start.to_string());
                        push_collapsed(&mut fast, &text);
                        collapsed(&mut slow, &text);
                        assert_eq!(fast, slow, "{start:?} + {text:?}");
                    }
                }
            }
        }
    }
}
