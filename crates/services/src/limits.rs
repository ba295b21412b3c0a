//! Rate limits per application: a per-minute quota counted in the shared store (so it holds
//! across nodes) and a per-second spike arrest counted on each node, as API gateways do.
//!
//! To keep the store off the hot path, a node leases slices of the quota (a tenth at a time)
//! and spends them locally; a slice it cannot take whole it takes one request at a time.

use std::collections::HashMap;
use std::sync::Mutex;

use sentral_domain::Timestamp;
use sentral_store::{Store, records};

use crate::ServiceError;
use crate::error::RateLimitKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests per application per minute across all nodes; 0 disables the quota.
    pub quota_per_minute: u32,
    /// Requests per application per second on one node; 0 disables spike arrest.
    pub spike_arrest_per_second: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            quota_per_minute: 12_000,
            spike_arrest_per_second: 200,
        }
    }
}

#[derive(Default)]
struct Counters {
    /// app → (second, requests in that second)
    spikes: HashMap<String, (i64, u32)>,
    /// app → (window start, leased requests not yet spent)
    leases: HashMap<String, (i64, i64)>,
}

pub struct RateLimiter {
    limits: RateLimits,
    counters: Mutex<Counters>,
}

const WINDOW_MILLIS: i64 = 60_000;

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            counters: Mutex::new(Counters::default()),
        }
    }

    fn counters(&self) -> std::sync::MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts one request of `app_id`; an error says which limit it broke and when to retry.
    pub async fn admit(
        &self,
        store: &Store,
        app_id: &str,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.admit_spike(app_id, now)?;
        self.admit_quota(store, app_id, now).await
    }

    fn admit_spike(&self, app_id: &str, now: Timestamp) -> Result<(), ServiceError> {
        let limit = self.limits.spike_arrest_per_second;
        if limit == 0 {
            return Ok(());
        }
        let second = now.millis().div_euclid(1000);
        let mut counters = self.counters();
        let entry = counters
            .spikes
            .entry(app_id.to_owned())
            .or_insert((second, 0));
        if entry.0 != second {
            *entry = (second, 0);
        }
        if entry.1 >= limit {
            return Err(ServiceError::RateLimited {
                kind: RateLimitKind::SpikeArrest,
                retry_after_seconds: 1,
            });
        }
        entry.1 += 1;
        Ok(())
    }

    async fn admit_quota(
        &self,
        store: &Store,
        app_id: &str,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let limit = i64::from(self.limits.quota_per_minute);
        if limit == 0 {
            return Ok(());
        }
        let window = now.millis().div_euclid(WINDOW_MILLIS) * WINDOW_MILLIS;
        if self.spend_lease(app_id, window) {
            return Ok(());
        }
        let slice = (limit / 10).clamp(1, 1000);
        let mut conn = store.read().await?;
        let window_start = Timestamp::from_millis(window);
        for amount in [slice, 1] {
            if records::reserve_quota(&mut conn, app_id, window_start, amount, limit).await? {
                let mut counters = self.counters();
                let lease = counters
                    .leases
                    .entry(app_id.to_owned())
                    .or_insert((window, 0));
                if lease.0 != window {
                    *lease = (window, 0);
                }
                lease.1 += amount - 1;
                return Ok(());
            }
        }
        let retry_after_millis = window + WINDOW_MILLIS - now.millis();
        Err(ServiceError::RateLimited {
            kind: RateLimitKind::Quota,
            retry_after_seconds: u64::try_from((retry_after_millis + 999) / 1000)
                .unwrap_or(60)
                .max(1),
        })
    }

    fn spend_lease(&self, app_id: &str, window: i64) -> bool {
        let mut counters = self.counters();
        match counters.leases.get_mut(app_id) {
            Some((leased_window, remaining)) if *leased_window == window && *remaining > 0 => {
                *remaining -= 1;
                true
            }
            _ => false,
        }
    }

    /// Forgets local counters (the sandbox reset).
    pub fn clear(&self) {
        let mut counters = self.counters();
        counters.spikes.clear();
        counters.leases.clear();
    }
}
