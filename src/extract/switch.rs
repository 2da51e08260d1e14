//! Development switch: turn off one named rule of the extractor, to measure
//! what it is worth (`benches/ablate.py`). Not part of the user interface.
//!
//! Every heuristic rule has a stable snake_case name, listed in [`Rule`];
//! the class/id tables of [`rules`] are switched entry by entry, as
//! `class:PATTERN` ([`rules::SUBSTRING_RULES`]) and `part:PATTERN`
//! ([`rules::PART_RULES`]). The set of rules turned off travels in
//! [`ExtractOptions`](crate::ExtractOptions) and is put into a thread-local
//! once per [`extract`](fn@crate::extract) call (one page is extracted on one
//! thread), where each rule site looks it up: a load and a bit test.

use super::rules;
use std::cell::Cell;

macro_rules! rules_enum {
    ($($variant:ident = $name:literal,)*) => {
        /// A rule of the extractor that can be turned off.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            /// Every named rule, in index order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The rule's stable name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Rule::$variant => $name,)*
                }
            }
        }
    };
}

rules_enum! {
    // clean.rs: removal before scoring.
    HiddenElements = "hidden_elements",
    DisclosurePanels = "disclosure_panels",
    ControlledPanels = "controlled_panels",
    TogglePanels = "toggle_panels",
    DisclosureButtons = "disclosure_buttons",
    HeadingButtons = "heading_buttons",
    HeadingAnchors = "heading_anchors",
    IconButtons = "icon_buttons",
    StreamedSegments = "streamed_segments",
    StyleHiddenPages = "style_hidden_pages",
    TabSets = "tab_sets",
    QaComments = "qa_comments",
    Forms = "forms",
    FieldlessForms = "fieldless_forms",
    MemberPairs = "member_pairs",
    TagFurniture = "tag_furniture",
    RoleFurniture = "role_furniture",
    GatedPrompt = "gated_prompt",
    ClassBoiler = "class_boiler",
    MainArticleVeto = "main_article_veto",
    LinkTargetVeto = "link_target_veto",
    ClassBoilerPart = "class_boiler_part",
    PartShareVeto = "part_share_veto",
    TagLists = "tag_lists",
    UnlikelyClasses = "unlikely_classes",
    UnlikelyTags = "unlikely_tags",
    RelatedHeadingSections = "related_heading_sections",
    Facets = "facets",
    FacetLabels = "facet_labels",
    // clean.rs: prune by shape inside the chosen containers.
    PruneEmpty = "prune_empty",
    PruneNegativeWeight = "prune_negative_weight",
    PruneImageGalleries = "prune_image_galleries",
    PruneLinkFragments = "prune_link_fragments",
    PruneLinkDensity = "prune_link_density",
    PruneWeightedLinkDensity = "prune_weighted_link_density",
    // dom.rs: what class, id and role values say.
    HiddenClasses = "hidden_classes",
    TaxonomyClasses = "taxonomy_classes",
    VariantClasses = "variant_classes",
    BuilderClasses = "builder_classes",
    SlugIds = "slug_ids",
    NegatedParts = "negated_parts",
    BoilerplateRoles = "boilerplate_roles",
    // score.rs: scoring and selection.
    ClassWeights = "class_weights",
    SemanticBonus = "semantic_bonus",
    BodyWins = "body_wins",
    SharedAncestor = "shared_ancestor",
    BetterParent = "better_parent",
    SiblingScores = "sibling_scores",
    SiblingChains = "sibling_chains",
    SiblingSameClass = "sibling_same_class",
    CousinSections = "cousin_sections",
    CousinOrdinals = "cousin_ordinals",
    SiblingParagraphs = "sibling_paragraphs",
    UntaggedParagraphs = "untagged_paragraphs",
    // listing.rs and the ladder.
    CardListRoots = "card_list_roots",
    SelectBeside = "select_beside",
    DropCards = "drop_cards",
    ProseMass = "prose_mass",
    // render: captions and the block filter.
    CreditedCaptions = "credited_captions",
    CaptionHeadings = "caption_headings",
    RelatedSections = "related_sections",
    RepeatedLines = "repeated_lines",
    BoilerplateLines = "boilerplate_lines",
    NewsletterPitch = "newsletter_pitch",
    CopyrightLines = "copyright_lines",
    BoilerplatePrefixes = "boilerplate_prefixes",
    Datelines = "datelines",
    LinkLines = "link_lines",
    Headline = "headline",
    Bylines = "bylines",
    AuthorLines = "author_lines",
    ExcerptRuns = "excerpt_runs",
    FooterTail = "footer_tail",
    TocTitles = "toc_titles",
    AuthorBio = "author_bio",
    GridControls = "grid_controls",
    LinksAboveTitle = "links_above_title",
    // region.rs: what a thread keeps.
    ThreadTail = "thread_tail",
    RepeatedBlocks = "repeated_blocks",
    ThreadChrome = "thread_chrome",
    ThreadCounts = "thread_counts",
    MemberDetails = "member_details",
    PostHeaders = "post_headers",
    RegionRelatedSections = "region_related_sections",
    ProductRelatedAnywhere = "product_related_anywhere",
    ProductReviewSections = "product_review_sections",
    LinksAboveTitleRegion = "links_above_title_region",
    CallsToAction = "calls_to_action",
    ProductDescription = "product_description",
    ArticleBody = "article_body",
    // block_model.rs: the learned judge of a region's blocks.
    BlockModel = "block_model",
    // rules.rs phrase lists used by several stages.
    RelatedHeadings = "related_headings",
    // metadata: where a date is looked for.
    HeadlineDateH2 = "headline_date_h2",
    DatelineWithDate = "dateline_with_date",
    ItempropDateText = "itemprop_date_text",
}

/// Index of the first `class:` entry; `part:` entries follow those.
const CLASS_BASE: usize = Rule::ALL.len();
const PART_BASE: usize = CLASS_BASE + rules::SUBSTRING_RULES.len();
const TOTAL: usize = PART_BASE + rules::PART_RULES.len();
const WORDS: usize = 4;
const _: () = assert!(TOTAL <= WORDS * 64, "RuleSet has too few bits");

/// A set of rules turned off.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleSet([u64; WORDS]);

impl RuleSet {
    /// No rule off.
    pub const EMPTY: RuleSet = RuleSet([0; WORDS]);

    /// The names of every rule that can be turned off.
    pub fn names() -> Vec<String> {
        let named = Rule::ALL.iter().map(|r| r.as_str().to_string());
        let class = rules::SUBSTRING_RULES
            .iter()
            .map(|(p, _)| format!("class:{p}"));
        let part = rules::PART_RULES.iter().map(|(p, _)| format!("part:{p}"));
        named.chain(class).chain(part).collect()
    }

    /// Turn off the rule of this name; an unknown name is an error.
    pub fn insert(&mut self, name: &str) -> Result<(), String> {
        let ix = Self::index(name).ok_or_else(|| format!("unknown rule '{name}'"))?;
        self.0[ix / 64] |= 1 << (ix % 64);
        Ok(())
    }

    fn index(name: &str) -> Option<usize> {
        if let Some(p) = name.strip_prefix("class:") {
            return rules::SUBSTRING_RULES
                .iter()
                .position(|(q, _)| *q == p)
                .map(|k| CLASS_BASE + k);
        }
        if let Some(p) = name.strip_prefix("part:") {
            return rules::PART_RULES
                .iter()
                .position(|(q, _)| *q == p)
                .map(|k| PART_BASE + k);
        }
        Rule::ALL.iter().position(|r| r.as_str() == name)
    }

    /// Whether no rule is off.
    pub fn is_empty(&self) -> bool {
        self.0 == [0; WORDS]
    }

    fn has(&self, ix: usize) -> bool {
        self.0[ix / 64] & (1 << (ix % 64)) != 0
    }
}

thread_local! {
    static OFF: Cell<RuleSet> = const { Cell::new(RuleSet::EMPTY) };
}

/// Put the rules turned off for the extraction that starts on this thread.
pub(crate) fn set(off: RuleSet) {
    OFF.with(|s| s.set(off));
}

fn is_off(ix: usize) -> bool {
    OFF.with(|s| {
        let s = s.get();
        !s.is_empty() && s.has(ix)
    })
}

/// Whether a named rule is on.
pub(crate) fn on(rule: Rule) -> bool {
    !is_off(rule as usize)
}

/// Whether entry `k` of [`rules::SUBSTRING_RULES`] is on.
pub(crate) fn class_on(k: usize) -> bool {
    !is_off(CLASS_BASE + k)
}

/// Whether entry `k` of [`rules::PART_RULES`] is on.
pub(crate) fn part_on(k: usize) -> bool {
    !is_off(PART_BASE + k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let names = RuleSet::names();
        let unique: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        for (ix, n) in names.iter().enumerate() {
            assert_eq!(RuleSet::index(n), Some(ix), "{n}");
        }
        assert!(RuleSet::default().insert("no_such_rule").is_err());
    }

    #[test]
    fn a_rule_turned_off_is_off_on_this_thread_only() {
        let mut off = RuleSet::EMPTY;
        off.insert("datelines").unwrap();
        set(off);
        assert!(!on(Rule::Datelines));
        assert!(on(Rule::Bylines));
        set(RuleSet::EMPTY);
        assert!(on(Rule::Datelines));
    }
}
