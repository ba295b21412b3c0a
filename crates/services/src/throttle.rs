//! Brute-force throttle of the token endpoints: after `max_failures` failed authentications of
//! the same client id (or the same user name) within a window, further attempts for it answer
//! "too many requests" until the window ends, right or wrong. A success clears the count, and
//! other clients and users are never affected.
//!
//! Counted per node, in memory: with N nodes an attacker gets at most N times the budget, and a
//! restart forgets the counts. Locked attempts are refused before any store access or Argon2
//! verification, so a flood of guesses costs the node little.

use std::collections::HashMap;
use std::sync::Mutex;

use sentral_domain::Timestamp;

use crate::ServiceError;
use crate::error::RateLimitKind;

/// Distinct principals tracked at most; beyond that, windows that have ended are dropped first.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleLimits {
    /// Failed authentications of one client id or user name allowed per window; 0 disables.
    pub max_failures: u32,
    pub window_seconds: u32,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        Self {
            max_failures: 10,
            window_seconds: 300,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started_millis: i64,
    failures: u32,
}

#[derive(Default)]
pub struct LoginThrottle {
    limits: ThrottleLimits,
    windows: Mutex<HashMap<String, Window>>,
}

impl LoginThrottle {
    pub fn new(limits: ThrottleLimits) -> Self {
        Self {
            limits,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn window_millis(&self) -> i64 {
        i64::from(self.limits.window_seconds) * 1000
    }

    fn windows(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.windows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Refuses an attempt for `key` while its failures have reached the limit.
    pub fn check(&self, key: &str, now: Timestamp) -> Result<(), ServiceError> {
        if self.limits.max_failures == 0 {
            return Ok(());
        }
        let Some(window) = self.windows().get(key).copied() else {
            return Ok(());
        };
        let ends = window.started_millis + self.window_millis();
        if window.failures < self.limits.max_failures || now.millis() >= ends {
            return Ok(());
        }
        let retry_after_millis = ends - now.millis();
        Err(ServiceError::RateLimited {
            kind: RateLimitKind::SpikeArrest,
            retry_after_seconds: u64::try_from((retry_after_millis + 999) / 1000)
                .unwrap_or(1)
                .max(1),
        })
    }

    /// Counts a failed authentication of `key`.
    pub fn failed(&self, key: &str, now: Timestamp) {
        if self.limits.max_failures == 0 {
            return;
        }
        let window_millis = self.window_millis();
        let active = |window: &Window| now.millis() - window.started_millis < window_millis;
        let mut windows = self.windows();
        if windows.len() >= MAX_TRACKED && !windows.contains_key(key) {
            windows.retain(|_, window| active(window));
            if windows.len() >= MAX_TRACKED {
                windows.clear();
            }
        }
        let window = windows.entry(key.to_owned()).or_insert(Window {
            started_millis: now.millis(),
            failures: 0,
        });
        if !active(window) {
            *window = Window {
                started_millis: now.millis(),
                failures: 0,
            };
        }
        window.failures = window.failures.saturating_add(1);
    }

    /// A successful authentication of `key` forgets its failures.
    pub fn succeeded(&self, key: &str) {
        if self.limits.max_failures == 0 {
            return;
        }
        let mut windows = self.windows();
        if !windows.is_empty() {
            windows.remove(key);
        }
    }

    /// Forgets every count (the sandbox reset).
    pub fn clear(&self) {
        self.windows().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000 + seconds * 1000)
    }

    fn retry_after(result: Result<(), ServiceError>) -> u64 {
        match result {
            Err(ServiceError::RateLimited {
                kind: RateLimitKind::SpikeArrest,
                retry_after_seconds,
            }) => retry_after_seconds,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn locks_a_key_after_the_limit_until_the_window_ends() {
        let throttle = LoginThrottle::new(ThrottleLimits {
            max_failures: 3,
            window_seconds: 60,
        });
        for second in 0..3 {
            throttle.check("client:a", at(second)).unwrap();
            throttle.failed("client:a", at(second));
        }
        assert_eq!(retry_after(throttle.check("client:a", at(10))), 50);
        throttle.check("client:b", at(10)).unwrap();
        assert_eq!(retry_after(throttle.check("client:a", at(59))), 1);
        throttle.check("client:a", at(60)).unwrap();
        // A failure after the window starts a new one.
        throttle.failed("client:a", at(61));
        throttle.check("client:a", at(62)).unwrap();
    }

    #[test]
    fn success_forgets_failures_and_zero_disables() {
        let throttle = LoginThrottle::new(ThrottleLimits {
            max_failures: 2,
            window_seconds: 60,
        });
        throttle.failed("user:x", at(0));
        throttle.succeeded("user:x");
        throttle.failed("user:x", at(1));
        throttle.check("user:x", at(2)).unwrap();

        let disabled = LoginThrottle::new(ThrottleLimits {
            max_failures: 0,
            window_seconds: 60,
        });
        for second in 0..10 {
            disabled.failed("user:x", at(second));
        }
        disabled.check("user:x", at(10)).unwrap();
    }
}
