//! The JS package's encryption of stored access tokens (used when `secret_key`
//! is set): `base64(utf8("<ciphertext>:<iv>:<tag>:<salt>"))` in hex parts,
//! AES-256-GCM with a 16-byte IV, key = scrypt(secret, salt, N=16384, r=8, p=1).
//! Legacy values have three parts (no salt) and key = SHA-256(secret).
//!
//! scrypt takes tens of milliseconds by design, so derived keys are cached per
//! (secret, salt) and writes use one random salt per process.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use crate::support::sync::lock;
use crate::support::{hex, random};
use aes_gcm::aead::consts::U16;
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::aes::Aes256;
use aes_gcm::AesGcm;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

type Cipher = AesGcm<Aes256, U16>;
type Key = [u8; 32];

const IV_LEN: usize = 16;
const TAG_LEN: usize = 16;
const SALT_LEN: usize = 16;

/// Derived keys by (secret, salt).
type KeyCache = HashMap<(String, [u8; SALT_LEN]), Key>;

static KEYS: LazyLock<Mutex<KeyCache>> = LazyLock::new(Default::default);
static WRITE_SALT: LazyLock<[u8; SALT_LEN]> = LazyLock::new(random::bytes);

fn scrypt_key(secret: &str, salt: &[u8; SALT_LEN]) -> Key {
    let cache_key = (secret.to_owned(), *salt);
    if let Some(key) = lock(&KEYS).get(&cache_key) {
        return *key;
    }
    let mut key = [0u8; 32];
    if let Ok(params) = scrypt::Params::new(14, 8, 1, 32) {
        let _ = scrypt::scrypt(secret.as_bytes(), salt, &params, &mut key);
    }
    lock(&KEYS).insert(cache_key, key);
    key
}

/// The hex parts of an envelope, if `value` has the envelope's shape.
fn parts(value: &str) -> Option<Vec<Vec<u8>>> {
    let text = String::from_utf8(STANDARD.decode(value).ok()?).ok()?;
    let parts: Vec<Vec<u8>> = text.split(':').map(hex::decode).collect::<Option<_>>()?;
    matches!(parts.len(), 3 | 4).then_some(parts)
}

/// Whether a stored value looks encrypted (so it needs a secret key).
pub fn is_envelope(value: &str) -> bool {
    parts(value).is_some_and(|p| p[1].len() == IV_LEN && p[2].len() == TAG_LEN)
}

/// Encrypts `plain` with a fresh IV and this process's salt.
pub fn encrypt(secret: &str, plain: &str) -> String {
    let salt = *WRITE_SALT;
    let iv: [u8; IV_LEN] = random::bytes();
    let cipher = Cipher::new(GenericArray::from_slice(&scrypt_key(secret, &salt)));
    let sealed = cipher
        .encrypt(GenericArray::from_slice(&iv), plain.as_bytes())
        .unwrap_or_default();
    let (ciphertext, tag) = sealed.split_at(sealed.len().saturating_sub(TAG_LEN));
    let text = format!(
        "{}:{}:{}:{}",
        hex::encode(ciphertext),
        hex::encode(&iv),
        hex::encode(tag),
        hex::encode(&salt)
    );
    STANDARD.encode(text)
}

/// Whether `decrypt(secret, value)` runs without scrypt: a legacy 3-part
/// value, a value that is no envelope, or one whose key is already derived.
pub fn opens_without_scrypt(secret: &str, value: &str) -> bool {
    let Some(parts) = parts(value) else {
        return true;
    };
    match parts
        .get(3)
        .and_then(|salt| <[u8; SALT_LEN]>::try_from(salt.as_slice()).ok())
    {
        Some(salt) => lock(&KEYS).contains_key(&(secret.to_owned(), salt)),
        None => true,
    }
}

/// Decrypts an envelope; `None` for a wrong key or a tampered, truncated or
/// malformed value (the caller treats the entry as absent).
pub fn decrypt(secret: &str, value: &str) -> Option<String> {
    let parts = parts(value)?;
    let (ciphertext, iv, tag) = (&parts[0], &parts[1], &parts[2]);
    if iv.len() != IV_LEN || tag.len() != TAG_LEN {
        return None;
    }
    let key: Key = match parts.get(3) {
        Some(salt) => scrypt_key(secret, &<[u8; SALT_LEN]>::try_from(salt.as_slice()).ok()?),
        None => Sha256::digest(secret.as_bytes()).into(),
    };
    let mut sealed = ciphertext.clone();
    sealed.extend_from_slice(tag);
    let plain = Cipher::new(GenericArray::from_slice(&key))
        .decrypt(GenericArray::from_slice(iv), sealed.as_slice())
        .ok()?;
    String::from_utf8(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printed by node:crypto (scryptSync defaults, aes-256-gcm) with the salt
    /// 00112233…eeff and IV 0f0e…00, secret "my-secret-key".
    const NODE_VALUE: &str = "MjIwNGQwMDMxMWRhNTNjYjJkZTBmY2I2N2UyMWExYWEwMDYyNWE5NGU1MTI4ZTowZjBlMGQwYzBiMGEwOTA4MDcwNjA1MDQwMzAyMDEwMDpjM2M2ZDU0ZjA4YmI3NmNiMjVjNDJhNTU5YTc4Y2U0MDowMDExMjIzMzQ0NTU2Njc3ODg5OWFhYmJjY2RkZWVmZg==";
    /// The same with the legacy SHA-256 key and three parts.
    const NODE_LEGACY: &str = "MjM0NGZmOWFlMTE0NWFiM2JjZjBkMjBiN2YwYzhiZGY3ODU2ZGU5MDljOThhYTowZjBlMGQwYzBiMGEwOTA4MDcwNjA1MDQwMzAyMDEwMDo1YTdlNGY0MmZiYWU4YmI2YTgxZmQzYzA3NmEyZWYxNw==";

    #[test]
    fn decrypts_values_written_by_node() {
        assert_eq!(
            decrypt("my-secret-key", NODE_VALUE).as_deref(),
            Some("1000.access.token.value")
        );
        assert_eq!(
            decrypt("my-secret-key", NODE_LEGACY).as_deref(),
            Some("1000.access.token.value")
        );
        assert!(is_envelope(NODE_VALUE) && is_envelope(NODE_LEGACY));
    }

    #[test]
    fn round_trips_and_rejects_wrong_keys_and_tampering() {
        let sealed = encrypt("k1", "token");
        assert!(is_envelope(&sealed));
        assert_eq!(decrypt("k1", &sealed).as_deref(), Some("token"));
        assert_eq!(decrypt("k2", &sealed), None);
        assert_eq!(
            decrypt("my-secret-key", &NODE_VALUE.replace('M', "N")),
            None
        );
        assert_eq!(decrypt("my-secret-key", &NODE_VALUE[..40]), None);
        assert!(!is_envelope("plain-access-token"));
        assert_ne!(encrypt("k1", "token"), sealed, "a fresh IV per write");
    }
}
