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

    /// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-22T10:00:00.000Z`; empty for a
    /// year RFC 3339 cannot write (before 0000).
    pub fn to_rfc3339(self) -> String {
        self.rfc3339().as_str().to_owned()
    }

    /// [`Timestamp::to_rfc3339`] without an allocation, for writers of JSON.
    pub fn rfc3339(self) -> Rfc3339Text {
        const DAY: i64 = 86_400_000;
        let (mut days, mut of_day) = (self.0.div_euclid(DAY), self.0.rem_euclid(DAY));
        // The civil date of a day count (Howard Hinnant's `civil_from_days`), without the time
        // crate's i128 nanoseconds: every answer carries a few of these.
        let civil = |days: i64| {
            let z = days + 719_468;
            let era = z.div_euclid(146_097);
            let doe = z.rem_euclid(146_097);
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            let mp = (5 * doy + 2) / 153;
            let day = doy - (153 * mp + 2) / 5 + 1;
            let month = if mp < 10 { mp + 3 } else { mp - 9 };
            let year = yoe + era * 400 + i64::from(month <= 2);
            (year, month, day)
        };
        let (mut year, mut month, mut day) = civil(days);
        if !(-9999..=9999).contains(&year) {
            // Outside the time crate's range, which this was written with: the epoch.
            (days, of_day) = (0, 0);
            (year, month, day) = civil(days);
        }
        let Ok(year) = u16::try_from(year) else {
            return Rfc3339Text {
                text: [0; 24],
                len: 0,
            };
        };
        // Written digit by digit.
        let mut text = [0u8; 24];
        let mut put = |at: usize, value: u16, width: u32| {
            for place in 0..width {
                let digit = (value / 10u16.pow(width - 1 - place)) % 10;
                text[at + place as usize] = b'0' + digit as u8;
            }
        };
        // Each value is below its width's limit (month ≤ 12, day ≤ 31, of_day < 86 400 000).
        let small = |value: i64| value as u16;
        put(0, year, 4);
        put(5, small(month), 2);
        put(8, small(day), 2);
        put(11, small(of_day / 3_600_000), 2);
        put(14, small(of_day / 60_000 % 60), 2);
        put(17, small(of_day / 1000 % 60), 2);
        put(20, small(of_day % 1000), 3);
        for (at, separator) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (23, b'Z'),
        ] {
            text[at] = separator;
        }
        Rfc3339Text { text, len: 24 }
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

/// Reads what [`Timestamp`]'s `Serialize` writes (RFC 3339), and also whole milliseconds since
/// the epoch as a number.
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an RFC 3339 date-time or milliseconds since the epoch")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
                Timestamp::parse_rfc3339(text)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(text), &self))
            }

            fn visit_i64<E: serde::de::Error>(self, millis: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(millis))
            }

            fn visit_u64<E: serde::de::Error>(self, millis: u64) -> Result<Timestamp, E> {
                i64::try_from(millis)
                    .map(Timestamp)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(millis), &self))
            }
        }

        deserializer.deserialize_any(Visitor)
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

/// A time written as RFC 3339 (see [`Timestamp::rfc3339`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rfc3339Text {
    text: [u8; 24],
    len: usize,
}

impl Rfc3339Text {
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators.
        std::str::from_utf8(&self.text[..self.len]).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_written_as_the_time_crate_writes_it() {
        for millis in [
            0,
            1,
            999,
            1_764_000_000_123,
            -1,
            -62_135_596_800_000,
            253_402_300_799_999,
            951_782_400_000,
        ] {
            let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
                .expect("in range");
            let expected = format!(
                "{}.{:03}Z",
                at.replace_nanosecond(0)
                    .expect("valid")
                    .format(&Rfc3339)
                    .expect("formats")
                    .trim_end_matches('Z'),
                at.millisecond()
            );
            assert_eq!(Timestamp(millis).to_rfc3339(), expected, "{millis}");
        }
        // A sweep over the whole range of years 0000–9999 (and a few leap days), checked
        // against the time crate.
        let first = -62_167_219_200_000_i64;
        let last = 253_402_300_799_999_i64;
        let mut millis = first;
        while millis <= last {
            for at in [millis, millis + 86_399_999, millis + 59 * 86_400_000] {
                let Ok(time) =
                    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
                else {
                    continue;
                };
                let expected = format!(
                    "{}.{:03}Z",
                    time.replace_nanosecond(0)
                        .expect("valid")
                        .format(&Rfc3339)
                        .expect("formats")
                        .trim_end_matches('Z'),
                    time.millisecond()
                );
                assert_eq!(Timestamp(at).to_rfc3339(), expected, "{at}");
            }
            millis += 7_777_777_777;
        }
        // Outside the time crate's range: the epoch, as before; a year before 0000: nothing.
        assert_eq!(
            Timestamp(253_402_300_800_000).to_rfc3339(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(Timestamp(-62_167_219_200_001).to_rfc3339(), "");
    }

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
