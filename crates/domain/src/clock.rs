//! Time comes from an injected clock so that the sandbox can move it forward and tests run in
//! milliseconds instead of minutes.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1000)))
    }

    /// Whole seconds from `self` until `later` (0 when `later` is not later).
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        ((later.0 - self.0) / 1000).max(0)
    }

    /// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-22T10:00:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let millis = at.millisecond();
        let at = at.replace_nanosecond(0).unwrap_or(at);
        let text = at.format(&Rfc3339).unwrap_or_default();
        // `Rfc3339` prints `...:SSZ`; add milliseconds for a stable width.
        match text.strip_suffix('Z') {
            Some(head) => format!("{head}.{millis:03}Z"),
            None => text,
        }
    }

    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
        i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
            .ok()
            .map(Self)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

/// The source of "now" for every rule that depends on time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

fn wall_clock_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(wall_clock_millis())
    }
}

/// Real time plus an offset that only grows: the sandbox moves time forward, never back, so
/// nothing that has expired comes back to life.
#[derive(Debug, Default)]
pub struct SandboxClock {
    offset_millis: AtomicI64,
}

impl SandboxClock {
    pub fn with_offset_millis(offset_millis: i64) -> Self {
        Self {
            offset_millis: AtomicI64::new(offset_millis.max(0)),
        }
    }

    pub fn offset_millis(&self) -> i64 {
        self.offset_millis.load(Ordering::SeqCst)
    }

    /// Moves time forward by `seconds` and returns the new offset in milliseconds.
    pub fn advance_seconds(&self, seconds: u32) -> i64 {
        let delta = i64::from(seconds) * 1000;
        self.offset_millis.fetch_add(delta, Ordering::SeqCst) + delta
    }

    /// Sets the offset, never moving backwards (used when another node has advanced further).
    pub fn catch_up_to(&self, offset_millis: i64) {
        self.offset_millis
            .fetch_max(offset_millis, Ordering::SeqCst);
    }

    pub fn reset(&self) {
        self.offset_millis.store(0, Ordering::SeqCst);
    }
}

impl Clock for SandboxClock {
    fn now(&self) -> Timestamp {
        Timestamp(wall_clock_millis() + self.offset_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip_keeps_milliseconds() {
        let at = Timestamp::from_millis(1_795_000_000_123);
        let text = at.to_rfc3339();
        assert!(text.ends_with(".123Z"), "{text}");
        assert_eq!(Timestamp::parse_rfc3339(&text), Some(at));
    }

    #[test]
    fn sandbox_clock_only_moves_forward() {
        let clock = SandboxClock::default();
        let before = clock.now();
        assert_eq!(clock.advance_seconds(3600), 3_600_000);
        assert!(clock.now().millis() - before.millis() >= 3_600_000);
        clock.catch_up_to(1000);
        assert_eq!(clock.offset_millis(), 3_600_000);
    }
}
