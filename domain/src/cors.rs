//! Cross-origin access: only the app's own origin(s) may call the API from a browser.

/// Request headers a browser may send cross-origin.
pub const ALLOW_HEADERS: &str = "authorization, content-type, idempotency-key, if-none-match, x-no-compression";
/// Methods the API answers.
pub const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
/// Response headers scripts may read.
pub const EXPOSE_HEADERS: &str = "x-request-id, x-cache, etag, retry-after, idempotent-replayed, x-coalesced";
/// How long a browser may reuse a preflight answer, in seconds.
pub const MAX_AGE_SECONDS: u32 = 600;

/// Whether `origin` (the request's `Origin` header) is one of `configured`, a comma-separated
/// list of exact origins (`scheme://host[:port]`). No wildcards: an exact match or nothing.
pub fn allowed(origin: &str, configured: &str) -> bool {
    let origin = origin.trim();
    !origin.is_empty()
        && origin != "null"
        && configured.split(',').map(|allowed| allowed.trim().trim_end_matches('/')).any(|allowed| allowed == origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apps_origin_is_allowed() {
        assert!(allowed("https://app.forecourt.example", "https://app.forecourt.example"));
    }

    #[test]
    fn one_of_several_configured_origins_is_allowed() {
        assert!(allowed("http://127.0.0.1:8787", "https://app.forecourt.example, http://127.0.0.1:8787/"));
    }

    #[test]
    fn any_other_origin_is_refused_even_a_lookalike() {
        let configured = "https://app.forecourt.example";
        for origin in [
            "https://evil.example",
            "https://app.forecourt.example.evil.example",
            "http://app.forecourt.example",
            "https://app.forecourt.example:444",
            "null",
            "",
        ] {
            assert!(!allowed(origin, configured), "{origin}");
        }
    }

    #[test]
    fn nothing_is_allowed_when_nothing_is_configured() {
        assert!(!allowed("https://app.forecourt.example", ""));
    }
}
