//! Portal sessions, found by the SHA-256 of the id in the browser's cookie.

use sentral_domain::portal::PortalSessionRecord;
use sentral_domain::{EntityId, Timestamp};

use crate::db::Row;
use crate::rows::{at, id, text};
use crate::{Connection, StoreError};

pub async fn insert_session(
    conn: &mut Connection,
    session: &PortalSessionRecord,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO portal_sessions (id_hash, login_id, csrf_token, created_at, \
         authenticated_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&session.id_hash)
    .bind(session.login_id.as_str())
    .bind(&session.csrf_token)
    .bind(session.created_at.millis())
    .bind(session.authenticated_at.millis())
    .bind(session.last_seen_at.millis())
    .bind(session.expires_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

fn session_from(row: &Row) -> Result<PortalSessionRecord, StoreError> {
    Ok(PortalSessionRecord {
        id_hash: text(row, "id_hash")?,
        login_id: id(row, "login_id")?,
        csrf_token: text(row, "csrf_token")?,
        created_at: at(row, "created_at")?,
        authenticated_at: at(row, "authenticated_at")?,
        last_seen_at: at(row, "last_seen_at")?,
        expires_at: at(row, "expires_at")?,
    })
}

pub async fn session(
    conn: &mut Connection,
    id_hash: &str,
) -> Result<Option<PortalSessionRecord>, StoreError> {
    crate::db::query("SELECT * FROM portal_sessions WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(session_from)
        .transpose()
}

/// Keeps an active session alive: seen now, expiring `expires_at` (at most its absolute end).
pub async fn touch_session(
    conn: &mut Connection,
    id_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE portal_sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1",
    )
    .bind(id_hash)
    .bind(now.millis())
    .bind(expires_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_reauthenticated(
    conn: &mut Connection,
    id_hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query("UPDATE portal_sessions SET authenticated_at = $2 WHERE id_hash = $1")
        .bind(id_hash)
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_session(conn: &mut Connection, id_hash: &str) -> Result<(), StoreError> {
    crate::db::query("DELETE FROM portal_sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of a login (its password changed, or it was removed).
pub async fn delete_sessions_of_login(
    conn: &mut Connection,
    login_id: &EntityId,
) -> Result<u64, StoreError> {
    let done = crate::db::query("DELETE FROM portal_sessions WHERE login_id = $1")
        .bind(login_id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete_expired_sessions(
    conn: &mut Connection,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let done = crate::db::query("DELETE FROM portal_sessions WHERE expires_at <= $1")
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
