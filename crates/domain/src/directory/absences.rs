//! A member's absences: why and how long the member is away, and what happens to calls meanwhile.

use crate::clock::Timestamp;
use crate::directory::forwarding::Destination;
use crate::error::DomainError;
use crate::ids::EntityId;

/// Why the member is away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AbsenceKind {
    Meeting,
    Illness,
    Holiday,
    Lunch,
    Trip,
    Other,
}

impl AbsenceKind {
    pub const ALL: [AbsenceKind; 6] = [
        AbsenceKind::Meeting,
        AbsenceKind::Illness,
        AbsenceKind::Holiday,
        AbsenceKind::Lunch,
        AbsenceKind::Trip,
        AbsenceKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AbsenceKind::Meeting => "meeting",
            AbsenceKind::Illness => "illness",
            AbsenceKind::Holiday => "holiday",
            AbsenceKind::Lunch => "lunch",
            AbsenceKind::Trip => "trip",
            AbsenceKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| DomainError::UnknownAbsenceKind(text.to_owned()))
    }
}

/// What happens to a call for the member while the absence lasts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AbsenceAction {
    /// Calls ring as usual; the absence only shows in the member's status.
    None,
    ForwardTo(Destination),
    Voicemail,
    /// The enterprise's switchboard number.
    Switchboard,
    /// A call queue of the enterprise, by queue id.
    Queue(String),
}

impl AbsenceAction {
    pub const TYPES: [&'static str; 5] = ["none", "forwardTo", "voicemail", "switchboard", "queue"];

    /// The wire name of the action's type.
    pub fn type_name(&self) -> &'static str {
        match self {
            AbsenceAction::None => "none",
            AbsenceAction::ForwardTo(_) => "forwardTo",
            AbsenceAction::Voicemail => "voicemail",
            AbsenceAction::Switchboard => "switchboard",
            AbsenceAction::Queue(_) => "queue",
        }
    }

    /// The destination or queue id, for the types that have one.
    pub fn target(&self) -> Option<&str> {
        match self {
            AbsenceAction::ForwardTo(destination) => Some(destination.as_str()),
            AbsenceAction::Queue(queue_id) => Some(queue_id),
            AbsenceAction::None | AbsenceAction::Voicemail | AbsenceAction::Switchboard => None,
        }
    }

    /// Whether a call is diverted rather than ringing the member.
    pub fn diverts(&self) -> bool {
        !matches!(self, AbsenceAction::None)
    }
}

/// An absence of a member from `from` until `until` (the time the member is back).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Absence {
    pub id: EntityId,
    pub member_id: EntityId,
    pub kind: AbsenceKind,
    pub from: Timestamp,
    pub until: Timestamp,
    pub note: Option<String>,
    pub action: AbsenceAction,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Absence {
    /// How long a finished absence is kept before it is purged.
    pub const KEPT_AFTER_END_SECONDS: i64 = 30 * 86_400;
    /// At most this many absences per member (past ones included until purged).
    pub const MAX_PER_MEMBER: usize = 200;
    pub const NOTE_MAX_CHARS: usize = 500;

    /// An absence must end after it starts.
    pub fn check_window(from: Timestamp, until: Timestamp) -> Result<(), DomainError> {
        if until > from {
            Ok(())
        } else {
            Err(DomainError::AbsenceEndsBeforeStart)
        }
    }

    /// Whether the member is away at `now`: from inclusive, until exclusive.
    pub fn is_current(&self, now: Timestamp) -> bool {
        self.from <= now && now < self.until
    }

    /// Whether the two windows share any moment; one ending when the other starts does not.
    pub fn overlaps(&self, from: Timestamp, until: Timestamp) -> bool {
        self.from < until && from < self.until
    }

    /// The first of `existing` (other than `except`) whose window overlaps `from..until`.
    pub fn first_overlap<'a>(
        existing: &'a [Absence],
        from: Timestamp,
        until: Timestamp,
        except: Option<&EntityId>,
    ) -> Option<&'a Absence> {
        existing
            .iter()
            .filter(|absence| Some(&absence.id) != except)
            .find(|absence| absence.overlaps(from, until))
    }

    /// The moment before which finished absences are purged.
    pub fn purge_cutoff(now: Timestamp) -> Timestamp {
        now.plus_seconds(-Self::KEPT_AFTER_END_SECONDS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;

    fn at(hours: i64) -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000).plus_seconds(hours * HOUR)
    }

    fn absence(id: &str, from: i64, until: i64) -> Absence {
        Absence {
            id: EntityId::new(id),
            member_id: EntityId::new("mem_1"),
            kind: AbsenceKind::Meeting,
            from: at(from),
            until: at(until),
            note: None,
            action: AbsenceAction::None,
            created_at: at(0),
            updated_at: at(0),
        }
    }

    #[test]
    fn kinds_have_their_wire_names() {
        for kind in AbsenceKind::ALL {
            assert_eq!(AbsenceKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(
            AbsenceKind::parse("vacation"),
            Err(DomainError::UnknownAbsenceKind("vacation".into()))
        );
    }

    #[test]
    fn until_must_be_after_from() {
        assert!(Absence::check_window(at(1), at(2)).is_ok());
        assert_eq!(
            Absence::check_window(at(2), at(2)),
            Err(DomainError::AbsenceEndsBeforeStart)
        );
        assert_eq!(
            Absence::check_window(at(3), at(2)),
            Err(DomainError::AbsenceEndsBeforeStart)
        );
    }

    #[test]
    fn current_means_from_inclusive_until_exclusive() {
        let meeting = absence("a", 1, 2);
        assert!(!meeting.is_current(at(0)));
        assert!(meeting.is_current(at(1)));
        assert!(meeting.is_current(at(2).plus_seconds(-1)));
        assert!(!meeting.is_current(at(2)));
    }

    #[test]
    fn overlapping_windows_are_found_and_back_to_back_ones_are_not() {
        let existing = [absence("a", 10, 12), absence("b", 14, 16)];
        let overlap = |from, until, except: Option<&str>| {
            let except = except.map(EntityId::new);
            Absence::first_overlap(&existing, at(from), at(until), except.as_ref())
                .map(|a| a.id.as_str().to_owned())
        };
        assert_eq!(overlap(11, 13, None).as_deref(), Some("a"));
        assert_eq!(overlap(9, 17, None).as_deref(), Some("a"));
        assert_eq!(overlap(15, 15 + 1, None).as_deref(), Some("b"));
        assert_eq!(overlap(12, 14, None), None, "back to back");
        assert_eq!(overlap(8, 10, None), None);
        // Replacing an absence does not clash with itself.
        assert_eq!(overlap(10, 13, Some("a")), None);
        assert_eq!(overlap(10, 15, Some("a")).as_deref(), Some("b"));
    }

    #[test]
    fn finished_absences_are_kept_thirty_days() {
        let now = at(0);
        assert_eq!(
            Absence::purge_cutoff(now),
            now.plus_seconds(-30 * 24 * HOUR)
        );
    }

    #[test]
    fn actions_name_their_type_and_target() {
        let forward = AbsenceAction::ForwardTo(Destination::Short("899".into()));
        assert_eq!(forward.type_name(), "forwardTo");
        assert_eq!(forward.target(), Some("899"));
        assert!(forward.diverts());
        assert_eq!(AbsenceAction::Queue("1".into()).target(), Some("1"));
        assert!(!AbsenceAction::None.diverts());
        assert_eq!(AbsenceAction::Voicemail.target(), None);
        for action in [
            AbsenceAction::None,
            forward,
            AbsenceAction::Voicemail,
            AbsenceAction::Switchboard,
            AbsenceAction::Queue("1".into()),
        ] {
            assert!(AbsenceAction::TYPES.contains(&action.type_name()));
        }
    }
}
