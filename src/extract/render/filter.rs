//! The last filter over rendered blocks: boilerplate lines ("Advertisement",
//! "Please enter your comment!", …) from [`crate::extract::rules`], short
//! linked or letterless lines repeated across the article, bylines,
//! datelines, runs of other stories' excerpts, sections of other stories
//! under a closing "You may also like" heading, and the headline when it
//! opens the text (it is in `title`).

use crate::extract::metadata::author::{after_by, opens_with_by};
use crate::extract::model::{Block, BlockKind};
use crate::extract::rules;
use crate::extract::switch::{Rule, on};
use crate::extract::text::fold_line;

/// Whether a block's text is a known boilerplate line.
pub fn is_boilerplate_line(text: &str) -> bool {
    if text.len() > 400 {
        return false;
    }
    let f = fold_line(text);
    if f.is_empty() {
        return true;
    }
    if rules::BOILERPLATE_LINES.contains(&f.as_str()) && on(Rule::BoilerplateLines) {
        return true;
    }
    // A newsletter pitch: a sentence that opens with a sign-up call, and the
    // newsletter or inbox it fills.
    if f.len() <= rules::PITCH_MAX_BYTES
        && rules::PITCH_CALLS.iter().any(|c| opens_a_sentence(&f, c))
        && rules::PITCH_OBJECTS.iter().any(|o| f.contains(o))
        && on(Rule::NewsletterPitch)
    {
        return true;
    }
    // A one-line copyright notice or picture credit: it opens with ©, or
    // holds a "© 2019" anywhere.
    if f.len() <= COPYRIGHT_LINE_MAX_BYTES
        && !f.contains('\n')
        && (f.starts_with('©') || has_copyright_year(&f))
        && on(Rule::CopyrightLines)
    {
        return true;
    }
    f.chars().count() <= rules::BOILERPLATE_PREFIX_MAX_CHARS
        && rules::BOILERPLATE_PREFIXES.iter().any(|p| f.starts_with(p))
        && on(Rule::BoilerplatePrefixes)
}

/// Whether a block's text is a control of a grid of items: a sort or
/// filter bar, a result count with its pager, a card's button
/// ([`rules::GRID_CONTROL_LINES`], [`rules::GRID_SORT_PREFIXES`]). Only a
/// catalogue's blocks are asked: on a story, "Compare" may be a heading.
pub fn is_grid_control(text: &str) -> bool {
    if text.len() > GRID_CONTROL_MAX_BYTES || !on(Rule::GridControls) {
        return false;
    }
    let f = fold_line(text);
    if f.chars().count() <= rules::GRID_SORT_MAX_CHARS
        && rules::GRID_SORT_PREFIXES.iter().any(|p| {
            f.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', ':']))
        })
    {
        return true;
    }
    rules::GRID_CONTROL_LINES.contains(&control_shape(&f).as_str())
}

/// Whether a block is a call to action: a short line, all of it a link,
/// that opens with one of [`rules::CALL_TO_ACTION_VERBS`] and does not end
/// as a sentence ("Apply Now", "Start Free Trial", "Learn more about our
/// audits"). Asked only on service and product pages, whose buttons and
/// "learn more" links sit between their sections.
pub fn is_call_to_action(b: &Block) -> bool {
    if !b.linked {
        return false;
    }
    let text = b.text.trim();
    if text.len() > CALL_TO_ACTION_MAX_BYTES || text.ends_with(['.', '?', '!', ':']) {
        return false;
    }
    let mut words = text.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    let n = 1 + words.count();
    let first = first
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    n <= rules::CALL_TO_ACTION_MAX_WORDS && rules::CALL_TO_ACTION_VERBS.contains(&first.as_str())
}

/// Longest block (in bytes) [`is_call_to_action`] reads.
const CALL_TO_ACTION_MAX_BYTES: usize = 80;

/// Longest block (in bytes) [`is_grid_control`] reads.
const GRID_CONTROL_MAX_BYTES: usize = 80;

/// A folded line with each run of digits (and the separators inside a
/// number) as `#`, each dash as `-` without spaces around it, and runs of
/// white space as one space.
fn control_shape(f: &str) -> String {
    let mut out = String::with_capacity(f.len());
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            while chars
                .peek()
                .is_some_and(|d| d.is_ascii_digit() || matches!(d, ',' | '.'))
            {
                chars.next();
            }
            out.push('#');
        } else if matches!(c, '-' | '–' | '—') {
            while out.ends_with(' ') {
                out.pop();
            }
            out.push('-');
            while chars.peek().is_some_and(|d| d.is_whitespace()) {
                chars.next();
            }
        } else if c.is_whitespace() {
            if !out.ends_with(' ') && !out.ends_with('-') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `words` open `text` or one of its sentences.
fn opens_a_sentence(text: &str, words: &str) -> bool {
    text.match_indices(words).any(|(at, _)| {
        let before = text[..at].trim_end();
        before.is_empty() || before.ends_with(['.', '!', '?', ':'])
    })
}

/// Whether a © is followed, after at most a space, by a year ("©2019",
/// "© 2002, 2003").
fn has_copyright_year(text: &str) -> bool {
    text.match_indices('©').any(|(at, c)| {
        let rest = text[at + c.len()..].trim_start();
        rest.len() >= 4 && rest.as_bytes()[..4].iter().all(u8::is_ascii_digit)
    })
}

/// Longest line holding a © that is taken for a copyright notice.
const COPYRIGHT_LINE_MAX_BYTES: usize = 200;

/// Lines this short that repeat this often are furniture when they are
/// links ("Share", "Enlarge this image") or, beside one story, hold no
/// letters (the axis labels of a chart: "0", "’17"). Repeated words are
/// content as often: the labels of a training plan ("Warm-up", "Main set"),
/// "Pros" and "Cons", a refrain. On a page of many items the letterless
/// lines are the items' own: two products at one price, two films rated
/// alike.
const REPEATED_LINE_MAX_CHARS: usize = 200;
const REPEATED_LINE_MIN_COUNT: usize = 3;

/// What the teasers of other stories are on a page: furniture beside one
/// story, or the content itself (the cards of a listing, a category page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Teasers {
    /// An article: linked headlines, excerpt runs, datelines and closing
    /// "related" sections are other stories, and go.
    Furniture,
    /// A listing or any page of many items: they stay.
    Content,
}

/// Drop boilerplate lines, short repeated lines and a leading headline.
#[cfg(test)]
pub fn filter_blocks(
    blocks: Vec<Block>,
    headlines: &[&str],
    author: Option<&str>,
    now: chrono::NaiveDate,
    teasers: Teasers,
) -> Vec<Block> {
    let keep = kept(&blocks, headlines, author, now, teasers);
    let mut it = keep.into_iter();
    let mut blocks = blocks;
    blocks.retain(|_| it.next().unwrap_or(true));
    blocks
}

/// Drop boilerplate lines, short repeated lines and a leading headline,
/// keeping `sources` (one per block) in step; the sources of the blocks
/// dropped come third.
pub fn filter_sourced<T>(
    blocks: Vec<Block>,
    sources: Vec<T>,
    headlines: &[&str],
    author: Option<&str>,
    now: chrono::NaiveDate,
    teasers: Teasers,
) -> (Vec<Block>, Vec<T>, Vec<T>) {
    let keep = kept(&blocks, headlines, author, now, teasers);
    let (mut out, mut kept_sources, mut dropped) = (Vec::new(), Vec::new(), Vec::new());
    for ((b, s), k) in blocks.into_iter().zip(sources).zip(keep) {
        if k {
            out.push(b);
            kept_sources.push(s);
        } else {
            dropped.push(s);
        }
    }
    (out, kept_sources, dropped)
}

/// Which blocks [`filter_sourced`] keeps.
fn kept(
    blocks: &[Block],
    headlines: &[&str],
    author: Option<&str>,
    now: chrono::NaiveDate,
    teasers: Teasers,
) -> Vec<bool> {
    let mut keep = vec![true; blocks.len()];
    let stories = teasers == Teasers::Content;
    if !stories && on(Rule::RelatedSections) {
        drop_related_sections(blocks, &mut keep, false);
    }
    let (repeated_lines, datelines, link_lines) = (
        on(Rule::RepeatedLines),
        on(Rule::Datelines),
        on(Rule::LinkLines),
    );
    let (headline, bylines, author_lines) =
        (on(Rule::Headline), on(Rule::Bylines), on(Rule::AuthorLines));
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (b, _) in blocks.iter().zip(&keep).filter(|(_, k)| **k) {
        if b.text.len() <= REPEATED_LINE_MAX_CHARS
            && b.kind != BlockKind::Pre
            && !matches!(b.kind, BlockKind::Row { .. })
            && (b.linked || !stories && !b.text.contains(char::is_alphabetic))
        {
            *counts.entry(b.text.as_str()).or_default() += 1;
        }
    }
    let repeated: std::collections::HashSet<&str> = counts
        .into_iter()
        .filter(|&(_, n)| n >= REPEATED_LINE_MIN_COUNT)
        .map(|(t, _)| t)
        .collect();
    let headlines: Vec<String> = headlines
        .iter()
        .map(|h| fold_line(h))
        .filter(|h| !h.is_empty())
        .collect();
    // Indices of the blocks kept so far, in order.
    let mut out: Vec<usize> = Vec::with_capacity(blocks.len());
    let survivors: Vec<usize> = (0..blocks.len()).filter(|&i| keep[i]).collect();
    for (k, i) in survivors.into_iter().enumerate() {
        let b = &blocks[i];
        if b.kind == BlockKind::Pre || matches!(b.kind, BlockKind::Row { .. }) {
            out.push(i);
            continue;
        }
        let drop = repeated_lines && repeated.contains(b.text.as_str())
            || is_boilerplate_line(&b.text)
            || !stories
                && (datelines && is_dateline(&b.text, now) || link_lines && is_link_line(b))
            || k < 6
                && out.iter().all(|&o| {
                    matches!(blocks[o].kind, BlockKind::Heading(_)) || blocks[o].text.len() < 80
                })
                && (headline && is_headline(&fold_line(&b.text), &headlines)
                    || bylines && is_byline(&b.text)
                    || author_lines && author.is_some_and(|a| is_author_line(&b.text, a)));
        if drop {
            keep[i] = false;
        } else {
            out.push(i);
        }
    }
    if !stories && on(Rule::ExcerptRuns) {
        drop_excerpt_runs(blocks, &out, &mut keep);
    }
    if on(Rule::FooterTail) {
        drop_footer_tail(blocks, &mut keep);
    }
    if on(Rule::TocTitles) {
        drop_toc_titles(blocks, &mut keep);
    }
    if !stories && on(Rule::AuthorBio) {
        drop_author_bio(blocks, &mut keep);
    }
    keep
}

/// Longest line taken for the title of an author's note ("About the
/// author", "Written by Jane Doe").
const AUTHOR_BIO_TITLE_MAX_CHARS: usize = 60;
/// Share of the text before the note's title, at least: it closes the text.
const AUTHOR_BIO_MIN_PLACE: f32 = 0.8;
/// Longest note (its title to the end of the text), in bytes.
const AUTHOR_BIO_MAX_BYTES: usize = 2000;

/// Whether a line titles a note on the author: one of
/// [`rules::AUTHOR_BIO_TITLES`], alone or followed by names only ("Written
/// by Jane Doe", not "Written by hand, the letters…").
fn is_author_bio_title(text: &str) -> bool {
    use crate::extract::metadata::author::{clean_authors, looks_like_names};
    if text.chars().count() > AUTHOR_BIO_TITLE_MAX_CHARS || text.ends_with(['.', '!', '?']) {
        return false;
    }
    let text = text.trim();
    rules::AUTHOR_BIO_TITLES.iter().any(|title| {
        let head = text.get(..title.len()).unwrap_or("");
        let rest = &text[head.len()..];
        let names = rest.trim_start_matches([' ', ':']);
        head.to_lowercase() == *title
            && (names.is_empty()
                || names.len() < rest.len()
                    && clean_authors(names).is_some_and(|n| looks_like_names(&n)))
    })
}

/// Drop the note on the author that closes an article: from the first line
/// titling it ([`is_author_bio_title`]) in the last fifth of the text to the
/// end, when that is short. The same words higher up belong to the article
/// (a byline under the headline, a book's "About the author" in a shop).
fn drop_author_bio(blocks: &[Block], keep: &mut [bool]) {
    let order: Vec<usize> = (0..blocks.len()).filter(|&i| keep[i]).collect();
    let total: usize = order.iter().map(|&i| blocks[i].text.len()).sum();
    let room = AUTHOR_BIO_MAX_BYTES.min(((1.0 - AUTHOR_BIO_MIN_PLACE) * total as f32) as usize);
    let mut after = 0usize;
    let mut from = None;
    for (k, &i) in order.iter().enumerate().rev() {
        let b = &blocks[i];
        after += b.text.len();
        if after > room {
            break;
        }
        if matches!(b.kind, BlockKind::Heading(_) | BlockKind::Para) && is_author_bio_title(&b.text)
        {
            from = Some(k);
        }
    }
    if let Some(k) = from {
        order[k..].iter().for_each(|&j| keep[j] = false);
    }
}

/// Drop the title of a table of contents ("Table of contents", "On this
/// page", "Inhaltsverzeichnis") that is no longer followed by its entries:
/// the cleaner took the table's links, or the table was a script's. A
/// title followed by a list item or a line of links keeps its table.
fn drop_toc_titles(blocks: &[Block], keep: &mut [bool]) {
    let order: Vec<usize> = (0..blocks.len()).filter(|&i| keep[i]).collect();
    for (k, &i) in order.iter().enumerate() {
        let b = &blocks[i];
        if b.text.len() > TOC_TITLE_MAX_BYTES
            || matches!(b.kind, BlockKind::Pre | BlockKind::Row { .. })
            || !rules::TOC_TITLES.contains(&fold_line(&b.text).as_str())
        {
            continue;
        }
        let entries = order
            .get(k + 1)
            .is_some_and(|&j| blocks[j].linked || matches!(blocks[j].kind, BlockKind::Item { .. }));
        if !entries {
            keep[i] = false;
        }
    }
}

/// Longest line (in bytes) [`drop_toc_titles`] reads.
const TOC_TITLE_MAX_BYTES: usize = 40;

/// Longest line (in bytes) of a site's footer: a link, a column's heading,
/// an address line, a copyright notice.
const FOOTER_LINE_MAX_BYTES: usize = 100;

/// Lines of [`rules::FOOTER_LINES`] a trailing run needs to be a footer.
const FOOTER_MIN_LINES: usize = 2;

/// Whether a block can be a line of a site's footer: short, and not a
/// sentence of the page's own (a short line that ends with a full stop).
fn is_footer_shaped(b: &Block) -> bool {
    !matches!(b.kind, BlockKind::Pre | BlockKind::Row { .. })
        && b.text.len() <= FOOTER_LINE_MAX_BYTES
        && (b.linked || !b.text.trim_end().ends_with('.') || has_copyright_year(&b.text))
}

/// Drop the site's footer at the end of the text: in the run of short
/// lines that ends the page, from the first of its footer links ("Privacy
/// policy", "Careers", "Contact us") on, when the run holds two of them,
/// with the column headings just above it. Pages whose footer is
/// no `<footer>` (a `div` of link columns) keep it through the cleaner.
fn drop_footer_tail(blocks: &[Block], keep: &mut [bool]) {
    let order: Vec<usize> = (0..blocks.len()).filter(|&i| keep[i]).collect();
    let mut start = order.len();
    while start > 0 && is_footer_shaped(&blocks[order[start - 1]]) {
        start -= 1;
    }
    let run = &order[start..];
    let is_footer_line =
        |i: usize| rules::FOOTER_LINES.contains(&fold_line(&blocks[i].text).as_str());
    if run.iter().filter(|&&i| is_footer_line(i)).count() < FOOTER_MIN_LINES {
        return;
    }
    let Some(first) = run.iter().position(|&i| is_footer_line(i)) else {
        return;
    };
    let mut cut = first;
    while cut > 0 && first - cut < 2 && matches!(blocks[run[cut - 1]].kind, BlockKind::Heading(_)) {
        cut -= 1;
    }
    // A footer is the page's tail, not the page: a page of short lines
    // (a list of links that is the content) keeps them.
    let len = |is: &[usize]| is.iter().map(|&i| blocks[i].text.len()).sum::<usize>();
    if len(&run[cut..]) as f32 > FOOTER_MAX_SHARE * len(&order) as f32 {
        return;
    }
    for &i in &run[cut..] {
        keep[i] = false;
    }
}

/// Largest share of the text a site's footer may be.
const FOOTER_MAX_SHARE: f32 = 0.3;

/// Consecutive cut-off paragraphs that make a run of story excerpts.
const EXCERPT_RUN_MIN: usize = 2;

/// Whether a paragraph is a story excerpt cut off with an ellipsis, as
/// "more stories" blocks print them.
fn is_excerpt(b: &Block) -> bool {
    b.kind == BlockKind::Para
        && b.text.len() >= 80
        && (b.text.ends_with("...") || b.text.ends_with('…'))
}

/// Drop runs of excerpt paragraphs: the teasers of other stories whose
/// headlines were links (already dropped), not the article's own text.
/// `order` lists the blocks still kept, in order: a run is consecutive in it.
fn drop_excerpt_runs(blocks: &[Block], order: &[usize], keep: &mut [bool]) {
    let mut k = 0;
    while k < order.len() {
        let run = order[k..]
            .iter()
            .take_while(|&&i| is_excerpt(&blocks[i]))
            .count();
        if run >= EXCERPT_RUN_MIN {
            order[k..k + run].iter().for_each(|&i| keep[i] = false);
        }
        k += run.max(1);
    }
}

/// Longest heading taken for the heading of a related-stories section.
const RELATED_HEADING_MAX_CHARS: usize = 60;

/// Drop the sections of other stories that close an article: a heading
/// worded as one ([`rules::is_related_heading`]) in the second half of the
/// text, and what follows it up to the next heading of its level or higher.
///
/// Its twin, [`crate::extract::clean`]'s `drop_related_section`, removes
/// such a section before scoring when the heading's class or id names it as
/// furniture. This one catches the plain headings that no class marks: only
/// their wording and their place near the end of the text tell them from a
/// part of the article ("Related posts" near the top may open one).
/// With `anywhere`, such a heading opens a section wherever it stands (a
/// shop's rows of other products).
pub(crate) fn drop_related_sections(blocks: &[Block], keep: &mut [bool], anywhere: bool) {
    drop_sections(blocks, keep, RELATED_HEADING_MAX_CHARS, anywhere, |t| {
        on(Rule::RelatedHeadings) && rules::is_related_heading(t)
    });
}

/// Drop each section whose heading `is_heading` picks (a heading of at most
/// `max_chars` characters), with what follows it up to the next heading of
/// its level or higher. Unless `anywhere`, only a heading in the second
/// half of the text opens such a section: near the top, the same words
/// may open a part of the page's own text.
pub(crate) fn drop_sections(
    blocks: &[Block],
    keep: &mut [bool],
    max_chars: usize,
    anywhere: bool,
    is_heading: impl Fn(&str) -> bool,
) {
    let total: usize = blocks.iter().map(|b| b.text.len()).sum();
    let mut before = 0usize;
    let mut k = 0;
    while k < blocks.len() {
        let b = &blocks[k];
        let BlockKind::Heading(level) = b.kind else {
            before += b.text.len();
            k += 1;
            continue;
        };
        let drop = b.text.chars().count() <= max_chars
            && (anywhere || before * 2 >= total)
            && is_heading(&b.text);
        if !drop {
            before += b.text.len();
            k += 1;
            continue;
        }
        let end = blocks[k + 1..]
            .iter()
            .position(|n| matches!(n.kind, BlockKind::Heading(l) if l <= level))
            .map_or(blocks.len(), |p| k + 1 + p);
        keep[k..end].iter_mut().for_each(|x| *x = false);
        k = end;
    }
}

/// Longest line taken for a byline.
const BYLINE_MAX_CHARS: usize = 80;

/// A line that only names the authors: "By Priya Lindqvist", "BY ANA RUIZ
/// AND TOM LEE" (one with a date is a dateline).
fn is_byline(text: &str) -> bool {
    text.len() <= BYLINE_MAX_CHARS
        && opens_with_by(text)
        && !text.ends_with(['.', '!', '?', ':'])
        && crate::extract::metadata::author::clean_authors(text)
            .is_some_and(|n| crate::extract::metadata::author::looks_like_names(&n))
}

/// Characters an author line may hold besides the names (a role, a desk).
const AUTHOR_LINE_SLACK: usize = 40;

/// Whether a line is the byline of the known authors ("; "-joined): it starts
/// with the first name, and once every name is taken out, little is left
/// ("Jane Doe, Staff Writer", "Jane Doe and Li Wei | Science Desk").
fn is_author_line(text: &str, authors: &str) -> bool {
    let line = fold_line(text);
    let line = after_by(&line).unwrap_or(&line);
    let mut names = authors.split("; ").map(fold_line).filter(|n| !n.is_empty());
    let Some(first) = names.next() else {
        return false;
    };
    if !line.starts_with(&first) {
        return false;
    }
    let mut rest = line[first.len()..].to_string();
    for n in names {
        rest = rest.replacen(&n, "", 1);
    }
    rest.len() <= AUTHOR_LINE_SLACK && !text.ends_with(['.', '!', '?'])
}

/// Extra characters a headline block may carry beyond the title ("Column: ").
const HEADLINE_SLACK: usize = 24;

/// Whether a folded block is the headline: equal to it, or the title with a
/// short label before or after it.
fn is_headline(block: &str, headlines: &[String]) -> bool {
    headlines.iter().any(|h| {
        block == h
            || block.len() <= h.len() + HEADLINE_SLACK
                && h.len() >= 20
                && (block.ends_with(h.as_str()) || block.starts_with(h.as_str()))
    })
}

/// Fewest words a link-only paragraph needs to count as a teaser (a lone
/// linked word or name is more often a term in a list or table).
const LINK_LINE_MIN_WORDS: usize = 4;
/// Longest paragraph that is dropped for being one link.
const LINK_LINE_MAX_CHARS: usize = 200;

/// A paragraph or heading that is nothing but a link: a "read also"
/// teaser set between the article's paragraphs.
fn is_link_line(b: &Block) -> bool {
    b.linked
        && matches!(b.kind, BlockKind::Para | BlockKind::Heading(_))
        && b.text.chars().count() <= LINK_LINE_MAX_CHARS
        && b.text.split_whitespace().count() >= LINK_LINE_MIN_WORDS
}

/// Longest line that may be taken for a dateline.
const DATELINE_MAX_CHARS: usize = 120;
/// Most words (besides the date) a dateline may have.
const DATELINE_MAX_WORDS: usize = 16;

/// A short line that is mostly a date: "Updated 5:27 am, Nov 20, 2019",
/// "PUBLISHED: 10:48, Tue, Nov 19, 2019", "Published 1 day ago".
pub(crate) fn is_dateline(text: &str, now: chrono::NaiveDate) -> bool {
    let byline = text.len() <= 2 * DATELINE_MAX_CHARS && opens_with_by(text);
    (byline
        || text.len() <= DATELINE_MAX_CHARS
            && !text.ends_with('.')
            && text.split_whitespace().count() <= DATELINE_MAX_WORDS)
        && crate::extract::metadata::date::find_in_text(text, now).is_some()
        || crate::extract::metadata::date::is_relative_time(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::render::is_credited_caption;

    #[test]
    fn a_footer_of_short_lines_at_the_end_goes() {
        let linked = |t: &str| Block {
            linked: true,
            ..Block::of(BlockKind::Para, t)
        };
        let para = |t: &str| Block::of(BlockKind::Para, t);
        let item = "Ridge 75 keyboard: magnetic switches with an actuation point you set \
                    for each key, in an aluminium case.";
        let mut blocks = vec![
            Block::of(BlockKind::Heading(1), "Keyboards"),
            para(item),
            para(item),
            linked("Shop all keyboards"),
            Block::of(BlockKind::Heading(3), "Company"),
            linked("About us"),
            linked("Careers"),
            linked("Privacy policy"),
            para("© 2025 Keyforge Supply"),
        ];
        let now = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let kept = filter_blocks(blocks.clone(), &[], None, now, Teasers::Content);
        let texts: Vec<&str> = kept.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["Keyboards", item, item, "Shop all keyboards"]);
        // One footer word is no footer.
        blocks.truncate(6);
        let kept = filter_blocks(blocks.clone(), &[], None, now, Teasers::Content);
        assert_eq!(kept.len(), 6);
        // Nor is a page of short lines, whatever they say.
        let links: Vec<Block> = ["Home", "About us", "Careers", "Privacy policy"]
            .iter()
            .map(|t| linked(t))
            .collect();
        let kept = filter_blocks(links, &[], None, now, Teasers::Content);
        assert_eq!(kept.len(), 4);
    }

    #[test]
    fn a_toc_title_without_its_entries_goes() {
        let step = "Close the stop valves, then open the handle to drain the pipes.";
        let para = |t: &str| Block::of(BlockKind::Para, t);
        let entry = |t: &str| {
            Block::of(
                BlockKind::Item {
                    depth: 0,
                    number: None,
                    cont: false,
                },
                t,
            )
        };
        let now = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let texts = |blocks: Vec<Block>| -> Vec<String> {
            filter_blocks(blocks, &[], None, now, Teasers::Content)
                .into_iter()
                .map(|b| b.text)
                .collect()
        };
        for title in [
            "Table of Contents",
            "On this page:",
            "Inhaltsverzeichnis",
            "Sommaire",
        ] {
            let kept = texts(vec![
                para(title),
                Block::of(BlockKind::Heading(2), "Shut off the water"),
                para(step),
            ]);
            assert_eq!(kept, ["Shut off the water", step], "{title}");
        }
        // Followed by its entries, the title stays with them.
        let kept = texts(vec![
            Block::of(BlockKind::Heading(2), "Contents"),
            entry("Shut off the water"),
            entry("Remove the old cartridge"),
            para(step),
        ]);
        assert_eq!(kept.len(), 4);
        // A sentence that names a table of contents is no title.
        let kept = texts(vec![
            para("Table of contents of the 2024 report"),
            para(step),
        ]);
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn the_authors_note_that_closes_an_article_goes() {
        let story = "The council voted on Monday to turn two lanes of the high street into a cycle path, after months of debate over the cost and the loss of parking.";
        let para = |t: &str| Block::of(BlockKind::Para, t);
        let now = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let texts = |blocks: Vec<Block>, teasers| -> Vec<String> {
            filter_blocks(blocks, &[], None, now, teasers)
                .into_iter()
                .map(|b| b.text)
                .collect()
        };
        let article = |title: Block| {
            let mut blocks: Vec<Block> = (0..6).map(|_| para(story)).collect();
            blocks.push(title);
            blocks.push(para("Jane Doe covers transport and city hall."));
            blocks
        };
        for title in [
            Block::of(BlockKind::Heading(3), "About the Author"),
            para("WRITTEN BY"),
            para("Written by Jane Doe"),
            Block::of(BlockKind::Heading(2), "Über die Autorin"),
            para("À propos de l’auteur :"),
        ] {
            let shown = title.text.clone();
            assert_eq!(
                texts(article(title), Teasers::Furniture),
                vec![story; 6],
                "{shown}"
            );
        }
        // A sentence that starts with the words, a note high in the text,
        // and a page of items keep them.
        for line in [
            "Written by hand, the letters took a year.",
            "Written by hand",
            "About the authors' route",
        ] {
            assert_eq!(
                texts(article(para(line)), Teasers::Furniture).len(),
                8,
                "{line}"
            );
        }
        let mut early = vec![para("About the author"), para(story)];
        early.extend((0..4).map(|_| para(story)));
        assert_eq!(texts(early, Teasers::Furniture).len(), 6);
        let title = Block::of(BlockKind::Heading(3), "About the author");
        assert_eq!(texts(article(title), Teasers::Content).len(), 8);
    }

    #[test]
    fn calls_to_action_are_short_linked_commands() {
        let linked = |t: &str| Block {
            linked: true,
            ..Block::of(BlockKind::Para, t)
        };
        for t in [
            "Apply Now",
            "Start Free Trial",
            "Learn more about data engineering services",
            "Get started today",
            "Jetzt Termin vereinbaren",
            "Mehr erfahren",
            "Zum Angebot",
            "Découvrez nos offres",
            "Solicita una demo",
            "Scopri di più",
        ] {
            assert!(is_call_to_action(&linked(t)), "{t}");
        }
        for t in [
            "Start here.",
            "How do I apply?",
            "Learn more about the many ways our engineers help your team grow",
            "Pricing plans",
            "Unsere Leistungen",
            "Mehr als 20 Jahre Erfahrung in der Steuerberatung.",
        ] {
            assert!(!is_call_to_action(&linked(t)), "{t}");
        }
        // Text outside links is the page's own, whatever its words.
        assert!(!is_call_to_action(&Block::of(BlockKind::Para, "Apply Now")));
    }

    #[test]
    fn grid_controls_are_told_from_item_text() {
        for line in [
            "Sort: Best Match",
            "Sort by",
            "Showing 1–24 of 143 results",
            "loaded 143 results",
            "Compare",
            "Add to Compare",
            "48 per page",
            "Filters",
            "Skip to product list",
        ] {
            assert!(is_grid_control(line), "{line}");
        }
        for line in [
            "Sorting hat, wool, one size",
            "Compare the two tents side by side before you buy",
            "Showing off: a jacket for cold nights",
            "143 results in the last year alone",
            "Filter coffee, 250 g",
        ] {
            assert!(!is_grid_control(line), "{line}");
        }
    }

    #[test]
    fn related_sections_close_the_article_only_in_its_second_half() {
        let b = Block::of;
        let story = "A paragraph of the story, long enough to weigh something in the text.";
        let blocks = vec![
            b(BlockKind::Para, story),
            b(BlockKind::Para, story),
            b(BlockKind::Heading(2), "Related posts"),
            b(BlockKind::Para, "Another story's summary."),
            b(BlockKind::Heading(3), "Its subheading"),
            b(BlockKind::Para, "More of another story."),
            b(BlockKind::Heading(2), "Notes"),
            b(BlockKind::Para, "The article's own notes."),
        ];
        let mut keep = vec![true; blocks.len()];
        drop_related_sections(&blocks, &mut keep, false);
        let texts: Vec<&str> = blocks
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(b, _)| b.text.as_str())
            .collect();
        assert_eq!(texts, [story, story, "Notes", "The article's own notes."]);

        // Near the top, the same heading opens a part of the article.
        let blocks = vec![
            b(BlockKind::Heading(2), "Related posts"),
            b(BlockKind::Para, story),
        ];
        let mut keep = vec![true; blocks.len()];
        drop_related_sections(&blocks, &mut keep, false);
        assert_eq!(keep, [true, true]);

        // A shop's product page closes the same way, in its own words.
        for heading in [
            "Customers also viewed",
            "Frequently bought together",
            "Recently viewed",
            "Produits similaires",
        ] {
            let blocks = vec![
                b(BlockKind::Para, story),
                b(BlockKind::Heading(2), heading),
                b(BlockKind::Para, "Another product, $24.00"),
            ];
            let mut keep = vec![true; blocks.len()];
            drop_related_sections(&blocks, &mut keep, false);
            assert_eq!(keep, [true, false, false], "{heading}");
        }
    }

    #[test]
    fn sections_anywhere_or_in_the_second_half() {
        let b = Block::of;
        let text = "A paragraph of the page, long enough to weigh something in the text.";
        let blocks = vec![
            b(BlockKind::Heading(1), "Tidewater Canvas Tote"),
            b(BlockKind::Heading(2), "Frequently bought together"),
            b(BlockKind::Para, "Harbor Wax Bar, $12.00"),
            b(BlockKind::Heading(2), "Description"),
            b(BlockKind::Para, text),
            b(BlockKind::Para, text),
        ];
        let related = |t: &str| rules::is_related_heading(t);
        // In the first half, the section stays unless it may stand anywhere.
        let mut keep = vec![true; blocks.len()];
        drop_sections(
            &blocks,
            &mut keep,
            RELATED_HEADING_MAX_CHARS,
            false,
            related,
        );
        assert!(keep.iter().all(|&k| k));
        let mut keep = vec![true; blocks.len()];
        drop_sections(&blocks, &mut keep, RELATED_HEADING_MAX_CHARS, true, related);
        assert_eq!(keep, [true, false, false, true, true, true]);
        // A heading longer than the limit is not taken.
        let mut keep = vec![true; blocks.len()];
        drop_sections(&blocks, &mut keep, 10, true, related);
        assert!(keep.iter().all(|&k| k));
    }

    #[test]
    fn credits_and_copyright_lines() {
        assert!(is_credited_caption(
            "The plague wiped out half of Europe (Image: GETTY)"
        ));
        assert!(is_credited_caption(
            "A village near the farm (photo: Reuters)"
        ));
        assert!(!is_credited_caption(
            "The council met on Monday (the first time since May)."
        ));
        assert!(!is_credited_caption("He said so (image: none)."));
        assert!(is_boilerplate_line(
            "© 2019 Associated Press. All Rights Reserved."
        ));
        assert!(is_boilerplate_line(
            "The contents of this site are ©2019 Capitol Hill Publishing Corp."
        ));
        assert!(is_boilerplate_line("© Reuters"));
        assert!(is_boilerplate_line(
            "There's plenty more. Sign up for The Briefing to get the free daily newsletter delivered to your inbox."
        ));
        assert!(!is_boilerplate_line(
            "The paper's newsletter team said readers who subscribe stay longer, a finding the board discussed at length on Monday, though it did not say how many had signed up."
        ));
        assert!(!is_boilerplate_line(
            "This isn’t supposed to be a manifesto™© we just think it’s cool to share."
        ));
    }

    #[test]
    fn boilerplate_lines_in_other_languages() {
        for line in [
            "Schreibe einen Kommentar",
            "Antworten abbrechen",
            "Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert",
            "Meinen Namen, meine E-Mail-Adresse und meine Website in diesem Browser speichern, bis ich wieder kommentiere.",
            "Lesen Sie auch: Warum die Bahn ihre Preise erhöht",
            "Ähnliche Beiträge",
            "Laisser un commentaire",
            "Votre adresse e-mail ne sera pas publiée.",
            "Deja una respuesta",
            "Lascia un commento",
            "Deixe um comentário",
            "Laat een reactie achter",
        ] {
            assert!(is_boilerplate_line(line), "{line}");
        }
        for line in [
            "Die Stadt hat einen Kommentar der Bahn abgewartet, bevor sie die Pläne veröffentlichte.",
            "Lesen",
            "Weitere Informationen finden Sie im Bericht des Landesamts.",
        ] {
            assert!(!is_boilerplate_line(line), "{line}");
        }
    }

    #[test]
    fn author_lines_are_told_from_sentences() {
        assert!(is_author_line(
            "Irina Volkova, Associated Desk",
            "Irina Volkova"
        ));
        assert!(is_author_line(
            "By Jane Doe and Li Wei | Science",
            "Jane Doe; Li Wei"
        ));
        assert!(!is_author_line(
            "Irina Volkova said the launch would go ahead.",
            "Irina Volkova"
        ));
        assert!(!is_author_line(
            "Irina Volkova, who has covered the space agency for twenty years and more, retires today",
            "Irina Volkova"
        ));
        assert!(!is_author_line("Associated Desk", "Irina Volkova"));
    }

    #[test]
    fn bylines_are_told_from_sentences() {
        assert!(is_byline("By Priya Lindqvist"));
        assert!(is_byline("BY ANA RUIZ AND TOM LEE"));
        assert!(!is_byline("By the end of the week, the river had risen."));
        assert!(!is_byline("By noon"));
    }

    #[test]
    fn repeated_letterless_lines_stay_only_among_items() {
        let blocks = || {
            let mut v = Vec::new();
            for name in ["Trail runner", "Road racer", "Daily trainer"] {
                v.push(Block::of(BlockKind::Para, name));
                v.push(Block::of(BlockKind::Para, "$120.00"));
            }
            v.extend((0..3).map(|_| {
                let mut b = Block::of(BlockKind::Para, "Share");
                b.linked = true;
                b
            }));
            v
        };
        let now = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let texts = |teasers| -> Vec<String> {
            filter_blocks(blocks(), &[], None, now, teasers)
                .into_iter()
                .map(|b| b.text)
                .collect()
        };
        // Beside one story, a figure repeated three times is a chart's label.
        assert_eq!(
            texts(Teasers::Furniture),
            ["Trail runner", "Road racer", "Daily trainer"]
        );
        // Among items, each item's price stays; the repeated link goes.
        let items = texts(Teasers::Content);
        assert_eq!(items.iter().filter(|t| *t == "$120.00").count(), 3);
        assert!(!items.iter().any(|t| t == "Share"));
    }

    #[test]
    fn boilerplate_lines_and_title_are_filtered() {
        let blocks = vec![
            Block::of(BlockKind::Heading(1), "My Title"),
            Block::of(BlockKind::Para, "Advertisement"),
            Block::of(BlockKind::Para, "Please enter your comment!"),
            Block::of(
                BlockKind::Para,
                "Updated 5:27 am CST, Wednesday, November 20, 2019",
            ),
            Block::of(BlockKind::Para, "Real text here."),
        ];
        let now = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let out = filter_blocks(blocks, &["My title"], None, now, Teasers::Furniture);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].text, "Real text here.");
    }
}
