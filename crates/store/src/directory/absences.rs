//! Members' absences. The action is stored as its type and target (destination or queue id).

use crate::db::Row;
use sentral_domain::Timestamp;
use sentral_domain::directory::{Absence, AbsenceAction, AbsenceKind, Destination};

use crate::rows::{at, id, opt_text, text};
use crate::{Connection, StoreError};

fn action_from(kind: &str, target: Option<String>) -> Result<AbsenceAction, StoreError> {
    let corrupt = || StoreError::Corrupt(format!("absence action {kind:?}"));
    Ok(match (kind, target) {
        ("none", _) => AbsenceAction::None,
        ("voicemail", _) => AbsenceAction::Voicemail,
        ("switchboard", _) => AbsenceAction::Switchboard,
        ("forwardTo", Some(target)) => AbsenceAction::ForwardTo(Destination::from_stored(target)),
        ("queue", Some(target)) => AbsenceAction::Queue(target),
        _ => return Err(corrupt()),
    })
}

pub(crate) fn absence_from(row: &Row) -> Result<Absence, StoreError> {
    let kind = text(row, "kind")?;
    Ok(Absence {
        id: id(row, "id")?,
        member_id: id(row, "member_id")?,
        kind: AbsenceKind::parse(&kind)?,
        from: at(row, "starts_at")?,
        until: at(row, "ends_at")?,
        note: opt_text(row, "note")?,
        action: action_from(&text(row, "action")?, opt_text(row, "action_target")?)?,
        created_at: at(row, "created_at")?,
        updated_at: at(row, "updated_at")?,
    })
}

pub async fn insert(conn: &mut Connection, absence: &Absence) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO absences (id, member_id, kind, starts_at, ends_at, note, action, \
         action_target, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(absence.id.as_str())
    .bind(absence.member_id.as_str())
    .bind(absence.kind.as_str())
    .bind(absence.from.millis())
    .bind(absence.until.millis())
    .bind(absence.note.as_deref())
    .bind(absence.action.type_name())
    .bind(absence.action.target())
    .bind(absence.created_at.millis())
    .bind(absence.updated_at.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("absence {}", absence.id)))?;
    Ok(())
}

/// Replaces every field but the id, the member and the creation time. False when there is no
/// such absence of that member.
pub async fn update(conn: &mut Connection, absence: &Absence) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE absences SET kind = $3, starts_at = $4, ends_at = $5, note = $6, action = $7, \
         action_target = $8, updated_at = $9 WHERE id = $1 AND member_id = $2",
    )
    .bind(absence.id.as_str())
    .bind(absence.member_id.as_str())
    .bind(absence.kind.as_str())
    .bind(absence.from.millis())
    .bind(absence.until.millis())
    .bind(absence.note.as_deref())
    .bind(absence.action.type_name())
    .bind(absence.action.target())
    .bind(absence.updated_at.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// False when there is no such absence of that member.
pub async fn delete(
    conn: &mut Connection,
    member_id: &str,
    absence_id: &str,
) -> Result<bool, StoreError> {
    let done = crate::db::query("DELETE FROM absences WHERE id = $1 AND member_id = $2")
        .bind(absence_id)
        .bind(member_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// One absence of a member; another member's absence is not found.
pub async fn absence(
    conn: &mut Connection,
    member_id: &str,
    absence_id: &str,
) -> Result<Option<Absence>, StoreError> {
    crate::db::query("SELECT * FROM absences WHERE id = $1 AND member_id = $2")
        .bind(absence_id)
        .bind(member_id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(absence_from)
        .transpose()
}

/// Every absence of a member, by start then id.
pub async fn of_member(conn: &mut Connection, member_id: &str) -> Result<Vec<Absence>, StoreError> {
    crate::db::query("SELECT * FROM absences WHERE member_id = $1 ORDER BY starts_at, id")
        .bind(member_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(absence_from)
        .collect()
}

/// The member's absence at `now` (from inclusive, until exclusive), if any.
pub async fn current(
    conn: &mut Connection,
    member_id: &str,
    now: Timestamp,
) -> Result<Option<Absence>, StoreError> {
    crate::db::query(
        "SELECT * FROM absences WHERE member_id = $1 AND starts_at <= $2 AND ends_at > $2 \
         ORDER BY starts_at DESC, id LIMIT 1",
    )
    .bind(member_id)
    .bind(now.millis())
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(absence_from)
    .transpose()
}

/// Takes the member's row lock for the rest of the transaction, so that two writers checking
/// the same member's absences for overlaps run one after the other (PostgreSQL; SQLite has a
/// single writer anyway).
pub async fn lock_member(conn: &mut Connection, member_id: &str) -> Result<(), StoreError> {
    crate::db::query("UPDATE members SET updated_at = updated_at WHERE id = $1")
        .bind(member_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes absences that ended before `cutoff`; returns how many.
pub async fn purge_ended_before(
    conn: &mut Connection,
    cutoff: Timestamp,
) -> Result<u64, StoreError> {
    let done = crate::db::query("DELETE FROM absences WHERE ends_at < $1")
        .bind(cutoff.millis())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
