//! Verified access tokens kept in memory for a few seconds, so an authenticated read costs no
//! store round trip. Revocation on this node evicts at once; other nodes see it within
//! `token_recheck_seconds`.

use std::collections::HashMap;
use std::sync::RwLock;

use sentral_domain::Timestamp;

use crate::Principal;

const MAX_CACHED_TOKENS: usize = 100_000;

#[derive(Clone)]
struct Entry {
    principal: Principal,
    /// The store was last consulted at this time (by the injected clock).
    checked_at: Timestamp,
    family: String,
}

#[derive(Default)]
pub struct TokenCache {
    entries: RwLock<HashMap<String, Entry>>,
}

impl TokenCache {
    /// The principal for `token_hash` if it was checked against the store less than
    /// `recheck_millis` ago.
    pub fn fresh(
        &self,
        token_hash: &str,
        now: Timestamp,
        recheck_millis: i64,
    ) -> Option<Principal> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get(token_hash)?;
        (now.millis() - entry.checked_at.millis() < recheck_millis).then(|| entry.principal.clone())
    }

    pub fn put(&self, token_hash: String, principal: Principal, family: String, now: Timestamp) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_CACHED_TOKENS {
            entries.retain(|_, entry| entry.principal.expires_at > now);
            if entries.len() >= MAX_CACHED_TOKENS {
                entries.clear();
            }
        }
        entries.insert(
            token_hash,
            Entry {
                principal,
                checked_at: now,
                family,
            },
        );
    }

    pub fn evict_family(&self, family: &str) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, entry| entry.family != family);
    }

    pub fn evict_where(&self, condition: impl Fn(&Principal) -> bool) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, entry| !condition(&entry.principal));
    }

    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
