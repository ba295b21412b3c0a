//! Argon2id hashing of client secrets and passwords, with a cache of recent successful
//! verifications so that a busy client does not pay the deliberate Argon2 cost on every grant.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ServiceError;

/// Argon2id PHC string of `secret` with a fresh random salt.
pub fn hash_secret(secret: &str) -> Result<String, ServiceError> {
    let mut salt = [0u8; 16];
    getrandom_fill(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(ServiceError::internal)?;
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ServiceError::Internal(format!("hashing failed: {e}")))
}

fn getrandom_fill(buffer: &mut [u8]) -> Result<(), ServiceError> {
    getrandom::fill(buffer).map_err(|e| ServiceError::Internal(format!("random source: {e}")))
}

/// Lower-case hex SHA-256. Runs on every authenticated request (token hash), so it writes the
/// digits directly instead of going through a `char` iterator.
pub fn sha256_hex(value: &str) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(value.as_bytes());
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

/// Remembers, per principal (client id or user name), the stored hash and the SHA-256 of the
/// secret that last verified against it. A changed stored hash (rotation) invalidates the entry;
/// a failed verification is never cached.
#[derive(Default)]
pub struct VerifiedSecrets {
    entries: Mutex<HashMap<String, (String, [u8; 32])>>,
}

const MAX_CACHED_SECRETS: usize = 10_000;

impl VerifiedSecrets {
    pub async fn verify(
        &self,
        key: &str,
        stored_hash: &str,
        presented: &str,
    ) -> Result<bool, ServiceError> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        if let Some((hash, cached)) = self.lock().get(key)
            && hash == stored_hash
        {
            // The stored hash verifies one secret only, so a different digest is a wrong secret.
            return Ok(bool::from(cached.ct_eq(&digest)));
        }
        let stored = stored_hash.to_owned();
        let secret = presented.to_owned();
        let verified = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(secret.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("verification task failed: {e}")))?;
        if verified {
            let mut entries = self.lock();
            if entries.len() >= MAX_CACHED_SECRETS {
                entries.clear();
            }
            entries.insert(key.to_owned(), (stored_hash.to_owned(), digest));
        }
        Ok(verified)
    }

    pub fn forget(&self, key: &str) {
        self.lock().remove(key);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, [u8; 32])>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_is_lower_case_hex_of_the_digest() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha256_hex("abc"), hex::encode(Sha256::digest(b"abc")));
    }

    #[tokio::test]
    async fn verifies_right_secret_rejects_wrong_one_and_follows_rotation() {
        let cache = VerifiedSecrets::default();
        let hash = hash_secret("s3cret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(cache.verify("client", &hash, "s3cret").await.unwrap());
        assert!(!cache.verify("client", &hash, "wrong").await.unwrap());
        assert!(cache.verify("client", &hash, "s3cret").await.unwrap());
        let rotated = hash_secret("n3w").unwrap();
        assert!(!cache.verify("client", &rotated, "s3cret").await.unwrap());
        assert!(cache.verify("client", &rotated, "n3w").await.unwrap());
    }
}
