//! Usage thresholds and the contracts assigned to them.

use crate::db::Row;
use sentral_domain::kpn::thresholds::{Threshold, ThresholdType};
use sentral_domain::{OrgNumber, Timestamp};

use crate::rows::{corrupt, int, text};
use crate::{Connection, StoreError};

/// The SQL condition of the contracts (`c`) that may carry a threshold: mobile subscriptions
/// that are not closed (the rule of `sentral_domain::kpn::thresholds::takes_threshold`).
pub(crate) const ELIGIBLE: &str = "c.category IN ('MOBILE', 'FIXED_MOBILE') \
     AND c.mobile_number IS NOT NULL AND c.state <> 'CLOSED'";

fn threshold_from(row: &Row) -> Result<Threshold, StoreError> {
    let kind = text(row, "threshold_type")?;
    Ok(Threshold {
        id: int(row, "id")?,
        name: text(row, "name")?,
        kind: ThresholdType::parse(&kind).ok_or_else(|| corrupt("threshold type", &kind))?,
        daily_value: row.try_get::<f64, _>("daily_value")?,
    })
}

/// The key a name is unique by (per customer, whatever its case).
fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

pub async fn thresholds(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<Threshold>, StoreError> {
    let rows = crate::db::query("SELECT * FROM kpn_thresholds WHERE org_number = $1 ORDER BY id")
        .bind(org_number.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(threshold_from).collect()
}

pub async fn threshold(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
) -> Result<Option<Threshold>, StoreError> {
    crate::db::query("SELECT * FROM kpn_thresholds WHERE id = $1 AND org_number = $2")
        .bind(id)
        .bind(org_number.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(threshold_from)
        .transpose()
}

/// The customer's threshold named `name` (any case), if any.
pub async fn named(
    conn: &mut Connection,
    org_number: &OrgNumber,
    name: &str,
) -> Result<Option<i64>, StoreError> {
    crate::db::query("SELECT id FROM kpn_thresholds WHERE org_number = $1 AND name_key = $2")
        .bind(org_number.as_str())
        .bind(name_key(name))
        .fetch_optional(conn)
        .await?
        .map(|row| int(&row, "id"))
        .transpose()
}

pub async fn insert_threshold(
    conn: &mut Connection,
    org_number: &OrgNumber,
    threshold: &Threshold,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO kpn_thresholds (id, org_number, name, name_key, threshold_type, \
         daily_value, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(threshold.id)
    .bind(org_number.as_str())
    .bind(threshold.name.as_str())
    .bind(name_key(&threshold.name))
    .bind(threshold.kind.as_str())
    .bind(threshold.daily_value)
    .bind(now.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("threshold name {:?}", threshold.name)))?;
    Ok(())
}

pub async fn update_threshold(
    conn: &mut Connection,
    threshold: &Threshold,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_thresholds SET name = $2, name_key = $3, threshold_type = $4, \
         daily_value = $5, updated_at = $6 WHERE id = $1",
    )
    .bind(threshold.id)
    .bind(threshold.name.as_str())
    .bind(name_key(&threshold.name))
    .bind(threshold.kind.as_str())
    .bind(threshold.daily_value)
    .bind(now.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("threshold name {:?}", threshold.name)))?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a threshold that has no contracts.
pub async fn delete_threshold(conn: &mut Connection, id: i64) -> Result<bool, StoreError> {
    let done = crate::db::query("DELETE FROM kpn_thresholds WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The contracts assigned to threshold `id`.
pub async fn contracts_of(conn: &mut Connection, id: i64) -> Result<Vec<i64>, StoreError> {
    let rows = crate::db::query(
        "SELECT contract_id FROM kpn_threshold_contracts WHERE threshold_id = $1 \
         ORDER BY contract_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| int(row, "contract_id")).collect()
}

/// The threshold of `kind` contract `contract_id` has, if any.
pub async fn threshold_of_type(
    conn: &mut Connection,
    contract_id: i64,
    kind: ThresholdType,
) -> Result<Option<i64>, StoreError> {
    crate::db::query(
        "SELECT threshold_id FROM kpn_threshold_contracts WHERE contract_id = $1 \
         AND threshold_type = $2",
    )
    .bind(contract_id)
    .bind(kind.as_str())
    .fetch_optional(conn)
    .await?
    .map(|row| int(&row, "threshold_id"))
    .transpose()
}

pub async fn assign(
    conn: &mut Connection,
    threshold: &Threshold,
    contract_id: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO kpn_threshold_contracts (threshold_id, contract_id, threshold_type, \
         assigned_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(threshold.id)
    .bind(contract_id)
    .bind(threshold.kind.as_str())
    .bind(now.millis())
    .execute(conn)
    .await
    .map_err(|e| {
        e.conflict_as(format!(
            "contract {contract_id} and a {} threshold",
            threshold.kind
        ))
    })?;
    Ok(())
}

pub async fn unassign(
    conn: &mut Connection,
    threshold_id: i64,
    contract_id: i64,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "DELETE FROM kpn_threshold_contracts WHERE threshold_id = $1 AND contract_id = $2",
    )
    .bind(threshold_id)
    .bind(contract_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The thresholds of contract `contract_id` (track & trace's `thresholds`, by type).
pub async fn thresholds_of_contract(
    conn: &mut Connection,
    contract_id: i64,
) -> Result<Vec<Threshold>, StoreError> {
    let rows = crate::db::query(
        "SELECT t.* FROM kpn_thresholds t JOIN kpn_threshold_contracts a \
         ON a.threshold_id = t.id WHERE a.contract_id = $1 ORDER BY t.id",
    )
    .bind(contract_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(threshold_from).collect()
}
