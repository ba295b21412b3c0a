//! Access tokens, refresh tokens and authorisation codes, stored only as SHA-256 hashes.

use crate::db::Row;
use sentral_domain::{EntityId, Timestamp};

use crate::rows::{at, id, opt_int, opt_text, text};
use crate::{Connection, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

impl TokenKind {
    const fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub token_hash: String,
    pub kind: TokenKind,
    /// Shared by a refresh chain and every access token issued from it.
    pub family: String,
    pub app_id: EntityId,
    pub client_id: String,
    pub system_user_id: Option<EntityId>,
    pub member_id: Option<EntityId>,
    /// Space-separated API product ids.
    pub scope: String,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

pub async fn insert_token(conn: &mut Connection, token: &TokenRecord) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO tokens (token_hash, kind, family, app_id, client_id, system_user_id, \
         member_id, scope, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&token.token_hash)
    .bind(token.kind.as_str())
    .bind(&token.family)
    .bind(token.app_id.as_str())
    .bind(&token.client_id)
    .bind(token.system_user_id.as_ref().map(EntityId::as_str))
    .bind(token.member_id.as_ref().map(EntityId::as_str))
    .bind(&token.scope)
    .bind(token.issued_at.millis())
    .bind(token.expires_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

fn token_from(row: &Row) -> Result<TokenRecord, StoreError> {
    let kind = match text(row, "kind")?.as_str() {
        "access" => TokenKind::Access,
        "refresh" => TokenKind::Refresh,
        other => return Err(StoreError::Corrupt(format!("token kind {other:?}"))),
    };
    Ok(TokenRecord {
        token_hash: text(row, "token_hash")?,
        kind,
        family: text(row, "family")?,
        app_id: id(row, "app_id")?,
        client_id: text(row, "client_id")?,
        system_user_id: opt_text(row, "system_user_id")?.map(EntityId::new),
        member_id: opt_text(row, "member_id")?.map(EntityId::new),
        scope: text(row, "scope")?,
        issued_at: at(row, "issued_at")?,
        expires_at: at(row, "expires_at")?,
        revoked_at: opt_int(row, "revoked_at")?.map(Timestamp::from_millis),
    })
}

pub async fn token(
    conn: &mut Connection,
    token_hash: &str,
) -> Result<Option<TokenRecord>, StoreError> {
    crate::db::query("SELECT * FROM tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(token_from)
        .transpose()
}

/// Revokes one token; returns whether it was live.
pub async fn revoke_token(
    conn: &mut Connection,
    token_hash: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let result = crate::db::query(
        "UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
    )
    .bind(now.millis())
    .bind(token_hash)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn revoke_family(
    conn: &mut Connection,
    family: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let result = crate::db::query(
        "UPDATE tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL",
    )
    .bind(now.millis())
    .bind(family)
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

pub async fn revoke_tokens_of_system_user(
    conn: &mut Connection,
    system_user_id: &EntityId,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let result = crate::db::query(
        "UPDATE tokens SET revoked_at = $1 WHERE system_user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now.millis())
    .bind(system_user_id.as_str())
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

pub async fn revoke_tokens_of_app(
    conn: &mut Connection,
    app_id: &EntityId,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let result = crate::db::query(
        "UPDATE tokens SET revoked_at = $1 WHERE app_id = $2 AND revoked_at IS NULL",
    )
    .bind(now.millis())
    .bind(app_id.as_str())
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

/// Deletes tokens and codes that expired before `cutoff`; returns how many rows went.
pub async fn purge_expired(conn: &mut Connection, cutoff: Timestamp) -> Result<u64, StoreError> {
    let tokens = crate::db::query("DELETE FROM tokens WHERE expires_at < $1")
        .bind(cutoff.millis())
        .execute(&mut *conn)
        .await?;
    let codes = crate::db::query("DELETE FROM authorization_codes WHERE expires_at < $1")
        .bind(cutoff.millis())
        .execute(conn)
        .await?;
    Ok(tokens.rows_affected() + codes.rows_affected())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub code_hash: String,
    pub app_id: EntityId,
    pub client_id: String,
    pub member_id: EntityId,
    pub redirect_uri: String,
    pub scope: String,
    pub expires_at: Timestamp,
}

pub async fn insert_code(
    conn: &mut Connection,
    code: &AuthorizationCode,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO authorization_codes (code_hash, app_id, client_id, member_id, redirect_uri, \
         scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&code.code_hash)
    .bind(code.app_id.as_str())
    .bind(&code.client_id)
    .bind(code.member_id.as_str())
    .bind(&code.redirect_uri)
    .bind(&code.scope)
    .bind(code.expires_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a code used and returns it, once: a second take of the same code finds nothing.
pub async fn take_code(
    conn: &mut Connection,
    code_hash: &str,
    now: Timestamp,
) -> Result<Option<AuthorizationCode>, StoreError> {
    let row = crate::db::query(
        "UPDATE authorization_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL \
         RETURNING code_hash, app_id, client_id, member_id, redirect_uri, scope, expires_at",
    )
    .bind(now.millis())
    .bind(code_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(AuthorizationCode {
            code_hash: text(&row, "code_hash")?,
            app_id: id(&row, "app_id")?,
            client_id: text(&row, "client_id")?,
            member_id: id(&row, "member_id")?,
            redirect_uri: text(&row, "redirect_uri")?,
            scope: text(&row, "scope")?,
            expires_at: at(&row, "expires_at")?,
        })
    })
    .transpose()
}
