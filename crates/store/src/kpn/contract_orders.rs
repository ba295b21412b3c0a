//! KPN contract orders: what terminate, replace SIM, move and port out keep beside the contract
//! (its term and monthly fee, its SIM, owner and state), and the authorisation of waiting orders.

use sentral_domain::Timestamp;
use sentral_domain::corporate::OrderStatus;
use sentral_domain::kpn::{ContractState, KpnStatus};

use crate::rows::{int, opt_int, opt_text};
use crate::{Connection, StoreError};

/// A contract's minimum term and monthly fee (`term_months` 0: no term).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContractTerms {
    pub term_months: i64,
    pub monthly_fee_cents: i64,
}

/// Sets a contract's minimum term (months from its start, 0 = none) and monthly fee in cents;
/// false when there is no such contract.
pub async fn set_contract_terms(
    conn: &mut Connection,
    contract_id: i64,
    term_months: i64,
    monthly_fee_cents: i64,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_contracts SET term_months = $2, monthly_fee_cents = $3 WHERE id = $1",
    )
    .bind(contract_id)
    .bind(term_months)
    .bind(monthly_fee_cents)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn contract_terms(
    conn: &mut Connection,
    contract_id: i64,
) -> Result<Option<ContractTerms>, StoreError> {
    let row =
        crate::db::query("SELECT term_months, monthly_fee_cents FROM kpn_contracts WHERE id = $1")
            .bind(contract_id)
            .fetch_optional(conn)
            .await?;
    row.map(|row| {
        Ok(ContractTerms {
            term_months: int(&row, "term_months")?,
            monthly_fee_cents: int(&row, "monthly_fee_cents")?,
        })
    })
    .transpose()
}

/// The contract (of any customer) other than `except_id` whose SIM card number is `sim`.
pub async fn contract_with_sim(
    conn: &mut Connection,
    sim: &str,
    except_id: i64,
) -> Result<Option<i64>, StoreError> {
    let row = crate::db::query(
        "SELECT id FROM kpn_contracts WHERE sim_card_number = $1 AND id <> $2 AND state <> $3 \
         ORDER BY id LIMIT 1",
    )
    .bind(sim)
    .bind(except_id)
    .bind(ContractState::Closed.as_str())
    .fetch_optional(conn)
    .await?;
    row.map(|row| int(&row, "id")).transpose()
}

/// Puts a new SIM card in a contract that is not CLOSED; false when there is none.
pub async fn set_sim(
    conn: &mut Connection,
    contract_id: i64,
    sim: &str,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_contracts SET sim_card_number = $2, status_changed_at = $3 \
         WHERE id = $1 AND state <> $4",
    )
    .bind(contract_id)
    .bind(sim)
    .bind(at.millis())
    .bind(ContractState::Closed.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a contract that is not CLOSED to another subscriber or debtor; false when there is none.
pub async fn set_owner(
    conn: &mut Connection,
    contract_id: i64,
    owner_id: i64,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_contracts SET owner_id = $2, status_changed_at = $3 \
         WHERE id = $1 AND state <> $4",
    )
    .bind(contract_id)
    .bind(owner_id)
    .bind(at.millis())
    .bind(ContractState::Closed.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes a contract that is not CLOSED yet; `free_number` also gives up its mobile number (a
/// number ported out is no longer KPN's). False when there is none.
pub async fn close(
    conn: &mut Connection,
    contract_id: i64,
    free_number: bool,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let sql = if free_number {
        "UPDATE kpn_contracts SET state = $2, status_changed_at = $3, mobile_number = NULL \
         WHERE id = $1 AND state <> $2"
    } else {
        "UPDATE kpn_contracts SET state = $2, status_changed_at = $3 WHERE id = $1 AND state <> $2"
    };
    let done = crate::db::query(sql)
        .bind(contract_id)
        .bind(ContractState::Closed.as_str())
        .bind(at.millis())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Notes that an order waits for authorisation and takes `seconds` once authorised.
pub async fn insert_authorization(
    conn: &mut Connection,
    order_id: &str,
    seconds: i64,
) -> Result<(), StoreError> {
    crate::db::query("INSERT INTO kpn_order_authorizations (order_id, seconds) VALUES ($1, $2)")
        .bind(order_id)
        .bind(seconds)
        .execute(conn)
        .await?;
    Ok(())
}

/// The authorisation of an order: its delay, and who authorised it (None while it waits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub seconds: i64,
    pub approved_by: Option<String>,
    pub approved_at: Option<Timestamp>,
}

pub async fn authorization(
    conn: &mut Connection,
    order_id: &str,
) -> Result<Option<Authorization>, StoreError> {
    let row = crate::db::query(
        "SELECT seconds, approved_by, approved_at FROM kpn_order_authorizations \
         WHERE order_id = $1",
    )
    .bind(order_id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(Authorization {
            seconds: int(&row, "seconds")?,
            approved_by: opt_text(&row, "approved_by")?,
            approved_at: opt_int(&row, "approved_at")?.map(Timestamp::from_millis),
        })
    })
    .transpose()
}

/// Moves an open order waiting for authorisation on: no longer held, due at `due_at`, approved
/// by `approved_by`. False when it is not (or no longer) open and waiting.
pub async fn authorize(
    conn: &mut Connection,
    order_id: &str,
    approved_by: &str,
    due_at: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let released = crate::db::query(
        "UPDATE kpn_orders SET held = NULL WHERE order_id = $1 AND held = $2 \
         AND order_id IN (SELECT id FROM corporate_orders WHERE id = $1 AND status = $3)",
    )
    .bind(order_id)
    .bind(KpnStatus::WaitingForAuthorization.as_str())
    .bind(OrderStatus::InProgress.as_str())
    .execute(&mut *conn)
    .await?;
    if released.rows_affected() != 1 {
        return Ok(false);
    }
    crate::db::query("UPDATE corporate_orders SET due_at = $2 WHERE id = $1 AND status = $3")
        .bind(order_id)
        .bind(due_at.millis())
        .bind(OrderStatus::InProgress.as_str())
        .execute(&mut *conn)
        .await?;
    crate::db::query(
        "UPDATE kpn_order_authorizations SET approved_by = $2, approved_at = $3 \
         WHERE order_id = $1",
    )
    .bind(order_id)
    .bind(approved_by)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(true)
}
