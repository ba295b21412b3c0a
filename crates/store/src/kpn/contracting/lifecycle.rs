//! What a basket order does to contracts: made ORDERED at once, ACTIVE with its items when the
//! order is done, gone again when it is cancelled.

use sentral_domain::kpn::{ContractItemNode, ContractState};
use sentral_domain::{OrgNumber, Timestamp};

use crate::rows::{corrupt, int, text};
use crate::{Connection, StoreError};

fn items_json(items: &[ContractItemNode]) -> Result<String, StoreError> {
    serde_json::to_string(items).map_err(|e| StoreError::Corrupt(format!("contract items: {e}")))
}

/// The finished contract: its state, items, number and SIM; false when it is gone.
pub async fn complete_contract(
    conn: &mut Connection,
    id: i64,
    state: ContractState,
    items: &[ContractItemNode],
    mobile_number: Option<&str>,
    sim_card_number: Option<&str>,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_contracts SET state = $2, items = $3, \
         mobile_number = COALESCE($4, mobile_number), \
         sim_card_number = COALESCE($5, sim_card_number), status_changed_at = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(state.as_str())
    .bind(items_json(items)?)
    .bind(mobile_number)
    .bind(sim_card_number)
    .bind(at.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a contract that is still ORDERED (its order did not go through).
pub async fn delete_ordered(conn: &mut Connection, id: i64) -> Result<bool, StoreError> {
    let done = crate::db::query("DELETE FROM kpn_contracts WHERE id = $1 AND state = $2")
        .bind(id)
        .bind(ContractState::Ordered.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a contract's state back (a cancelled modify); only while it is PENDING.
pub async fn restore_state(
    conn: &mut Connection,
    id: i64,
    state: ContractState,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_contracts SET state = $2, status_changed_at = $3 WHERE id = $1 AND state = $4",
    )
    .bind(id)
    .bind(state.as_str())
    .bind(at.millis())
    .bind(ContractState::Pending.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The customer's contract (not CLOSED) with mobile number `msisdn` and its state, if any.
pub async fn contract_with_number(
    conn: &mut Connection,
    org_number: &OrgNumber,
    msisdn: &str,
) -> Result<Option<(i64, ContractState)>, StoreError> {
    let row = crate::db::query(
        "SELECT id, state FROM kpn_contracts WHERE org_number = $1 AND mobile_number = $2 \
         AND state <> $3 ORDER BY id LIMIT 1",
    )
    .bind(org_number.as_str())
    .bind(msisdn)
    .bind(ContractState::Closed.as_str())
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        let state = text(&row, "state")?;
        Ok((
            int(&row, "id")?,
            ContractState::parse(&state).ok_or_else(|| corrupt("contract state", &state))?,
        ))
    })
    .transpose()
}
