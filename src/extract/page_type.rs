//! Page type: what kind of page the extractor is looking at (a story, a
//! forum thread, a product, a category grid, a list of teasers, software
//! documentation, a company's service page).
//!
//! A fixed set of cheap, mostly language-neutral features is read from what
//! extraction already has: the page's address ([`url_features`]), the
//! schema.org types of its JSON-LD blocks and microdata, `og:type`, and the
//! shape of the uncleaned flat tree ([`Doc`] and its [`Stats`]) in one
//! forward walk, one backward walk and one look at each element's children:
//! counts of tags and class-name families, linked headings, prices, code,
//! in-page anchors, and runs of siblings with the same tag and class
//! ("cards").
//!
//! The classifier is a gradient-boosted tree ensemble kept as data
//! (`page_type_model.json`, written by `benches/train_page_type.py` from the
//! benchmark pages, see there) and evaluated here: each class sums its
//! trees' leaf values over the stages, and the softmax of the sums gives the
//! probabilities. Nothing is learned or fetched at run time.

use crate::extract::dom::{Data, Doc, Flag, NONE, Tag, attr};
use crate::extract::gbdt::Ensemble;
use crate::extract::model::{Metadata, PageType};
use crate::extract::rules::Hit;
use crate::extract::stats::Stats;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use serde::Deserialize;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;
use url::Url;

macro_rules! features {
    ($($name:ident),* $(,)?) => {
        /// Feature indices, one per name in [`FEATURE_NAMES`].
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy)]
        #[repr(usize)]
        enum F { $($name),* }
        /// The names of the features, in the order of [`Features::values`].
        pub const FEATURE_NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

features! {
    // The address.
    url_depth, url_home, url_query, url_trailing_slash, url_ext_html, url_ext_script,
    url_date, url_numeric_id, url_last_tokens, url_last_len, url_version,
    url_forum, url_product, url_collection, url_docs, url_article, url_listing, url_service,
    url_last_forum, url_last_product, url_last_collection, url_last_docs, url_last_article,
    url_last_listing, url_last_service,
    host_forum, host_shop, host_docs, host_blog,
    // schema.org types (JSON-LD and microdata) and Open Graph.
    ld_blocks, sd_article, sd_tech, sd_forum, sd_faq, sd_product, sd_offer, sd_list,
    sd_listitem, sd_software, sd_org, sd_service, sd_course, sd_review, sd_howto,
    sd_webpage, sd_itempage, sd_breadcrumb, sd_person, sd_event, sd_video, sd_website,
    og_article, og_product, og_website, og_other,
    meta_date, meta_author, meta_price, title_words, title_digits, title_howto, description_len,
    // The whole page's text.
    body_len, body_link_density, body_heading_share, body_list_share, boiler_share,
    elements, links, links_per_kchar, anchor_links, images, images_per_kchar,
    // Paragraphs and headings.
    p_count, long_p, prose_share, max_p_len, avg_p_len, main_p_share, main_p_count,
    long_links, long_link_share, h1_to_price, qty_inputs, h1, h2, h3, h456, text_per_heading,
    linked_headings, linked_heading_share, heading_ids, heading_anchors,
    // Tags.
    articles, sections, times, pre, code, code_share, tables, cells, forms, controls,
    buttons, inputs, dl, blockquotes, details, lists, list_items, navs, asides,
    comments_marked, itemprops, rel_pagination,
    // Text snippets.
    prices, price_share, link_cta, link_more, link_cart, link_forum,
    hd_service, hd_product, hd_docs, hd_forum, hd_article, hd_listing,
    // Class-name families (elements whose class names one).
    cls_post, cls_reply, cls_comment, cls_vote, cls_user, cls_thread, cls_price, cls_cart,
    cls_variant, cls_product, cls_rating, cls_card, cls_filter, cls_pager, cls_doc,
    cls_sidebar, cls_code, cls_hero, cls_testimonial, cls_feature, cls_faq, cls_logo,
    cls_btn, cls_entry, cls_share, cls_related, cls_byline, cls_breadcrumb,
    // Runs of siblings of one tag and class.
    rep_max, card_max, card_groups, card_items, card_share, card_avg_len,
    price_card_max, time_group_max, heading_card_max, image_card_max, rep_groups,
}

/// How many features there are.
pub const N_FEATURES: usize = FEATURE_NAMES.len();

/// The features of one page, in the order of [`FEATURE_NAMES`].
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// One value per name.
    pub values: [f32; N_FEATURES],
}

impl Default for Features {
    fn default() -> Self {
        Features {
            values: [0.0; N_FEATURES],
        }
    }
}

impl std::ops::Index<F> for Features {
    type Output = f32;
    fn index(&self, f: F) -> &f32 {
        &self.values[f as usize]
    }
}

impl std::ops::IndexMut<F> for Features {
    fn index_mut(&mut self, f: F) -> &mut f32 {
        &mut self.values[f as usize]
    }
}

impl Features {
    /// The value of the feature called `name`.
    pub fn get(&self, name: &str) -> Option<f32> {
        FEATURE_NAMES
            .iter()
            .position(|n| *n == name)
            .map(|k| self.values[k])
    }

    /// (name, value) pairs, in order.
    pub fn named(&self) -> impl Iterator<Item = (&'static str, f32)> + '_ {
        FEATURE_NAMES
            .iter()
            .copied()
            .zip(self.values.iter().copied())
    }

    /// Features from (name, value) pairs; names not listed are zero.
    pub fn from_named<'a>(pairs: impl IntoIterator<Item = (&'a str, f32)>) -> Features {
        let mut f = Features::default();
        for (name, v) in pairs {
            if let Some(k) = FEATURE_NAMES.iter().position(|n| *n == name) {
                f.values[k] = v;
            }
        }
        f
    }
}

/// The page type of a page, from its features.
pub fn classify(features: &Features) -> PageType {
    most_likely(&probabilities(features))
}

/// The page type given the most probability in `p` (in the order of
/// [`PageType::ALL`]; the first on a tie).
pub fn most_likely(p: &[f64; 7]) -> PageType {
    let mut best = 0;
    for k in 1..p.len() {
        if p[k] > p[best] {
            best = k;
        }
    }
    PageType::ALL[best]
}

/// The probability of each page type, in the order of [`PageType::ALL`].
pub fn probabilities(features: &Features) -> [f64; 7] {
    MODEL.probabilities(features)
}

/// Features of a page (see the module documentation). `raw` are the
/// statistics of the uncleaned page, `json_ld` the page's JSON-LD blocks,
/// `meta` its metadata.
pub fn features(
    doc: &Doc<'_>,
    raw: &[Stats],
    json_ld: &[&str],
    url: Option<&Url>,
    meta: &Metadata,
) -> Features {
    let mut f = Features::default();
    let canonical = meta
        .canonical_url
        .as_deref()
        .and_then(|c| Url::parse(c).ok());
    if let Some(u) = url.or(canonical.as_ref()) {
        url_features(u, &mut f);
    }
    f[F::ld_blocks] = json_ld.len() as f32;
    for block in json_ld {
        json_ld_types(block, |t| count_schema_type(t, &mut f));
    }
    f[F::meta_date] = meta.date.is_some() as u8 as f32;
    f[F::meta_author] = meta.author.is_some() as u8 as f32;
    if let Some(title) = meta.title.as_deref() {
        f[F::title_words] = title.split_whitespace().count() as f32;
        f[F::title_digits] = title.bytes().any(|b| b.is_ascii_digit()) as u8 as f32;
        f[F::title_howto] = TITLE_MATCHER.find_iter(title).count() as f32;
    }
    f[F::description_len] = meta.description.as_deref().map_or(0, str::len) as f32;
    tree_features(doc, raw, &mut f);
    f
}

/// Words of a story's or a question's title ("How to …", "10 best …").
const TITLE_WORDS: &[&str] = &[
    "how ", "what ", "why ", "when ", "who ", "which ", "guide", "tips", "best ", "ways", "?",
    " vs", "top ", "review",
];

static TITLE_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .build(TITLE_WORDS)
        .expect("title words are valid patterns")
});

// ---------------------------------------------------------------------------
// The address.

/// Words of an address that name a kind of page, by family.
const URL_WORDS: &[(&str, F)] = &[
    ("forum", F::url_forum),
    ("forums", F::url_forum),
    ("thread", F::url_forum),
    ("threads", F::url_forum),
    ("showthread", F::url_forum),
    ("viewtopic", F::url_forum),
    ("t", F::url_forum),
    ("topic", F::url_forum),
    ("questions", F::url_forum),
    ("question", F::url_forum),
    ("q", F::url_forum),
    ("discussion", F::url_forum),
    ("discussions", F::url_forum),
    ("community", F::url_forum),
    ("comments", F::url_forum),
    ("r", F::url_forum),
    ("board", F::url_forum),
    ("product", F::url_product),
    ("products", F::url_product),
    ("p", F::url_product),
    ("dp", F::url_product),
    ("item", F::url_product),
    ("sku", F::url_product),
    ("buy", F::url_product),
    ("collection", F::url_collection),
    ("collections", F::url_collection),
    ("category", F::url_collection),
    ("categories", F::url_collection),
    ("c", F::url_collection),
    ("cat", F::url_collection),
    ("shop", F::url_collection),
    ("store", F::url_collection),
    ("catalog", F::url_collection),
    ("catalogue", F::url_collection),
    ("department", F::url_collection),
    ("browse", F::url_collection),
    ("all", F::url_collection),
    ("search", F::url_collection),
    ("brands", F::url_collection),
    ("docs", F::url_docs),
    ("doc", F::url_docs),
    ("documentation", F::url_docs),
    ("manual", F::url_docs),
    ("reference", F::url_docs),
    ("api", F::url_docs),
    ("tutorial", F::url_docs),
    ("tutorials", F::url_docs),
    ("wiki", F::url_docs),
    ("kb", F::url_docs),
    ("guide", F::url_docs),
    ("handbook", F::url_docs),
    ("usersguide", F::url_docs),
    ("userguide", F::url_docs),
    ("chapter", F::url_docs),
    ("ref", F::url_docs),
    ("latest", F::url_docs),
    ("stable", F::url_docs),
    ("blog", F::url_article),
    ("blogs", F::url_article),
    ("news", F::url_article),
    ("article", F::url_article),
    ("articles", F::url_article),
    ("post", F::url_article),
    ("posts", F::url_article),
    ("story", F::url_article),
    ("stories", F::url_article),
    ("insights", F::url_article),
    ("magazine", F::url_article),
    ("press", F::url_article),
    ("opinion", F::url_article),
    ("tag", F::url_listing),
    ("tags", F::url_listing),
    ("archive", F::url_listing),
    ("archives", F::url_listing),
    ("page", F::url_listing),
    ("events", F::url_listing),
    ("courses", F::url_listing),
    ("directory", F::url_listing),
    ("list", F::url_listing),
    ("author", F::url_listing),
    ("index", F::url_listing),
    ("resources", F::url_listing),
    ("topics", F::url_listing),
    ("services", F::url_service),
    ("service", F::url_service),
    ("solutions", F::url_service),
    ("pricing", F::url_service),
    ("features", F::url_service),
    ("about", F::url_service),
    ("contact", F::url_service),
    ("programs", F::url_service),
    ("program", F::url_service),
    ("certificate", F::url_service),
    ("certification", F::url_service),
    ("training", F::url_service),
    ("plans", F::url_service),
    ("testimonials", F::url_service),
    ("reviews", F::url_service),
    ("why", F::url_service),
    // The same words in German, French and Spanish addresses.
    ("beitrag", F::url_forum),
    ("produkt", F::url_product),
    ("produkte", F::url_product),
    ("produit", F::url_product),
    ("produits", F::url_product),
    ("producto", F::url_product),
    ("productos", F::url_product),
    ("kategorie", F::url_collection),
    ("categorie", F::url_collection),
    ("categoria", F::url_collection),
    ("anleitung", F::url_docs),
    ("handbuch", F::url_docs),
    ("dokumentation", F::url_docs),
    ("hilfe", F::url_docs),
    ("nachrichten", F::url_article),
    ("aktuelles", F::url_article),
    ("actualites", F::url_article),
    ("noticias", F::url_article),
    ("leistungen", F::url_service),
    ("dienstleistungen", F::url_service),
    ("preise", F::url_service),
    ("kontakt", F::url_service),
    ("tarifs", F::url_service),
    ("servicios", F::url_service),
    ("precios", F::url_service),
    ("contacto", F::url_service),
];

/// The "last segment is this family" feature of each family feature.
fn last_of(family: F) -> F {
    match family {
        F::url_forum => F::url_last_forum,
        F::url_product => F::url_last_product,
        F::url_collection => F::url_last_collection,
        F::url_docs => F::url_last_docs,
        F::url_article => F::url_last_article,
        F::url_listing => F::url_last_listing,
        _ => F::url_last_service,
    }
}

fn url_word(word: &str) -> Option<F> {
    URL_WORDS.iter().find(|(w, _)| *w == word).map(|(_, f)| *f)
}

/// Features of the page's address: its shape (depth, extension, date, ids,
/// query) and the words of its path and first host label.
pub fn url_features(url: &Url, f: &mut Features) {
    let path = url.path().to_ascii_lowercase();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    f[F::url_depth] = segments.len() as f32;
    f[F::url_home] = segments.is_empty() as u8 as f32;
    f[F::url_query] = url.query_pairs().count() as f32;
    f[F::url_trailing_slash] = (path.len() > 1 && path.ends_with('/')) as u8 as f32;
    let last = segments.last().copied().unwrap_or("");
    let (stem, ext) = match last.rsplit_once('.') {
        Some((s, e))
            if !e.is_empty() && e.len() <= 5 && e.bytes().all(|b| b.is_ascii_alphabetic()) =>
        {
            (s, e)
        }
        _ => (last, ""),
    };
    f[F::url_ext_html] = matches!(ext, "html" | "htm" | "shtml" | "xhtml") as u8 as f32;
    f[F::url_ext_script] =
        matches!(ext, "php" | "asp" | "aspx" | "jsp" | "cfm" | "cgi") as u8 as f32;
    let words = |s: &'_ str| {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let last_words = words(stem);
    f[F::url_last_tokens] = last_words.len() as f32;
    f[F::url_last_len] = stem.len() as f32;
    // A date: /2024/05/, /2024-05-06, /20240506/.
    let is_year =
        |s: &str| s.len() == 4 && s.parse::<u32>().is_ok_and(|y| (1990..=2100).contains(&y));
    let is_month = |s: &str| s.len() <= 2 && s.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m));
    let mut date = false;
    for (k, s) in segments.iter().enumerate() {
        if is_year(s) && segments.get(k + 1).is_some_and(|m| is_month(m)) {
            date = true;
        }
        let parts: Vec<&str> = s.split(['-', '_']).collect();
        if parts.windows(3).any(|w| {
            is_year(w[0]) && is_month(w[1]) && w[2].len() <= 2 && w[2].parse::<u32>().is_ok()
        }) {
            date = true;
        }
        if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) && is_year(&s[..4]) {
            date = true;
        }
    }
    f[F::url_date] = date as u8 as f32;
    // A numeric id: a segment, or the end of one, of at least four digits.
    let id_segment = segments.iter().any(|s| {
        let digits = s.bytes().rev().take_while(u8::is_ascii_digit).count();
        digits >= 4 && !(digits == 4 && is_year(s))
    });
    let id_query = url
        .query_pairs()
        .any(|(_, v)| v.len() >= 3 && v.bytes().all(|b| b.is_ascii_digit()));
    f[F::url_numeric_id] = id_segment as u8 as f32 + id_query as u8 as f32;
    // A version or language folder: /en/latest/, /v2/, /5.1/.
    f[F::url_version] = segments.iter().any(|s| {
        matches!(
            *s,
            "latest" | "stable" | "current" | "master" | "main" | "dev"
        ) || s
            .strip_prefix('v')
            .unwrap_or(s)
            .split('.')
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
            && !s.bytes().all(|b| b.is_ascii_digit())
    }) as u8 as f32;
    for (k, s) in segments.iter().enumerate() {
        let is_last = k + 1 == segments.len();
        let seg = if is_last { stem } else { s };
        if let Some(fam) = url_word(seg) {
            f[fam] += 1.0;
            if is_last {
                f[last_of(fam)] = 1.0;
            }
            continue;
        }
        // Words inside a segment count for folders and short last
        // segments ("certificate-programs"), not for a story's long slug.
        let ws = words(seg);
        if !is_last || ws.len() <= 2 {
            for w in &ws {
                if let Some(fam) = url_word(w) {
                    f[fam] += 1.0;
                }
            }
        }
    }
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let first = host.strip_prefix("www.").unwrap_or(&host);
    let first = first.split('.').next().unwrap_or("");
    let family = |words: &[&str]| words.iter().any(|w| first.contains(w)) as u8 as f32;
    f[F::host_forum] = family(&[
        "forum",
        "community",
        "discuss",
        "answers",
        "stackexchange",
        "board",
    ]);
    f[F::host_shop] = family(&["shop", "store"]);
    f[F::host_docs] = family(&[
        "docs",
        "developer",
        "wiki",
        "help",
        "support",
        "learn",
        "api",
        "manual",
    ]);
    f[F::host_blog] = family(&["blog", "news"]);
}

// ---------------------------------------------------------------------------
// schema.org types.

/// Call `each` with every `@type` name (the last path part of a URL) in a
/// raw JSON-LD block. A scan, not a parse: broken blocks count too.
pub fn json_ld_types(block: &str, mut each: impl FnMut(&str)) {
    let b = block.as_bytes();
    let mut pos = 0;
    while let Some(off) = memchr::memmem::find(&b[pos..], b"\"@type\"") {
        let mut i = pos + off + 7;
        pos = i;
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b':') {
            i += 1;
        }
        let list = b.get(i) == Some(&b'[');
        if list {
            i += 1;
        }
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
                i += 1;
            }
            if b.get(i) != Some(&b'"') {
                break;
            }
            let start = i + 1;
            let Some(len) = memchr::memchr(b'"', &b[start..]) else {
                return;
            };
            let name = &block[start..start + len];
            each(name.rsplit('/').next().unwrap_or(name));
            i = start + len + 1;
            if !list {
                break;
            }
        }
    }
}

fn count_schema_type(name: &str, f: &mut Features) {
    if let Some(k) = schema_family(name) {
        f[k] += 1.0;
    }
}

fn schema_family(name: &str) -> Option<F> {
    Some(match name {
        "Article"
        | "NewsArticle"
        | "BlogPosting"
        | "Blog"
        | "Report"
        | "LiveBlogPosting"
        | "ReportageNewsArticle"
        | "AnalysisNewsArticle"
        | "OpinionNewsArticle"
        | "BackgroundNewsArticle"
        | "ReviewNewsArticle"
        | "ScholarlyArticle"
        | "SatiricalArticle"
        | "AdvertiserContentArticle"
        | "MedicalWebPage" => F::sd_article,
        "TechArticle" | "APIReference" | "SoftwareSourceCode" => F::sd_tech,
        "DiscussionForumPosting"
        | "QAPage"
        | "Question"
        | "Answer"
        | "Comment"
        | "SocialMediaPosting"
        | "Conversation" => F::sd_forum,
        "FAQPage" => F::sd_faq,
        "Product" | "ProductGroup" | "IndividualProduct" | "ProductModel" | "SomeProducts"
        | "Vehicle" | "Car" => F::sd_product,
        "Offer"
        | "AggregateOffer"
        | "PriceSpecification"
        | "UnitPriceSpecification"
        | "OfferShippingDetails"
        | "MerchantReturnPolicy" => F::sd_offer,
        "ItemList" | "CollectionPage" | "SearchResultsPage" | "OfferCatalog" => F::sd_list,
        "ListItem" => F::sd_listitem,
        "SoftwareApplication" | "WebApplication" | "MobileApplication" => F::sd_software,
        "Service" | "ProfessionalService" | "FinancialProduct" => F::sd_service,
        "Course"
        | "CourseInstance"
        | "EducationalOccupationalProgram"
        | "EducationalOccupationalCredential" => F::sd_course,
        "Review" | "AggregateRating" | "Rating" | "EmployerAggregateRating" => F::sd_review,
        "HowTo" | "HowToStep" | "HowToSection" | "Recipe" => F::sd_howto,
        "WebPage" | "AboutPage" | "ContactPage" | "CheckoutPage" => F::sd_webpage,
        "ItemPage" => F::sd_itempage,
        "BreadcrumbList" => F::sd_breadcrumb,
        "Person" | "ProfilePage" => F::sd_person,
        "Event" | "EventSeries" | "BusinessEvent" | "EducationEvent" => F::sd_event,
        "VideoObject" | "VideoGallery" => F::sd_video,
        "WebSite" | "SearchAction" => F::sd_website,
        _ if name.ends_with("Organization")
            || name.ends_with("Business")
            || name.ends_with("Store")
            || name.ends_with("Corporation")
            || matches!(
                name,
                "CollegeOrUniversity"
                    | "School"
                    | "Dentist"
                    | "Attorney"
                    | "Physician"
                    | "MedicalClinic"
                    | "Brand"
                    | "Place"
                    | "PostalAddress"
            ) =>
        {
            F::sd_org
        }
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// The tree.

/// Class-name families: substrings of a lower-cased class value.
const CLASS_WORDS: &[(&str, F)] = &[
    ("post", F::cls_post),
    ("message", F::cls_post),
    ("bbwrapper", F::cls_post),
    ("cooked", F::cls_post),
    ("reply", F::cls_reply),
    ("replies", F::cls_reply),
    ("answer", F::cls_reply),
    ("comment", F::cls_comment),
    ("vote", F::cls_vote),
    ("karma", F::cls_vote),
    ("reputation", F::cls_vote),
    ("user", F::cls_user),
    ("avatar", F::cls_user),
    ("member", F::cls_user),
    ("poster", F::cls_user),
    ("thread", F::cls_thread),
    ("topic", F::cls_thread),
    ("forum", F::cls_thread),
    ("discussion", F::cls_thread),
    ("price", F::cls_price),
    ("currency", F::cls_price),
    ("money", F::cls_price),
    ("cart", F::cls_cart),
    ("basket", F::cls_cart),
    ("checkout", F::cls_cart),
    ("add-to", F::cls_cart),
    ("addto", F::cls_cart),
    ("buy", F::cls_cart),
    ("variant", F::cls_variant),
    ("swatch", F::cls_variant),
    ("quantity", F::cls_variant),
    ("qty", F::cls_variant),
    ("size", F::cls_variant),
    ("colour", F::cls_variant),
    ("product", F::cls_product),
    ("sku", F::cls_product),
    ("rating", F::cls_rating),
    ("stars", F::cls_rating),
    ("review", F::cls_rating),
    ("card", F::cls_card),
    ("tile", F::cls_card),
    ("teaser", F::cls_card),
    ("grid", F::cls_card),
    ("item", F::cls_card),
    ("listing", F::cls_card),
    ("result", F::cls_card),
    ("filter", F::cls_filter),
    ("facet", F::cls_filter),
    ("sort", F::cls_filter),
    ("refine", F::cls_filter),
    ("pagination", F::cls_pager),
    ("pager", F::cls_pager),
    ("page-numbers", F::cls_pager),
    ("load-more", F::cls_pager),
    ("loadmore", F::cls_pager),
    ("docs", F::cls_doc),
    ("documentation", F::cls_doc),
    ("toc", F::cls_doc),
    ("sphinx", F::cls_doc),
    ("rst-", F::cls_doc),
    ("md-", F::cls_doc),
    ("markdown", F::cls_doc),
    ("wiki", F::cls_doc),
    ("headerlink", F::cls_doc),
    ("admonition", F::cls_doc),
    ("sidebar", F::cls_sidebar),
    ("sidenav", F::cls_sidebar),
    ("side-nav", F::cls_sidebar),
    ("treeview", F::cls_sidebar),
    ("menu", F::cls_sidebar),
    ("highlight", F::cls_code),
    ("hljs", F::cls_code),
    ("prism", F::cls_code),
    ("language-", F::cls_code),
    ("syntax", F::cls_code),
    ("code", F::cls_code),
    ("hero", F::cls_hero),
    ("banner", F::cls_hero),
    ("jumbotron", F::cls_hero),
    ("cta", F::cls_hero),
    ("testimonial", F::cls_testimonial),
    ("quote", F::cls_testimonial),
    ("feature", F::cls_feature),
    ("benefit", F::cls_feature),
    ("service", F::cls_feature),
    ("pricing", F::cls_feature),
    ("plan", F::cls_feature),
    ("faq", F::cls_faq),
    ("accordion", F::cls_faq),
    ("collapse", F::cls_faq),
    ("logo", F::cls_logo),
    ("partner", F::cls_logo),
    ("client", F::cls_logo),
    ("btn", F::cls_btn),
    ("button", F::cls_btn),
    ("entry", F::cls_entry),
    ("article", F::cls_entry),
    ("story", F::cls_entry),
    ("share", F::cls_share),
    ("social", F::cls_share),
    ("related", F::cls_related),
    ("byline", F::cls_byline),
    ("author", F::cls_byline),
    ("dateline", F::cls_byline),
    ("published", F::cls_byline),
    ("breadcrumb", F::cls_breadcrumb),
];

/// The first class feature; the families are numbered from it.
const FIRST_CLASS: usize = F::cls_post as usize;

static CLASS_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostFirst)
        .kind(Some(AhoCorasickKind::DFA))
        .build(CLASS_WORDS.iter().map(|(w, _)| *w))
        .expect("class words are valid patterns")
});

/// Families of one class value, as bits from [`FIRST_CLASS`].
fn class_families(value: &str) -> u32 {
    let lower;
    let v = if value.bytes().any(|b| b.is_ascii_uppercase()) {
        lower = value.to_ascii_lowercase();
        lower.as_str()
    } else {
        value
    };
    let mut bits = 0u32;
    for m in CLASS_MATCHER.find_iter(v) {
        bits |= 1 << (CLASS_WORDS[m.pattern().as_usize()].1 as usize - FIRST_CLASS);
    }
    bits
}

/// Words of short link and button texts, by family: calls to action on
/// service pages, "read more" on teasers, shop buttons, forum controls.
const LINK_WORDS: &[(&str, F)] = &[
    ("get started", F::link_cta),
    ("contact us", F::link_cta),
    ("book ", F::link_cta),
    ("sign up", F::link_cta),
    ("request", F::link_cta),
    ("free trial", F::link_cta),
    ("get a quote", F::link_cta),
    ("schedule", F::link_cta),
    ("demo", F::link_cta),
    ("learn more", F::link_cta),
    ("apply", F::link_cta),
    ("enroll", F::link_cta),
    ("read more", F::link_more),
    ("continue reading", F::link_more),
    ("view details", F::link_more),
    ("see more", F::link_more),
    ("view all", F::link_more),
    ("add to cart", F::link_cart),
    ("add to bag", F::link_cart),
    ("add to basket", F::link_cart),
    ("buy now", F::link_cart),
    ("shop now", F::link_cart),
    ("quick view", F::link_cart),
    ("quick add", F::link_cart),
    ("reply", F::link_forum),
    ("quote", F::link_forum),
    ("permalink", F::link_forum),
    ("report", F::link_forum),
    ("upvote", F::link_forum),
    // The same in German, French and Spanish.
    ("mehr erfahren", F::link_cta),
    ("termin vereinbaren", F::link_cta),
    ("termin buchen", F::link_cta),
    ("jetzt anfragen", F::link_cta),
    ("angebot anfordern", F::link_cta),
    ("kostenlos testen", F::link_cta),
    ("en savoir plus", F::link_cta),
    ("contactez", F::link_cta),
    ("más información", F::link_cta),
    ("contáctanos", F::link_cta),
    ("weiterlesen", F::link_more),
    ("mehr lesen", F::link_more),
    ("alle anzeigen", F::link_more),
    ("lire la suite", F::link_more),
    ("voir tout", F::link_more),
    ("leer más", F::link_more),
    ("ver todo", F::link_more),
    ("in den warenkorb", F::link_cart),
    ("jetzt kaufen", F::link_cart),
    ("ajouter au panier", F::link_cart),
    ("añadir al carrito", F::link_cart),
    ("zitieren", F::link_forum),
    ("antworten", F::link_forum),
    ("répondre", F::link_forum),
    ("responder", F::link_forum),
];

static LINK_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .kind(Some(AhoCorasickKind::DFA))
        .build(LINK_WORDS.iter().map(|(w, _)| *w))
        .expect("link words are valid patterns")
});

/// Words of headings, by family: the sections of a service page, of a
/// product page, of a reference page; the replies of a thread; the
/// furniture around a story; the controls of a listing.
const HEADING_WORDS: &[(&str, F)] = &[
    ("our services", F::hd_service),
    ("why choose", F::hd_service),
    ("why us", F::hd_service),
    ("testimonial", F::hd_service),
    ("what our", F::hd_service),
    ("how it works", F::hd_service),
    ("pricing", F::hd_service),
    ("plans", F::hd_service),
    ("get in touch", F::hd_service),
    ("contact us", F::hd_service),
    ("about us", F::hd_service),
    ("our team", F::hd_service),
    ("faq", F::hd_service),
    ("frequently asked", F::hd_service),
    ("benefits", F::hd_service),
    ("our process", F::hd_service),
    ("clients", F::hd_service),
    ("what we do", F::hd_service),
    ("who we are", F::hd_service),
    ("get started", F::hd_service),
    ("trusted by", F::hd_service),
    ("description", F::hd_product),
    ("specification", F::hd_product),
    ("specs", F::hd_product),
    ("product details", F::hd_product),
    ("shipping", F::hd_product),
    ("returns", F::hd_product),
    ("you may also like", F::hd_product),
    ("customers also", F::hd_product),
    ("size guide", F::hd_product),
    ("ingredients", F::hd_product),
    ("materials", F::hd_product),
    ("in the box", F::hd_product),
    ("customer reviews", F::hd_product),
    ("parameters", F::hd_docs),
    ("example", F::hd_docs),
    ("installation", F::hd_docs),
    ("usage", F::hd_docs),
    ("syntax", F::hd_docs),
    ("arguments", F::hd_docs),
    ("options", F::hd_docs),
    ("see also", F::hd_docs),
    ("prerequisites", F::hd_docs),
    ("configuration", F::hd_docs),
    ("reference", F::hd_docs),
    ("next steps", F::hd_docs),
    ("on this page", F::hd_docs),
    ("contents", F::hd_docs),
    ("replies", F::hd_forum),
    ("answer", F::hd_forum),
    ("reply", F::hd_forum),
    ("related questions", F::hd_forum),
    ("posts", F::hd_forum),
    ("comments", F::hd_forum),
    ("related articles", F::hd_article),
    ("related posts", F::hd_article),
    ("related stories", F::hd_article),
    ("about the author", F::hd_article),
    ("conclusion", F::hd_article),
    ("share this", F::hd_article),
    ("leave a comment", F::hd_article),
    ("leave a reply", F::hd_article),
    ("recent posts", F::hd_article),
    ("you might also", F::hd_article),
    ("read next", F::hd_article),
    ("latest", F::hd_listing),
    ("recent", F::hd_listing),
    ("filter", F::hd_listing),
    ("sort by", F::hd_listing),
    ("categories", F::hd_listing),
    ("results", F::hd_listing),
    ("showing", F::hd_listing),
    ("archive", F::hd_listing),
    ("popular", F::hd_listing),
    // The same in German, French and Spanish. The matcher folds ASCII
    // letters only: a word that opens with a capital umlaut is written
    // both ways.
    ("unsere leistungen", F::hd_service),
    ("leistungen", F::hd_service),
    ("warum wir", F::hd_service),
    ("so arbeiten wir", F::hd_service),
    ("so funktioniert", F::hd_service),
    ("preise", F::hd_service),
    ("kundenstimmen", F::hd_service),
    ("über uns", F::hd_service),
    ("Über uns", F::hd_service),
    ("häufige fragen", F::hd_service),
    ("nos services", F::hd_service),
    ("tarifs", F::hd_service),
    ("nuestros servicios", F::hd_service),
    ("precios", F::hd_service),
    ("produktbeschreibung", F::hd_product),
    ("technische daten", F::hd_product),
    ("lieferumfang", F::hd_product),
    ("versand", F::hd_product),
    ("fiche technique", F::hd_product),
    ("caractéristiques", F::hd_product),
    ("especificaciones", F::hd_product),
    ("voraussetzungen", F::hd_docs),
    ("beispiel", F::hd_docs),
    ("konfiguration", F::hd_docs),
    ("antworten", F::hd_forum),
    ("beiträge", F::hd_forum),
    ("réponses", F::hd_forum),
    ("respuestas", F::hd_forum),
    ("über den autor", F::hd_article),
    ("Über den Autor", F::hd_article),
    ("fazit", F::hd_article),
    ("ähnliche artikel", F::hd_article),
    ("Ähnliche Artikel", F::hd_article),
    ("neueste", F::hd_listing),
    ("kategorien", F::hd_listing),
    ("sortieren nach", F::hd_listing),
    ("trier par", F::hd_listing),
    ("ordenar por", F::hd_listing),
];

static HEADING_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(HEADING_WORDS.iter().map(|(w, _)| *w))
        .expect("heading words are valid patterns")
});

/// Heading texts longer than this are not looked at.
const SHORT_HEADING: u32 = 80;

/// Link and button texts shorter than this are not looked at (no word is).
const MIN_WORD: u32 = 4;
/// Link and button texts longer than this are not looked at.
const SHORT_TEXT: u32 = 40;
/// A `<p>` this long, and mostly not links, is prose.
const LONG_P: u32 = 80;
/// Link texts of these lengths are headlines (of teasers, of products).
const LONG_LINK: u32 = 25;
const MAX_LINK: u32 = 200;
/// [`F::h1_to_price`] when no price follows the first `<h1>`.
const NO_PRICE: f32 = 100_000.0;
/// Siblings in a run that makes a group.
const MIN_GROUP: usize = 4;

/// Bits of what a subtree holds.
mod has {
    pub const LINK: u8 = 1;
    pub const IMG: u8 = 1 << 1;
    pub const HEADING: u8 = 1 << 2;
    pub const PRICE: u8 = 1 << 3;
    pub const TIME: u8 = 1 << 4;
    pub const CONTROL: u8 = 1 << 5;
}

/// Whether `b` holds `$`, `£`, `¥` (C2 A3, C2 A5), `€`, `₩` or `₹`
/// (E2 82 AC, A9, B9): a byte scan, as most text has none.
fn has_currency_sign(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(k) = memchr::memchr3(b'$', 0xC2, 0xE2, &b[i..]) {
        let j = i + k;
        let sign = match b[j] {
            b'$' => true,
            0xC2 => matches!(b.get(j + 1), Some(0xA3 | 0xA5)),
            _ => b.get(j + 1) == Some(&0x82) && matches!(b.get(j + 2), Some(0xAC | 0xA9 | 0xB9)),
        };
        if sign {
            return true;
        }
        i = j + 1;
    }
    false
}

/// Whether `text` shows a price: a currency sign next to a digit.
fn has_price(text: &str) -> bool {
    if !has_currency_sign(text.as_bytes()) {
        return false;
    }
    let mut prev: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if matches!(c, '$' | '€' | '£' | '¥' | '₹' | '₩') {
            let next = chars.clone().find(|c| *c != ' ' && *c != '\u{a0}');
            if next.is_some_and(|n| n.is_ascii_digit()) || prev.is_some_and(|p| p.is_ascii_digit())
            {
                return true;
            }
        }
        if !c.is_whitespace() {
            prev = Some(c);
        }
    }
    false
}

/// A word-at-a-time multiplicative hash (as rustc's FxHash): the class map
/// is looked up for every element, and class values can be long.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
}

/// Whether a link or `<link>` leads to the next or previous page.
fn is_pagination(el: &scraper::node::Element) -> bool {
    attr(el, "rel").is_some_and(|r| {
        r.split_whitespace()
            .any(|r| r.eq_ignore_ascii_case("next") || r.eq_ignore_ascii_case("prev"))
    })
}

fn ratio(a: f32, b: f32) -> f32 {
    if b <= 0.0 { 0.0 } else { a / b }
}

/// The tree's features: one forward walk for counts and text, one backward
/// walk to know what each subtree holds, and a look at each element's
/// children for runs of siblings alike.
fn tree_features(doc: &Doc<'_>, raw: &[Stats], f: &mut Features) {
    let n = doc.nodes.len();
    let mut holds = vec![0u8; n];
    let mut sig = vec![0u64; n];
    let mut kids = vec![0u32; n];
    // Class value -> (families, a number of its own).
    let mut classes: HashMap<&str, (u32, u32), BuildHasherDefault<Fx>> =
        HashMap::with_capacity_and_hasher(512, Default::default());
    let mut class_counts = [0u32; 32];
    let (mut link_end, mut code_end, mut boiler_end, mut heading_end) = (0u32, 0u32, 0u32, 0u32);
    let mut heading_linked = false;
    let (mut code_len, mut boiler_len, mut price_len) = (0u32, 0u32, 0u32);
    let (mut prose_len, mut max_p) = (0u32, 0u32);
    let mut headings = 0u32;
    let mut p_len_by_parent = vec![0u32; n];
    let mut p_by_parent = vec![0u32; n];
    let (mut p_total, mut long_link_len) = (0u32, 0u32);
    // Text seen since the end of the first <h1>, until the first price.
    let (mut h1_end, mut since_h1, mut price_after_h1) = (None::<u32>, 0u32, None::<u32>);
    for (i, node) in doc.nodes.iter().enumerate() {
        let ix = i as u32;
        match &node.data {
            Data::Text(t) => {
                if ix < code_end {
                    code_len += t.len;
                }
                if ix < boiler_end {
                    boiler_len += t.len;
                }
                let price = t.len > 0 && t.len < 200 && has_price(t.text);
                if h1_end.is_some_and(|e| ix >= e) && price_after_h1.is_none() {
                    if price {
                        price_after_h1 = Some(since_h1);
                    }
                    since_h1 += t.len;
                }
                if price {
                    f[F::prices] += 1.0;
                    price_len += t.len;
                    if node.parent != NONE {
                        holds[node.parent as usize] |= has::PRICE;
                    }
                }
                if ix < heading_end && t.len <= SHORT_HEADING {
                    for m in HEADING_MATCHER.find_iter(t.text) {
                        f[HEADING_WORDS[m.pattern().as_usize()].1] += 1.0;
                    }
                }
                if ix < link_end && (MIN_WORD..=SHORT_TEXT).contains(&t.len) {
                    if let Some(m) = LINK_MATCHER.find(t.text) {
                        f[LINK_WORDS[m.pattern().as_usize()].1] += 1.0;
                    }
                }
            }
            Data::Elem(e) => {
                if node.parent != NONE {
                    kids[node.parent as usize] += 1;
                }
                let mut class = "";
                for (q, v) in e.el.attrs.iter() {
                    match &*q.local {
                        "class" => class = v,
                        "itemtype" => {
                            for t in v.split_whitespace() {
                                count_schema_type(t.rsplit('/').next().unwrap_or(t), f);
                            }
                        }
                        "itemprop" => {
                            f[F::itemprops] += 1.0;
                            if v.eq_ignore_ascii_case("price") {
                                f[F::meta_price] += 1.0;
                            }
                        }
                        _ => {}
                    }
                }
                let (bits, class_id) = if class.is_empty() {
                    (0, 0)
                } else {
                    let next = classes.len() as u32 + 1;
                    *classes
                        .entry(class)
                        .or_insert_with(|| (class_families(class), next))
                };
                let mut h = Fx(u64::from(class_id));
                h.write(e.name.as_bytes());
                sig[i] = h.finish();
                if bits != 0 {
                    let mut b = bits;
                    while b != 0 {
                        class_counts[b.trailing_zeros() as usize] += 1;
                        b &= b - 1;
                    }
                }
                if e.tag.intersects(Tag::BOILER | Tag::UNLIKELY)
                    || e.flags.contains(Flag::ROLE_BOILER)
                {
                    boiler_end = boiler_end.max(node.end);
                }
                if e.flags.contains(Flag::COMMENT) {
                    f[F::comments_marked] += 1.0;
                }
                if e.hits.contains(Hit::BOILER) && class.contains("comment") {
                    f[F::comments_marked] += 1.0;
                }
                match e.name {
                    "a" => {
                        f[F::links] += 1.0;
                        holds[i] |= has::LINK;
                        let len = raw[i].len;
                        if (LONG_LINK..=MAX_LINK).contains(&len) {
                            f[F::long_links] += 1.0;
                            long_link_len += len;
                        }
                        link_end = link_end.max(node.end);
                        if ix < heading_end && !heading_linked {
                            heading_linked = true;
                            f[F::linked_headings] += 1.0;
                        }
                        if let Some(h) = attr(e.el, "href") {
                            if h.starts_with('#') && h.len() > 1 {
                                f[F::anchor_links] += 1.0;
                                if ix < heading_end {
                                    f[F::heading_anchors] += 1.0;
                                }
                            }
                        }
                        if is_pagination(e.el) {
                            f[F::rel_pagination] += 1.0;
                        }
                    }
                    "link" if is_pagination(e.el) => f[F::rel_pagination] += 1.0,
                    "meta" => {
                        let key = attr(e.el, "property").or_else(|| attr(e.el, "name"));
                        if let Some(key) = key {
                            if key.eq_ignore_ascii_case("og:type") {
                                let v = attr(e.el, "content")
                                    .unwrap_or("")
                                    .trim()
                                    .to_ascii_lowercase();
                                let k = if v.starts_with("article") || v == "blog" {
                                    F::og_article
                                } else if v.contains("product") {
                                    F::og_product
                                } else if v == "website" {
                                    F::og_website
                                } else {
                                    F::og_other
                                };
                                f[k] = 1.0;
                            } else if key.to_ascii_lowercase().contains("price:amount") {
                                f[F::meta_price] += 1.0;
                            }
                        }
                    }
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                        headings += 1;
                        holds[i] |= has::HEADING;
                        let k = match e.name {
                            "h1" => F::h1,
                            "h2" => F::h2,
                            "h3" => F::h3,
                            _ => F::h456,
                        };
                        f[k] += 1.0;
                        if attr(e.el, "id").is_some() {
                            f[F::heading_ids] += 1.0;
                        }
                        heading_linked = ix < link_end;
                        if heading_linked {
                            f[F::linked_headings] += 1.0;
                        }
                        heading_end = node.end;
                        if e.name == "h1" && h1_end.is_none() {
                            h1_end = Some(node.end);
                        }
                    }
                    "p" => {
                        f[F::p_count] += 1.0;
                        let s = &raw[i];
                        if s.len >= LONG_P && s.link_len * 4 < s.len {
                            f[F::long_p] += 1.0;
                            prose_len += s.len;
                        }
                        max_p = max_p.max(s.len);
                        p_total += s.len;
                        if node.parent != NONE {
                            let k = node.parent as usize;
                            p_len_by_parent[k] = p_len_by_parent[k].saturating_add(s.len);
                            p_by_parent[k] += 1;
                        }
                    }
                    "pre" | "code" | "samp" | "kbd" => {
                        if e.name == "pre" {
                            f[F::pre] += 1.0;
                        } else {
                            f[F::code] += 1.0;
                        }
                        code_end = code_end.max(node.end);
                    }
                    "article" => f[F::articles] += 1.0,
                    "section" => f[F::sections] += 1.0,
                    "time" => {
                        f[F::times] += 1.0;
                        holds[i] |= has::TIME;
                    }
                    "table" => f[F::tables] += 1.0,
                    "td" | "th" => f[F::cells] += 1.0,
                    "form" => f[F::forms] += 1.0,
                    "button" => {
                        f[F::buttons] += 1.0;
                        holds[i] |= has::CONTROL;
                        link_end = link_end.max(node.end);
                    }
                    "input" | "textarea" => {
                        f[F::inputs] += 1.0;
                        if attr(e.el, "name").is_some_and(|v| {
                            let v = v.to_ascii_lowercase();
                            v.contains("quantity") || v.contains("qty")
                        }) {
                            f[F::qty_inputs] += 1.0;
                        }
                        holds[i] |= has::CONTROL;
                    }
                    "img" | "picture" => {
                        holds[i] |= has::IMG;
                    }
                    "dl" => f[F::dl] += 1.0,
                    "blockquote" => f[F::blockquotes] += 1.0,
                    "details" => f[F::details] += 1.0,
                    "ul" | "ol" => f[F::lists] += 1.0,
                    "li" => f[F::list_items] += 1.0,
                    "nav" => f[F::navs] += 1.0,
                    "aside" => f[F::asides] += 1.0,
                    _ => {}
                }
                if e.tag.contains(Tag::CONTROL) {
                    f[F::controls] += 1.0;
                }
            }
        }
    }
    for (k, c) in class_counts.iter().enumerate() {
        if FIRST_CLASS + k < N_FEATURES && *c > 0 {
            f.values[FIRST_CLASS + k] = *c as f32;
        }
    }
    // What each subtree holds: children come after their parent.
    for i in (1..n).rev() {
        let p = doc.nodes[i].parent;
        if p != NONE {
            holds[p as usize] |= holds[i];
        }
    }

    let body = raw.get(doc.body as usize).copied().unwrap_or_default();
    let body_len = body.len as f32;
    f[F::body_len] = body_len;
    f[F::body_link_density] = ratio(body.link_len as f32, body_len);
    f[F::body_heading_share] = ratio(body.heading_len as f32, body_len);
    f[F::body_list_share] = ratio(body.list_len as f32, body_len);
    f[F::boiler_share] = ratio(boiler_len as f32, body_len);
    f[F::elements] = doc.nodes.iter().filter(|n| n.elem().is_some()).count() as f32;
    f[F::links_per_kchar] = ratio(f[F::links] * 1000.0, body_len);
    f[F::images] = body.img as f32;
    f[F::images_per_kchar] = ratio(body.img as f32 * 1000.0, body_len);
    f[F::prose_share] = ratio(prose_len as f32, body_len);
    f[F::max_p_len] = max_p as f32;
    f[F::avg_p_len] = ratio(p_total as f32, f[F::p_count]);
    if let Some(main) = (0..n).max_by_key(|&k| p_len_by_parent[k]) {
        f[F::main_p_share] = ratio(p_len_by_parent[main] as f32, body_len);
        f[F::main_p_count] = p_by_parent[main] as f32;
    }
    f[F::long_link_share] = ratio(long_link_len as f32, body_len);
    f[F::h1_to_price] = price_after_h1.map_or(NO_PRICE, |l| l.min(NO_PRICE as u32) as f32);
    f[F::text_per_heading] = body_len / (headings as f32 + 1.0);
    f[F::linked_heading_share] = ratio(f[F::linked_headings], headings as f32);
    f[F::code_share] = ratio(code_len as f32, body_len);
    f[F::price_share] = ratio(price_len as f32, body_len);

    // Runs of siblings alike.
    let mut run: Vec<(u64, u32)> = Vec::new();
    let mut best_card_len = 0u32;
    for (p, &k) in kids.iter().enumerate() {
        if (k as usize) < MIN_GROUP {
            continue;
        }
        run.clear();
        run.extend(doc.children(p as u32).map(|c| (sig[c as usize], c)));
        run.sort_unstable();
        // The longest run of one shape among the children.
        let (mut best_start, mut best_len, mut start) = (0usize, 0usize, 0usize);
        for k in 1..=run.len() {
            if k == run.len() || run[k].0 != run[start].0 {
                if k - start > best_len {
                    best_len = k - start;
                    best_start = start;
                }
                start = k;
            }
        }
        if best_len < MIN_GROUP {
            continue;
        }
        let members = &run[best_start..best_start + best_len];
        f[F::rep_groups] += 1.0;
        let count = |want: &dyn Fn(u8) -> bool| {
            members
                .iter()
                .filter(|(_, c)| want(holds[*c as usize]))
                .count()
        };
        let size = best_len as f32;
        f[F::rep_max] = f[F::rep_max].max(size);
        let most = |k: usize| k * 4 >= best_len * 3;
        let half = |k: usize| k * 2 >= best_len;
        let cards =
            count(&|h| h & has::LINK != 0 && h & (has::IMG | has::HEADING | has::PRICE) != 0);
        if most(cards) {
            f[F::card_groups] += 1.0;
            f[F::card_items] += size;
            let len: u32 = members.iter().map(|(_, c)| raw[*c as usize].len).sum();
            f[F::card_share] = f[F::card_share].max(ratio(len as f32, body_len));
            if size > f[F::card_max] || size == f[F::card_max] && len > best_card_len {
                f[F::card_max] = size;
                f[F::card_avg_len] = len as f32 / size;
                best_card_len = len;
            }
        }
        if half(count(&|h| h & has::PRICE != 0)) {
            f[F::price_card_max] = f[F::price_card_max].max(size);
        }
        if half(count(&|h| h & has::TIME != 0)) {
            f[F::time_group_max] = f[F::time_group_max].max(size);
        }
        if most(count(&|h| h & has::HEADING != 0 && h & has::LINK != 0)) {
            f[F::heading_card_max] = f[F::heading_card_max].max(size);
        }
        if most(count(&|h| h & has::IMG != 0)) {
            f[F::image_card_max] = f[F::image_card_max].max(size);
        }
    }
}

// ---------------------------------------------------------------------------
// The model.

/// The trained model, as the trainer wrote it.
const MODEL_JSON: &str = include_str!("page_type_model.json");

static MODEL: LazyLock<Model> = LazyLock::new(|| Model::parse(MODEL_JSON));

#[derive(Debug)]
struct ModelFile {
    classes: Vec<String>,
    trees: Ensemble,
}

/// The model file's fields beside the ensemble (read apart: a flattened
/// struct would make serde buffer the whole file).
#[derive(Deserialize)]
struct Header {
    classes: Vec<String>,
}

#[derive(Debug)]
struct Model {
    /// For each model feature, its index in [`FEATURE_NAMES`].
    columns: Vec<usize>,
    /// For each model class, its [`PageType`].
    classes: Vec<PageType>,
    file: ModelFile,
}

impl Model {
    fn parse(json: &str) -> Model {
        let header: Header = serde_json::from_str(json).expect("the page type model is valid");
        let trees: Ensemble = serde_json::from_str(json).expect("the page type model is valid");
        let file = ModelFile {
            classes: header.classes,
            trees,
        };
        file.trees.check("the page type model");
        let columns = file
            .trees
            .features
            .iter()
            .map(|name| {
                FEATURE_NAMES
                    .iter()
                    .position(|n| n == name)
                    .unwrap_or_else(|| panic!("the page type model uses an unknown feature {name}"))
            })
            .collect();
        let classes = file
            .classes
            .iter()
            .map(|c| PageType::from_name(c).unwrap_or_else(|| panic!("unknown page type {c}")))
            .collect();
        Model {
            columns,
            classes,
            file,
        }
    }

    fn raw_scores(&self, features: &Features) -> Vec<f64> {
        let x: Vec<f32> = self.columns.iter().map(|&c| features.values[c]).collect();
        self.file.trees.scores(&x)
    }

    fn probabilities(&self, features: &Features) -> [f64; 7] {
        let raw = self.raw_scores(features);
        let max = raw.iter().copied().fold(f64::MIN, f64::max);
        let exp: Vec<f64> = raw.iter().map(|r| (r - max).exp()).collect();
        let sum: f64 = exp.iter().sum();
        let mut out = [0.0; 7];
        for (k, e) in exp.iter().enumerate() {
            out[self.classes[k].index()] = e / sum;
        }
        out
    }
}

/// Features of a page as extraction computes them, for tools that study
/// the classifier (`examples/page_features.rs`); `None` when the page
/// cannot be decoded.
#[doc(hidden)]
pub fn page_features(bytes: &[u8], url: Option<&str>) -> Option<Features> {
    let url = url.and_then(|u| Url::parse(u).ok());
    let tld = url
        .as_ref()
        .and_then(|u| u.host_str())
        .and_then(|h| h.rsplit('.').next())
        .map(str::to_string);
    let decoded = crate::extract::decode::decode(bytes, None, tld.as_deref()).ok()?;
    let pre = crate::extract::prescan::prescan(&decoded.text);
    let html = scraper::Html::parse_document(&pre.html);
    let doc = Doc::build(&html);
    let raw = crate::extract::stats::stats(&doc, None);
    let now = chrono::Utc::now().date_naive();
    let read = crate::extract::metadata::read(&doc, &raw, &pre.json_ld, url.as_ref(), now, false);
    Some(features(&doc, &raw, &pre.json_ld, url.as_ref(), &read.meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str) -> Features {
        let mut f = Features::default();
        url_features(&Url::parse(u).unwrap(), &mut f);
        f
    }

    fn page(html: &str, u: &str) -> Features {
        page_features(html.as_bytes(), Some(u)).unwrap()
    }

    #[test]
    fn names_round_trip_and_serialize_lower_case() {
        for t in PageType::ALL {
            assert_eq!(PageType::from_name(t.as_str()), Some(t));
            assert_eq!(PageType::ALL[t.index()], t);
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.as_str())
            );
        }
        assert_eq!(PageType::from_name("blog"), None);
    }

    #[test]
    fn address_shape_and_words() {
        let f = url("https://example.com/2024/05/06/a-long-story-about-rain/");
        assert_eq!(f[F::url_date], 1.0);
        assert_eq!(f[F::url_depth], 4.0);
        assert_eq!(f[F::url_last_tokens], 5.0);
        assert_eq!(f[F::url_trailing_slash], 1.0);
        let f = url("https://forum.example.org/t/some-topic/12345");
        assert_eq!(f[F::url_forum], 2.0); // "t" and "topic"
        assert_eq!(f[F::url_numeric_id], 1.0);
        assert_eq!(f[F::host_forum], 1.0);
        let f = url("https://shop.example.com/collections/mens-sneakers?page=2");
        assert_eq!(f[F::url_collection], 1.0);
        assert_eq!(f[F::url_query], 1.0);
        assert_eq!(f[F::host_shop], 1.0);
        // The last segment is a family word only when it is the word.
        let f = url("https://example.com/news");
        assert_eq!(f[F::url_last_article], 1.0);
        let f = url("https://example.com/blog/best-products-for-you");
        assert_eq!((f[F::url_article], f[F::url_product]), (1.0, 0.0));
        let f = url("https://docs.example.com/en/5.1/ref/middleware.html");
        assert_eq!(f[F::url_version], 1.0);
        assert_eq!(f[F::url_ext_html], 1.0);
        assert_eq!(f[F::host_docs], 1.0);
        assert_eq!(url("https://example.com/")[F::url_home], 1.0);
        // The family words in other languages.
        let f = url("https://www.kanzlei.example/leistungen/lohnbuchhaltung/");
        assert_eq!(f[F::url_service], 1.0);
        let f = url("https://shop.example.de/produkte/wanderschuh-42");
        assert_eq!(f[F::url_product], 1.0);
    }

    #[test]
    fn heading_and_button_words_in_other_languages() {
        let heading = |t: &str| {
            HEADING_MATCHER
                .find_iter(t)
                .map(|m| HEADING_WORDS[m.pattern().as_usize()].1 as usize)
                .collect::<Vec<usize>>()
        };
        assert_eq!(heading("Unsere Leistungen"), [F::hd_service as usize]);
        assert_eq!(heading("Technische Daten"), [F::hd_product as usize]);
        assert_eq!(heading("Fiche technique"), [F::hd_product as usize]);
        assert_eq!(heading("Über uns"), [F::hd_service as usize]);
        assert_eq!(heading("Ähnliche Artikel"), [F::hd_article as usize]);
        let button = |t: &str| {
            LINK_MATCHER
                .find(t)
                .map(|m| LINK_WORDS[m.pattern().as_usize()].1 as usize)
        };
        assert_eq!(button("Mehr erfahren"), Some(F::link_cta as usize));
        assert_eq!(button("In den Warenkorb"), Some(F::link_cart as usize));
        assert_eq!(button("Ajouter au panier"), Some(F::link_cart as usize));
    }

    #[test]
    fn schema_types_are_scanned_not_parsed() {
        let mut seen = Vec::new();
        let block = r#"{"@context":"https://schema.org","@graph":[{"@type":"WebSite"},
            {"@type" : ["Product", "http://schema.org/Offer"]}, {"@type":"ListItem"}"#;
        json_ld_types(block, |t| seen.push(t.to_string()));
        assert_eq!(seen, ["WebSite", "Product", "Offer", "ListItem"]);
        assert!(matches!(schema_family("NewsArticle"), Some(F::sd_article)));
        assert!(matches!(
            schema_family("HomeAndConstructionBusiness"),
            Some(F::sd_org)
        ));
        assert!(schema_family("Thing").is_none());
    }

    #[test]
    fn prices_need_a_currency_sign_by_a_digit() {
        assert!(has_price("$19.99"));
        assert!(has_price("From € 25"));
        assert!(has_price("25,00 €"));
        assert!(has_price("£5"));
        assert!(!has_price("US$ and more"));
        assert!(!has_price("the cost is 25 dollars"));
        assert!(has_price("₹ 499") && has_price("¥1000") && has_price("₩5000"));
        assert!(!has_price("“Quoted” — 25 ½"));
    }

    #[test]
    fn class_names_fall_into_families() {
        let bits = class_families("Product-Card price--sale");
        let has = |f: F| bits & (1 << (f as usize - FIRST_CLASS)) != 0;
        assert!(has(F::cls_product) && has(F::cls_card) && has(F::cls_price));
        assert!(!has(F::cls_post));
    }

    #[test]
    fn a_grid_of_priced_cards_is_seen() {
        let card = |k: usize| {
            format!(
                "<li class='card'><a href='/products/{k}'><img src='x.jpg'>\
                 <h3>Wool sneaker number {k}</h3></a><span class='price'>$9{k}.00</span></li>"
            )
        };
        let cards: String = (0..6).map(card).collect();
        let html = format!(
            "<html><head><meta property='og:type' content='website'></head><body>\
             <h1>Sneakers</h1><ul class='grid'>{cards}</ul></body></html>"
        );
        let f = page(&html, "https://shop.example.com/collections/sneakers");
        assert_eq!(f[F::card_max], 6.0);
        assert_eq!(f[F::price_card_max], 6.0);
        assert_eq!(f[F::heading_card_max], 6.0);
        assert_eq!(f[F::prices], 6.0);
        assert_eq!(f[F::linked_headings], 6.0);
        assert_eq!(f[F::og_website], 1.0);
        assert_eq!(f[F::h1], 1.0);
        assert!(f[F::h1_to_price] > 0.0 && f[F::h1_to_price] < 100.0);
    }

    #[test]
    fn a_story_reads_as_prose() {
        let para = "<p>The rain in Spain, as the saying goes, stays mainly in the plain, \
                    and forecasters, who know, agree with it every single spring.</p>";
        let nav: String = (0..8)
            .map(|k| {
                format!("<li><a href='/section-{k}/story'>A section or a story number {k}</a></li>")
            })
            .collect();
        let html = format!(
            "<html><head><title>Why the rain stays in the plain</title>\
             <meta property='og:type' content='article'>\
             <script type='application/ld+json'>{{\"@type\":\"NewsArticle\",\"datePublished\":\"2021-04-01\"}}</script>\
             </head><body><header><nav><ul>{nav}</ul></nav></header>\
             <article><h1>Why the rain stays in the plain</h1><p class='byline'>By Ann Author, \
             <time datetime='2021-04-01'>April 1, 2021</time></p>{}</article>\
             <aside><h2>Related stories</h2><ul>{nav}</ul></aside><footer>(c) News</footer></body></html>",
            para.repeat(8),
        );
        let f = page(&html, "https://news.example.com/2021/04/01/rain-in-spain");
        assert_eq!(f[F::og_article], 1.0);
        assert_eq!(f[F::sd_article], 1.0);
        assert_eq!(f[F::meta_date], 1.0);
        assert_eq!(f[F::long_p], 8.0);
        assert_eq!(f[F::main_p_count], 9.0); // and the byline
        assert!(f[F::prose_share] > 0.5);
        assert_eq!(f[F::title_howto], 1.0);
        assert_eq!(classify(&f), PageType::Article);
    }

    /// Feature vectors and the class and probabilities the trainer computed
    /// for them from the shipped model: Rust and Python must agree.
    #[test]
    fn the_model_agrees_with_the_trainer() {
        #[derive(Deserialize)]
        struct Case {
            features: HashMap<String, f32>,
            expected: String,
            probabilities: HashMap<String, f64>,
        }
        let cases: Vec<Case> =
            serde_json::from_str(include_str!("page_type_fixture.json")).unwrap();
        assert!(cases.len() >= PageType::ALL.len());
        for (k, case) in cases.iter().enumerate() {
            let f = Features::from_named(case.features.iter().map(|(n, v)| (n.as_str(), *v)));
            assert_eq!(classify(&f).as_str(), case.expected, "case {k}");
            let p = probabilities(&f);
            for (name, want) in &case.probabilities {
                let t = PageType::from_name(name).unwrap();
                assert!((p[t.index()] - want).abs() < 1e-6, "case {k} {name}");
            }
        }
    }

    #[test]
    fn the_model_only_names_known_features() {
        assert_eq!(MODEL.columns.len(), MODEL.file.trees.features.len());
        assert_eq!(MODEL.classes.len(), PageType::ALL.len());
        assert!(!MODEL.file.trees.trees.is_empty());
    }
}
