//! The data pith hands to its callers: [`Article`] and [`Metadata`].
//!
//! These are the contract with downstream tools. Field names are snake_case
//! and only ever added within a [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};

/// Version of the output schema. Bumped only for changes that are not additions.
pub const SCHEMA_VERSION: u32 = 1;

/// What a page says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The headline. A title the page declares (JSON-LD `headline`,
    /// `og:title`, …) is kept as the publisher wrote it, site name included
    /// if they put it there, unless
    /// [`strip_site_name`](crate::ExtractOptions::strip_site_name) is set; a
    /// title taken from `<title>` loses the site name.
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

/// What kind of page it is, in WCXB's taxonomy: how its main content was
/// chosen follows from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageType {
    /// One story or text told in sequential paragraphs: news, blog posts,
    /// guides, reviews.
    #[default]
    Article,
    /// A discussion thread or Q&A: every post is content.
    Forum,
    /// One product: name, description, specifications.
    Product,
    /// A category or browse page: a grid of items.
    Collection,
    /// An index of repeated cards: a section front, an archive, a catalogue.
    Listing,
    /// API docs, tutorials, wikis.
    Documentation,
    /// A product's or company's marketing page of several sections.
    Service,
}

impl PageType {
    /// Every page type, in a fixed order.
    pub const ALL: [PageType; 7] = [
        PageType::Article,
        PageType::Forum,
        PageType::Product,
        PageType::Collection,
        PageType::Listing,
        PageType::Documentation,
        PageType::Service,
    ];

    /// The name written in records and settings (`article`, `forum` …).
    pub fn as_str(self) -> &'static str {
        match self {
            PageType::Article => "article",
            PageType::Forum => "forum",
            PageType::Product => "product",
            PageType::Collection => "collection",
            PageType::Listing => "listing",
            PageType::Documentation => "documentation",
            PageType::Service => "service",
        }
    }

    /// Position in [`PageType::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The page type of a name, as [`PageType::as_str`] writes it.
    pub fn from_name(name: &str) -> Option<PageType> {
        PageType::ALL
            .into_iter()
            .find(|t| t.as_str() == name.trim())
    }
}

impl std::fmt::Display for PageType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A clean article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// Metadata fields.
    #[serde(flatten)]
    pub metadata: Metadata,
    /// What kind of page it is.
    pub page_type: PageType,
    /// The main content's text: paragraphs separated by a blank line.
    pub text: String,
    /// Words in `text` (each CJK character counts as a word).
    pub word_count: usize,
    /// The page's reader comments, one paragraph each, when asked for
    /// ([`crate::ExtractOptions::comments`]) and the page has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    /// The article as blocks, for other renderings.
    #[serde(skip)]
    pub blocks: Vec<Block>,
}

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A paragraph of prose.
    Para,
    /// A heading, level 1–6.
    Heading(u8),
    /// A list item; `depth` starts at 0; `number` is set in ordered lists.
    Item {
        /// Nesting depth.
        depth: u8,
        /// Position in an ordered list.
        number: Option<u32>,
        /// A further paragraph of the same item.
        cont: bool,
    },
    /// Preformatted text (code), whitespace kept.
    Pre,
    /// A table row, cells separated by " | ".
    Row {
        /// The first row of its table.
        first: bool,
    },
    /// A figure caption.
    Caption,
}

/// One block of the article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// What it is.
    pub kind: BlockKind,
    /// Blockquote depth.
    pub quote: u8,
    /// Its text.
    pub text: String,
    /// All of its text is inside links.
    pub linked: bool,
    /// The block's Markdown when it holds inline markup (code spans,
    /// emphasis, links, images), escaped and ready; `None`: its text,
    /// escaped, is its Markdown.
    pub md: Option<String>,
}

#[cfg(test)]
impl Block {
    /// A block of `kind` with `text`, outside quotes and links, for tests.
    pub(crate) fn of(kind: BlockKind, text: &str) -> Block {
        Block {
            kind,
            quote: 0,
            text: text.to_string(),
            linked: false,
            md: None,
        }
    }
}
