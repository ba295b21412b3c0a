//! The KPN side of orders of the shared engine (`corporate_orders`): reference, context, who
//! ordered it for whom, and the change it makes.

use crate::db::Row;
use sentral_domain::OrgNumber;
use sentral_domain::corporate::Order;
use sentral_domain::kpn::{KpnChange, KpnOrderRecord, KpnStatus, Receiver, RequestKind};

use crate::corporate::orders::order_from;
use crate::rows::{at, corrupt, opt_text, text};
use crate::{Connection, StoreError};

fn json(value: &impl ToJson) -> Result<String, StoreError> {
    value.to_json()
}

trait ToJson {
    fn to_json(&self) -> Result<String, StoreError>;
}

impl ToJson for Receiver {
    fn to_json(&self) -> Result<String, StoreError> {
        serde_json::to_string(self).map_err(|e| StoreError::Corrupt(format!("KPN order: {e}")))
    }
}

impl ToJson for KpnChange {
    fn to_json(&self) -> Result<String, StoreError> {
        serde_json::to_string(self).map_err(|e| StoreError::Corrupt(format!("KPN order: {e}")))
    }
}

pub async fn insert_record(
    conn: &mut Connection,
    org_number: &OrgNumber,
    record: &KpnOrderRecord,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO kpn_orders (order_id, org_number, request_kind, reference_number, \
         kpn_reference, context_name, ordered_by, receiver, msisdn, sim, starts_at, change, note, \
         held) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&record.order_id)
    .bind(org_number.as_str())
    .bind(record.kind.as_str())
    .bind(&record.reference_number)
    .bind(&record.kpn_reference)
    .bind(&record.context_name)
    .bind(&record.ordered_by)
    .bind(json(&record.receiver)?)
    .bind(record.msisdn.as_deref())
    .bind(record.sim.as_deref())
    .bind(record.starts_at.millis())
    .bind(json(&record.change)?)
    .bind(record.note.as_deref())
    .bind(record.held.map(KpnStatus::as_str))
    .execute(conn)
    .await?;
    Ok(())
}

fn record_from(row: &Row) -> Result<KpnOrderRecord, StoreError> {
    let kind = text(row, "request_kind")?;
    let receiver: Receiver = serde_json::from_str(&text(row, "receiver")?)
        .map_err(|e| StoreError::Corrupt(format!("KPN order receiver: {e}")))?;
    let change: KpnChange = serde_json::from_str(&text(row, "change")?)
        .map_err(|e| StoreError::Corrupt(format!("KPN order change: {e}")))?;
    Ok(KpnOrderRecord {
        order_id: text(row, "order_id")?,
        kind: RequestKind::parse(&kind).ok_or_else(|| corrupt("KPN request kind", &kind))?,
        reference_number: text(row, "reference_number")?,
        kpn_reference: text(row, "kpn_reference")?,
        context_name: text(row, "context_name")?,
        ordered_by: text(row, "ordered_by")?,
        receiver,
        msisdn: opt_text(row, "msisdn")?,
        sim: opt_text(row, "sim")?,
        starts_at: at(row, "starts_at")?,
        change,
        note: opt_text(row, "note")?,
        held: opt_text(row, "held")?
            .map(|held| KpnStatus::parse(&held).ok_or_else(|| corrupt("KPN held status", &held)))
            .transpose()?,
    })
}

/// The KPN side of an order, whichever customer it belongs to (the engine's view).
pub async fn record(
    conn: &mut Connection,
    order_id: &str,
) -> Result<Option<KpnOrderRecord>, StoreError> {
    crate::db::query("SELECT * FROM kpn_orders WHERE order_id = $1")
        .bind(order_id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(record_from)
        .transpose()
}

const JOINED: &str = "SELECT o.*, k.order_id, k.request_kind, k.reference_number, \
     k.kpn_reference, k.context_name, k.ordered_by, k.receiver, k.msisdn, k.sim, k.starts_at, \
     k.change, k.note, k.held FROM kpn_orders k JOIN corporate_orders o ON o.id = k.order_id";

/// One order of the customer with its KPN side.
pub async fn order(
    conn: &mut Connection,
    org_number: &OrgNumber,
    order_id: &str,
) -> Result<Option<(Order, KpnOrderRecord)>, StoreError> {
    let sql = format!("{JOINED} WHERE k.order_id = $1 AND k.org_number = $2");
    let row = crate::db::query(crate::db::AssertSqlSafe(sql))
        .bind(order_id)
        .bind(org_number.as_str())
        .fetch_optional(conn)
        .await?;
    row.map(|row| Ok((order_from(&row)?, record_from(&row)?)))
        .transpose()
}

/// Every order of the customer of one kind, newest first (track & trace filters, sorts and
/// pages them by their status at the time of asking).
pub async fn orders_of(
    conn: &mut Connection,
    org_number: &OrgNumber,
    kind: Option<RequestKind>,
) -> Result<Vec<(Order, KpnOrderRecord)>, StoreError> {
    let rows = match kind {
        Some(kind) => {
            let sql = format!(
                "{JOINED} WHERE k.org_number = $1 AND k.request_kind = $2 \
                 ORDER BY o.created_at DESC, o.id DESC"
            );
            crate::db::query(crate::db::AssertSqlSafe(sql))
                .bind(org_number.as_str())
                .bind(kind.as_str())
                .fetch_all(conn)
                .await?
        }
        None => {
            let sql =
                format!("{JOINED} WHERE k.org_number = $1 ORDER BY o.created_at DESC, o.id DESC");
            crate::db::query(crate::db::AssertSqlSafe(sql))
                .bind(org_number.as_str())
                .fetch_all(conn)
                .await?
        }
    };
    rows.iter()
        .map(|row| Ok((order_from(row)?, record_from(row)?)))
        .collect()
}

/// Records the note of a cancellation.
pub async fn set_note(
    conn: &mut Connection,
    order_id: &str,
    note: Option<&str>,
) -> Result<(), StoreError> {
    crate::db::query("UPDATE kpn_orders SET note = $2 WHERE order_id = $1")
        .bind(order_id)
        .bind(note)
        .execute(conn)
        .await?;
    Ok(())
}

/// The open orders of the customer whose subject is one of the hierarchy items or contracts
/// given as engine subjects (`kpn-item`/`kpn-contract` + id).
pub async fn open_on(
    conn: &mut Connection,
    subject_kind: &str,
    subject: i64,
) -> Result<Vec<(Order, KpnOrderRecord)>, StoreError> {
    let sql = format!(
        "{JOINED} WHERE o.subject_kind = $1 AND o.subject = $2 AND o.status = $3 \
         ORDER BY o.created_at, o.id"
    );
    let rows = crate::db::query(crate::db::AssertSqlSafe(sql))
        .bind(subject_kind)
        .bind(subject.to_string())
        .bind(sentral_domain::corporate::OrderStatus::InProgress.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| Ok((order_from(row)?, record_from(row)?)))
        .collect()
}

/// Gives open order `order_id` a new change and start (a port-in's data and wish date): the
/// engine's due time moves with the start, keeping the order's delay; an order resting in a
/// held status stays held. False when the order is no longer open.
pub async fn reschedule(
    conn: &mut Connection,
    order_id: &str,
    change: &sentral_domain::kpn::KpnChange,
    starts_at: sentral_domain::Timestamp,
    due_at: sentral_domain::Timestamp,
) -> Result<bool, StoreError> {
    let open = sentral_domain::corporate::OrderStatus::InProgress.as_str();
    let updated = crate::db::query(
        "UPDATE kpn_orders SET change = $2, starts_at = $3 WHERE order_id = $1 \
         AND order_id IN (SELECT id FROM corporate_orders WHERE id = $1 AND status = $4)",
    )
    .bind(order_id)
    .bind(json(change)?)
    .bind(starts_at.millis())
    .bind(open)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() != 1 {
        return Ok(false);
    }
    crate::db::query(
        "UPDATE corporate_orders SET due_at = $2 WHERE id = $1 AND status = $3 \
         AND NOT EXISTS (SELECT 1 FROM kpn_orders WHERE order_id = $1 AND held IS NOT NULL)",
    )
    .bind(order_id)
    .bind(due_at.millis())
    .bind(open)
    .execute(conn)
    .await?;
    Ok(true)
}
