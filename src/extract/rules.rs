//! The cleaner's rules, as data.
//!
//! Every tag set, class/id pattern and boilerplate phrase the stages use
//! lives here, so a rule can be read, reviewed and changed in one place. The
//! logic that applies them is elsewhere: [`crate::extract::dom`] turns tags,
//! classes, ids and roles into flags and weights once, which the cleaner and
//! the scorer act on; the block filter in [`crate::extract::render`] matches
//! the phrases. The one function here, [`is_related_heading`], is the
//! wording test that two stages share.
//!
//! Class and id values are matched two ways:
//! * **parts**: the value is split at every character that is not a letter or
//!   digit (`td-post-comments` → `td`, `post`, `comments`) and each part is
//!   compared whole. Short, ambiguous words (`ad`, `tags`, `share`) are only
//!   ever matched this way, so `shadow` or `header` never count as `ad`.
//! * **substrings**: distinctive words found anywhere (`newsletter`,
//!   `sidebar`, `breadcrumb`), so `sidebarWidget` or `newsletterSignup` count.

// The tag sets below are the reviewer's copy: `dom::tag_flags` encodes them
// in one match (it runs for every element), and a unit test holds the two
// together.

/// Elements dropped with everything inside, whatever the page.
#[cfg(test)]
pub const SKIP_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas",
    "input", "textarea", "select", "button", "option", "optgroup", "datalist", "audio", "video",
    "source", "track", "map", "area", "head", "title", "meta", "link", "base", "dialog",
    "frameset", "frame", "applet", "picture", "img",
];

/// Elements that are page furniture by their tag alone.
#[cfg(test)]
pub const BOILERPLATE_TAGS: &[&str] = &["nav", "aside", "footer", "menu"];

/// Elements that usually are page furniture but sometimes wrap the article's
/// own head: removed only on the first, strictest pass.
#[cfg(test)]
pub const UNLIKELY_TAGS: &[&str] = &["header"];

/// Block-level elements: text on either side of them never joins.
#[cfg(test)]
pub const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "td",
    "th",
    "ul",
    "caption",
    "legend",
    "frameset",
    "noframes",
    "listing",
    "xmp",
    "plaintext",
];

/// Role values that mark page furniture.
pub const BOILERPLATE_ROLES: &[&str] = &[
    "navigation",
    "menu",
    "menubar",
    "complementary",
    "banner",
    "contentinfo",
    "search",
    "alert",
    "alertdialog",
    "dialog",
    "toolbar",
    "tablist",
];

bitflags::bitflags! {
    /// What a class/id pattern says about an element.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
    pub struct Hit: u16 {
        /// Readability-style negative class weight.
        const NEG = 1;
        /// Readability-style positive class weight.
        const POS = 2;
        /// Unlikely to hold the article (removed on the strictest pass only).
        const UNLIKELY = 4;
        /// Could hold the article: cancels `UNLIKELY`.
        const MAYBE = 8;
        /// Page furniture, removed on every pass but the last resort.
        const BOILER = 16;
        /// Hidden by a utility class.
        const HIDDEN = 32;
        /// Furniture recognised by a class/id *part* (a weaker cue than a substring).
        const BOILER_PART = 64;
        /// A caption or photo credit: kept only when captions are asked for.
        const CAPTION = 128;
        /// An embedded post (tweet, Instagram) that articles quote as content:
        /// cancels `BOILER_PART` (`widget`, `social`).
        const EMBED = 256;
        /// Gated by a paywall: a subscription prompt when short, the rest of
        /// the article (sent in the page, hidden by script) when it is prose.
        const GATED = 512;
        /// Part of a discussion (a comment list, a comment, a reply): reader
        /// comments under an article, but the content of a forum thread.
        const THREAD = 1 << 10;
        /// Narrows, orders or pages a grid of items (a filter or facet
        /// panel, a sort bar, a pager): furniture of a catalogue page.
        const FACET = 1 << 11;
    }
}

/// The [`Hit`] flags as plain bits, so the tables below can combine them in
/// constants (`|` is not `const` on flag types); `dom` turns a table's bits
/// back into a [`Hit`].
mod bits {
    use super::Hit;
    pub const NEG: u16 = Hit::NEG.bits();
    pub const POS: u16 = Hit::POS.bits();
    pub const UNLIKELY: u16 = Hit::UNLIKELY.bits();
    pub const MAYBE: u16 = Hit::MAYBE.bits();
    pub const BOILER: u16 = Hit::BOILER.bits();
    pub const BOILER_PART: u16 = Hit::BOILER_PART.bits();
    pub const CAPTION: u16 = Hit::CAPTION.bits();
    pub const EMBED: u16 = Hit::EMBED.bits();
    pub const GATED: u16 = Hit::GATED.bits();
    pub const THREAD: u16 = Hit::THREAD.bits();
    pub const FACET: u16 = Hit::FACET.bits();
}

use crate::extract::text::fold_line;
use bits::*;

/// Class/id patterns matched as substrings of the lower-cased value.
pub const SUBSTRING_RULES: &[(&str, u16)] = &[
    // Furniture whatever else the value says.
    ("newsletter", BOILER | NEG),
    ("cookie", BOILER | NEG),
    ("breadcrumb", BOILER | NEG),
    ("saboxplugin", BOILER | NEG),
    ("wpcnt", BOILER),
    ("comment-list", BOILER | NEG | THREAD),
    ("comments-area", BOILER | NEG | THREAD),
    ("author-bio", BOILER | NEG),
    ("authorbio", BOILER | NEG),
    ("author-box", BOILER | NEG),
    ("author-info", BOILER | NEG),
    ("social-share", BOILER | NEG),
    ("sharing", BOILER | NEG),
    ("screen-reader", BOILER),
    ("sr-only", BOILER),
    ("visually-hidden", BOILER),
    ("visuallyhidden", BOILER),
    ("skip-link", BOILER),
    ("trending", BOILER),
    ("recommended", BOILER | NEG),
    ("recirc", BOILER),
    ("post-navigation", BOILER),
    ("navbar", BOILER),
    ("signup", BOILER),
    ("advert", BOILER | NEG),
    ("-ad-", NEG | UNLIKELY),
    // Readability-like weak signals.
    ("banner", NEG | UNLIKELY),
    ("community", UNLIKELY),
    ("footer", NEG | UNLIKELY),
    ("header", UNLIKELY),
    ("sidebar", NEG | UNLIKELY),
    ("sponsor", NEG | UNLIKELY),
    ("pagination", UNLIKELY | POS),
    ("widget", NEG | UNLIKELY),
    ("related", NEG | UNLIKELY),
    ("comment", NEG | UNLIKELY | THREAD),
    // Comment lists as German, Spanish and Portuguese themes name them
    // (French and Italian spellings hold "comment"). Plural: a German
    // "Kommentar" is also an opinion column, the article itself.
    ("kommentare", NEG | UNLIKELY | THREAD),
    ("leserkommentar", NEG | UNLIKELY | THREAD),
    ("comentarios", NEG | UNLIKELY | THREAD),
    ("promo", NEG | UNLIKELY),
    ("scroll", NEG),
    ("meta", NEG),
    ("hidden", NEG),
    ("media", NEG),
    ("share", NEG),
    ("tags", NEG),
    // Signals of content.
    ("article", POS | MAYBE),
    ("body", POS | MAYBE),
    ("content", POS | MAYBE),
    ("entry", POS | MAYBE),
    ("main", POS | MAYBE),
    ("page", POS),
    ("post", POS | MAYBE),
    ("text", POS | MAYBE),
    ("blog", POS | MAYBE),
    ("story", POS | MAYBE),
    ("column", MAYBE),
    ("mathjax", MAYBE),
    ("caption", CAPTION),
    ("tweet", EMBED),
];

/// Class/id patterns matched only as whole parts.
pub const PART_RULES: &[(&str, u16)] = &[
    ("ad", BOILER_PART),
    ("adv", BOILER_PART),
    ("comment", BOILER_PART | THREAD),
    ("comments", BOILER_PART | THREAD),
    ("share", BOILER_PART),
    ("social", BOILER_PART),
    ("related", BOILER_PART),
    ("relatedposts", BOILER_PART),
    ("tags", BOILER_PART),
    ("sidebar", BOILER_PART),
    ("widget", BOILER_PART),
    ("nav", BOILER_PART),
    ("navigation", BOILER_PART),
    ("subscribe", BOILER_PART),
    ("subscription", BOILER_PART),
    ("popular", BOILER_PART),
    ("print", BOILER_PART),
    ("byline", UNLIKELY),
    ("dateline", UNLIKELY),
    ("aside", UNLIKELY),
    ("tools", UNLIKELY),
    ("login", BOILER_PART),
    ("paywall", GATED),
    // Section labels set above a headline ("Opinion", "World").
    ("category", BOILER_PART),
    ("categories", BOILER_PART),
    ("kicker", BOILER_PART),
    ("eyebrow", BOILER_PART),
    ("credit", CAPTION),
    ("credits", CAPTION),
    ("modal", BOILER_PART),
    // The controls around a grid of items.
    ("filter", FACET),
    ("filters", FACET),
    ("facet", FACET),
    ("facets", FACET),
    ("refinement", FACET),
    ("refinements", FACET),
    ("sort", FACET),
    ("sorting", FACET),
    ("sortby", FACET),
    ("pagination", FACET),
    ("pager", FACET),
];

/// Class names that start with these are taxonomy (WordPress and Drupal put
/// an article's categories and tags into classes) and are ignored by the rules.
pub const TAXONOMY_CLASS_PREFIXES: &[&str] = &[
    "category-",
    "tag-",
    "tags-",
    "topic-",
    "postid-",
    "post-format-",
    "format-",
    "status-",
    "type-",
    "taxonomy-",
    "term-",
    "vocabulary-",
];

/// Page builders name every block of a page they lay out after their own
/// word for a block (Elementor's `elementor-widget-text-editor`,
/// `elementor-widget-wrap`): the rules read a class that starts with one of
/// these for what follows it (`-text-editor`, `-nav-menu`), not for the
/// builder's word, which elsewhere names sidebar furniture.
pub const BUILDER_BLOCK_PREFIXES: &[&str] = &[
    "elementor-widget",
    "siteorigin-widget",
    "so-widget",
    "panel-widget",
];

/// An id with this many words or more is the slug of a heading
/// (`sharing-with-multiple-developers`), not a component's name: no rule
/// reads it.
pub const SLUG_ID_MIN_WORDS: usize = 4;

/// Whole class names that hide an element (utility classes of CSS frameworks).
/// Matched against each class name whole: `field-label-hidden` hides a label,
/// not the element it sits on.
pub const HIDDEN_CLASSES: &[&str] = &[
    "hidden",
    "hide",
    "d-none",
    "invisible",
    "is-hidden",
    "u-hidden",
    "display-none",
    "hidden-all",
    // Webflow's form messages, shown by its script once a form is sent.
    "w-form-done",
    "w-form-fail",
];

/// Class or id substrings that name the panel of a tab set or an accordion
/// (`tab-pane`, `tabpanel`, `accordion-item-panel`, `faq-collapsible`): a
/// panel hidden until the reader opens it, whose text is the page's.
pub const DISCLOSURE_PANEL_SUBSTRINGS: &[&str] = &[
    "tabpanel",
    "tab-panel",
    "tab_panel",
    "tabs-panel",
    "tabs__panel",
    "tab-pane",
    "accordion",
    "collapsible",
];

/// Class or id parts (split as for [`PART_RULES`]) that name one panel of a
/// tab set (`pageblock-tab-2`).
pub const DISCLOSURE_PANEL_PARTS: &[&str] = &["tab"];

/// Whether a class or id value names a tab or accordion panel
/// ([`DISCLOSURE_PANEL_SUBSTRINGS`], [`DISCLOSURE_PANEL_PARTS`]).
pub fn names_disclosure_panel(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    DISCLOSURE_PANEL_SUBSTRINGS.iter().any(|p| v.contains(p))
        || v.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|part| DISCLOSURE_PANEL_PARTS.contains(&part))
}

/// On a forum thread, a line that is one of these (case folded, trailing
/// punctuation ignored) is the chrome of a post, not its text: the links
/// and buttons under it, the member's rank beside it, the thread's state.
pub const THREAD_CHROME_LINES: &[&str] = &[
    "share on other sites",
    "link to comment",
    "link to post",
    "click to expand",
    "click to shrink",
    "wrote on",
    "sorted by",
    "show more replies",
    "not open for further replies",
    "member",
    "senior member",
    "junior member",
    "full member",
    "new member",
    "established member",
    "prominent member",
    "former member",
    "well-known member",
    "active member",
    "registered user",
    "offline",
    "search forums",
    "new posts",
    "jump to latest",
    "recommended posts",
    "featured replies",
    "improve this question",
    "improve this answer",
    "add a comment",
    "original poster",
    "original post",
    "thread starter",
    "thread tools",
    "top posters in this topic",
    "quote",
    "moderator",
    "super moderator",
    "administrator",
    "staff member",
    "premium member",
    "supporting member",
    "author",
    "members",
    "share",
    // The same in German, as XenForo, vBulletin and phpBB word them.
    "zitieren",
    "antworten",
    "zum vergrößern anklicken",
    "für weitere antworten geschlossen",
    "themenstarter",
    "themenersteller",
    "mitglied",
    "neues mitglied",
    "aktives mitglied",
    "bekanntes mitglied",
    "teilen",
];

/// On a forum thread, a short line that opens with one of these is the
/// chrome of a post: an edit note, the starter's name, a member's details.
pub const THREAD_CHROME_PREFIXES: &[&str] = &[
    "last edited by ",
    "last edited:",
    "start date ",
    "reactions: ",
    "view attachment ",
    "sort by ",
    "thread starter ",
    "join date",
    "joined:",
    "posts:",
    "reputation:",
    "zuletzt bearbeitet",
    "themenstarter ",
    "reaktionen: ",
    "beiträge:",
    "registriert:",
    "mitglied seit",
    "dabei seit",
];

/// What a count of reactions under a post counts ("3 likes").
pub const THREAD_REACTION_WORDS: &[&str] = &["like", "likes", "upvote", "upvotes"];

/// Longest line (in characters) that [`THREAD_CHROME_PREFIXES`] may remove.
pub const THREAD_CHROME_PREFIX_MAX_CHARS: usize = 120;

/// Whether a line of a forum thread is the chrome of a post
/// ([`THREAD_CHROME_LINES`], [`THREAD_CHROME_PREFIXES`], or a count of
/// reactions such as "12 likes").
pub fn is_post_chrome(line: &str) -> bool {
    let f = fold_line(line);
    if THREAD_CHROME_LINES.contains(&f.as_str()) {
        return true;
    }
    if f.chars().count() <= THREAD_CHROME_PREFIX_MAX_CHARS
        && THREAD_CHROME_PREFIXES.iter().any(|p| f.starts_with(p))
    {
        return true;
    }
    let mut words = f.split_whitespace();
    if matches!(
        (words.next(), words.next(), words.next()),
        (Some(n), Some(w), None)
            if n.bytes().all(|b| b.is_ascii_digit() || b == b',')
                && THREAD_REACTION_WORDS.contains(&w)
    ) {
        return true;
    }
    (super::switch::on(super::switch::Rule::ThreadCounts) && is_thread_count(&f))
        || (super::switch::on(super::switch::Rule::MemberDetails) && is_member_detail(&f))
}

/// Whether a number as a thread prints its tallies: digits with their
/// separators, maybe after a `#` (a post's number) or a sign, maybe
/// shortened with `k` or `m` ("23.8k").
fn is_tally(w: &str) -> bool {
    let w = w.trim_start_matches(['#', '+', '-', '−']);
    let w = w.strip_suffix(['k', 'm']).unwrap_or(w);
    w.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && w.bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'.' || b == b' ')
}

/// Whether a folded line of a thread is only a count: a score, a post's
/// number, a member's tally ("1,204", "#12", "23.8k"), or a number and
/// what it counts ("4 replies", "1.2k views").
fn is_thread_count(f: &str) -> bool {
    if is_tally(f) {
        return true;
    }
    let mut words = f.split_whitespace();
    matches!(
        (words.next(), words.next(), words.next()),
        (Some(n), Some(w), None) if is_tally(n) && THREAD_COUNT_WORDS.contains(&w)
    )
}

/// Whether a folded line of a thread is a member's details beside a post:
/// the label of one of them alone on its line ([`MEMBER_DETAIL_LABELS`],
/// its value on the next), a tally of posts and the year the member joined
/// ("1,204 posts · joined 2015"), badge tallies ("23.8k 14 gold badges 88
/// silver badges"), or what the member did when ("answered jul 7, 2012 at
/// 3:07", [`MEMBER_ACTION_WORDS`]).
fn is_member_detail(f: &str) -> bool {
    if MEMBER_DETAIL_LABELS.contains(&f.trim_end_matches(':')) {
        return true;
    }
    if f.chars().count() > THREAD_CHROME_PREFIX_MAX_CHARS {
        return false;
    }
    let words: Vec<&str> = f
        .split(|c: char| c.is_whitespace() || c == '·' || c == '|')
        .filter(|w| !w.is_empty())
        .collect();
    // Counts and the words they count, nothing else.
    let tallies = |counted: &[&str]| {
        let mut n = 0;
        let mut expect_count = true;
        for w in &words {
            if expect_count && is_tally(w) {
                expect_count = false;
            } else if !expect_count && counted.contains(w) {
                expect_count = true;
                n += 1;
            } else {
                return false;
            }
        }
        n > 0 && expect_count
    };
    // A badge tally glues its counts to the words ("1,9922 gold badges14
    // silver badges"): runs of letters are metals, badges or a thousands
    // `k`; the rest is digits.
    if MEMBER_BADGE_WORDS.iter().any(|m| f.contains(m)) && f.contains("badge") {
        return f
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .all(|w| MEMBER_BADGE_WORDS.contains(&w) || matches!(w, "badge" | "badges" | "k"))
            && f.chars()
                .all(|c| c.is_alphabetic() || c.is_ascii_digit() || matches!(c, ',' | '.' | ' '));
    }
    if words.len() == 4
        && is_tally(words[0])
        && matches!(words[1], "post" | "posts")
        && words[2] == "joined"
        && words[3].len() == 4
        && is_tally(words[3])
    {
        return true;
    }
    if tallies(MEMBER_TALLY_WORDS) {
        return true;
    }
    // "answered jul 7, 2012 at 3:07"
    words.len() >= 4
        && words.len() <= 7
        && MEMBER_ACTION_WORDS.contains(&words[0])
        && words.iter().rev().nth(1) == Some(&"at")
        && words.last().is_some_and(|t| {
            t.contains(':') && t.bytes().next().is_some_and(|b| b.is_ascii_digit())
        })
}

/// What a count alone on a line of a thread counts ("12 replies").
pub const THREAD_COUNT_WORDS: &[&str] = &[
    "reply",
    "replies",
    "answer",
    "answers",
    "comment",
    "comments",
    "post",
    "posts",
    "view",
    "views",
    "vote",
    "votes",
    "point",
    "points",
    "member",
    "members",
    "follower",
    "followers",
    "reaction",
    "reactions",
];

/// A member's details shown beside each post, each label on its own line
/// with its value on the next.
pub const MEMBER_DETAIL_LABELS: &[&str] = &[
    "joined",
    "join date",
    "messages",
    "posts",
    "reaction score",
    "reactions",
    "points",
    "trophy points",
    "location",
    "member since",
    "registered",
    "status",
    "solutions",
    "likes received",
];

/// What a member's tally line counts ("120 posts 4 solutions").
pub const MEMBER_TALLY_WORDS: &[&str] = &[
    "post",
    "posts",
    "solution",
    "solutions",
    "reputation",
    "points",
    "messages",
    "likes",
];

/// The metals of badge tallies beside a member's name.
pub const MEMBER_BADGE_WORDS: &[&str] = &["gold", "silver", "bronze"];

/// What a member did when, in the card under a question or an answer.
pub const MEMBER_ACTION_WORDS: &[&str] = &["answered", "asked", "edited", "modified"];

/// A block whose whole text is one of these (case folded, trailing
/// punctuation ignored) is furniture, wherever it stands.
pub const BOILERPLATE_LINES: &[&str] = &[
    "advertisement",
    "advertisements",
    "advert",
    "advertising",
    "sponsored",
    "sponsored content",
    "continue reading the main story",
    "continue reading below",
    "story continues below advertisement",
    "article continues below advertisement",
    "please enter your comment",
    "please enter your name here",
    "you have entered an incorrect email address",
    "leave a reply",
    "leave a comment",
    "post a comment",
    "cancel reply",
    "save my name, email, and website in this browser for the next time i comment",
    "your email address will not be published",
    "required fields are marked",
    "share this",
    "share this article",
    "share this story",
    "share on facebook",
    "share on twitter",
    "like this",
    "loading",
    "related",
    "related articles",
    "related posts",
    "related stories",
    "read more",
    "read next",
    "more from author",
    "recommended for you",
    "you may also like",
    "you might also like",
    "subscribe",
    "sign up",
    "follow us",
    "skip to content",
    "skip to main content",
    "back to top",
    "print",
    "email",
    "tweet",
    "pin it",
    "don't miss",
    "tags",
    "tagged",
    "tagged with",
    "filed under",
    "posted in",
    "categories",
    "etiquetas",
    "schlagwörter",
    "étiquettes",
    "теги",
    "метки",
    "anzeige",
    "werbung",
    // The same lines in other languages: WordPress's comment form, share
    // and reading prompts, and "related posts", as its translations and
    // the common themes word them.
    "schreibe einen kommentar",
    "hinterlasse einen kommentar",
    "kommentar verfassen",
    "kommentar schreiben",
    "antworten abbrechen",
    "antwort abbrechen",
    "laisser un commentaire",
    "laisser une réponse",
    "annuler la réponse",
    "deja una respuesta",
    "deja un comentario",
    "cancelar respuesta",
    "lascia un commento",
    "lascia una risposta",
    "annulla risposta",
    "deixe um comentário",
    "deixe uma resposta",
    "cancelar resposta",
    "laat een reactie achter",
    "reactie annuleren",
    "artikel teilen",
    "diesen artikel teilen",
    "beitrag teilen",
    "partager cet article",
    "compartir este artículo",
    "condividi questo articolo",
    "compartilhe este artigo",
    "deel dit artikel",
    "weiterlesen",
    "mehr lesen",
    "lire la suite",
    "leer más",
    "leggi di più",
    "leia mais",
    "lees meer",
    "ähnliche beiträge",
    "verwandte beiträge",
    "verwandte artikel",
    "articles connexes",
    "entradas relacionadas",
    "gerelateerde berichten",
    "zurück nach oben",
    "nach oben",
    "retour en haut",
    "volver arriba",
    "torna su",
    "voltar ao topo",
    "terug naar boven",
    "publicidad",
    "publicité",
    "реклама",
    "広告",
    "广告",
    "광고",
];

/// Titles of a table of contents (case folded, trailing punctuation
/// ignored). The cleaner takes a table of contents' links; its title, set
/// apart from them (a heading, a toggle button), is left alone above the
/// text (see [`crate::extract::render::filter`]).
pub const TOC_TITLES: &[&str] = &[
    "table of contents",
    "contents",
    "content",
    "on this page",
    "in this article",
    "in this post",
    "in this guide",
    "jump to",
    "jump to section",
    "skip to section",
    "page contents",
    "article contents",
    "toc",
    "inhaltsverzeichnis",
    "inhalt",
    "auf dieser seite",
    "in diesem artikel",
    "sommaire",
    "table des matières",
    "sur cette page",
    "dans cet article",
    "índice",
    "indice",
    "tabla de contenidos",
    "contenido",
    "en este artículo",
    "sommario",
    "in questo articolo",
    "sumário",
    "neste artigo",
    "inhoudsopgave",
    "inhoud",
    "op deze pagina",
    "spis treści",
    "innehåll",
    "indholdsfortegnelse",
    "innholdsfortegnelse",
    "sisällys",
    "содержание",
    "目次",
    "目录",
];

/// Titles of the note on the author that closes an article ("About the
/// author", "Written by", "Über den Autor"), lower case: in the last fifth
/// of the text, a line that is one of them (trailing punctuation ignored),
/// or one of them followed by names ("Written by Jane Doe"), and what
/// follows it are the author's biography, not the article (see
/// [`crate::extract::render::filter`]).
pub const AUTHOR_BIO_TITLES: &[&str] = &[
    "about the author",
    "about the authors",
    "about the writer",
    "about the contributor",
    "meet the author",
    "author bio",
    "written by",
    "über den autor",
    "über die autorin",
    "über die autoren",
    "über den verfasser",
    "zum autor",
    "zur autorin",
    "zu den autoren",
    "geschrieben von",
    "à propos de l'auteur",
    "à propos de l’auteur",
    "à propos de l'autrice",
    "à propos de l’autrice",
    "écrit par",
    "sobre el autor",
    "sobre la autora",
    "acerca del autor",
    "escrito por",
    "sull'autore",
    "sull’autore",
    "scritto da",
    "sobre o autor",
    "sobre a autora",
    "over de auteur",
    "over de schrijver",
    "geschreven door",
    "o autorze",
    "o autorce",
    "об авторе",
];

/// Lines of a site's footer (case folded, trailing punctuation ignored):
/// the links every page of a site ends with. A run of short lines at the
/// end of a page that holds two of them is the footer, wherever its markup
/// hides it (see [`crate::extract::render::filter`]).
pub const FOOTER_LINES: &[&str] = &[
    "privacy policy",
    "privacy notice",
    "privacy statement",
    "privacy",
    "your privacy choices",
    "do not sell my personal information",
    "do not sell or share my personal information",
    "terms of use",
    "terms of service",
    "terms and conditions",
    "terms & conditions",
    "terms",
    "cookie policy",
    "cookie settings",
    "cookie preferences",
    "cookies",
    "accessibility",
    "accessibility statement",
    "sitemap",
    "site map",
    "careers",
    "about us",
    "contact us",
    "legal",
    "legal notice",
    "imprint",
    "impressum",
    "datenschutz",
    "datenschutzerklärung",
    "mentions légales",
    "aviso legal",
];

/// Headings that open a section of other stories ("You may also like"), not
/// inline reading prompts ("Read also", "Don't miss") that the story goes on
/// after. Matched by [`is_related_heading`].
pub const RELATED_HEADINGS: &[&str] = &[
    "you may also like",
    "you might also like",
    "you may be interested in",
    "related posts",
    "related articles",
    "related stories",
    "related content",
    "related news",
    "more stories",
    "recommended for you",
    "recommended stories",
    "popular posts",
    "most popular",
    "most read",
    "trending now",
    "editor's picks",
    "editors' picks",
    "related questions",
    "similar questions",
    "related threads",
    "similar threads",
    "related services",
    "latest insights",
    "related products",
    "similar products",
    "similar items",
    "recently viewed",
    "recently viewed items",
    "recently viewed products",
    "your recently viewed items",
    "frequently bought together",
    "customers also bought",
    "customers also viewed",
    "customers who bought this item also bought",
    "customers who viewed this item also viewed",
    "people also bought",
    "people also viewed",
    "people who viewed this item also viewed",
    "guests also viewed",
    "others also bought",
    "related items",
    "explore related items",
    "related items to explore",
    "você pode gostar",
    "você também pode gostar",
    "posts relacionados",
    "produtos relacionados",
    "productos relacionados",
    "productos similares",
    "produits similaires",
    "ähnliche produkte",
    "zuletzt angesehen",
    "prodotti correlati",
    "gerelateerde producten",
    "artigos relacionados",
    "notícias relacionadas",
    "te puede interesar",
    "también te puede interesar",
    "artículos relacionados",
    "noticias relacionadas",
    "vous aimerez aussi",
    "articles similaires",
    "sur le même sujet",
    "das könnte sie auch interessieren",
    "das könnte dich auch interessieren",
    "ähnliche artikel",
    "ähnliche beiträge",
    "verwandte artikel",
    "verwandte beiträge",
    "weitere artikel",
    "weitere beiträge",
    "mehr zum thema",
    "auch interessant",
    "meistgelesen",
    "meistgelesene artikel",
    "beliebte beiträge",
    "les plus lus",
    "dans la même rubrique",
    "lo más leído",
    "más noticias",
    "i più letti",
    "meest gelezen",
    "potrebbe interessarti",
    "articoli correlati",
    "gerelateerde artikelen",
    "похожие статьи",
    "関連記事",
    "おすすめ記事",
    "相关文章",
    "猜你喜欢",
    "관련 기사",
];

/// Whether a heading is worded as the heading of a section of other stories
/// (one of [`RELATED_HEADINGS`], compared as [`fold_line`] folds it).
///
/// Two stages drop such sections, each with what it can see:
/// [`crate::extract::clean::removed`] before scoring, when the heading's
/// class or id also names it as furniture (its loose sibling posts go with
/// it, so they are never scored into the article), and
/// [`crate::extract::render::filter::filter_sourced`] after rendering, when
/// a plain heading comes in the second half of the text (its blocks up to
/// the next heading of its level go).
///
/// The wording alone: the callers also ask whether the rule is on
/// (`Rule::RelatedHeadings`).
pub fn is_related_heading(text: &str) -> bool {
    RELATED_HEADINGS.contains(&fold_line(text).as_str())
}

/// Headings that open a product's reviews by its buyers ("Customer
/// reviews", "8 Reviews", "Reviews for this item (76)"), not the reviews of
/// critics or editors that shops quote as the product's description.
/// Matched by [`is_review_heading`].
pub const REVIEW_HEADINGS: &[&str] = &[
    "reviews",
    "customer reviews",
    "customer ratings",
    "customer ratings and reviews",
    "customer ratings & reviews",
    "ratings & reviews",
    "ratings and reviews",
    "reviews & ratings",
    "reviews and ratings",
    "product reviews",
    "user reviews",
    "guest reviews",
    "guest ratings & reviews",
    "top reviews",
    "most recent reviews",
    "write a review",
    "bewertungen",
    "kundenbewertungen",
    "rezensionen",
    "kundenrezensionen",
    "avis",
    "avis clients",
    "avis des clients",
    "reseñas",
    "opiniones",
    "opiniones de clientes",
    "reseñas de clientes",
    "recensioni",
    "recensioni dei clienti",
    "avaliações",
    "avaliações de clientes",
    "beoordelingen",
    "klantbeoordelingen",
    "recenzje",
    "opinie",
    "omdömen",
    "anmeldelser",
    "arvostelut",
    "değerlendirmeler",
    "отзывы",
    "отзывы покупателей",
    "レビュー",
    "カスタマーレビュー",
    "商品评价",
    "用户评价",
    "리뷰",
    "상품평",
];

/// Whether a heading opens a product's reviews (one of [`REVIEW_HEADINGS`],
/// compared as [`fold_line`] folds it), with or without a count before or
/// after it ("8 Reviews", "Reviews (76)") or the product it is about after
/// "for" ("Customer reviews for Trail 25 Pack").
pub fn is_review_heading(text: &str) -> bool {
    let folded = fold_line(text);
    let count = |c: char| c.is_ascii_digit() || matches!(c, ',' | '.' | '(' | ')' | ' ');
    let t = folded.trim_start_matches(count).trim_end_matches(count);
    let t = t.trim_end_matches(':');
    if REVIEW_HEADINGS.contains(&t) {
        return true;
    }
    // English headings name what the reviews are of.
    t.split_once(" for ")
        .is_some_and(|(head, _)| REVIEW_HEADINGS.contains(&head))
}

/// How a picture credit in parentheses starts; a paragraph ending in one is
/// a caption.
pub const CAPTION_CREDITS: &[&str] = &[
    "image:",
    "images:",
    "photo:",
    "photos:",
    "picture:",
    "pictures:",
    "pic:",
    "credit:",
    "photo credit:",
    "image credit:",
    "foto:",
    "fotos:",
    "bild:",
    "фото:",
];

/// A short block holding one of [`PITCH_CALLS`] and one of
/// [`PITCH_OBJECTS`] is a newsletter pitch ("Sign up for our free daily
/// newsletter, delivered to your inbox").
pub const PITCH_MAX_BYTES: usize = 250;
/// Calls to sign up.
pub const PITCH_CALLS: &[&str] = &[
    "sign up",
    "signup",
    "subscribe",
    "get our",
    "join our",
    "abonnez-vous",
    "inscrivez-vous",
    "abonnieren",
    "melden sie sich",
    "suscríbete",
    "regístrate",
    "assine",
    "iscriviti",
];
/// What the sign-up is for.
pub const PITCH_OBJECTS: &[&str] = &[
    "newsletter",
    "inbox",
    "mailing list",
    "lettre d'information",
    "infolettre",
    "boletín",
];

/// A short block that starts with one of these is furniture.
pub const BOILERPLATE_PREFIXES: &[&str] = &[
    "advertisement -",
    "share this:",
    "like this:",
    "related:",
    "read more:",
    "read also:",
    "see also:",
    "tags:",
    "filed under:",
    "sign up for",
    "subscribe to",
    "click here to",
    "this article originally appeared",
    "copyright ©",
    "all rights reserved",
    "© copyright",
    "leave a reply",
    "please enter your",
    "you have entered an incorrect",
    "save my name, email",
    "your email address will not",
    "we use cookies",
    "this site uses cookies",
    "this website uses cookies",
    "by continuing to use this",
    "subscribe to continue",
    "already a subscriber",
    "you need to enable javascript",
    "please enable javascript",
    "get the latest",
    "have a tip?",
    "follow @",
    "follow us on",
    "sign up to",
    "click here",
    "see more:",
    "more:",
    "watch:",
    "read more about",
    "image:",
    "photo:",
    "this slideshow requires javascript",
    "like this story",
    "updated at ",
    "updated:",
    "last updated",
    "published:",
    "tell us what you think",
    // The same in other languages (see [`BOILERPLATE_LINES`]).
    "lesen sie auch:",
    "lies auch:",
    "siehe auch:",
    "lire aussi:",
    "lire aussi :",
    "à lire aussi:",
    "à lire aussi :",
    "voir aussi:",
    "voir aussi :",
    "lee también:",
    "leggi anche:",
    "leia também:",
    "lees ook:",
    "deine e-mail-adresse wird nicht",
    "ihre e-mail-adresse wird nicht",
    "votre adresse e-mail ne sera pas",
    "votre adresse de messagerie ne sera pas",
    "tu dirección de correo electrónico no será",
    "tu correo electrónico no será",
    "il tuo indirizzo email non sarà",
    "o seu endereço de email não será",
    "o seu endereço de e-mail não será",
    "je e-mailadres wordt niet",
    "meinen namen, meine e-mail-adresse",
    "enregistrer mon nom, mon e-mail",
    "guarda mi nombre, correo electrónico",
    "salva il mio nome, email",
    "salvar meus dados neste navegador",
    "mijn naam, e-mail en website",
    "bitte geben sie ihren kommentar",
    "bitte geben sie hier ihren namen",
    "alle rechte vorbehalten",
    "tous droits réservés",
    "todos los derechos reservados",
    "tutti i diritti riservati",
    "todos os direitos reservados",
    "alle rechten voorbehouden",
    "wir verwenden cookies",
    "diese website verwendet cookies",
    "nous utilisons des cookies",
    "utilizamos cookies",
    "utilizziamo i cookie",
    "wij gebruiken cookies",
    "(image:",
    "(photo:",
];

/// The controls of a grid of items, as a catalogue renders them beside its
/// cards: sorting, filtering, paging and per-card buttons. Compared with a
/// line as [`fold_line`] folds it, each run of digits read as `#` and each
/// dash as `-` (`Showing 1–24 of 143 results` is `showing #-# of # results`).
pub const GRID_CONTROL_LINES: &[&str] = &[
    "sort",
    "compare",
    "add to compare",
    "add to cart",
    "quick view",
    "quick shop",
    "choose options",
    "select options",
    "skip to product list",
    "skip to results",
    "filter",
    "filters",
    "filter by",
    "refine by",
    "show filters",
    "hide filters",
    "filter & sort",
    "filter and sort",
    "sort & filter",
    "sort and filter",
    "clear all",
    "clear all filters",
    "view as",
    "view as grid list",
    "grid list",
    "load more",
    "load more products",
    "load more results",
    "view more",
    "show more",
    "show more results",
    "show more products",
    "loaded # results",
    "showing # results",
    "showing # of # results",
    "showing #-# of # results",
    "showing # of # products",
    "showing #-# of # products",
    "showing # of # items",
    "showing #-# of # items",
    "# per page",
    "# results per page",
    "# items per page",
    "# products per page",
    "results per page",
    "items per page",
    "products per page",
];

/// The verbs a call to action opens with ("Apply now", "Start free trial",
/// "Learn more about data services", "Book a demo"): a short line that
/// opens with one, and does not end as a sentence, is a page's button.
pub const CALL_TO_ACTION_VERBS: &[&str] = &[
    "apply",
    "book",
    "browse",
    "buy",
    "call",
    "claim",
    "click",
    "contact",
    "discover",
    "donate",
    "download",
    "enroll",
    "explore",
    "find",
    "get",
    "join",
    "learn",
    "order",
    "read",
    "register",
    "request",
    "reserve",
    "reveal",
    "schedule",
    "see",
    "shop",
    "sign",
    "start",
    "subscribe",
    "talk",
    "try",
    "view",
    "visit",
    "watch",
    // Other languages. German puts the verb last ("Termin vereinbaren"):
    // its buttons open with "Jetzt", "Mehr" or "Zum"/"Zur".
    "jetzt",
    "mehr",
    "zum",
    "zur",
    "kontakt",
    "kostenlos",
    "découvrir",
    "découvrez",
    "acheter",
    "réserver",
    "réservez",
    "demander",
    "demandez",
    "contactez",
    "commander",
    "commandez",
    "télécharger",
    "téléchargez",
    "essayer",
    "essayez",
    "comprar",
    "compra",
    "compre",
    "reservar",
    "reserva",
    "descubre",
    "descubra",
    "solicitar",
    "solicita",
    "solicite",
    "contáctanos",
    "contacta",
    "descargar",
    "descarga",
    "prueba",
    "saiba",
    "fale",
    "experimente",
    "scopri",
    "acquista",
    "prenota",
    "richiedi",
    "contattaci",
    "scarica",
    "prova",
    "bekijk",
    "ontdek",
    "bestel",
    "boek",
    "vraag",
    "probeer",
];

/// Most words of a call to action.
pub const CALL_TO_ACTION_MAX_WORDS: usize = 6;

/// How a sort control's line opens (`Sort: Best Match`, `Sort by price`);
/// such a line is a control when it is at most
/// [`GRID_SORT_MAX_CHARS`] long.
pub const GRID_SORT_PREFIXES: &[&str] = &["sort:", "sort by"];
/// Longest line opening with one of [`GRID_SORT_PREFIXES`] taken for a
/// sort control.
pub const GRID_SORT_MAX_CHARS: usize = 40;

/// Longest block (in characters) that [`BOILERPLATE_PREFIXES`] may remove.
pub const BOILERPLATE_PREFIX_MAX_CHARS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn related_headings_in_other_languages() {
        for h in [
            "Mehr zum Thema",
            "Ähnliche Beiträge:",
            "MEISTGELESEN",
            "Les plus lus",
            "Lo más leído",
        ] {
            assert!(is_related_heading(h), "{h}");
        }
        assert!(!is_related_heading("Mehr zum Thema Energie im Landtag"));
    }

    #[test]
    fn review_headings_with_counts_and_the_product() {
        for h in [
            "Reviews",
            "Customer Reviews",
            "8 Reviews",
            "1,254 Reviews",
            "Reviews (76)",
            "Ratings & Reviews",
            "10 Customer ratings",
            "Reviews for this item (76)",
            "Customer reviews for Trail 25 Pack",
            "Kundenbewertungen",
            "Avis clients",
        ] {
            assert!(is_review_heading(h), "{h}");
        }
        for h in [
            "Editorial Reviews",
            "Our review",
            "Reviewed by our lab",
            "How often should you conduct performance reviews?",
            "Review your order",
            "Specifications",
        ] {
            assert!(!is_review_heading(h), "{h}");
        }
    }
}
