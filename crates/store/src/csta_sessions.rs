//! Status and CSTA session tokens, shared by every node of a cluster. Only hashes are stored:
//! the SHA-256 hex of the session token and of the access token the session is bound to.

use sentral_domain::Timestamp;

use crate::db::Row;
use crate::rows::{at, text};
use crate::{Connection, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// From `POST /status/token`: only good for a CSTA login.
    Status,
    /// From `POST /csta/authentication/token`: the bearer token of the CSTA interface.
    Csta,
}

impl SessionKind {
    const fn as_str(self) -> &'static str {
        match self {
            SessionKind::Status => "status",
            SessionKind::Csta => "csta",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub kind: SessionKind,
    pub access_token_hash: String,
    /// The client and the user it acts as, e.g. `demo-client/user:api0000000001`.
    pub subject: String,
    pub expires_at: Timestamp,
    pub created_at: Timestamp,
}

pub async fn insert_session(
    conn: &mut Connection,
    session: &SessionRecord,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO csta_sessions (token_hash, kind, access_token_hash, subject, expires_at, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&session.token_hash)
    .bind(session.kind.as_str())
    .bind(&session.access_token_hash)
    .bind(&session.subject)
    .bind(session.expires_at.millis())
    .bind(session.created_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

fn session_from(row: &Row) -> Result<SessionRecord, StoreError> {
    let kind = match text(row, "kind")?.as_str() {
        "status" => SessionKind::Status,
        "csta" => SessionKind::Csta,
        other => return Err(StoreError::Corrupt(format!("session kind {other:?}"))),
    };
    Ok(SessionRecord {
        token_hash: text(row, "token_hash")?,
        kind,
        access_token_hash: text(row, "access_token_hash")?,
        subject: text(row, "subject")?,
        expires_at: at(row, "expires_at")?,
        created_at: at(row, "created_at")?,
    })
}

/// The session with this token hash, expired or not: the caller checks expiry.
pub async fn session(
    conn: &mut Connection,
    token_hash: &str,
) -> Result<Option<SessionRecord>, StoreError> {
    crate::db::query(
        "SELECT token_hash, kind, access_token_hash, subject, expires_at, created_at \
         FROM csta_sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(session_from)
    .transpose()
}

/// Deletes the sessions that expired before `cutoff`; returns how many went.
pub async fn purge_expired(conn: &mut Connection, cutoff: Timestamp) -> Result<u64, StoreError> {
    let result = crate::db::query("DELETE FROM csta_sessions WHERE expires_at < $1")
        .bind(cutoff.millis())
        .execute(conn)
        .await?;
    Ok(result.rows_affected())
}

/// Deletes every session (a sandbox reset); returns how many went.
pub async fn delete_all(conn: &mut Connection) -> Result<u64, StoreError> {
    let result = crate::db::query("DELETE FROM csta_sessions")
        .execute(conn)
        .await?;
    Ok(result.rows_affected())
}
