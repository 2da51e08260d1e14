//! The fallback ladder: which cleaning rules each pass applies.
//!
//! The extractor starts with the strictest pass and relaxes it step by step
//! when too little text is left, because a rule that is right on most sites
//! removes the article itself on a few. The cleaner, the scorer and the
//! driver in [`super`] all read the same [`Pass`].

/// Text length at which a pass's result is accepted without trying the next.
pub const ENOUGH_TEXT: u32 = 500;
/// Share of the page's prose ([`super::stats::prose_mass`]) a pass must
/// also find to be accepted without trying the next.
pub const ENOUGH_PROSE_SHARE: f32 = 0.5;
/// Shortest text that counts as an article.
pub const MIN_TEXT: u32 = 120;
/// Below this, every cleaning pass "found nothing" and the uncleaned one may run.
pub const NOTHING_TEXT: u32 = 60;

/// Which rules a cleaning pass applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Remove elements whose class/id make them *unlikely* content (weak cues).
    pub strip_unlikely: bool,
    /// Remove furniture recognised by tag, role and strong class/id cues.
    pub strip_boilerplate: bool,
    /// Also remove furniture recognised by a class/id part (`ad`, `share`, `widget`).
    pub strip_boilerplate_parts: bool,
    /// Let class/id weights count in scoring.
    pub weight_classes: bool,
    /// Prune blocks by their shape inside the chosen container.
    pub clean_conditionally: bool,
    /// Keep discussions (comment lists, comments, replies): the posts of a
    /// forum thread, which on an article would be reader comments.
    pub keep_thread: bool,
    /// Remove the controls around a grid of items (filters, facets, sort
    /// bars, pagers), recognised by a class/id part: a catalogue page's.
    pub strip_facets: bool,
    /// Keep the hidden panels of tab sets and accordions: on a page read
    /// as a region (a service, a product, documentation) they are sections
    /// of the page; on an article, a box beside the story.
    pub open_panels: bool,
}

/// The fallback ladder, strictest first.
pub const LADDER: [Pass; 5] = [
    Pass {
        strip_unlikely: true,
        strip_boilerplate: true,
        strip_boilerplate_parts: true,
        weight_classes: true,
        clean_conditionally: true,
        keep_thread: false,
        strip_facets: false,
        open_panels: false,
    },
    Pass {
        strip_unlikely: false,
        strip_boilerplate: true,
        strip_boilerplate_parts: true,
        weight_classes: true,
        clean_conditionally: true,
        keep_thread: false,
        strip_facets: false,
        open_panels: false,
    },
    Pass {
        strip_unlikely: false,
        strip_boilerplate: true,
        strip_boilerplate_parts: true,
        weight_classes: false,
        clean_conditionally: true,
        keep_thread: false,
        strip_facets: false,
        open_panels: false,
    },
    Pass {
        strip_unlikely: false,
        strip_boilerplate: true,
        strip_boilerplate_parts: false,
        weight_classes: false,
        clean_conditionally: true,
        keep_thread: false,
        strip_facets: false,
        open_panels: false,
    },
    Pass {
        strip_unlikely: false,
        strip_boilerplate: false,
        strip_boilerplate_parts: false,
        weight_classes: false,
        clean_conditionally: false,
        keep_thread: false,
        strip_facets: false,
        open_panels: false,
    },
];

/// What the metadata already tells the passes about the page.
pub(crate) struct Known<'a> {
    /// The title and the first `<h1>`, which the text must not repeat.
    pub(crate) headlines: &'a [&'a str],
    /// The authors, whose byline the text must not repeat.
    pub(crate) author: Option<&'a str>,
    /// The page has a publication date: it presents itself as one story,
    /// so a stream of teasers on it sits beside that story.
    pub(crate) dated: bool,
}
