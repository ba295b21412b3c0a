//! Call forwarding of a member (immediate, busy, no answer, unavailable) and the destinations a
//! call may be diverted to.

use crate::clock::Timestamp;
use crate::directory::plan::NumberingPlan;
use crate::error::DomainError;
use crate::ids::Msisdn;

/// Where a diverted call goes: an outside number or a short number of the enterprise's plan.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Destination {
    /// E.164 digits with country code, without `+`.
    External(String),
    /// A short number that is an entry of the enterprise's numbering plan.
    Short(String),
}

impl Destination {
    /// A short number must be an entry of `plan`; anything else must be a phone number with
    /// country code (8 digits are taken as Norwegian, like mobile numbers).
    pub fn parse(text: &str, plan: &NumberingPlan) -> Result<Self, DomainError> {
        let text = text.trim();
        let length = usize::from(plan.internal_number_length);
        if text.len() == length && text.bytes().all(|b| b.is_ascii_digit()) {
            return match plan.entry(text) {
                Some(_) => Ok(Destination::Short(text.to_owned())),
                None => Err(DomainError::UnknownShortNumber(text.to_owned())),
            };
        }
        Msisdn::parse(text)
            .map(|number| Destination::External(number.as_str().to_owned()))
            .map_err(|_| DomainError::InvalidDestination {
                value: text.to_owned(),
                length: plan.internal_number_length,
            })
    }

    /// A stored destination: trusted, told apart by its length (a short number has at most 6
    /// digits, a number with country code at least 10).
    pub fn from_stored(text: String) -> Self {
        if text.len() <= usize::from(*NumberingPlan::LENGTHS.end()) {
            Destination::Short(text)
        } else {
            Destination::External(text)
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Destination::External(number) | Destination::Short(number) => number,
        }
    }

    /// Whether a call diverted here would come straight back to the member.
    pub fn reaches(&self, mobile: &Msisdn, short_number: Option<&str>) -> bool {
        match self {
            Destination::External(number) => number == mobile.as_str(),
            Destination::Short(number) => Some(number.as_str()) == short_number,
        }
    }
}

/// One forwarding rule: switched on or off, and where it sends the call. An inactive rule may
/// keep its destination so the user can switch it on again.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForwardingRule {
    pub active: bool,
    pub destination: Option<Destination>,
}

/// Which rule of [`CallForwarding`]; the names are the wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardingKind {
    Immediate,
    Busy,
    NoAnswer,
    Unavailable,
}

impl ForwardingKind {
    pub const ALL: [ForwardingKind; 4] = [
        ForwardingKind::Immediate,
        ForwardingKind::Busy,
        ForwardingKind::NoAnswer,
        ForwardingKind::Unavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ForwardingKind::Immediate => "immediate",
            ForwardingKind::Busy => "busy",
            ForwardingKind::NoAnswer => "noAnswer",
            ForwardingKind::Unavailable => "unavailable",
        }
    }
}

/// A member's call forwarding. A member without stored settings has every rule inactive and
/// the default ring time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallForwarding {
    pub immediate: ForwardingRule,
    pub busy: ForwardingRule,
    pub no_answer: ForwardingRule,
    /// How long the member's phone rings before no-answer forwarding takes the call.
    pub ring_seconds: u8,
    pub unavailable: ForwardingRule,
    /// When the settings were last changed; `None` while they are the defaults.
    pub updated_at: Option<Timestamp>,
}

impl Default for CallForwarding {
    fn default() -> Self {
        Self {
            immediate: ForwardingRule::default(),
            busy: ForwardingRule::default(),
            no_answer: ForwardingRule::default(),
            ring_seconds: Self::DEFAULT_RING_SECONDS,
            unavailable: ForwardingRule::default(),
            updated_at: None,
        }
    }
}

impl CallForwarding {
    pub const DEFAULT_RING_SECONDS: u8 = 20;
    pub const RING_SECONDS: std::ops::RangeInclusive<u8> = 5..=60;

    pub fn rule(&self, kind: ForwardingKind) -> &ForwardingRule {
        match kind {
            ForwardingKind::Immediate => &self.immediate,
            ForwardingKind::Busy => &self.busy,
            ForwardingKind::NoAnswer => &self.no_answer,
            ForwardingKind::Unavailable => &self.unavailable,
        }
    }

    pub fn rule_mut(&mut self, kind: ForwardingKind) -> &mut ForwardingRule {
        match kind {
            ForwardingKind::Immediate => &mut self.immediate,
            ForwardingKind::Busy => &mut self.busy,
            ForwardingKind::NoAnswer => &mut self.no_answer,
            ForwardingKind::Unavailable => &mut self.unavailable,
        }
    }

    pub fn ring_seconds(seconds: i64) -> Result<u8, DomainError> {
        u8::try_from(seconds)
            .ok()
            .filter(|s| Self::RING_SECONDS.contains(s))
            .ok_or(DomainError::InvalidRingTime(seconds))
    }

    /// The first rule that breaks a rule of its own: active without a destination. The ring
    /// time is checked by [`CallForwarding::ring_seconds`] when it is read.
    pub fn check(&self) -> Result<(), (ForwardingKind, DomainError)> {
        for kind in ForwardingKind::ALL {
            let rule = self.rule(kind);
            if rule.active && rule.destination.is_none() {
                return Err((kind, DomainError::ForwardingWithoutDestination));
            }
        }
        Ok(())
    }

    /// The active rule's destination, if `kind` is switched on.
    pub fn target(&self, kind: ForwardingKind) -> Option<&Destination> {
        let rule = self.rule(kind);
        rule.active.then_some(rule.destination.as_ref()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::plan::{NumberRange, PlanDevice, PlanEntry, ShortNumber};

    fn plan() -> NumberingPlan {
        let short = |n: &str| ShortNumber::parse(n, 3).unwrap();
        NumberingPlan {
            internal_number_length: 3,
            ranges: vec![NumberRange {
                from: short("100"),
                to: short("299"),
            }],
            entries: vec![PlanEntry {
                short_number: short("101"),
                device: PlanDevice::Member("mem_1".into()),
            }],
        }
    }

    #[test]
    fn destinations_are_numbers_with_country_code_or_entries_of_the_plan() {
        let plan = plan();
        assert_eq!(
            Destination::parse("101", &plan).unwrap(),
            Destination::Short("101".into())
        );
        assert_eq!(
            Destination::parse("+47 912 34 567", &plan).unwrap(),
            Destination::External("4791234567".into())
        );
        assert_eq!(
            Destination::parse("91234567", &plan).unwrap(),
            Destination::External("4791234567".into())
        );
        assert_eq!(
            Destination::parse("102", &plan).unwrap_err(),
            DomainError::UnknownShortNumber("102".into())
        );
        for bad in ["", "12", "abc", "4712", "+0012345678"] {
            assert!(Destination::parse(bad, &plan).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn stored_destinations_are_told_apart_by_length() {
        assert_eq!(
            Destination::from_stored("899".into()),
            Destination::Short("899".into())
        );
        assert_eq!(
            Destination::from_stored("4722990000".into()),
            Destination::External("4722990000".into())
        );
    }

    #[test]
    fn a_destination_may_not_lead_back_to_the_member() {
        let mobile = Msisdn::parse("91000001").unwrap();
        assert!(Destination::External("4791000001".into()).reaches(&mobile, Some("101")));
        assert!(Destination::Short("101".into()).reaches(&mobile, Some("101")));
        assert!(!Destination::Short("102".into()).reaches(&mobile, Some("101")));
        assert!(!Destination::Short("101".into()).reaches(&mobile, None));
    }

    #[test]
    fn defaults_are_inactive_with_twenty_seconds_ring_time() {
        let forwarding = CallForwarding::default();
        assert_eq!(forwarding.ring_seconds, 20);
        assert!(
            ForwardingKind::ALL
                .iter()
                .all(|k| forwarding.target(*k).is_none())
        );
        assert!(forwarding.check().is_ok());
    }

    #[test]
    fn an_active_rule_needs_a_destination() {
        let mut forwarding = CallForwarding::default();
        forwarding.busy.active = true;
        assert_eq!(
            forwarding.check().unwrap_err(),
            (
                ForwardingKind::Busy,
                DomainError::ForwardingWithoutDestination
            )
        );
        forwarding.busy.destination = Some(Destination::Short("101".into()));
        assert!(forwarding.check().is_ok());
        assert_eq!(
            forwarding
                .target(ForwardingKind::Busy)
                .map(Destination::as_str),
            Some("101")
        );
        // Switched off, the destination is kept but does not divert.
        forwarding.busy.active = false;
        assert!(forwarding.target(ForwardingKind::Busy).is_none());
    }

    #[test]
    fn ring_time_is_five_to_sixty_seconds() {
        assert_eq!(CallForwarding::ring_seconds(5), Ok(5));
        assert_eq!(CallForwarding::ring_seconds(60), Ok(60));
        for bad in [4, 61, -1, 300] {
            assert_eq!(
                CallForwarding::ring_seconds(bad),
                Err(DomainError::InvalidRingTime(bad))
            );
        }
    }
}
