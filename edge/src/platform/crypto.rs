//! The runtime's WebCrypto: randomness and PBKDF2 at native speed (wasm would be ~10× slower).

use forecourt_domain::identity::password::{PasswordRecord, HASH_BYTES};
use js_sys::{Array, Object, Reflect, Uint8Array};
use sha2::{Digest, Sha256};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey};

#[derive(Debug, thiserror::Error)]
#[error("WebCrypto: {0}")]
pub struct CryptoError(String);

impl From<JsValue> for CryptoError {
    fn from(value: JsValue) -> Self {
        Self(value.as_string().unwrap_or_else(|| format!("{value:?}")))
    }
}

fn crypto() -> Result<Crypto, CryptoError> {
    Ok(Reflect::get(&js_sys::global(), &"crypto".into())?.dyn_into::<Crypto>()?)
}

pub fn random_bytes(len: usize) -> Result<Vec<u8>, CryptoError> {
    let mut bytes = vec![0u8; len];
    crypto()?.get_random_values_with_u8_array(&mut bytes)?;
    Ok(bytes)
}

/// A random, URL-safe token with 256 bits of entropy (refresh and device tokens).
pub fn random_token(prefix: &str) -> Result<String, CryptoError> {
    use base64::Engine;
    Ok(format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(32)?)))
}

/// Tokens are stored as SHA-256 hashes: a leaked table does not leak usable tokens.
pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

pub async fn pbkdf2(password: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, CryptoError> {
    let subtle = crypto()?.subtle();
    let usages = Array::of1(&"deriveBits".into());
    let key_data = Uint8Array::from(password.as_bytes());
    let key: CryptoKey =
        JsFuture::from(subtle.import_key_with_str("raw", &key_data, "PBKDF2", false, &usages)?).await?.dyn_into()?;
    let params = Object::new();
    Reflect::set(&params, &"name".into(), &"PBKDF2".into())?;
    Reflect::set(&params, &"hash".into(), &"SHA-256".into())?;
    Reflect::set(&params, &"salt".into(), &Uint8Array::from(salt))?;
    Reflect::set(&params, &"iterations".into(), &JsValue::from(iterations))?;
    let bits = JsFuture::from(subtle.derive_bits_with_object(&params, &key, (HASH_BYTES * 8) as u32)?).await?;
    Ok(Uint8Array::new(&bits).to_vec())
}

pub async fn verify_password(password: &str, record: &PasswordRecord) -> Result<bool, CryptoError> {
    Ok(record.matches(&pbkdf2(password, &record.salt, record.iterations).await?))
}
