//! The HTTP status of an answer, from its record's error kind: 400 for bad
//! input, 403 for what robots.txt or the address guard refuse, 422 for a
//! page without article, 502 for a failure upstream, 504 for a deadline.

use axum::http::StatusCode;

/// The status of a record with error `kind` (`None`: an article, 200).
pub fn for_kind(kind: Option<&str>) -> StatusCode {
    let Some(kind) = kind else {
        return StatusCode::OK;
    };
    match kind {
        "bad_request" | "invalid_url" | "empty" | "binary" | "bad_selector" => {
            StatusCode::BAD_REQUEST
        }
        "unauthorized" => StatusCode::UNAUTHORIZED,
        "robots_disallowed" | "blocked_address" => StatusCode::FORBIDDEN,
        "body_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "no_content" | "page_type" | "too_large" => StatusCode::UNPROCESSABLE_ENTITY,
        "timeout" => StatusCode::GATEWAY_TIMEOUT,
        "busy" => StatusCode::SERVICE_UNAVAILABLE,
        "internal" => StatusCode::INTERNAL_SERVER_ERROR,
        // dns, connect, tls, http_protocol, decode, http_status, not_html,
        // too_many_redirects, interrupted: the page's server failed us.
        _ => StatusCode::BAD_GATEWAY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_the_documented_statuses() {
        assert_eq!(for_kind(None), StatusCode::OK);
        assert_eq!(for_kind(Some("bad_request")), StatusCode::BAD_REQUEST);
        assert_eq!(for_kind(Some("robots_disallowed")), StatusCode::FORBIDDEN);
        assert_eq!(for_kind(Some("blocked_address")), StatusCode::FORBIDDEN);
        assert_eq!(
            for_kind(Some("no_content")),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(for_kind(Some("dns")), StatusCode::BAD_GATEWAY);
        assert_eq!(for_kind(Some("http_status")), StatusCode::BAD_GATEWAY);
        assert_eq!(for_kind(Some("timeout")), StatusCode::GATEWAY_TIMEOUT);
    }
}
