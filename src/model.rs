//! The data pith hands to its callers: [`Article`] and [`Metadata`].
//!
//! These are the contract with downstream tools. Field names are snake_case
//! and only ever added within a [`SCHEMA_VERSION`].

use crate::render::{self, Block};
use serde::{Deserialize, Serialize};

/// Version of the output schema. Bumped only for changes that are not additions.
pub const SCHEMA_VERSION: u32 = 1;

/// What a page says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The headline, without the site name.
    pub title: Option<String>,
    /// Author names, several joined with "; ".
    pub author: Option<String>,
    /// Publication date, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Last modification date, `YYYY-MM-DD`.
    pub date_modified: Option<String>,
    /// Name of the site or publisher.
    pub sitename: Option<String>,
    /// The page's own summary.
    pub description: Option<String>,
    /// Primary language subtag (`en`, `ja`), declared or detected.
    pub lang: Option<String>,
    /// The canonical URL, absolute.
    pub canonical_url: Option<String>,
    /// The lead image URL, absolute.
    pub image: Option<String>,
    /// Tags and keywords.
    pub tags: Vec<String>,
}

/// A clean article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// Metadata fields.
    #[serde(flatten)]
    pub metadata: Metadata,
    /// Article text: paragraphs separated by a blank line.
    pub text: String,
    /// Words in `text` (each CJK character counts as a word).
    pub word_count: usize,
    /// The article as blocks, for other renderings.
    #[serde(skip)]
    pub blocks: Vec<Block>,
}

impl Article {
    /// The article as Markdown (headings, lists, quotes, code, tables kept).
    pub fn markdown(&self) -> String {
        render::to_markdown(&self.blocks)
    }
}

/// Count words: whitespace-separated tokens, each CJK character one word.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .map(|w| {
            let cjk = w.chars().filter(|&c| crate::dom::is_cjk(c)).count();
            if cjk == 0 {
                usize::from(w.chars().any(char::is_alphanumeric))
            } else {
                cjk + usize::from(
                    w.chars()
                        .any(|c| c.is_alphanumeric() && !crate::dom::is_cjk(c)),
                )
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_are_counted_across_scripts() {
        assert_eq!(super::word_count("Hello, world — again."), 3);
        assert_eq!(super::word_count("日本語 text"), 4);
    }
}
