//! How long each kind of read may be served from the edge cache (the brief's TTLs).

/// A kind of cached read; each write invalidates the kinds it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheKind {
    VehicleDetail,
    ServiceHistory,
    MaintenanceSchedule,
    StockSearch,
    UserList,
    ReferenceTree,
    /// A location's manager dashboard (KPIs, latest forecast, open anomalies).
    Dashboard,
}

impl CacheKind {
    pub const fn ttl_seconds(self) -> u64 {
        match self {
            Self::VehicleDetail | Self::ServiceHistory => 60 * 60,
            Self::MaintenanceSchedule => 30 * 60,
            Self::StockSearch => 5 * 60,
            Self::UserList | Self::Dashboard => 60,
            Self::ReferenceTree => 24 * 60 * 60,
        }
    }

    /// The invalidation scope: a write bumps the scope's generation, retiring every key in it.
    pub const fn scope(self) -> &'static str {
        match self {
            Self::VehicleDetail | Self::StockSearch => "stock",
            Self::ServiceHistory => "service",
            Self::MaintenanceSchedule => "maintenance",
            Self::UserList => "users",
            Self::ReferenceTree => "reference",
            Self::Dashboard => "dashboard",
        }
    }

    /// The KV key for `key` of this kind at `generation`.
    pub fn key(self, generation: &str, key: &str) -> String {
        let prefix = match self {
            Self::VehicleDetail => "vehicle",
            Self::ServiceHistory => "service-history",
            Self::MaintenanceSchedule => "maintenance",
            Self::StockSearch => "stock-search",
            Self::UserList => "users",
            Self::ReferenceTree => "reference",
            Self::Dashboard => "dashboard",
        };
        format!("{prefix}:g{generation}:{key}")
    }
}

/// A weak entity tag for a response body. Weak, because the runtime may re-encode the bytes
/// (brotli, gzip) and a strong tag would promise byte equality across encodings.
pub fn etag_for(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2), or is `*`.
pub fn not_modified(if_none_match: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let wanted = opaque(etag);
    if_none_match.split(',').any(|candidate| candidate.trim() == "*" || opaque(candidate) == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_bodies_have_equal_tags_and_different_bodies_do_not() {
        assert_eq!(etag_for(b"{\"a\":1}"), etag_for(b"{\"a\":1}"));
        assert_ne!(etag_for(b"{\"a\":1}"), etag_for(b"{\"a\":2}"));
        assert!(etag_for(b"x").starts_with("W/\""));
    }

    #[test]
    fn if_none_match_uses_weak_comparison_and_lists() {
        let tag = etag_for(b"body");
        assert!(not_modified(&tag, &tag));
        assert!(not_modified(&format!("\"other\", {}", tag.trim_start_matches("W/")), &tag));
        assert!(not_modified("*", &tag));
        assert!(!not_modified("W/\"other\"", &tag));
    }

    #[test]
    fn ttls_follow_the_brief() {
        assert_eq!(CacheKind::VehicleDetail.ttl_seconds(), 3600);
        assert_eq!(CacheKind::ServiceHistory.ttl_seconds(), 3600);
        assert_eq!(CacheKind::MaintenanceSchedule.ttl_seconds(), 1800);
        assert_eq!(CacheKind::StockSearch.ttl_seconds(), 300);
        assert_eq!(CacheKind::UserList.ttl_seconds(), 60);
        assert_eq!(CacheKind::ReferenceTree.ttl_seconds(), 86_400);
    }

    #[test]
    fn a_price_change_retires_both_detail_and_search_results() {
        assert_eq!(CacheKind::VehicleDetail.scope(), CacheKind::StockSearch.scope());
    }

    #[test]
    fn keys_change_with_the_generation() {
        assert_ne!(CacheKind::StockSearch.key("1", "make=BMW"), CacheKind::StockSearch.key("2", "make=BMW"));
    }
}
