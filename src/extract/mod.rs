//! `extract`: one page's bytes in, one [`Article`] (or the reason there is
//! none) out. This module holds the stage order and the fallback ladder.
//!
//! Stages: [`decode`](mod@decode) → [`prescan`](mod@prescan) → parse
//! (scraper) → flatten ([`Doc`]) → [`metadata`] → for each
//! [`Pass`] of the [`LADDER`]: [`removed`](crate::extract::clean::removed) →
//! [`stats`](stats::stats) → [`score`](crate::extract::score::score) →
//! [`select`](crate::extract::score::select) → [`listing`] checks (a list of
//! teasers chosen over the story beside it gives way to that story; "more
//! posts" cards beside the story are dropped) →
//! [`prune`](crate::extract::clean::prune) → [`render`].
//!
//! The ladder starts strict and relaxes: the first pass whose text reaches
//! [`ENOUGH_TEXT`] wins; otherwise the longest of the cleaning passes, and
//! the last, uncleaned pass only when every cleaning pass found next to
//! nothing. A page whose best text is shorter than [`MIN_TEXT`], or whose
//! chosen container is a list of teasers, has no story: its main region is
//! read instead ([`region`]).
//!
//! A page read as a region (a thread, a product, a landing page, a
//! category page) keeps what its cleaning pass leaves; the learned
//! [`block_model`] then drops the blocks it judges are not content.

pub(crate) mod annotate;
pub(crate) mod block_model;
pub(crate) mod clean;
pub(crate) mod comments;
pub(crate) mod declared;
pub(crate) mod decode;
pub(crate) mod dom;
pub(crate) mod error;
pub(crate) mod explain;
pub(crate) mod explained;
pub(crate) mod gbdt;
pub(crate) mod ladder;
pub(crate) mod listing;
pub(crate) mod metadata;
pub(crate) mod model;
pub(crate) mod page_type;
pub(crate) mod prescan;
pub(crate) mod region;
pub(crate) mod render;
pub(crate) mod rules;
pub(crate) mod score;
pub(crate) mod selectors;
pub(crate) mod stats;
pub(crate) mod switch;
pub(crate) mod text;
pub(crate) mod tokenize;
pub(crate) mod why;

use chrono::NaiveDate;
use decode::decode;
use dom::{Doc, Ix};
use error::ExtractError;
use ladder::{ENOUGH_PROSE_SHARE, ENOUGH_TEXT, Known, LADDER, MIN_TEXT, NOTHING_TEXT, Pass};
use metadata::Source;
use model::{Article, Block, PageType};
use scraper::Html;
use selectors::Forced;
pub use selectors::Selectors;
use std::time::{Duration, Instant};
use switch::Rule;
#[doc(hidden)]
pub use switch::RuleSet;
use text::{is_cjk, measure, word_count};
use url::Url;

/// Nodes (elements and runs of text) a page may hold, whatever its size:
/// more than any real page.
const NODES_BASE: usize = 100_000;
/// Bytes of HTML per node allowed beyond [`NODES_BASE`]. Each node takes
/// about 300 bytes (the parsed tree, the flat copy, two sets of
/// statistics), so markup denser than this (millions of `<br>`, or of
/// two-word paragraphs) would take memory out of proportion to the page's
/// size: at this density a page takes about 40 times its size. Real pages
/// hold under half as many nodes per byte.
const BYTES_PER_NODE: usize = 9;

/// When extraction must stop.
#[derive(Clone, Copy)]
struct Deadline(Option<(Instant, Duration)>);

impl Deadline {
    fn check(self) -> Result<(), ExtractError> {
        match self.0 {
            Some((at, limit)) if Instant::now() >= at => Err(ExtractError::Timeout(limit)),
            _ => Ok(()),
        }
    }
}

/// Probability the classifier must give a page type other than article
/// for the page to be read with that type's profile.
const PROFILE_MIN_CONFIDENCE: f64 = 0.6;

/// How to extract.
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// The charset named by an HTTP `Content-Type` header, if any.
    pub http_charset: Option<String>,
    /// Keep figure captions in the text.
    pub include_captions: bool,
    /// Also cut the site name off a title the page declares (JSON-LD
    /// `headline`, `og:title`): "Story | Site" becomes "Story". Off by
    /// default, the declared title is kept as the publisher wrote it, as
    /// Readability and trafilatura keep it; a title taken from `<title>`
    /// always loses the site name.
    pub strip_site_name: bool,
    /// Refuse inputs larger than this many bytes.
    pub max_bytes: Option<usize>,
    /// Give up on a page after this long, with [`ExtractError::Timeout`]
    /// (checked between stages and passes, so the time taken can pass it
    /// by one stage). `None` sets no limit.
    pub timeout: Option<Duration>,
    /// "Today" for date sanity checks; the system clock when unset.
    pub now: Option<NaiveDate>,
    /// Keep only pages of these types; others give
    /// [`ExtractError::PageType`]. Empty keeps every type.
    pub page_types: Vec<PageType>,
    /// Return the page's reader comments in [`Article::comments`] (never
    /// in its text).
    pub comments: bool,
    /// Keep links as `[text](href)` in the Markdown (absolute URLs).
    pub links: bool,
    /// Keep images as `![alt](src)` in the Markdown (absolute URLs).
    pub images: bool,
    /// Only the text and metadata are wanted: skip the inline markup of the
    /// Markdown (code spans, emphasis, links, images), so that
    /// [`Article::markdown`] gives the plain text escaped. The text and
    /// metadata are the same either way; set it when no Markdown is written.
    pub text_only: bool,
    /// CSS selectors forcing parts of the page in or out of the article,
    /// before scoring.
    pub selectors: Selectors,
    /// Development switch: extract every page with this profile.
    #[doc(hidden)]
    pub force_profile: Option<Profile>,
    /// Development switch: rules turned off, to measure what each is worth.
    #[doc(hidden)]
    pub disabled_rules: RuleSet,
}

/// How the content of a page is chosen.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// One container of sequential prose: the scorer's choice.
    Article,
    /// Everything left in the main region after cleaning.
    Region,
    /// The main region with its discussion kept: a forum thread.
    Thread,
}

/// What steers every pass beside the options: the caller's selectors, and
/// whether to note why each part is out.
#[derive(Clone, Copy)]
pub(crate) struct Steer<'a> {
    pub forced: &'a Forced,
    pub explain: bool,
    /// The inline markup the Markdown keeps.
    pub inline: render::inline::Inline<'a>,
}

struct Outcome {
    blocks: Vec<Block>,
    /// For each block, the node it starts at.
    sources: Vec<Ix>,
    /// The nodes the blocks the last filter dropped start at, and why.
    filtered: Vec<(Ix, why::Reason)>,
    len: u32,
    listing: bool,
    /// What the pass decided, part by part (only when explaining).
    trace: Option<explained::PassTrace>,
}

/// Extract the article of one page.
///
/// `url` is the page's address, when known: it resolves relative links in
/// metadata, hints the charset detector and offers a date.
///
/// ```
/// let html = b"<html><head><title>Hello there, world - Site</title></head><body>\
///     <nav><a href='/'>Home</a></nav><article><h1>Hello there, world</h1>\
///     <p>This is the first paragraph of a short article, long enough to count as one.</p>\
///     <p>And this is the second paragraph, which also says something, at some length.</p>\
///     </article></body></html>";
/// let a = pith::extract(html, Some("https://example.com/a"), &pith::ExtractOptions::default()).unwrap();
/// assert_eq!(a.metadata.title.as_deref(), Some("Hello there, world"));
/// assert!(a.text.starts_with("This is the first paragraph"));
/// ```
pub fn extract(
    bytes: &[u8],
    url: Option<&str>,
    options: &ExtractOptions,
) -> Result<Article, ExtractError> {
    run(bytes, url, options, Want::default()).map(|r| r.article)
}

/// The text [`extract()`] gives for `html` with the named rules off (see
/// [`switch`]), for the tests that check what a rule does.
#[cfg(test)]
pub(crate) fn text_with_rules_off(html: &[u8], off: &[&str]) -> String {
    let mut options = ExtractOptions::default();
    for rule in off {
        options.disabled_rules.insert(rule).expect("a rule");
    }
    extract(html, None, &options).expect("extracted").text
}

/// Extract the article of one page as [`extract()`] does, and say why each
/// part of the page is in or out of it: the rule that removed it, the
/// containers kept, the parts not chosen, where each metadata field is
/// found, and the page with these marks on it (for the preview).
pub fn explain_extract(
    bytes: &[u8],
    url: Option<&str>,
    options: &ExtractOptions,
) -> Result<explained::Explained, ExtractError> {
    let want = Want {
        explain: true,
        ..Want::default()
    };
    let ran = run(bytes, url, options, want)?;
    ran.explained
        .ok_or_else(|| ExtractError::NoContent("no explanation".into()))
}

/// The blocks of a page's text as the block model sees them, with the page
/// type, for the trainer (`examples/block_rows.rs`): the blocks before the
/// model's judgement, with the model off.
#[doc(hidden)]
pub fn block_rows(
    bytes: &[u8],
    url: Option<&str>,
    options: &ExtractOptions,
) -> Result<BlockRows, ExtractError> {
    let mut options = options.clone();
    options
        .disabled_rules
        .insert(Rule::BlockModel.as_str())
        .expect("the block model is a named rule");
    let want = Want {
        rows: true,
        ..Want::default()
    };
    let ran = run(bytes, url, &options, want)?;
    let (region, rows) = ran.rows.unwrap_or_default();
    Ok(BlockRows {
        page_type: ran.article.page_type,
        region,
        rows,
    })
}

/// A page's blocks as the block model sees them ([`block_rows`]).
#[doc(hidden)]
#[derive(Debug, serde::Serialize)]
pub struct BlockRows {
    /// The page's type.
    pub page_type: PageType,
    /// Whether the page was read as a region (the model judges only those).
    pub region: bool,
    /// One row per block of the text.
    pub rows: Vec<block_model::BlockRow>,
}

/// What a run returns beside the article.
#[derive(Clone, Copy, Default)]
struct Want {
    /// Why each part of the page is in or out.
    explain: bool,
    /// The block model's view of the blocks.
    rows: bool,
}

struct Ran {
    article: Article,
    explained: Option<explained::Explained>,
    /// Whether the page was read as a region, and its rows.
    rows: Option<(bool, Vec<block_model::BlockRow>)>,
}

/// Extract, and give what `want` asks for beside the article.
fn run(
    bytes: &[u8],
    url: Option<&str>,
    options: &ExtractOptions,
    want: Want,
) -> Result<Ran, ExtractError> {
    let explain = want.explain;
    switch::set(options.disabled_rules);
    if let Some(limit) = options.max_bytes {
        if bytes.len() > limit {
            return Err(ExtractError::TooLarge {
                size: bytes.len(),
                limit,
            });
        }
    }
    let url = url.and_then(|u| Url::parse(u).ok());
    let tld = url
        .as_ref()
        .and_then(|u| u.host_str())
        .and_then(|h| h.rsplit('.').next())
        .map(str::to_string);
    let deadline = Deadline(options.timeout.map(|t| (Instant::now() + t, t)));
    let decoded = decode(bytes, options.http_charset.as_deref(), tld.as_deref())?;
    deadline.check()?;
    // The preview shows the page's images: explaining keeps their addresses.
    let pre = prescan::prescan_with(&decoded.text, options.images || explain);
    let nodes = pre.elements + pre.texts;
    let limit = NODES_BASE + decoded.text.len() / BYTES_PER_NODE;
    if nodes > limit {
        return Err(ExtractError::TooManyElements {
            count: nodes,
            limit,
        });
    }
    deadline.check()?;
    let html = parse(&pre.html, nodes);
    deadline.check()?;
    let doc = Doc::build(&html);
    let forced = Forced::find(&html, &doc, &options.selectors)?;
    deadline.check()?;
    let now = options
        .now
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let raw = stats::stats(&doc, None);
    let metadata::Read {
        mut meta,
        sources: mut meta_sources,
        h1,
        product_description,
        article_body,
    } = metadata::read(
        &doc,
        &raw,
        &pre.json_ld,
        url.as_ref(),
        now,
        options.strip_site_name,
    );
    let headlines: Vec<&str> = meta
        .title
        .as_deref()
        .into_iter()
        .chain(h1.as_deref())
        .collect();
    let known = Known {
        headlines: &headlines,
        author: meta.author.as_deref(),
        dated: meta.date.is_some(),
    };

    deadline.check()?;
    let features = page_type::features(&doc, &raw, &pre.json_ld, url.as_ref(), &meta);
    let odds = page_type::probabilities(&features);
    let mut page_type = page_type::most_likely(&odds);
    // A page whose data holds an article body may turn out to be that
    // article (a shell, see below): it is judged once read.
    if !options.page_types.is_empty()
        && !options.page_types.contains(&page_type)
        && article_body.is_none()
    {
        return Err(ExtractError::PageType(page_type));
    }
    // A page is read as one story unless the classifier is sure it is
    // another kind: an article read as a region keeps its furniture, a
    // region read as an article loses a part of itself.
    let sure = odds[page_type.index()] >= PROFILE_MIN_CONFIDENCE;
    let profile = options.force_profile.unwrap_or(match page_type {
        PageType::Forum if sure => Profile::Thread,
        PageType::Article => Profile::Article,
        _ if sure => Profile::Region,
        _ => Profile::Article,
    });
    let steer = Steer {
        forced: &forced,
        explain,
        inline: render::inline::Inline {
            links: options.links && !options.text_only,
            images: options.images && !options.text_only,
            base: url.as_ref(),
            plain: options.text_only,
        },
    };
    let mut trace: Option<explained::PassTrace> = None;
    // Whether the page was read as a region (a thread keeps its discussion).
    let mut region: Option<bool> = None;
    // A thread's post headers, which no later filter drops.
    let mut headers = Vec::new();
    let (mut blocks, mut sources, mut filtered) = match profile {
        Profile::Article => {
            let best = climb_ladder(&doc, &raw, &known, now, options, steer, deadline)?;
            deadline.check()?;
            let page_len = raw.get(doc.body as usize).map_or(0, |s| s.len);
            // No story: a listing, a page of many items, or a scrap of text
            // amid furniture. The page's main region is its content.
            match story(best, page_len) {
                Some(b) => {
                    trace = b.trace;
                    (b.blocks, b.sources, b.filtered)
                }
                None => {
                    if page_type == PageType::Article {
                        page_type = PageType::Listing;
                    }
                    region = Some(false);
                    let r = region::extract(&doc, &raw, &known, now, false, page_type, steer);
                    (r.blocks, r.sources, r.filtered)
                }
            }
        }
        Profile::Region | Profile::Thread => {
            let thread = profile == Profile::Thread;
            region = Some(thread);
            let r = region::extract(&doc, &raw, &known, now, thread, page_type, steer);
            headers = r.headers;
            (r.blocks, r.sources, r.filtered)
        }
    };
    let judged = block_model::PageBlocks {
        doc: &doc,
        raw: &raw,
        blocks: &blocks,
        sources: &sources,
        page_type,
        thread: region == Some(true),
    };
    let rows = want
        .rows
        .then(|| (region.is_some(), block_model::rows(&judged)));
    let threshold = region
        .and(block_model::threshold(page_type))
        .filter(|_| switch::on(Rule::BlockModel) && blocks.len() >= block_model::MIN_BLOCKS);
    let keep = threshold.map(|t| block_model::keep(&judged, t));
    let mut judged_out: Vec<(Ix, why::Reason)> = Vec::new();
    // The model trims a region; it never empties one.
    if let Some(keep) = keep.filter(|k| k.iter().any(|&x| x)) {
        let all = std::mem::take(&mut blocks).into_iter().zip(sources);
        let mut kept_sources = Vec::with_capacity(keep.len());
        for ((b, s), k) in all.zip(keep) {
            if k {
                blocks.push(b);
                kept_sources.push(s);
            } else {
                judged_out.push((s, why::Reason::BlockModel));
            }
        }
        sources = kept_sources;
    }
    if region == Some(true) && switch::on(Rule::ThreadChrome) {
        (blocks, sources) = region::without_chrome(blocks, sources, &mut filtered);
    }
    if !headers.is_empty() {
        (blocks, sources) = region::with_headers(blocks, sources, headers, &mut filtered);
        judged_out.retain(|(s, _)| sources.binary_search(s).is_err());
    }
    if page_type == PageType::Product {
        declared::add_product_description(&mut blocks, product_description.as_deref());
    }
    if declared::article_body_fallback(&mut blocks, article_body.as_deref()) {
        // The page's data declares an article and holds its story.
        page_type = PageType::Article;
    }
    if !options.page_types.is_empty() && !options.page_types.contains(&page_type) {
        return Err(ExtractError::PageType(page_type));
    }
    deadline.check()?;
    if blocks.is_empty() {
        return Err(ExtractError::NoContent("the page has no text".into()));
    }
    let text = render::markdown::to_text(&blocks);
    if meta.lang.is_none() {
        meta.lang = detect_lang(&text);
        meta_sources.lang = meta
            .lang
            .is_some()
            .then_some(Source::Derived("detected from the text"));
    }
    if meta.description.is_none() {
        // No summary declared: the first paragraph stands in, as readers show it.
        meta.description = blocks
            .iter()
            .find(|b| b.kind == model::BlockKind::Para && reads_as_prose(&b.text))
            .map(|b| b.text.replace('\n', " "));
        meta_sources.description = meta
            .description
            .is_some()
            .then_some(Source::Derived("the first paragraph"));
    }
    let article = Article {
        metadata: meta,
        page_type,
        word_count: word_count(&text),
        text,
        comments: if options.comments {
            comments::collect(&doc)
        } else {
            None
        },
        blocks,
    };
    let explanation = explain.then(|| {
        let mut trace = trace.unwrap_or_else(|| {
            let pass = region::pass(region == Some(true), page_type);
            explained::region_trace(&doc, &raw, &forced, pass)
        });
        let why = &mut trace.why;
        explained::note_blocks(&doc, why, &sources, &filtered);
        explained::note_blocks(&doc, why, &sources, &judged_out);
        explained::Explained::new(&doc, &raw, trace, &article, &meta_sources, url.as_ref())
    });
    Ok(Ran {
        article,
        explained: explanation,
        rows,
    })
}

/// About the most memory, in bytes, that extracting a page of `size` bytes
/// takes at its peak (the bounds on the page's markup keep it there), for
/// callers that run many extractions at once and share out their memory.
pub fn peak_memory(size: usize) -> usize {
    size.saturating_mul(PEAK_MEMORY_PER_BYTE)
        .saturating_add(PEAK_MEMORY_BASE)
}

/// Bytes of memory an extraction may take per byte of its page, at most.
const PEAK_MEMORY_PER_BYTE: usize = 45;
/// Memory an extraction takes whatever the page's size: the metadata's
/// tables, the rules, the buffers of a small page.
const PEAK_MEMORY_BASE: usize = 2 << 20;

/// Parse `html` into a tree made room for about `nodes` nodes at once: a
/// tree left to grow doubles its storage, and holds the old and the new
/// storage together while it moves, up to three times what the page needs.
pub(crate) fn parse(html: &str, nodes: usize) -> Html {
    // The document node, and `<html>`, `<head>` and `<body>` when implied.
    tokenize::parse(html, nodes + 4)
}

/// Run the passes of the [`LADDER`] in turn, until one finds
/// [`ENOUGH_TEXT`] and at least [`ENOUGH_PROSE_SHARE`] of the page's prose
/// ([`stats::prose_mass`]: a pass that found less lost part of the story to
/// a rule, say a body wrapped in a "widget"); the outcome with the most text
/// wins (an earlier one on a tie). The last, uncleaned pass runs only when
/// every cleaning pass found less than [`NOTHING_TEXT`].
fn climb_ladder(
    doc: &Doc<'_>,
    raw: &[stats::Stats],
    known: &Known<'_>,
    now: NaiveDate,
    options: &ExtractOptions,
    steer: Steer<'_>,
    deadline: Deadline,
) -> Result<Option<Outcome>, ExtractError> {
    let mut best: Option<Outcome> = None;
    // The page's prose, counted once a pass has found enough text.
    let mut mass: Option<u32> = None;
    for (k, pass) in LADDER.iter().enumerate() {
        deadline.check()?;
        let last = k == LADDER.len() - 1;
        if last && best.as_ref().is_some_and(|b| b.len >= NOTHING_TEXT) {
            break;
        }
        let out = run_pass(doc, raw, *pass, known, now, options, steer);
        let done = out.len >= ENOUGH_TEXT
            && (!switch::on(Rule::ProseMass) || {
                let mass = *mass.get_or_insert_with(|| stats::prose_mass(doc, raw));
                out.len as f32 >= ENOUGH_PROSE_SHARE * mass as f32
            });
        if best.as_ref().is_none_or(|b| out.len > b.len) {
            best = Some(out);
        }
        if done {
            break;
        }
    }
    Ok(best)
}

/// The best outcome when it is a story: not a list of teasers, and not a
/// short text that is a scrap of a page of furniture rather than most of
/// what the page says (`page_len`: a one-paragraph page is a story).
fn story(best: Option<Outcome>, page_len: u32) -> Option<Outcome> {
    best.filter(|b| !b.listing && b.len > 0 && !(b.len < MIN_TEXT && b.len * 2 < page_len))
}

/// One pass of the ladder: clean, score, select, the listing checks, prune,
/// render and filter.
fn run_pass(
    doc: &Doc<'_>,
    raw: &[stats::Stats],
    pass: Pass,
    known: &Known<'_>,
    now: NaiveDate,
    options: &ExtractOptions,
    steer: Steer<'_>,
) -> Outcome {
    let Steer {
        forced,
        explain,
        inline,
    } = steer;
    let mut why = explain.then(|| vec![None; doc.nodes.len()]);
    let mut removed = clean::removed_why(doc, raw, pass, why.as_deref_mut());
    forced.apply(doc, &mut removed);
    if let Some(w) = why.as_deref_mut() {
        forced.note(doc, w);
    }
    let st = stats::stats(doc, Some(&removed));
    let candidates = score::score(doc, &st, &removed, pass);
    let mut roots = score::select(doc, &st, &removed, &candidates, pass);
    if roots.len() > 1 && switch::on(Rule::CardListRoots) {
        // Cards of other stories set beside the story ("More posts").
        let stories: Vec<Ix> = roots
            .iter()
            .copied()
            .filter(|&r| !listing::is_card_list(doc, &st, &removed, r))
            .collect();
        if !stories.is_empty() {
            roots = stories;
        }
    }
    let mut is_listing = listing::looks_like_listing(doc, &st, &removed, &roots);
    if is_listing && known.dated && switch::on(Rule::SelectBeside) {
        // A dated page whose stream of teasers outscored the story beside
        // it: the best candidate outside the teasers, if it holds prose, is
        // the article. (An undated home page's "About us" is not.)
        if let Some(other) = listing::select_beside(doc, &st, &removed, &candidates, &roots, pass) {
            roots = other;
            is_listing = false;
        }
    }
    if switch::on(Rule::DropCards) {
        let before = why.as_ref().map(|_| removed.clone());
        listing::drop_cards(doc, &st, &mut removed, &roots);
        if let (Some(w), Some(b)) = (why.as_deref_mut(), before) {
            explained::note_new(doc, &b, &removed, w, why::Reason::Cards);
        }
    }
    clean::prune(doc, &st, &mut removed, &roots, pass, why.as_deref_mut());
    if !forced.is_empty() {
        forced.apply(doc, &mut removed);
        forced.add_roots(doc, &mut roots);
        if let Some(w) = why.as_deref_mut() {
            forced.note(doc, w);
        }
    }
    let (mut blocks, mut sources) = render::blocks_sourced(doc, &roots, &removed, inline);
    if !options.include_captions {
        (blocks, sources) = render::without_captions(blocks, sources);
    }
    let (blocks, sources, filtered) = render::filter::filter_sourced(
        blocks,
        sources,
        known.headlines,
        known.author,
        now,
        render::filter::Teasers::Furniture,
    );
    let len = blocks.iter().map(|b| measure(&b.text).0).sum();
    Outcome {
        blocks,
        sources,
        filtered: why::Reason::LineFilter.of(filtered),
        len,
        listing: is_listing,
        trace: why.map(|why| explained::PassTrace {
            why,
            roots,
            scores: candidates,
        }),
    }
}

/// Shortest first paragraph that may stand in for a missing description.
const DESCRIPTION_MIN_BYTES: usize = 20;

/// Whether a paragraph reads as a sentence (to stand in for a description):
/// long enough, and words, not a bare link or code ("example.org/,%20https:").
fn reads_as_prose(text: &str) -> bool {
    let cjk = text.chars().filter(|c| is_cjk(*c)).count();
    text.len() >= DESCRIPTION_MIN_BYTES && (text.split_whitespace().count() >= 4 || cjk >= 10)
}

/// Minimum confidence for a detected language to be reported.
const LANG_MIN_CONFIDENCE: f64 = 0.5;

fn detect_lang(text: &str) -> Option<String> {
    let sample: String = text.chars().take(2000).collect();
    let info = whatlang::detect(&sample)?;
    if !info.is_reliable() && info.confidence() < LANG_MIN_CONFIDENCE {
        return None;
    }
    let code = info.lang().code();
    isolang::Language::from_639_3(code)
        .and_then(|l| l.to_639_1())
        .map(str::to_string)
}
