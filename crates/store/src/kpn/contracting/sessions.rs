//! Basket sessions (KPN.md decision 5): one small JSON row each, so every node of a cluster
//! knows them.

use sentral_domain::kpn::contracting::{BasketSession, BasketState};
use sentral_domain::{OrgNumber, Timestamp};

use crate::db::Row;
use crate::rows::{at, opt_text, org, text};
use crate::{Connection, StoreError};

fn state_json(state: &BasketState) -> Result<String, StoreError> {
    serde_json::to_string(state).map_err(|e| StoreError::Corrupt(format!("basket state: {e}")))
}

fn session_from(row: &Row) -> Result<BasketSession, StoreError> {
    let state: BasketState = serde_json::from_str(&text(row, "state")?)
        .map_err(|e| StoreError::Corrupt(format!("basket state: {e}")))?;
    Ok(BasketSession {
        id: text(row, "id")?,
        org_number: org(row, "org_number")?,
        owner: text(row, "owner")?,
        state,
        touched_at: at(row, "touched_at")?,
        ordered_as: opt_text(row, "ordered_as")?,
    })
}

pub async fn insert_session(
    conn: &mut Connection,
    session: &BasketSession,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO kpn_basket_sessions (id, org_number, owner, state, created_at, touched_at, \
         ordered_as) VALUES ($1, $2, $3, $4, $5, $5, NULL)",
    )
    .bind(&session.id)
    .bind(session.org_number.as_str())
    .bind(&session.owner)
    .bind(state_json(&session.state)?)
    .bind(session.touched_at.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("basket session {}", session.id)))?;
    Ok(())
}

pub async fn session(conn: &mut Connection, id: &str) -> Result<Option<BasketSession>, StoreError> {
    crate::db::query("SELECT * FROM kpn_basket_sessions WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(session_from)
        .transpose()
}

/// The caller's most recently used session of `org_number` that is still open.
pub async fn latest_session(
    conn: &mut Connection,
    owner: &str,
    org_number: &OrgNumber,
) -> Result<Option<BasketSession>, StoreError> {
    crate::db::query(
        "SELECT * FROM kpn_basket_sessions WHERE owner = $1 AND org_number = $2 \
         AND ordered_as IS NULL ORDER BY touched_at DESC, id DESC LIMIT 1",
    )
    .bind(owner)
    .bind(org_number.as_str())
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(session_from)
    .transpose()
}

/// Stores a session's new state and use; false when it is gone or closed.
pub async fn save_state(
    conn: &mut Connection,
    id: &str,
    state: &BasketState,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_basket_sessions SET state = $2, touched_at = $3 \
         WHERE id = $1 AND ordered_as IS NULL",
    )
    .bind(id)
    .bind(state_json(state)?)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes an open session as ordered (`order_id`); false when it was already closed.
pub async fn close_session(
    conn: &mut Connection,
    id: &str,
    order_id: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_basket_sessions SET ordered_as = $2, touched_at = $3 \
         WHERE id = $1 AND ordered_as IS NULL",
    )
    .bind(id)
    .bind(order_id)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
