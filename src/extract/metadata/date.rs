//! Dates: parsing the many ways pages write them, and finding them in text
//! and URLs.
//!
//! Structured values (ISO 8601, RFC 3339, RFC 2822, compact `YYYYMMDD`) are
//! parsed with chrono. Visible dates ("Posted March 3, 2004", "14.03.2017",
//! "2020年3月2日") are found with a few regular expressions and checked with
//! chrono. Every date must fall between [`MIN_YEAR`] and the caller's "now":
//! a date in the future of the page is never reported.

use chrono::{DateTime, NaiveDate};
use regex::Regex;
use std::sync::LazyLock;

/// Earliest plausible year of a web page.
pub const MIN_YEAR: i32 = 1993;

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
    // German, French, Spanish, Italian, Portuguese, Dutch names that differ.
    ("januar", 1),
    ("februar", 2),
    ("märz", 3),
    ("mai", 5),
    ("juni", 6),
    ("juli", 7),
    ("oktober", 10),
    ("dezember", 12),
    ("janvier", 1),
    ("février", 2),
    ("mars", 3),
    ("avril", 4),
    ("juin", 6),
    ("juillet", 7),
    ("août", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("enero", 1),
    ("febrero", 2),
    ("marzo", 3),
    ("abril", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("agosto", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
    ("gennaio", 1),
    ("febbraio", 2),
    ("aprile", 4),
    ("maggio", 5),
    ("giugno", 6),
    ("luglio", 7),
    ("settembre", 9),
    ("ottobre", 10),
    ("dicembre", 12),
    ("janeiro", 1),
    ("fevereiro", 2),
    ("março", 3),
    ("maio", 5),
    ("junho", 6),
    ("julho", 7),
    ("setembro", 9),
    ("outubro", 10),
    ("novembro", 11),
    ("dezembro", 12),
    ("januari", 1),
    ("februari", 2),
    ("maart", 3),
    ("mei", 5),
    ("augustus", 8),
    ("января", 1),
    ("февраля", 2),
    ("марта", 3),
    ("апреля", 4),
    ("мая", 5),
    ("июня", 6),
    ("июля", 7),
    ("августа", 8),
    ("сентября", 9),
    ("октября", 10),
    ("ноября", 11),
    ("декабря", 12),
    // Spanish, Italian and Portuguese abbreviations that differ.
    ("ene", 1),
    ("gen", 1),
    ("fev", 2),
    ("abr", 4),
    ("mag", 5),
    ("giu", 6),
    ("lug", 7),
    ("ago", 8),
    ("set", 9),
    ("ott", 10),
    ("out", 10),
    ("dic", 12),
    ("dez", 12),
    // German, French and Dutch abbreviations that differ ("14. Mär. 2022",
    // "3 janv. 2021", "5 mrt 2020").
    ("mär", 3),
    ("mrz", 3),
    ("okt", 10),
    ("janv", 1),
    ("févr", 2),
    ("fevr", 2),
    ("avr", 4),
    ("juil", 7),
    ("déc", 12),
    ("mrt", 3),
    // Swedish, Danish and Norwegian names that differ.
    ("maj", 5),
    ("augusti", 8),
    ("marts", 3),
    ("desember", 12),
    // Finnish, as dates write them ("14. maaliskuuta 2022").
    ("tammikuuta", 1),
    ("helmikuuta", 2),
    ("maaliskuuta", 3),
    ("huhtikuuta", 4),
    ("toukokuuta", 5),
    ("kesäkuuta", 6),
    ("heinäkuuta", 7),
    ("elokuuta", 8),
    ("syyskuuta", 9),
    ("lokakuuta", 10),
    ("marraskuuta", 11),
    ("joulukuuta", 12),
    // Romanian.
    ("ianuarie", 1),
    ("februarie", 2),
    ("martie", 3),
    ("aprilie", 4),
    ("iunie", 6),
    ("iulie", 7),
    ("septembrie", 9),
    ("octombrie", 10),
    ("noiembrie", 11),
    ("decembrie", 12),
    // Indonesian names that differ from the Dutch ones ("desember" is the
    // Norwegian one).
    ("maret", 3),
    ("agustus", 8),
    // Hungarian ("2022. március 14.").
    ("január", 1),
    ("február", 2),
    ("március", 3),
    ("április", 4),
    ("május", 5),
    ("június", 6),
    ("július", 7),
    ("augusztus", 8),
    ("szeptember", 9),
    ("október", 10),
    // Ukrainian and Greek, as dates write them (the genitive).
    ("січня", 1),
    ("лютого", 2),
    ("березня", 3),
    ("квітня", 4),
    ("травня", 5),
    ("червня", 6),
    ("липня", 7),
    ("серпня", 8),
    ("вересня", 9),
    ("жовтня", 10),
    ("листопада", 11),
    ("грудня", 12),
    ("ιανουαρίου", 1),
    ("φεβρουαρίου", 2),
    ("μαρτίου", 3),
    ("απριλίου", 4),
    ("μαΐου", 5),
    ("ιουνίου", 6),
    ("ιουλίου", 7),
    ("αυγούστου", 8),
    ("σεπτεμβρίου", 9),
    ("οκτωβρίου", 10),
    ("νοεμβρίου", 11),
    ("δεκεμβρίου", 12),
    // Polish and Czech, as dates write them (the genitive: "14 marca 2022",
    // "14. března 2022").
    ("stycznia", 1),
    ("lutego", 2),
    ("marca", 3),
    ("kwietnia", 4),
    ("maja", 5),
    ("czerwca", 6),
    ("lipca", 7),
    ("sierpnia", 8),
    ("września", 9),
    ("października", 10),
    ("listopada", 11),
    ("grudnia", 12),
    ("ledna", 1),
    ("února", 2),
    ("března", 3),
    ("dubna", 4),
    ("května", 5),
    ("června", 6),
    ("července", 7),
    ("srpna", 8),
    ("září", 9),
    ("října", 10),
    ("listopadu", 11),
    ("prosince", 12),
    // Turkish.
    ("ocak", 1),
    ("şubat", 2),
    ("mart", 3),
    ("nisan", 4),
    ("mayıs", 5),
    ("haziran", 6),
    ("temmuz", 7),
    ("ağustos", 8),
    ("eylül", 9),
    ("ekim", 10),
    ("kasım", 11),
    ("aralık", 12),
];

/// Whether a lower-case word names a month (in one of the known languages).
pub fn is_month_name(word: &str) -> bool {
    MONTHS.iter().any(|(m, _)| *m == word)
}

fn month_number(name: &str) -> Option<u32> {
    let n = name.trim_end_matches('.').to_lowercase();
    MONTHS.iter().find(|(m, _)| *m == n).map(|(_, k)| *k)
}

fn ymd(y: i32, m: u32, d: u32, now: NaiveDate) -> Option<NaiveDate> {
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    (y >= MIN_YEAR && date <= now).then_some(date)
}

/// [`ymd`] of a pattern's first three groups: year, month and day, in digits.
fn ymd_groups(c: &regex::Captures<'_>, now: NaiveDate) -> Option<NaiveDate> {
    ymd(
        c[1].parse().ok()?,
        c[2].parse().ok()?,
        c[3].parse().ok()?,
        now,
    )
}

static ISO_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\D|$)").expect("valid regex")
});
static COMPACT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(\d{4})(\d{2})(\d{2})(?:T|\s|$)").expect("valid regex"));

/// Parse a structured date value (a meta tag, `datetime` attribute, JSON-LD).
pub fn parse_value(s: &str, now: NaiveDate) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return ymd_of(dt.date_naive(), now);
    }
    if let Some(c) = ISO_PREFIX.captures(s) {
        return ymd_groups(&c, now);
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return ymd_of(dt.date_naive(), now);
    }
    if let Some(c) = COMPACT.captures(s) {
        return ymd_groups(&c, now);
    }
    if let Ok(ts) = s.parse::<i64>() {
        // Unix seconds or milliseconds.
        let secs = if ts > 100_000_000_000 { ts / 1000 } else { ts };
        if secs > 700_000_000 {
            return DateTime::from_timestamp(secs, 0).and_then(|d| ymd_of(d.date_naive(), now));
        }
    }
    find_in_text(s, now)
}

fn ymd_of(d: NaiveDate, now: NaiveDate) -> Option<NaiveDate> {
    use chrono::Datelike;
    ymd(d.year(), d.month(), d.day(), now)
}

/// How the three captures of a text pattern map to a date.
#[derive(Clone, Copy)]
enum Order {
    /// year, month, day.
    Ymd,
    /// month name, day, year.
    NameDy,
    /// day, month name, year.
    DNameY,
    /// day, month, year.
    Dmy,
    /// year, month name, day.
    YNameD,
    /// month, day, year; day first when the first number is over 12.
    MdyOrDmy,
    /// as [`Order::MdyOrDmy`], when one of the two numbers is over 12.
    MdyOrDmyPlain,
}

static TEXT_PATTERNS: LazyLock<Vec<(Regex, Order)>> = LazyLock::new(|| {
    // Any word of letters, in any script: the month names above decide.
    let month = r"(\p{L}{3,12}\.?)";
    let pattern = |re: &str| Regex::new(re).expect("valid regex");
    vec![
        // 2020-03-02, 2020/03/02, 2020.03.02, 2020-03-02T10:00
        (
            pattern(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:T\d|\b)"),
            Order::Ymd,
        ),
        // March 2, 2020 / Mar. 2nd 2020
        (
            pattern(&format!(
                r"\b{month}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
            )),
            Order::NameDy,
        ),
        // 2 March 2020 / 2. März 2020 / 2 de marzo de 2020
        (
            pattern(&format!(
                r"\b(\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:de\s+)?{month}\s+(?:de\s+)?(\d{{4}})\b"
            )),
            Order::DNameY,
        ),
        // 14.03.2017 (day first)
        (pattern(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), Order::Dmy),
        // 03/14/2017 (month first, as US sites write it); with dashes only
        // when one number is over 12, since 02-12-2025 is month first in the
        // US (forum software) and day first in much of the world.
        (pattern(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), Order::MdyOrDmy),
        (
            pattern(r"\b(\d{1,2})-(\d{1,2})-(\d{4})\b"),
            Order::MdyOrDmyPlain,
        ),
        // 2023 Jan 7 (as citation metadata writes it), 2022. március 14.
        (
            pattern(&format!(r"\b(\d{{4}})\.?\s+{month}\s+(\d{{1,2}})\b")),
            Order::YNameD,
        ),
        // 2020年3月2日, 2020년 3월 2일
        (
            pattern(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]"),
            Order::Ymd,
        ),
    ]
});

fn date_of(c: &regex::Captures<'_>, order: Order, now: NaiveDate) -> Option<NaiveDate> {
    let num = |k: usize| c[k].parse::<u32>().ok();
    let year = |k: usize| c[k].parse::<i32>().ok();
    match order {
        Order::Ymd => ymd(year(1)?, num(2)?, num(3)?, now),
        Order::NameDy => ymd(year(3)?, month_number(&c[1])?, num(2)?, now),
        Order::DNameY => ymd(year(3)?, month_number(&c[2])?, num(1)?, now),
        Order::Dmy => ymd(year(3)?, num(2)?, num(1)?, now),
        Order::YNameD => ymd(year(1)?, month_number(&c[2])?, num(3)?, now),
        Order::MdyOrDmy | Order::MdyOrDmyPlain => {
            let (a, b) = (num(1)?, num(2)?);
            if matches!(order, Order::MdyOrDmyPlain) && a <= 12 && b <= 12 {
                return None;
            }
            let (m, d) = if a > 12 { (b, a) } else { (a, b) };
            ymd(year(3)?, m, d, now)
        }
    }
}

static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:(?:published|updated|posted|last updated)\s*:?\s*)?(?:an?|\d+)\s+(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago$",
    )
    .expect("valid regex")
});

/// Whether a line is only a relative time: "Published 1 day ago", "3 hours ago".
pub fn is_relative_time(line: &str) -> bool {
    line.len() < 60 && RELATIVE.is_match(line.trim())
}

/// Whether `s` holds a run of four digits, as every written date's year is.
pub fn has_four_digits(s: &str) -> bool {
    s.as_bytes()
        .windows(4)
        .any(|w| w.iter().all(u8::is_ascii_digit))
}

/// Find the first plausible date written in free text.
pub fn find_in_text(s: &str, now: NaiveDate) -> Option<NaiveDate> {
    // Every pattern holds a four-digit year: most text has none.
    if !has_four_digits(s) {
        return None;
    }
    let found: Vec<(usize, NaiveDate)> = TEXT_PATTERNS
        .iter()
        .flat_map(|(re, order)| {
            re.captures_iter(s)
                .filter_map(move |c| Some((c.get(0)?.start(), date_of(&c, *order, now)?)))
        })
        .collect();
    // "Updated: April 9, 2020. Originally published March 8, 2019": the
    // publication date is the one no update word announces.
    let announced_update = |pos: usize| {
        let mut from = pos.saturating_sub(UPDATE_WORD_REACH);
        while !s.is_char_boundary(from) {
            from -= 1;
        }
        let before = s[from..pos].to_lowercase();
        UPDATE_WORDS.iter().any(|w| before.contains(w))
    };
    found
        .iter()
        .filter(|(pos, _)| !announced_update(*pos))
        .min_by_key(|(pos, _)| *pos)
        .or_else(|| found.iter().min_by_key(|(pos, _)| *pos))
        .map(|(_, d)| *d)
}

/// Bytes before a date searched for a word saying it is an update.
const UPDATE_WORD_REACH: usize = 24;

/// Words that announce a modification date in a dateline.
const UPDATE_WORDS: &[&str] = &[
    "updated",
    "update:",
    "modified",
    "edited",
    "aktualisiert",
    "geändert",
    "mis à jour",
    "mise à jour",
    "actualizado",
    "atualizado",
    "aggiornato",
    "bijgewerkt",
    "zaktualizowano",
    "aktualizováno",
    "uppdaterad",
    "opdateret",
    "oppdatert",
    "güncellendi",
    "обновлено",
    "更新",
];

static URL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:[^0-9A-Za-z]|$)")
        .expect("valid regex")
});

static URL_MONTH_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/((?:19|20)\d{2})/([A-Za-z]{3,9})/(0?[1-9]|[12]\d|3[01])(?:[^0-9A-Za-z]|$)")
        .expect("valid regex")
});

/// A date written in a URL path: `/2019/07/23/`, `/2019-07-23-slug`,
/// `/2019-07-23+slug`, `/20190723/`, `/2019/july/23/`.
pub fn from_url(path: &str, now: NaiveDate) -> Option<NaiveDate> {
    if let Some(c) = URL_DATE.captures(path) {
        return ymd_groups(&c, now);
    }
    let c = URL_MONTH_DATE.captures(path)?;
    ymd(
        c[1].parse().ok()?,
        month_number(&c[2])?,
        c[3].parse().ok()?,
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
    }
    fn d(y: i32, m: u32, dd: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, dd)
    }

    #[test]
    fn update_dates_give_way_to_the_publication_date() {
        assert_eq!(
            find_in_text(
                "Updated: April 9, 2020. Originally published March 8, 2019",
                now()
            ),
            d(2019, 3, 8)
        );
        assert_eq!(
            find_in_text("Published March 8, 2019, updated April 9, 2020", now()),
            d(2019, 3, 8)
        );
        assert_eq!(
            find_in_text("Zuletzt aktualisiert am 09.04.2020", now()),
            d(2020, 4, 9),
            "an update date alone is still a date"
        );
    }

    #[test]
    fn structured_values() {
        assert_eq!(
            parse_value("2020-03-02T10:00:00+01:00", now()),
            d(2020, 3, 2)
        );
        assert_eq!(parse_value("2020-03-02 10:00", now()), d(2020, 3, 2));
        assert_eq!(
            parse_value("Mon, 02 Mar 2020 10:00:00 GMT", now()),
            d(2020, 3, 2)
        );
        assert_eq!(parse_value("20200302", now()), d(2020, 3, 2));
        assert_eq!(
            parse_value("2030-01-01", now()),
            None,
            "future dates are refused"
        );
    }

    #[test]
    fn dates_in_text() {
        let cases = [
            ("Posted March 3, 2004 by X", d(2004, 3, 3)),
            ("Updated 4:12 PM EST, Mon March 2, 2020", d(2020, 3, 2)),
            ("am 14.03.2017 um 10:22", d(2017, 3, 14)),
            ("Tue, 03/14/2017 - 10:22", d(2017, 3, 14)),
            ("2. März 2019", d(2019, 3, 2)),
            ("2020年3月2日 10時", d(2020, 3, 2)),
            ("5 марта 2021 года", d(2021, 3, 5)),
            ("11-29-2023, 09:03 AM", d(2023, 11, 29)),
            ("29-11-2023", d(2023, 11, 29)),
            ("02-12-2023", None),
            ("2023 Jan 7;15(1):e33475", d(2023, 1, 7)),
            ("no date here, 12:30", None),
            ("02 Ago 2017", d(2017, 8, 2)),
            ("2022-11-23T08:10+02:00", d(2022, 11, 23)),
            ("2022-11-23Tuesday", None),
            ("Von Anna Schmidt | 14. Mär. 2022", d(2022, 3, 14)),
            ("3 janv. 2021 à 10h", d(2021, 1, 3)),
            ("Opublikowano: 14 marca 2022", d(2022, 3, 14)),
            ("14 października 2021, 10:15", d(2021, 10, 14)),
            ("Publikováno 2. května 2020", d(2020, 5, 2)),
            ("5 mrt 2020", d(2020, 3, 5)),
            ("12 Ağustos 2023 Cumartesi", d(2023, 8, 12)),
            ("Publicerad 3 maj 2019", d(2019, 5, 3)),
            ("Walmart 2, 2020", None),
            ("Udgivet 14. marts 2022", d(2022, 3, 14)),
            ("Publisert 3. desember 2021", d(2021, 12, 3)),
            ("Julkaistu 14. maaliskuuta 2022", d(2022, 3, 14)),
            ("Publicat pe 14 martie 2022", d(2022, 3, 14)),
            ("Diterbitkan 17 Agustus 2022", d(2022, 8, 17)),
            ("Megjelent: 2022. március 14. 10:15", d(2022, 3, 14)),
            ("Опубліковано 14 березня 2022", d(2022, 3, 14)),
            ("Δημοσιεύθηκε 14 Μαΐου 2022", d(2022, 5, 14)),
        ];
        for (text, want) in cases {
            assert_eq!(find_in_text(text, now()), want, "{text}");
        }
    }

    #[test]
    fn relative_times() {
        assert!(is_relative_time("Published 1 day ago"));
        assert!(is_relative_time("3 hours ago"));
        assert!(!is_relative_time(
            "Two days ago the council voted to close the bridge."
        ));
    }

    #[test]
    fn dates_in_urls() {
        assert_eq!(from_url("/2019/07/23/slug/", now()), d(2019, 7, 23));
        assert_eq!(from_url("/news/2019-07-23-slug", now()), d(2019, 7, 23));
        assert_eq!(from_url("/p/12345678/", now()), None);
        assert_eq!(
            from_url("/articles/2019-07-23+Why+and+how", now()),
            d(2019, 7, 23)
        );
        assert_eq!(
            from_url("/blog/2023/october/03/slug/", now()),
            d(2023, 10, 3)
        );
        assert_eq!(from_url("/blog/2023/Oct/3", now()), d(2023, 10, 3));
        assert_eq!(from_url("/archive/2023/summer/03/", now()), None);
        assert_eq!(from_url("/2019-07-23x/", now()), None);
    }
}
