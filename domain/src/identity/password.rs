//! Stored password hashes: `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url).
//!
//! The derivation itself runs in WebCrypto on the edge (native speed) and in the `pbkdf2` crate
//! where demo accounts are made; this module owns the format both agree on.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::fmt;
use thiserror::Error;

/// OWASP asks 600,000 for PBKDF2-SHA256; Cloudflare's WebCrypto refuses more than 100,000, the
/// most this runtime allows. Records carry their count, so raising it later re-hashes on login.
pub const ITERATIONS: u32 = 100_000;
pub const SALT_BYTES: usize = 16;
pub const HASH_BYTES: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRecord {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the stored password record is not in the pbkdf2-sha256 format")]
pub struct BadRecord;

impl PasswordRecord {
    pub fn parse(raw: &str) -> Result<Self, BadRecord> {
        let mut parts = raw.split('$');
        let (Some("pbkdf2-sha256"), Some(iterations), Some(salt), Some(hash), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(BadRecord);
        };
        Ok(Self {
            iterations: iterations.parse().map_err(|_| BadRecord)?,
            salt: URL_SAFE_NO_PAD.decode(salt).map_err(|_| BadRecord)?,
            hash: URL_SAFE_NO_PAD.decode(hash).map_err(|_| BadRecord)?,
        })
    }

    /// Compares a freshly derived hash with the stored one without an early exit.
    pub fn matches(&self, derived: &[u8]) -> bool {
        derived.len() == self.hash.len() && derived.iter().zip(&self.hash).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

impl fmt::Display for PasswordRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pbkdf2-sha256${}${}${}",
            self.iterations,
            URL_SAFE_NO_PAD.encode(&self.salt),
            URL_SAFE_NO_PAD.encode(&self.hash)
        )
    }
}

/// What a new password must satisfy (NIST 800-63B: length, not composition rules).
pub fn check_new_password(password: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < 12 {
        return Err("a password needs at least 12 characters");
    }
    if length > 256 {
        return Err("a password can have at most 256 characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let record = PasswordRecord { iterations: ITERATIONS, salt: vec![1; SALT_BYTES], hash: vec![2; HASH_BYTES] };
        assert_eq!(PasswordRecord::parse(&record.to_string()), Ok(record));
    }

    #[test]
    fn other_formats_are_refused() {
        for raw in ["", "bcrypt$10$x$y", "pbkdf2-sha256$many$AA$AA", "pbkdf2-sha256$1$AA"] {
            assert_eq!(PasswordRecord::parse(raw), Err(BadRecord), "{raw}");
        }
    }

    #[test]
    fn matching_needs_every_byte() {
        let record = PasswordRecord { iterations: 1, salt: vec![], hash: vec![1, 2, 3] };
        assert!(record.matches(&[1, 2, 3]));
        assert!(!record.matches(&[1, 2, 4]));
        assert!(!record.matches(&[1, 2]));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("a sufficiently long passphrase").is_ok());
    }
}
