//! Why a part of the page is out of the article: the rule or class that
//! removed it. Recorded only when an explanation is asked for
//! ([`crate::explain_extract`]); normal extraction keeps a plain yes/no per
//! node and pays nothing for this.

use crate::extract::dom::Ix;
use serde::Serialize;

/// The rule that removed a part of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// `script`, `style`, `template` and the like: never text.
    NotText,
    /// Hidden by an attribute, a style or a hiding class.
    Hidden,
    /// A form around little prose whose class or id names comments.
    CommentForm,
    /// A form around little prose: search, login, newsletter.
    Form,
    /// On a thread, a list of a member's details ("Joined", "Messages").
    MemberDetails,
    /// `<nav>`, or a navigation role.
    Navigation,
    /// Furniture by tag: `aside`, `footer` and the like.
    FurnitureTag,
    /// Furniture by ARIA role (`banner`, `complementary`, …).
    FurnitureRole,
    /// A subscription or paywall prompt.
    SubscriptionPrompt,
    /// Its class or id names furniture (`comments`, `sidebar`, `share`, …).
    FurnitureClass,
    /// A part of its class or id names furniture (`ad`, `widget`).
    FurnitureClassPart,
    /// Its class or id names reader comments (`comments`, `respond`).
    Comments,
    /// A part of its class or id names the controls around a grid of items
    /// (`filters`, `facet`, `sort`, `pager`).
    Facets,
    /// A list of tag links (they go to the metadata).
    TagList,
    /// Its class, id or tag make it unlikely content (`header`, `meta`).
    Unlikely,
    /// A "Related posts" heading and the teasers after it.
    RelatedSection,
    /// Matched by a `selectors.drop` selector.
    DropSelector,
    /// Teaser cards of other stories beside the article.
    Cards,
    /// Mostly links, inside the article's container.
    LinkDensity,
    /// More images than paragraphs.
    ImageGallery,
    /// A tiny fragment that is only a link.
    LinkFragment,
    /// Holds no text.
    Empty,
    /// Its class or id weigh against it.
    NegativeWeight,
    /// Outside the container the scorer chose.
    NotChosen,
    /// A rendered line the last filter drops: a boilerplate, repeated,
    /// byline or dateline line, the headline again, another story's excerpt.
    LineFilter,
    /// A block of a region page the learned block model judges is not
    /// content.
    BlockModel,
    /// A block whose every line an earlier block of another container
    /// already gave: a quoted post, a reply's preview of the post it
    /// answers, a product's description repeated in a second tab.
    RepeatedBlock,
    /// After a thread's last post: the reply box, "similar threads".
    ThreadTail,
}

impl Reason {
    /// Each of `nodes` with this reason.
    pub(crate) fn of(self, nodes: Vec<Ix>) -> Vec<(Ix, Reason)> {
        nodes.into_iter().map(|n| (n, self)).collect()
    }

    /// A short label, as shown on the preview page and by `--explain`.
    pub fn label(self) -> &'static str {
        match self {
            Reason::NotText => "not text (script, style)",
            Reason::Hidden => "hidden",
            Reason::CommentForm => "comment form",
            Reason::Form => "form",
            Reason::MemberDetails => "member details",
            Reason::Navigation => "navigation",
            Reason::FurnitureTag => "page furniture (tag)",
            Reason::FurnitureRole => "page furniture (role)",
            Reason::SubscriptionPrompt => "subscription prompt",
            Reason::FurnitureClass => "page furniture (class/id)",
            Reason::FurnitureClassPart => "page furniture (class/id part)",
            Reason::Comments => "comments and comment form (class/id)",
            Reason::Facets => "filters, sorting or paging of a grid (class/id part)",
            Reason::TagList => "tag list",
            Reason::Unlikely => "unlikely content (class/id/tag)",
            Reason::RelatedSection => "related posts section",
            Reason::DropSelector => "selectors.drop",
            Reason::Cards => "cards of other stories",
            Reason::LinkDensity => "link density",
            Reason::ImageGallery => "image gallery",
            Reason::LinkFragment => "link fragment",
            Reason::Empty => "empty",
            Reason::NegativeWeight => "class/id weight",
            Reason::NotChosen => "not chosen",
            Reason::LineFilter => "line filter (boilerplate, headline, byline, dateline)",
            Reason::BlockModel => "not content (block model)",
            Reason::RepeatedBlock => "repeats an earlier block (quote, preview, second tab)",
            Reason::ThreadTail => "after the thread's last post",
        }
    }
}
