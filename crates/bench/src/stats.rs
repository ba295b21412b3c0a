//! Latency samples (microseconds) and percentile summaries.

use std::fmt;
use std::time::Duration;

/// Latency percentiles, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Percentiles {
    pub count: usize,
    pub p50: u32,
    pub p90: u32,
    pub p99: u32,
    pub max: u32,
}

impl Percentiles {
    /// Nearest-rank percentiles of `samples`, which are sorted in place.
    pub fn compute(samples: &mut [u32]) -> Percentiles {
        samples.sort_unstable();
        Percentiles::of_sorted(samples)
    }

    pub fn of_sorted(sorted: &[u32]) -> Percentiles {
        let Some(&max) = sorted.last() else {
            return Percentiles::default();
        };
        let rank = |p: f64| {
            // Nearest rank: the smallest value with at least p of the samples at or below it.
            let n = sorted.len();
            let idx = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
            sorted[idx]
        };
        Percentiles {
            count: sorted.len(),
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max,
        }
    }
}

/// Saturating conversion of a duration to whole microseconds.
pub fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// Formats microseconds as milliseconds with a precision that suits the size.
pub struct Ms(pub u32);

impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = f64::from(self.0) / 1000.0;
        if ms < 10.0 {
            write!(f, "{ms:.3}")
        } else if ms < 100.0 {
            write!(f, "{ms:.2}")
        } else {
            write!(f, "{ms:.1}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let mut v: Vec<u32> = (1..=100).rev().collect();
        let p = Percentiles::compute(&mut v);
        assert_eq!(
            (p.count, p.p50, p.p90, p.p99, p.max),
            (100, 50, 90, 99, 100)
        );
        let p = Percentiles::compute(&mut [7]);
        assert_eq!((p.p50, p.p99, p.max), (7, 7, 7));
        assert_eq!(Percentiles::compute(&mut []), Percentiles::default());
    }

    #[test]
    fn ms_formatting() {
        assert_eq!(Ms(1234).to_string(), "1.234");
        assert_eq!(Ms(12_345).to_string(), "12.35");
        assert_eq!(Ms(123_456).to_string(), "123.5");
    }
}
