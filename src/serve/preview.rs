//! The preview page: `GET /preview?url=...` (the page fetched), `POST
//! /preview` (pasted HTML, form fields `html` and `url`), and a form when
//! neither is given.
//!
//! The page is shown in a sandboxed frame (no `allow-scripts`; scripts,
//! frames and event handlers stripped by [`crate::explain_extract`]'s
//! writer; a CSP that lets only images load), with each part the extractor
//! removed outlined and labelled with the rule that removed it, the parts
//! not chosen and the kept containers marked. Beside it: the Markdown, the
//! metadata with the source of each field, the list of parts, a toggle to
//! hide removed parts and a "copy as site rule" button. Everything it needs
//! is embedded in the binary (`assets/`).

use crate::io::output::{Format, Record};
use crate::serve::App;
use crate::serve::routes::with_slot;
use crate::{Explained, ExtractError};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use std::sync::Arc;

const PAGE_CSS: &str = include_str!("assets/preview.css");
const FRAME_CSS: &str = include_str!("assets/frame.css");
const PAGE_JS: &str = include_str!("assets/preview.js");

/// The preview page's own policy: its script and styles only; any image;
/// frames of its own (the `srcdoc` frame inherits this policy).
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src * data:; frame-src 'self' about:; form-action 'self'; base-uri 'none'";

/// The previewed page's policy: no script, no network but images.
const FRAME_CSP: &str =
    "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; font-src data:";

/// The query of `GET /preview`, the form of `POST /preview`.
#[derive(Debug, Default, Deserialize)]
pub struct PreviewRequest {
    /// The page's address (fetched when there is no `html`).
    pub url: Option<String>,
    /// Pasted HTML.
    pub html: Option<String>,
}

/// The preview routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/preview", get(preview_get).post(preview_post))
        .route(
            "/preview/assets/preview.css",
            get(|| asset("text/css", PAGE_CSS)),
        )
        .route(
            "/preview/assets/preview.js",
            get(|| asset("text/javascript", PAGE_JS)),
        )
}

async fn asset(ct: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn preview_get(State(app): State<Arc<App>>, Query(q): Query<PreviewRequest>) -> Response {
    show(&app, q).await
}

async fn preview_post(State(app): State<Arc<App>>, Form(f): Form<PreviewRequest>) -> Response {
    show(&app, f).await
}

/// Fetch or take the page, explain its extraction, and render the page.
async fn show(app: &Arc<App>, req: PreviewRequest) -> Response {
    let url = req.url.filter(|u| !u.trim().is_empty());
    let html = req.html.filter(|h| !h.trim().is_empty());
    if url.is_none() && html.is_none() {
        return page(StatusCode::OK, None, "", None);
    }
    let mut options = crate::crawl::sites::options_for(&app.options, &app.sites, url.as_deref());
    let bytes = match (html, &url) {
        (Some(h), _) => h.into_bytes(),
        (None, Some(u)) => match app.fetcher.fetch(u).await {
            Ok(p) => {
                options.http_charset = p.charset;
                p.body
            }
            Err(f) => {
                let r = Record::failed(
                    u.clone(),
                    Some(u.clone()),
                    f.error.kind(),
                    f.error.to_string(),
                );
                return failure(&r, url.as_deref());
            }
        },
        (None, None) => Vec::new(),
    };
    let base = url.clone();
    let size = bytes.len();
    let result = with_slot(app, size, move || {
        crate::explain_extract(&bytes, base.as_deref(), &options)
    })
    .await;
    match result {
        Ok(Ok(e)) => page(StatusCode::OK, Some(&e), url.as_deref().unwrap_or(""), None),
        Ok(Err(e)) => failure(&not_extracted(&e, url.as_deref()), url.as_deref()),
        Err(kind) => failure(
            &Record::failed(
                "preview".into(),
                url.clone(),
                kind,
                "the extraction could not run".into(),
            ),
            url.as_deref(),
        ),
    }
}

fn not_extracted(e: &ExtractError, url: Option<&str>) -> Record {
    Record::not_extracted("preview".into(), url.map(str::to_string), e)
}

fn failure(r: &Record, url: Option<&str>) -> Response {
    let e = r.error.as_ref();
    let kind = e.map_or("internal", |e| e.kind.as_str());
    let message = e.map_or(String::new(), |e| format!("{}: {}", e.kind, e.message));
    page(
        crate::serve::status::for_kind(Some(kind)),
        None,
        url.unwrap_or(""),
        Some(&message),
    )
}

/// Escape text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The preview page: the form, and with an explanation the page and the
/// panes beside it.
fn page(status: StatusCode, e: Option<&Explained>, url: &str, error: Option<&str>) -> Response {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "example.com".into());
    let mut h = String::with_capacity(256 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str("<title>pith preview</title>");
    h.push_str("<link rel=\"stylesheet\" href=\"/preview/assets/preview.css\"></head>");
    h.push_str(&format!("<body data-host=\"{}\">", esc(&host)));
    h.push_str("<header><h1>pith preview</h1>");
    h.push_str(&format!(
        "<form method=\"get\" action=\"/preview\"><input name=\"url\" type=\"url\" placeholder=\"https://…\" value=\"{}\"><button>Preview</button></form>",
        esc(url)
    ));
    h.push_str("<details><summary>Paste HTML</summary><form method=\"post\" action=\"/preview\">\
        <textarea name=\"html\" placeholder=\"&lt;html&gt;…\"></textarea>\
        <input name=\"url\" placeholder=\"the page's URL (optional)\"><button>Preview</button></form></details>");
    h.push_str("<label><input type=\"checkbox\" id=\"hide-removed\"> Hide removed parts</label>");
    h.push_str("<span class=\"legend\"><span class=\"removed\">removed</span><span class=\"unchosen\">not chosen</span><span class=\"kept\">kept</span></span>");
    h.push_str("</header>");
    if let Some(msg) = error {
        h.push_str(&format!("<p class=\"error\" id=\"error\">{}</p>", esc(msg)));
    }
    if let Some(e) = e {
        let head = format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{FRAME_CSP}\"><style>{FRAME_CSS}</style>"
        );
        let doc = e.annotated_html(&head);
        h.push_str("<main>");
        h.push_str(&format!(
            "<iframe id=\"page\" title=\"the page\" sandbox=\"allow-same-origin\" referrerpolicy=\"no-referrer\" srcdoc=\"{}\"></iframe>",
            esc(&doc)
        ));
        h.push_str("<aside>");
        h.push_str("<h2>Site rule</h2><p>Click a part of the page: a part out of the article gives a <code>keep</code> rule, a part in it a <code>drop</code> rule.</p>");
        h.push_str("<pre id=\"rule-toml\"></pre><button id=\"copy-rule\" disabled>Copy as site rule</button>");
        h.push_str("<h2>Metadata</h2><table id=\"metadata\"><tr><th>field</th><th>value</th><th>found in</th></tr>");
        for s in &e.metadata_sources {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                s.field,
                esc(&s.value),
                s.source
            ));
        }
        let a = &e.article;
        h.push_str(&format!(
            "<tr><td>page_type</td><td>{}</td><td>classifier</td></tr><tr><td>word_count</td><td>{}</td><td>text</td></tr></table>",
            a.page_type, a.word_count
        ));
        let record = Record::ok("preview".into(), Some(url.to_string()), a.clone());
        let md = record.render(Format::Markdown, false).unwrap_or_default();
        h.push_str(&format!(
            "<h2>Markdown</h2><pre id=\"markdown\">{}</pre>",
            esc(&md)
        ));
        h.push_str("<h2>Parts</h2><ol id=\"parts\">");
        for p in &e.parts {
            h.push_str(&format!(
                "<li class=\"{}\"><span class=\"state\">{}</span> {} <code>{}</code> <q>{}</q></li>",
                p.state,
                p.state,
                esc(p.reason.as_deref().unwrap_or("")),
                esc(&p.selector),
                esc(&p.text)
            ));
        }
        h.push_str("</ol></aside></main>");
    }
    h.push_str("<script src=\"/preview/assets/preview.js\"></script></body></html>");
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        h,
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    r.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}
