//! Who a request counts against: its client address and, when it carries one, its token.

use sha2::{Digest, Sha256};

/// The window of both limiters in `wrangler.toml` (`simple.period`). The binding only says
/// "over the limit", so `Retry-After` is the whole window: a retry after it always starts afresh.
pub const PERIOD_SECONDS: u64 = 10;

/// The limiter a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Address,
    Token,
}

/// The keys one request is counted under, in the order they are checked.
///
/// `exempt` lists addresses the operator trusts (their own monitors and load tests); their
/// requests count against nothing. A token is keyed by a digest, never stored or logged as is.
pub fn keys(address: Option<&str>, authorization: Option<&str>, exempt: &str) -> Vec<(Scope, String)> {
    let address = address.map(str::trim).filter(|a| !a.is_empty()).unwrap_or("unknown");
    if exempt.split(',').map(str::trim).any(|trusted| !trusted.is_empty() && trusted == address) {
        return Vec::new();
    }
    let mut keys = vec![(Scope::Address, format!("ip:{address}"))];
    let token = authorization.and_then(|value| value.strip_prefix("Bearer ")).map(str::trim).filter(|t| !t.is_empty());
    if let Some(token) = token {
        let digest = Sha256::digest(token.as_bytes());
        let hex: String = digest.iter().take(12).map(|byte| format!("{byte:02x}")).collect();
        keys.push((Scope::Token, format!("tok:{hex}")));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anonymous_request_counts_against_its_address_only() {
        assert_eq!(keys(Some("203.0.113.7"), None, ""), vec![(Scope::Address, "ip:203.0.113.7".to_owned())]);
    }

    #[test]
    fn a_request_with_a_token_counts_against_the_address_and_a_digest_of_the_token() {
        let keys = keys(Some("203.0.113.7"), Some("Bearer fc1.secret"), "");
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].0, Scope::Token);
        assert!(!keys[1].1.contains("secret"), "the token itself is never a key");
    }

    #[test]
    fn different_tokens_are_counted_apart_and_the_same_token_together() {
        let a = keys(None, Some("Bearer a"), "");
        let b = keys(None, Some("Bearer b"), "");
        assert_ne!(a[1], b[1]);
        assert_eq!(a, keys(None, Some("Bearer a"), ""));
    }

    #[test]
    fn trusted_addresses_count_against_nothing() {
        assert!(keys(Some("127.0.0.1"), Some("Bearer a"), "10.0.0.1, 127.0.0.1").is_empty());
        assert_eq!(keys(Some("127.0.0.2"), None, "127.0.0.1").len(), 1);
    }

    #[test]
    fn a_request_without_an_address_shares_one_bucket() {
        assert_eq!(keys(None, None, "")[0].1, "ip:unknown");
        assert_eq!(keys(Some(" "), None, "")[0].1, "ip:unknown");
    }
}
