//! `GET /openapi.json`: an OpenAPI 3.1 description of every route, kept as
//! a file beside the code (`assets/openapi.json`) and embedded in the binary.

/// The OpenAPI document.
pub const SPEC: &str = include_str!("assets/openapi.json");

#[cfg(test)]
mod tests {
    #[test]
    fn spec_is_json_and_names_every_route() {
        let v: serde_json::Value = serde_json::from_str(super::SPEC).expect("valid JSON");
        let paths = v["paths"].as_object().expect("paths");
        for p in [
            "/v1/extract",
            "/v1/batch",
            "/r/{url}",
            "/healthz",
            "/metrics",
            "/openapi.json",
            "/preview",
        ] {
            assert!(paths.contains_key(p), "{p} missing");
        }
    }
}
