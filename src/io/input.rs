//! Inputs of `pith extract`: files, directories, standard input, input
//! lists and WARC files, turned into a stream of [`Input`]s without holding a
//! list, or an archive, in memory.
//!
//! The library reads nothing by itself: these functions open exactly the
//! paths the caller hands them.

use crate::io::warc::read::{ArchivedPage, WarcError, is_warc_path};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// Largest payload decoded from a WARC record (`--max-bytes` applies after).
pub const WARC_PAYLOAD_MAX: usize = 64 * 1024 * 1024;

/// Where a page's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// Standard input.
    Stdin,
    /// An HTML page read from a WARC file.
    Archived {
        /// The WARC file.
        warc: PathBuf,
        /// The page.
        page: ArchivedPage,
    },
    /// A WARC file, or one of its records, that could not be read.
    Unreadable {
        /// The WARC file.
        warc: PathBuf,
        /// Why.
        error: WarcError,
    },
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
            Source::File(p)
            | Source::Archived { warc: p, .. }
            | Source::Unreadable { warc: p, .. } => p.display().to_string(),
            Source::Stdin => "-".to_string(),
        }
    }

    /// The charset the page was served with, when known (WARC records).
    pub fn http_charset(&self) -> Option<&str> {
        match &self.source {
            Source::Archived { page, .. } => page.charset.as_deref(),
            _ => None,
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
    /// A WARC file or record could not be read.
    #[error("{path}: {source}")]
    Warc {
        /// The WARC file.
        path: String,
        /// What went wrong.
        source: WarcError,
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
            InputError::Warc { source, .. } => source.kind(),
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
        Source::Archived { page, .. } => buf.extend_from_slice(&page.body),
        Source::Unreadable { error, .. } => {
            return Err(InputError::Warc {
                path: label,
                source: error.clone(),
            });
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
/// `*.html`/`*.htm` (and WARC) files recursively in name order, anything else
/// is a file. WARC files are expanded by [`expand_warcs`].
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
                        .filter(|e| {
                            e.file_type().is_file()
                                && (is_html_path(e.path()) || is_warc_path(e.path()))
                        })
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

/// Replace every WARC file among `inputs` by the pages it holds, read as the
/// stream is consumed; an unreadable WARC, or record, becomes one input that
/// fails with its error.
pub fn expand_warcs<I>(inputs: I) -> impl Iterator<Item = std::io::Result<Input>> + Send + use<I>
where
    I: Iterator<Item = std::io::Result<Input>> + Send,
{
    inputs.flat_map(
        |item| -> Box<dyn Iterator<Item = std::io::Result<Input>> + Send> {
            let warc = match &item {
                Ok(Input {
                    source: Source::File(p),
                    ..
                }) if is_warc_path(p) => p.clone(),
                _ => return Box::new(std::iter::once(item)),
            };
            let unreadable = |warc: PathBuf, error: WarcError| Input {
                url: error.url().map(str::to_string),
                source: Source::Unreadable { warc, error },
            };
            match crate::io::warc::read::open(&warc, WARC_PAYLOAD_MAX) {
                Ok(pages) => Box::new(pages.map(move |page| {
                    Ok(match page {
                        Ok(page) => Input {
                            url: Some(page.url.clone()),
                            source: Source::Archived {
                                warc: warc.clone(),
                                page,
                            },
                        },
                        Err(e) => unreadable(warc.clone(), e),
                    })
                })),
                Err(e) => Box::new(std::iter::once(Ok(unreadable(
                    warc,
                    WarcError::Archive(e.to_string()),
                )))),
            }
        },
    )
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
