//! Short-lived signed access tokens: `fc1.<claims>.<signature>`, HMAC-SHA256 over the claims.
//!
//! Not a JWT on purpose: one algorithm, no header to negotiate, so the classic `alg` confusion
//! attacks have nothing to work with. Refresh tokens are random strings stored hashed (edge).

use super::role::{Principal, Role};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use thiserror::Error;

const PREFIX: &str = "fc1";

/// How long an access token lives; refresh tokens renew it.
pub const ACCESS_TOKEN_SECONDS: u64 = 15 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cust: Option<String>,
    /// Issued at and expiry, seconds since the Unix epoch.
    pub iat: u64,
    pub exp: u64,
}

impl Claims {
    pub fn for_principal(principal: &Principal, now: u64) -> Self {
        Self {
            sub: principal.subject.clone(),
            role: principal.role,
            locs: principal.location_ids.clone(),
            cust: principal.customer_id.clone(),
            iat: now,
            exp: now + ACCESS_TOKEN_SECONDS,
        }
    }

    pub fn principal(&self) -> Principal {
        Principal {
            subject: self.sub.clone(),
            role: self.role,
            location_ids: self.locs.clone(),
            customer_id: self.cust.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    #[error("the token is not a Forecourt access token")]
    Malformed,
    #[error("the token's signature is not valid")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail; the fallback only satisfies the type.
    Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| Hmac::<Sha256>::new_from_slice(&[0]).expect("one-byte key"))
}

pub fn sign(claims: &Claims, key: &[u8]) -> String {
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signed = format!("{PREFIX}.{body}");
    let mut mac = mac(key);
    mac.update(signed.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signed}.{signature}")
}

pub fn verify(token: &str, key: &[u8], now: u64) -> Result<Claims, TokenError> {
    let mut parts = token.split('.');
    let (Some(PREFIX), Some(body), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
    let mut mac = mac(key);
    mac.update(format!("{PREFIX}.{body}").as_bytes());
    // Constant-time comparison inside `verify_slice`.
    mac.verify_slice(&signature).map_err(|_| TokenError::BadSignature)?;
    let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| TokenError::Malformed)?;
    let claims: Claims = serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)?;
    if claims.exp <= now {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"test-signing-key-of-reasonable-length";

    fn claims() -> Claims {
        Claims {
            sub: "usr-1".into(),
            role: Role::Manager,
            locs: vec!["loc-north".into()],
            cust: None,
            iat: 1_000,
            exp: 1_900,
        }
    }

    #[test]
    fn a_signed_token_verifies_to_its_claims() {
        assert_eq!(verify(&sign(&claims(), KEY), KEY, 1_500), Ok(claims()));
    }

    #[test]
    fn an_expired_token_is_refused() {
        assert_eq!(verify(&sign(&claims(), KEY), KEY, 1_900), Err(TokenError::Expired));
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        assert_eq!(verify(&sign(&claims(), b"other key"), KEY, 1_500), Err(TokenError::BadSignature));
    }

    #[test]
    fn changing_the_claims_breaks_the_signature() {
        let token = sign(&claims(), KEY);
        let mut forged = claims();
        forged.role = Role::Admin;
        let forged_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).expect("json"));
        let signature = token.rsplit('.').next().expect("signature");
        assert_eq!(verify(&format!("fc1.{forged_body}.{signature}"), KEY, 1_500), Err(TokenError::BadSignature));
    }

    #[test]
    fn garbage_is_malformed() {
        for token in ["", "fc1", "fc1.a", "fc1.a.b.c", "jwt.a.b", "fc1.!!.??"] {
            assert!(matches!(verify(token, KEY, 0), Err(TokenError::Malformed | TokenError::BadSignature)), "{token}");
        }
    }
}
