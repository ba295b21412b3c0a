//! Members' call forwarding: one row per member that has changed the defaults.

use crate::db::Row;
use sentral_domain::Timestamp;
use sentral_domain::directory::{CallForwarding, Destination, ForwardingRule};

use crate::rows::{at, flag, int, opt_text};
use crate::{Connection, StoreError};

fn rule_from(row: &Row, prefix: &str) -> Result<ForwardingRule, StoreError> {
    Ok(ForwardingRule {
        active: flag(row, &format!("{prefix}_active"))?,
        destination: opt_text(row, &format!("{prefix}_destination"))?.map(Destination::from_stored),
    })
}

pub(crate) fn forwarding_from(row: &Row) -> Result<CallForwarding, StoreError> {
    let ring = int(row, "no_answer_ring_seconds")?;
    Ok(CallForwarding {
        immediate: rule_from(row, "immediate")?,
        busy: rule_from(row, "busy")?,
        no_answer: rule_from(row, "no_answer")?,
        ring_seconds: u8::try_from(ring)
            .map_err(|_| StoreError::Corrupt(format!("ring time {ring}")))?,
        unavailable: rule_from(row, "unavailable")?,
        updated_at: Some(at(row, "updated_at")?),
    })
}

/// The member's settings; the defaults (everything inactive) when none are stored.
pub async fn forwarding(
    conn: &mut Connection,
    member_id: &str,
) -> Result<CallForwarding, StoreError> {
    crate::db::query("SELECT * FROM call_forwarding WHERE member_id = $1")
        .bind(member_id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(forwarding_from)
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Stores the member's settings, replacing any earlier ones.
pub async fn save(
    conn: &mut Connection,
    member_id: &str,
    forwarding: &CallForwarding,
    now: Timestamp,
) -> Result<(), StoreError> {
    // Portable upsert: SQLite and PostgreSQL both speak ON CONFLICT … DO UPDATE.
    let destination =
        |rule: &ForwardingRule| rule.destination.as_ref().map(|d| d.as_str().to_owned());
    crate::db::query(
        "INSERT INTO call_forwarding (member_id, immediate_active, immediate_destination, \
         busy_active, busy_destination, no_answer_active, no_answer_destination, \
         no_answer_ring_seconds, unavailable_active, unavailable_destination, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (member_id) DO UPDATE SET immediate_active = excluded.immediate_active, \
         immediate_destination = excluded.immediate_destination, \
         busy_active = excluded.busy_active, busy_destination = excluded.busy_destination, \
         no_answer_active = excluded.no_answer_active, \
         no_answer_destination = excluded.no_answer_destination, \
         no_answer_ring_seconds = excluded.no_answer_ring_seconds, \
         unavailable_active = excluded.unavailable_active, \
         unavailable_destination = excluded.unavailable_destination, \
         updated_at = excluded.updated_at",
    )
    .bind(member_id)
    .bind(i64::from(forwarding.immediate.active))
    .bind(destination(&forwarding.immediate))
    .bind(i64::from(forwarding.busy.active))
    .bind(destination(&forwarding.busy))
    .bind(i64::from(forwarding.no_answer.active))
    .bind(destination(&forwarding.no_answer))
    .bind(i64::from(forwarding.ring_seconds))
    .bind(i64::from(forwarding.unavailable.active))
    .bind(destination(&forwarding.unavailable))
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}
