//! Which content coding a response gets: brotli over gzip, only when it pays off.

/// A content coding the edge may apply to a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentEncoding {
    Brotli,
    Gzip,
    Identity,
}

impl ContentEncoding {
    /// The `Content-Encoding` token, or `None` for an uncompressed body.
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Self::Brotli => Some("br"),
            Self::Gzip => Some("gzip"),
            Self::Identity => None,
        }
    }
}

/// Bodies up to this size are sent as they are: framing overhead would eat the gain.
pub const MIN_COMPRESSIBLE_BYTES: usize = 1024;

/// Media types that are already compressed; compressing them again wastes CPU for nothing.
fn is_already_compressed(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "image/svg+xml" {
        return false;
    }
    essence.starts_with("image/")
        || essence.starts_with("video/")
        || essence.starts_with("audio/")
        || essence.starts_with("font/woff")
        || matches!(
            essence.as_str(),
            "application/zip"
                | "application/gzip"
                | "application/x-gzip"
                | "application/x-brotli"
                | "application/pdf"
                | "application/octet-stream"
        )
}

/// The q-value the client gave `coding` in `Accept-Encoding` (0 when absent or refused).
fn quality(accept_encoding: &str, coding: &str) -> f32 {
    let mut wildcard = None;
    for entry in accept_encoding.split(',') {
        let mut parts = entry.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|param| param.trim().strip_prefix("q=").map(|v| v.trim().parse::<f32>().unwrap_or(0.0)))
            .unwrap_or(1.0);
        if name == coding {
            return q;
        }
        if name == "*" {
            wildcard = Some(q);
        }
    }
    wildcard.unwrap_or(0.0)
}

/// Chooses the coding for one response.
///
/// `opt_out` is the client's `x-no-compression` request header: some proxies and debugging
/// tools need the raw bytes even when they advertise support.
pub fn negotiate(accept_encoding: Option<&str>, content_type: &str, body_len: usize, opt_out: bool) -> ContentEncoding {
    let Some(accept) = accept_encoding else {
        return ContentEncoding::Identity;
    };
    if opt_out || body_len <= MIN_COMPRESSIBLE_BYTES || is_already_compressed(content_type) {
        return ContentEncoding::Identity;
    }
    let br = quality(accept, "br");
    let gzip = quality(accept, "gzip");
    if br > 0.0 && br >= gzip {
        ContentEncoding::Brotli
    } else if gzip > 0.0 {
        ContentEncoding::Gzip
    } else {
        ContentEncoding::Identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = "application/json";

    #[test]
    fn prefers_brotli_when_both_are_offered() {
        assert_eq!(negotiate(Some("gzip, deflate, br"), JSON, 4096, false), ContentEncoding::Brotli);
    }

    #[test]
    fn falls_back_to_gzip() {
        assert_eq!(negotiate(Some("gzip"), JSON, 4096, false), ContentEncoding::Gzip);
    }

    #[test]
    fn honours_a_client_that_ranks_gzip_higher() {
        assert_eq!(negotiate(Some("br;q=0.5, gzip;q=1"), JSON, 4096, false), ContentEncoding::Gzip);
    }

    #[test]
    fn never_uses_a_refused_coding() {
        assert_eq!(negotiate(Some("br;q=0, gzip;q=0"), JSON, 4096, false), ContentEncoding::Identity);
    }

    #[test]
    fn wildcard_accepts_brotli() {
        assert_eq!(negotiate(Some("*"), JSON, 4096, false), ContentEncoding::Brotli);
    }

    #[test]
    fn small_bodies_stay_uncompressed() {
        assert_eq!(negotiate(Some("br"), JSON, MIN_COMPRESSIBLE_BYTES, false), ContentEncoding::Identity);
        assert_eq!(negotiate(Some("br"), JSON, MIN_COMPRESSIBLE_BYTES + 1, false), ContentEncoding::Brotli);
    }

    #[test]
    fn compressed_media_is_left_alone() {
        assert_eq!(negotiate(Some("br"), "image/webp", 90_000, false), ContentEncoding::Identity);
        assert_eq!(negotiate(Some("br"), "image/svg+xml", 90_000, false), ContentEncoding::Brotli);
    }

    #[test]
    fn the_client_can_opt_out() {
        assert_eq!(negotiate(Some("br, gzip"), JSON, 90_000, true), ContentEncoding::Identity);
    }

    #[test]
    fn no_accept_encoding_means_identity() {
        assert_eq!(negotiate(None, JSON, 90_000, false), ContentEncoding::Identity);
    }
}
