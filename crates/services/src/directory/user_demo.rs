//! The demo enterprise's absences and call forwarding, relative to the clock at seeding: one
//! absence is current, others come later; a few members forward calls.

use sentral_domain::directory::{
    Absence, AbsenceAction, AbsenceKind, CallForwarding, Destination, ForwardingRule,
};
use sentral_domain::{EntityId, Timestamp};
use sentral_store::Connection;
use sentral_store::directory::{absences, forwarding};

use crate::ServiceError;

/// An outside number standing in for the operator's voicemail.
pub const DEMO_VOICEMAIL_NUMBER: &str = "4791500000";
/// The demo plan's short number of the switchboard.
pub const DEMO_SWITCHBOARD_SHORT: &str = "899";

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

fn rule(destination: Destination) -> ForwardingRule {
    ForwardingRule {
        active: true,
        destination: Some(destination),
    }
}

/// Absences and forwarding of the demo members, in the seeding transaction.
pub(crate) async fn seed_demo_user_settings(
    conn: &mut Connection,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let absences = [
        (
            "abs_demo_meeting",
            "mem_demo_002",
            AbsenceKind::Meeting,
            now.plus_seconds(-30 * MINUTE),
            now.plus_seconds(HOUR),
            "Styremøte",
            AbsenceAction::ForwardTo(Destination::Short(DEMO_SWITCHBOARD_SHORT.into())),
        ),
        (
            "abs_demo_lunch",
            "mem_demo_002",
            AbsenceKind::Lunch,
            now.plus_seconds(3 * HOUR),
            now.plus_seconds(3 * HOUR + 30 * MINUTE),
            "Lunsj",
            AbsenceAction::None,
        ),
        (
            "abs_demo_holiday",
            "mem_demo_003",
            AbsenceKind::Holiday,
            now.plus_seconds(7 * DAY),
            now.plus_seconds(14 * DAY),
            "Ferie",
            AbsenceAction::Voicemail,
        ),
        (
            "abs_demo_trip",
            "mem_dk_000004",
            AbsenceKind::Trip,
            now.plus_seconds(DAY),
            now.plus_seconds(2 * DAY),
            "Kundebesøk i Bergen",
            AbsenceAction::Queue("1".into()),
        ),
    ];
    for (id, member_id, kind, from, until, note, action) in absences {
        let absence = Absence {
            id: EntityId::new(id),
            member_id: EntityId::new(member_id),
            kind,
            from,
            until,
            note: Some(note.into()),
            action,
            created_at: now,
            updated_at: now,
        };
        absences::insert(conn, &absence).await?;
    }
    let forwardings = [
        (
            "mem_demo_001",
            CallForwarding {
                busy: rule(Destination::External(DEMO_VOICEMAIL_NUMBER.into())),
                // A colleague: mem_demo_002's short number.
                no_answer: rule(Destination::Short("102".into())),
                ring_seconds: 15,
                ..CallForwarding::default()
            },
        ),
        (
            "mem_dk_000004",
            CallForwarding {
                immediate: rule(Destination::Short("101".into())),
                ..CallForwarding::default()
            },
        ),
    ];
    for (member_id, settings) in forwardings {
        forwarding::save(conn, member_id, &settings, now).await?;
    }
    Ok(())
}
