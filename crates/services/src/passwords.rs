//! Argon2id hashing of client secrets and passwords, with a cache of recent successful
//! verifications so that a busy client does not pay the deliberate Argon2 cost on every grant.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use argon2::password_hash::{
    self, Decimal, Ident, Output, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier,
    Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ServiceError;

/// Argon2id PHC string of `secret` with a fresh random salt.
pub fn hash_secret(secret: &str) -> Result<String, ServiceError> {
    let mut salt = [0u8; 16];
    getrandom_fill(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(ServiceError::internal)?;
    UnmappedArgon2
        .hash_password(secret.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ServiceError::Internal(format!("hashing failed: {e}")))
}

fn getrandom_fill(buffer: &mut [u8]) -> Result<(), ServiceError> {
    getrandom::fill(buffer).map_err(|e| ServiceError::Internal(format!("random source: {e}")))
}

/// Above glibc's largest dynamic mmap threshold (32 MiB), in Argon2's 1 KiB blocks.
const UNMAPPED_CAPACITY_BLOCKS: usize = 33 * 1024;

/// Argon2 (the same hashes as `Argon2::default()`, which it verifies and which verifies it) whose
/// working memory (19 MiB with the default parameters) is reserved with a capacity above glibc's
/// largest mmap threshold, so each hash maps it fresh and unmaps it when done. `Argon2` allocates
/// exactly its size, which glibc then keeps in the hashing thread's arena: +19 MiB of resident
/// memory for every thread that ever hashed. Only the blocks in use are touched.
struct UnmappedArgon2;

impl PasswordHasher for UnmappedArgon2 {
    type Params = Params;

    fn hash_password_customized<'a>(
        &self,
        password: &[u8],
        algorithm: Option<Ident<'a>>,
        version: Option<Decimal>,
        params: Params,
        salt: impl Into<Salt<'a>>,
    ) -> password_hash::Result<PasswordHash<'a>> {
        let algorithm = algorithm
            .map(Algorithm::try_from)
            .transpose()?
            .unwrap_or_default();
        let version = version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let salt = salt.into();
        let mut salt_buffer = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buffer)?;
        let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let mut memory = Vec::with_capacity(params.block_count().max(UNMAPPED_CAPACITY_BLOCKS));
        memory.resize(params.block_count(), Block::default());
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let hash = Output::init_with(output_len, |out| {
            Ok(argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut memory)?)
        })?;
        Ok(PasswordHash {
            algorithm: algorithm.ident(),
            version: Some(version.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(salt),
            hash: Some(hash),
        })
    }
}

/// At most this many verifications at once, each with its 19 MiB: a burst of grants (or of
/// guesses) waits instead of growing memory with the number of requests.
static VERIFICATIONS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

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

/// Verifies `presented` against an Argon2id PHC string, off the async threads and within the
/// bounded number of verifications at once; never cached (portal logins).
pub async fn verify_password(stored_hash: &str, presented: &str) -> Result<bool, ServiceError> {
    let stored = stored_hash.to_owned();
    let secret = presented.to_owned();
    let _permit = VERIFICATIONS
        .acquire()
        .await
        .map_err(|e| ServiceError::Internal(format!("verification slots: {e}")))?;
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                UnmappedArgon2
                    .verify_password(secret.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("verification task failed: {e}")))
}

/// Remembers, per principal (client id or user name), the stored hash and the SHA-256 of the
/// secret that last verified against it. A changed stored hash (rotation) invalidates the entry;
/// a failed verification is never cached. During a client secret's rotation overlap the previous
/// secret has its own entry (`client:<id>:previous`, see `Platform::authenticate_client`), so both
/// secrets verify from the cache and neither evicts the other.
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
        let verified = verify_password(stored_hash, presented).await?;
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

    #[test]
    fn hashes_are_those_of_the_plain_argon2_both_ways() {
        let ours = hash_secret("s3cret").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"s3cret", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let plain = Argon2::default().hash_password(b"pw", &salt).unwrap();
        let again = UnmappedArgon2.hash_password(b"pw", &salt).unwrap();
        assert_eq!(plain.to_string(), again.to_string());
        assert!(UnmappedArgon2.verify_password(b"pw", &plain).is_ok());
        assert!(UnmappedArgon2.verify_password(b"pw!", &plain).is_err());
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
