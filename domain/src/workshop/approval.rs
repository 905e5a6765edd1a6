//! Customer approval links: `fca1.<claims>.<signature>`, HMAC-SHA256 over the claims, bound to
//! one work order at one version, with an expiry. No account is needed to use one, so the link
//! itself is the credential: it names exactly one order and stops working when the order changes.
//!
//! A different prefix from access tokens (`fc1`) and the purpose inside the signed text, so a
//! signature made for one kind of token can never be replayed as the other.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use thiserror::Error;

const PREFIX: &str = "fca1";

/// How long a link stays valid: long enough for a customer to answer from work, short enough
/// that a forwarded link dies the same week.
pub const APPROVAL_LINK_SECONDS: u64 = 3 * 24 * 60 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalClaims {
    /// The work order.
    pub wo: String,
    /// The order's version when the link was made.
    pub v: i64,
    pub exp: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApprovalTokenError {
    #[error("this is not an approval link")]
    Malformed,
    #[error("this approval link has been tampered with")]
    BadSignature,
    #[error("this approval link has expired; ask the workshop for a new one")]
    Expired,
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; the fallback only satisfies the type.
    Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| Hmac::<Sha256>::new_from_slice(&[0]).expect("one-byte key"))
}

pub fn sign(claims: &ApprovalClaims, key: &[u8]) -> String {
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signed = format!("{PREFIX}.{body}");
    let mut mac = mac(key);
    mac.update(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// The claims of a genuine, unexpired link. The signature is checked before expiry, so a forged
/// link is always reported as tampered, never as merely old.
pub fn verify(token: &str, key: &[u8], now: u64) -> Result<ApprovalClaims, ApprovalTokenError> {
    let mut parts = token.split('.');
    let (Some(PREFIX), Some(body), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ApprovalTokenError::Malformed);
    };
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| ApprovalTokenError::Malformed)?;
    let mut mac = mac(key);
    mac.update(format!("{PREFIX}.{body}").as_bytes());
    mac.verify_slice(&signature).map_err(|_| ApprovalTokenError::BadSignature)?;
    let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| ApprovalTokenError::Malformed)?;
    let claims: ApprovalClaims = serde_json::from_slice(&json).map_err(|_| ApprovalTokenError::Malformed)?;
    if claims.exp <= now {
        return Err(ApprovalTokenError::Expired);
    }
    Ok(claims)
}

/// A customer's answer to one recommended line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Decline,
}

impl Decision {
    /// The line's approval column after the decision.
    pub fn approval(self) -> &'static str {
        match self {
            Self::Approve => "approved",
            Self::Decline => "declined",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"test-signing-key-of-reasonable-length";

    fn claims() -> ApprovalClaims {
        ApprovalClaims { wo: "wo-1".into(), v: 3, exp: 2_000 }
    }

    #[test]
    fn a_link_verifies_to_its_order_and_version() {
        assert_eq!(verify(&sign(&claims(), KEY), KEY, 1_000), Ok(claims()));
    }

    #[test]
    fn an_expired_link_is_refused() {
        assert_eq!(verify(&sign(&claims(), KEY), KEY, 2_000), Err(ApprovalTokenError::Expired));
    }

    #[test]
    fn pointing_a_link_at_another_order_breaks_it() {
        let token = sign(&claims(), KEY);
        let forged = ApprovalClaims { wo: "wo-2".into(), ..claims() };
        let forged_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).expect("json"));
        let signature = token.rsplit('.').next().expect("signature");
        assert_eq!(
            verify(&format!("fca1.{forged_body}.{signature}"), KEY, 1_000),
            Err(ApprovalTokenError::BadSignature)
        );
    }

    #[test]
    fn a_tampered_expired_link_is_reported_as_tampered() {
        let token = sign(&claims(), b"another key");
        assert_eq!(verify(&token, KEY, 5_000), Err(ApprovalTokenError::BadSignature));
    }

    #[test]
    fn an_access_token_is_not_an_approval_link() {
        for token in ["", "fca1", "fca1.a.b.c", "fc1.a.b", "fca1.!!.??"] {
            assert!(verify(token, KEY, 0).is_err(), "{token}");
        }
    }

    #[test]
    fn decisions_map_to_the_approval_column() {
        assert_eq!(Decision::Approve.approval(), "approved");
        assert_eq!(Decision::Decline.approval(), "declined");
    }
}
