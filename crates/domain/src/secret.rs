//! Secrets (passwords, client secrets, tokens) never appear in `Debug` output or logs.

use std::fmt;

/// A secret value in memory. `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// `bytes` random bytes from the operating system, hex encoded (2 characters per byte).
    pub fn random_hex(bytes: usize) -> Self {
        let mut buffer = vec![0u8; bytes];
        // The OS random source failing is not recoverable for a security service.
        getrandom::fill(&mut buffer).expect("operating system random source unavailable");
        Self(hex::encode(buffer))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A random identifier with a readable prefix, e.g. `app_9f86d081884c7d65`.
pub fn random_id(prefix: &str) -> String {
    format!("{prefix}_{}", Secret::random_hex(8).expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("hunter2");
        assert!(!format!("{secret:?} {secret}").contains("hunter2"));
    }

    #[test]
    fn random_hex_has_the_asked_length_and_differs() {
        let a = Secret::random_hex(20);
        assert_eq!(a.expose().len(), 40);
        assert_ne!(a, Secret::random_hex(20));
    }
}
