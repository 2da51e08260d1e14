//! Inputs of `pith extract`: files, directories, standard input, and input
//! lists, turned into a stream of [`Input`]s without holding a list in memory.
//!
//! The library reads nothing by itself: these functions open exactly the
//! paths the caller hands them.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// Where a page's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

/// One page to extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Where its bytes are.
    pub source: Source,
    /// The page's URL, when known.
    pub url: Option<String>,
}

impl Input {
    /// The source as written in a record: the path as given, or `-`.
    pub fn label(&self) -> String {
        match &self.source {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "-".to_string(),
        }
    }
}

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The file does not exist.
    #[error("no such file: {0}")]
    NotFound(String),
    /// Reading failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Larger than the limit.
    #[error("{path} is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// The path.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

impl InputError {
    /// Stable machine-readable kind, as written in `error.kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            InputError::NotFound(_) => "not_found",
            InputError::Io { .. } => "io",
            InputError::TooLarge { .. } => "too_large",
        }
    }
}

/// Read an input's bytes, refusing more than `limit`.
pub fn read(input: &Input, limit: u64) -> Result<Vec<u8>, InputError> {
    let label = input.label();
    let io = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            InputError::NotFound(label.clone())
        } else {
            InputError::Io {
                path: label.clone(),
                source,
            }
        }
    };
    let mut buf = Vec::new();
    match &input.source {
        Source::File(p) => {
            let f = std::fs::File::open(p).map_err(io)?;
            let size = f.metadata().map_err(io)?.len();
            if size > limit {
                return Err(InputError::TooLarge {
                    path: label,
                    size,
                    limit,
                });
            }
            f.take(limit + 1).read_to_end(&mut buf).map_err(io)?;
        }
        Source::Stdin => {
            std::io::stdin()
                .lock()
                .take(limit + 1)
                .read_to_end(&mut buf)
                .map_err(io)?;
        }
    }
    if buf.len() as u64 > limit {
        return Err(InputError::TooLarge {
            path: label,
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}

/// Whether a path names an HTML file by its extension.
pub fn is_html_path(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

/// Expand command-line arguments: `-` is stdin, a directory gives its
/// `*.html`/`*.htm` files recursively in name order, anything else is a file.
pub fn expand_args(
    args: &[String],
    url: Option<&str>,
) -> impl Iterator<Item = Input> + Send + use<> {
    let url = url.map(str::to_string);
    let args: Vec<String> = args.to_vec();
    args.into_iter()
        .flat_map(move |a| -> Box<dyn Iterator<Item = Input> + Send> {
            let url = url.clone();
            if a == "-" {
                return Box::new(std::iter::once(Input {
                    source: Source::Stdin,
                    url,
                }));
            }
            let p = PathBuf::from(&a);
            if p.is_dir() {
                Box::new(
                    walkdir::WalkDir::new(p)
                        .sort_by_file_name()
                        .into_iter()
                        .filter_map(Result::ok)
                        .filter(|e| e.file_type().is_file() && is_html_path(e.path()))
                        .map(|e| Input {
                            source: Source::File(e.into_path()),
                            url: None,
                        }),
                )
            } else {
                Box::new(std::iter::once(Input {
                    source: Source::File(p),
                    url,
                }))
            }
        })
}

/// Parse one line of an input list: `PATH<TAB>URL` or `PATH`; `None` for
/// blank lines and `#` comments.
pub fn parse_list_line(line: &str) -> Option<Input> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() || line.trim_start().starts_with('#') {
        return None;
    }
    let (path, url) = match line.split_once('\t') {
        Some((p, u)) => (
            p.trim(),
            Some(u.trim().to_string()).filter(|u| !u.is_empty()),
        ),
        None => (line.trim(), None),
    };
    let source = if path == "-" {
        Source::Stdin
    } else {
        Source::File(PathBuf::from(path))
    };
    Some(Input { source, url })
}

/// Stream an input list line by line.
pub fn read_list<R: BufRead>(reader: R) -> impl Iterator<Item = std::io::Result<Input>> + use<R> {
    reader.lines().filter_map(|l| match l {
        Ok(l) => parse_list_line(&l).map(Ok),
        Err(e) => Some(Err(e)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_lines() {
        assert_eq!(parse_list_line("# c"), None);
        assert_eq!(parse_list_line("   "), None);
        let i = parse_list_line("a/b.html\thttps://x.org/a").unwrap();
        assert_eq!(i.source, Source::File("a/b.html".into()));
        assert_eq!(i.url.as_deref(), Some("https://x.org/a"));
        assert_eq!(parse_list_line("c.htm").unwrap().url, None);
    }
}
