//! What the developer examples share: a list of saved pages, one a line as
//! `PATH` or `PATH<TAB>URL` (blank lines and `#` comments skipped), and
//! reading a page (a `PATH` that is missing is read from `PATH.gz`).

use std::io::{BufRead, Read};

/// The `(path, url)` lines of the list `list` (`-` for stdin).
pub fn list(list: &str) -> impl Iterator<Item = (String, Option<String>)> {
    let input: Box<dyn BufRead> = if list == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(list).expect("readable list"),
        ))
    };
    input.lines().filter_map(|line| {
        let line = line.expect("readable list");
        if line.trim().is_empty() || line.starts_with('#') {
            return None;
        }
        Some(match line.split_once('\t') {
            Some((p, u)) => (
                p.to_string(),
                Some(u.trim().to_string()).filter(|u| !u.is_empty()),
            ),
            None => (line.trim().to_string(), None),
        })
    })
}

/// The bytes of the page at `path`, or of `path.gz` unpacked.
pub fn read_page(path: &str) -> Option<Vec<u8>> {
    if let Ok(b) = std::fs::read(path) {
        return Some(b);
    }
    let gz = std::fs::File::open(format!("{path}.gz")).ok()?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}
