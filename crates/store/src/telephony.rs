//! What the telephony engine of an enterprise starts from, read in a few bulk queries: its
//! members' numbers, forwarding and absences, and its memberline terminals.

use crate::db::Row;
use sentral_domain::Timestamp;
use sentral_domain::directory::{Absence, CallForwarding, StatusSource, Terminal, TerminalStatus};

use crate::directory::{absences, forwarding};
use crate::rows::{at, id, opt_text, text};
use crate::{Connection, StoreError};

/// `(member id, mobile number)` of every member of the enterprise.
pub async fn member_numbers(
    conn: &mut Connection,
    enterprise_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    crate::db::query("SELECT id, mobile FROM members WHERE enterprise_id = $1 ORDER BY id")
        .bind(enterprise_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| Ok((text(row, "id")?, text(row, "mobile")?)))
        .collect()
}

/// Stored forwarding of the enterprise's members (members without a row have the defaults).
pub async fn forwarding_of_enterprise(
    conn: &mut Connection,
    enterprise_id: &str,
) -> Result<Vec<(String, CallForwarding)>, StoreError> {
    crate::db::query(
        "SELECT f.* FROM call_forwarding f JOIN members m ON m.id = f.member_id \
         WHERE m.enterprise_id = $1",
    )
    .bind(enterprise_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| Ok((text(row, "member_id")?, forwarding::forwarding_from(row)?)))
    .collect()
}

/// Absences of the enterprise's members that have not ended by `now`.
pub async fn absences_of_enterprise(
    conn: &mut Connection,
    enterprise_id: &str,
    now: Timestamp,
) -> Result<Vec<Absence>, StoreError> {
    crate::db::query(
        "SELECT a.* FROM absences a JOIN members m ON m.id = a.member_id \
         WHERE m.enterprise_id = $1 AND a.ends_at > $2 ORDER BY a.member_id, a.starts_at, a.id",
    )
    .bind(enterprise_id)
    .bind(now.millis())
    .fetch_all(conn)
    .await?
    .iter()
    .map(absences::absence_from)
    .collect()
}

fn terminal_from(row: &Row) -> Result<Terminal, StoreError> {
    let source = text(row, "status_source")?;
    let status = opt_text(row, "status")?;
    Ok(Terminal {
        number: text(row, "number")?,
        enterprise_id: text(row, "enterprise_id")?,
        member_id: opt_text(row, "member_id")?.map(sentral_domain::EntityId::new),
        status_source: StatusSource::parse(&source)
            .ok_or_else(|| StoreError::Corrupt(format!("terminal status source {source:?}")))?,
        status: status
            .map(|s| {
                TerminalStatus::parse(&s)
                    .ok_or_else(|| StoreError::Corrupt(format!("terminal status {s:?}")))
            })
            .transpose()?,
        updated_at: at(row, "updated_at")?,
    })
}

pub async fn terminals_of_enterprise(
    conn: &mut Connection,
    enterprise_id: &str,
) -> Result<Vec<Terminal>, StoreError> {
    crate::db::query("SELECT * FROM memberline_terminals WHERE enterprise_id = $1 ORDER BY number")
        .bind(enterprise_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(terminal_from)
        .collect()
}

pub async fn terminal(conn: &mut Connection, number: &str) -> Result<Option<Terminal>, StoreError> {
    crate::db::query("SELECT * FROM memberline_terminals WHERE number = $1")
        .bind(number)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(terminal_from)
        .transpose()
}

/// Inserts or replaces a terminal's configuration and status.
pub async fn save_terminal(conn: &mut Connection, terminal: &Terminal) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO memberline_terminals (number, enterprise_id, member_id, status_source, status, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (number) DO UPDATE SET enterprise_id = excluded.enterprise_id, \
         member_id = excluded.member_id, status_source = excluded.status_source, \
         status = excluded.status, updated_at = excluded.updated_at",
    )
    .bind(&terminal.number)
    .bind(&terminal.enterprise_id)
    .bind(terminal.member_id.as_ref().map(|m| m.as_str().to_owned()))
    .bind(terminal.status_source.as_str())
    .bind(terminal.status.map(|s| s.as_str()))
    .bind(terminal.updated_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The enterprise a device number belongs to: a member's mobile, or a plan entry's target
/// (memberline, virtual number).
pub async fn enterprise_of_number(
    conn: &mut Connection,
    number: &str,
) -> Result<Option<String>, StoreError> {
    let row = crate::db::query(
        "SELECT enterprise_id FROM members WHERE mobile = $1 AND enterprise_id IS NOT NULL \
         UNION ALL SELECT enterprise_id FROM short_numbers \
         WHERE kind IN ('memberline', 'virtual') AND target = $1 \
         UNION ALL SELECT enterprise_id FROM memberline_terminals WHERE number = $1",
    )
    .bind(number)
    .fetch_optional(conn)
    .await?;
    row.as_ref()
        .map(|row| text(row, "enterprise_id"))
        .transpose()
}

/// Every enterprise id, for starting engines eagerly.
pub async fn enterprise_ids(conn: &mut Connection) -> Result<Vec<String>, StoreError> {
    crate::db::query("SELECT id FROM enterprises ORDER BY id")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| Ok(id(row, "id")?.as_str().to_owned()))
        .collect()
}
