//! Typed errors of the extraction library, one enum per stage.
//!
//! Every error has a stable `kind()` string: that string is what a record's
//! `error.kind` carries, so downstream tools can branch on it. Kinds are part
//! of the output schema and only ever get added, never renamed.

use crate::extract::model::PageType;
use thiserror::Error;

/// Why the bytes of a page could not be turned into text.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input holds no bytes at all (or only whitespace).
    #[error("the input is empty")]
    Empty,
    /// The input looks like binary data (NUL bytes, control characters), not HTML.
    #[error("the input is binary data, not HTML ({0})")]
    Binary(String),
}

/// Why no article came out of a page.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtractError {
    /// The bytes could not be decoded into HTML text.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The page parsed, but holds no article: a listing, a home page, an empty
    /// shell rendered by JavaScript, or too little text.
    #[error("no article content found: {0}")]
    NoContent(String),
    /// The page is of a type the caller did not ask for
    /// ([`crate::ExtractOptions::page_types`]).
    #[error("the page is a {0} page, not one of the page types asked for")]
    PageType(PageType),
    /// The input is larger than the caller's limit.
    #[error("the page is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit that was set in [`crate::ExtractOptions`].
        limit: usize,
    },
    /// The page holds more elements than a page of its size may (a flood of
    /// markup, such as millions of `<br>`), which would take memory out of
    /// proportion to its size.
    #[error(
        "the page holds {count} nodes (elements and runs of text), over the limit of {limit} for its size"
    )]
    TooManyElements {
        /// Elements and runs of text in the page.
        count: usize,
        /// The limit for the page's size.
        limit: usize,
    },
    /// A selector of [`crate::ExtractOptions::selectors`] is not valid CSS.
    #[error("invalid CSS selector {0}")]
    BadSelector(String),
    /// Extraction ran past [`crate::ExtractOptions::timeout`].
    #[error("extraction took longer than {0:?}")]
    Timeout(std::time::Duration),
}

impl DecodeError {
    /// Stable machine-readable kind, as written in `error.kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::Empty => "empty",
            DecodeError::Binary(_) => "binary",
        }
    }
}

impl ExtractError {
    /// Stable machine-readable kind, as written in `error.kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            ExtractError::Decode(e) => e.kind(),
            ExtractError::NoContent(_) => "no_content",
            ExtractError::TooLarge { .. } | ExtractError::TooManyElements { .. } => "too_large",
            ExtractError::Timeout(_) => "timeout",
            ExtractError::BadSelector(_) => "bad_selector",
            ExtractError::PageType(_) => "page_type",
        }
    }

    /// The page's type, when the error is that it was not asked for.
    pub fn page_type(&self) -> Option<PageType> {
        match self {
            ExtractError::PageType(t) => Some(*t),
            _ => None,
        }
    }
}
