//! The seal key: client secrets are kept sealed (XChaCha20-Poly1305, a random 24-byte nonce per
//! secret, the client id as associated data) next to their Argon2id hash, so the Developer
//! Portal can show them again. The key is 32 bytes from configuration, or generated on first
//! start into the data directory (`seal.key`, mode 0600). It is never logged.

use std::fmt;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sentral_domain::{ClientId, Secret};
use subtle::ConstantTimeEq;

/// The file a generated key is kept in, in the data directory.
pub const SEAL_KEY_FILE: &str = "seal.key";
/// The format of a sealed secret: `v1:` then hex of nonce ‖ ciphertext ‖ tag.
const SEALED_PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;

/// 32 bytes; `Debug` shows no part of it.
#[derive(Clone)]
pub struct SealKey([u8; 32]);

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey([redacted])")
    }
}

impl PartialEq for SealKey {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.0.ct_eq(&other.0))
    }
}

impl Eq for SealKey {}

/// Why a sealed secret could not be opened, or a key not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error(
        "the sealed secret does not open with this node's seal key (another key sealed it, or it was altered)"
    )]
    WrongKey,
    #[error("the sealed secret is malformed")]
    Malformed,
    #[error("{0}")]
    Key(String),
}

impl SealKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SealKey(bytes)
    }

    /// A fresh random key.
    pub fn random() -> Result<Self, SealError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| SealError::Key(format!("random source: {e}")))?;
        Ok(SealKey(bytes))
    }

    /// A key as configured: 64 hex digits, or 32 bytes in standard base64 (`openssl rand -hex 32`
    /// or `openssl rand -base64 32`). Surrounding blanks are ignored.
    pub fn parse(text: &str) -> Result<Self, SealError> {
        let text = text.trim();
        let bytes = if text.len() == 64 {
            hex::decode(text).ok()
        } else {
            decode_base64(text)
        };
        let bytes = bytes.ok_or_else(|| {
            SealError::Key(
                "the seal key must be 32 bytes as 64 hex digits or base64 (openssl rand -hex 32)"
                    .into(),
            )
        })?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
            SealError::Key("the seal key must be exactly 32 bytes (64 hex digits)".into())
        })?;
        Ok(SealKey(bytes))
    }

    fn hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The key in `dir/seal.key`, made (mode 0600, 64 hex digits) when the file does not exist.
    /// Answers whether it was generated now.
    pub fn load_or_generate(dir: &Path) -> Result<(Self, bool), SealError> {
        let path = dir.join(SEAL_KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => return Ok((Self::parse(&text)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(SealError::Key(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
            }
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| SealError::Key(format!("cannot create {}: {e}", dir.display())))?;
        let key = Self::random()?;
        write_private(&path, &format!("{}\n", key.hex()))?;
        Ok((key, true))
    }

    /// Seals `secret` for `client_id`: a fresh random nonce each time.
    pub fn seal(&self, client_id: &ClientId, secret: &Secret) -> Result<String, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| SealError::Key(format!("random source: {e}")))?;
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.expose().as_bytes(),
                    aad: client_id.as_str().as_bytes(),
                },
            )
            .map_err(|_| SealError::Key("sealing failed".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", hex::encode(out)))
    }

    /// Opens what [`SealKey::seal`] made for the same client id.
    pub fn open(&self, client_id: &ClientId, sealed: &str) -> Result<Secret, SealError> {
        let bytes = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|hex_text| hex::decode(hex_text).ok())
            .filter(|bytes| bytes.len() > NONCE_LEN)
            .ok_or(SealError::Malformed)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let plain = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: client_id.as_str().as_bytes(),
                },
            )
            .map_err(|_| SealError::WrongKey)?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| SealError::Malformed)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> Result<(), SealError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| SealError::Key(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| SealError::Key(format!("cannot write {}: {e}", path.display())))
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> Result<(), SealError> {
    std::fs::write(path, text)
        .map_err(|e| SealError::Key(format!("cannot write {}: {e}", path.display())))
}

/// Standard base64 with padding (the output of `openssl rand -base64 32`).
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for byte in text.bytes() {
        let value = ALPHABET.iter().position(|&c| c == byte)? as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(id: &str) -> ClientId {
        ClientId::parse(id).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_client_id_only() {
        let key = SealKey::random().unwrap();
        let secret = Secret::new("0123456789abcdef0123456789abcdef0123456789abcdef");
        let sealed = key.seal(&client("client-a"), &secret).unwrap();
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains(secret.expose()));
        assert_eq!(
            key.open(&client("client-a"), &sealed).unwrap().expose(),
            secret.expose()
        );
        // A fresh nonce every time.
        assert_ne!(key.seal(&client("client-a"), &secret).unwrap(), sealed);
        let other = SealKey::random().unwrap();
        assert_eq!(
            other.open(&client("client-a"), &sealed).unwrap_err(),
            SealError::WrongKey
        );
        assert!(
            other
                .open(&client("client-a"), &sealed)
                .unwrap_err()
                .to_string()
                .contains("seal key")
        );
        // Moved to another client id, it does not open.
        assert_eq!(
            key.open(&client("client-b"), &sealed).unwrap_err(),
            SealError::WrongKey
        );
        assert_eq!(
            key.open(&client("client-a"), "v1:zz").unwrap_err(),
            SealError::Malformed
        );
    }

    #[test]
    fn keys_parse_from_hex_or_base64_and_debug_hides_them() {
        let hex_text = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let key = SealKey::parse(hex_text).unwrap();
        assert_eq!(key.hex(), hex_text);
        let base64 = "ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=";
        assert_eq!(SealKey::parse(base64).unwrap(), key);
        assert!(SealKey::parse("too short").is_err());
        assert!(SealKey::parse(&"0".repeat(62)).is_err());
        let shown = format!("{key:?}");
        assert!(!shown.contains("0011") && shown.contains("redacted"));
    }

    #[test]
    fn the_platform_configuration_shows_no_seal_key() {
        let key = SealKey::from_bytes([0xab; 32]);
        let config = crate::PlatformConfig {
            seal_key: Some(key),
            ..crate::PlatformConfig::default()
        };
        let shown = format!("{config:?}");
        assert!(shown.contains("SealKey([redacted])"), "{shown}");
        assert!(
            !shown.contains("abab") && !shown.contains("171, 171"),
            "{shown}"
        );
    }

    #[test]
    fn a_generated_key_is_kept_private_and_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let (key, generated) = SealKey::load_or_generate(dir.path()).unwrap();
        assert!(generated);
        let (again, generated) = SealKey::load_or_generate(dir.path()).unwrap();
        assert!(!generated);
        assert_eq!(key, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SEAL_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
