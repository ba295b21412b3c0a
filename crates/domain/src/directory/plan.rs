//! The private numbering plan: short internal numbers of a fixed length, allowed ranges, and
//! entries mapping a short number to a device.

use std::collections::BTreeSet;

use crate::error::DomainError;

/// A short number: exactly the plan's length of digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShortNumber(String);

impl ShortNumber {
    pub fn parse(text: &str, length: u8) -> Result<Self, DomainError> {
        if text.len() == usize::from(length) && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::InvalidShortNumber {
                value: text.to_owned(),
                length,
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Allowed short numbers from `from` to `to`, inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberRange {
    pub from: ShortNumber,
    pub to: ShortNumber,
}

impl NumberRange {
    pub fn contains(&self, number: &ShortNumber) -> bool {
        self.from <= *number && *number <= self.to
    }
}

/// What a short number reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanDevice {
    /// A member's mobile subscription, by member id.
    Member(String),
    /// A PBX line, by its E.164 number.
    Memberline(String),
    /// A call queue, by queue id.
    Queue(String),
    /// A number that only forwards, by its E.164 destination.
    Virtual(String),
}

impl PlanDevice {
    pub fn kind(&self) -> &'static str {
        match self {
            PlanDevice::Member(_) => "member",
            PlanDevice::Memberline(_) => "memberline",
            PlanDevice::Queue(_) => "queue",
            PlanDevice::Virtual(_) => "virtual",
        }
    }

    pub fn target(&self) -> &str {
        match self {
            PlanDevice::Member(target)
            | PlanDevice::Memberline(target)
            | PlanDevice::Queue(target)
            | PlanDevice::Virtual(target) => target,
        }
    }

    pub fn from_parts(kind: &str, target: String) -> Option<Self> {
        Some(match kind {
            "member" => PlanDevice::Member(target),
            "memberline" => PlanDevice::Memberline(target),
            "queue" => PlanDevice::Queue(target),
            "virtual" => PlanDevice::Virtual(target),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    pub short_number: ShortNumber,
    pub device: PlanDevice,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberingPlan {
    pub internal_number_length: u8,
    pub ranges: Vec<NumberRange>,
    pub entries: Vec<PlanEntry>,
}

impl NumberingPlan {
    pub const LENGTHS: std::ops::RangeInclusive<u8> = 2..=6;

    /// Checks the plan's own rules: the length, ranges of that length in order and not
    /// overlapping, entries unique. Entries outside every range are returned (not an error
    /// here: the caller decides whether they are conflicts).
    pub fn check(&self) -> Result<Vec<&PlanEntry>, DomainError> {
        if !Self::LENGTHS.contains(&self.internal_number_length) {
            return Err(DomainError::InvalidPlan(format!(
                "internalNumberLength must be from {} to {}",
                Self::LENGTHS.start(),
                Self::LENGTHS.end()
            )));
        }
        let length = usize::from(self.internal_number_length);
        let mut ranges: Vec<&NumberRange> = self.ranges.iter().collect();
        ranges.sort_by(|a, b| a.from.cmp(&b.from));
        for range in &ranges {
            if range.from.as_str().len() != length || range.to.as_str().len() != length {
                return Err(DomainError::InvalidPlan(format!(
                    "range {}-{} does not have {length} digits",
                    range.from.as_str(),
                    range.to.as_str()
                )));
            }
            if range.from > range.to {
                return Err(DomainError::InvalidPlan(format!(
                    "range {}-{} ends before it starts",
                    range.from.as_str(),
                    range.to.as_str()
                )));
            }
        }
        for pair in ranges.windows(2) {
            if pair[1].from <= pair[0].to {
                return Err(DomainError::InvalidPlan(format!(
                    "ranges {}-{} and {}-{} overlap",
                    pair[0].from.as_str(),
                    pair[0].to.as_str(),
                    pair[1].from.as_str(),
                    pair[1].to.as_str()
                )));
            }
        }
        let mut seen = BTreeSet::new();
        for entry in &self.entries {
            if !seen.insert(&entry.short_number) {
                return Err(DomainError::InvalidPlan(format!(
                    "short number {} is used twice",
                    entry.short_number.as_str()
                )));
            }
        }
        Ok(self
            .entries
            .iter()
            .filter(|entry| !self.allows(&entry.short_number))
            .collect())
    }

    /// Whether `number` has the plan's length and lies in one of its ranges.
    pub fn allows(&self, number: &ShortNumber) -> bool {
        number.as_str().len() == usize::from(self.internal_number_length)
            && self.ranges.iter().any(|range| range.contains(number))
    }

    pub fn entry(&self, number: &str) -> Option<&PlanEntry> {
        self.entries
            .iter()
            .find(|entry| entry.short_number.as_str() == number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(text: &str) -> ShortNumber {
        ShortNumber::parse(text, u8::try_from(text.len()).unwrap()).unwrap()
    }

    fn plan(length: u8, ranges: &[(&str, &str)], entries: &[&str]) -> NumberingPlan {
        NumberingPlan {
            internal_number_length: length,
            ranges: ranges
                .iter()
                .map(|(from, to)| NumberRange {
                    from: short(from),
                    to: short(to),
                })
                .collect(),
            entries: entries
                .iter()
                .map(|number| PlanEntry {
                    short_number: short(number),
                    device: PlanDevice::Member(format!("mem_{number}")),
                })
                .collect(),
        }
    }

    #[test]
    fn entries_outside_the_ranges_are_reported() {
        let plan = plan(
            3,
            &[("100", "199"), ("300", "349")],
            &["100", "250", "349", "4000"],
        );
        let outside: Vec<&str> = plan
            .check()
            .unwrap()
            .iter()
            .map(|e| e.short_number.as_str())
            .collect();
        assert_eq!(outside, ["250", "4000"]);
    }

    #[test]
    fn bad_plans_are_rejected_with_the_reason() {
        let cases = [
            (plan(7, &[], &[]), "internalNumberLength"),
            (plan(3, &[("10", "99")], &[]), "3 digits"),
            (plan(3, &[("200", "100")], &[]), "ends before"),
            (plan(3, &[("100", "199"), ("150", "250")], &[]), "overlap"),
            (plan(3, &[("100", "199")], &["101", "101"]), "twice"),
        ];
        for (plan, reason) in cases {
            let error = plan.check().unwrap_err().to_string();
            assert!(error.contains(reason), "{error} lacks {reason}");
        }
    }

    #[test]
    fn short_numbers_have_the_plan_length() {
        assert!(ShortNumber::parse("123", 3).is_ok());
        assert!(ShortNumber::parse("12", 3).is_err());
        assert!(ShortNumber::parse("12a", 3).is_err());
    }
}
