//! Who logs in to the portal: administrators, operator users and dealer users.

use sentral_domain::portal::{PortalLogin, PortalRole};
use sentral_domain::{EntityId, OrgNumber, Timestamp};

use crate::db::Row;
use crate::rows::{at, id, int, opt_int, opt_org, opt_text, text};
use crate::{Connection, StoreError};

pub async fn insert_login(conn: &mut Connection, login: &PortalLogin) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO portal_logins (id, role, administrator_id, org_number, name, email, mobile, \
         password_hash, failed_attempts, locked_until, last_login_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(login.id.as_str())
    .bind(login.role.as_str())
    .bind(login.administrator_id.as_ref().map(EntityId::as_str))
    .bind(login.org_number.as_ref().map(OrgNumber::as_str))
    .bind(&login.name)
    .bind(&login.email)
    .bind(login.mobile.as_deref())
    .bind(&login.password_hash)
    .bind(i64::from(login.failed_attempts))
    .bind(login.locked_until.map(Timestamp::millis))
    .bind(login.last_login_at.map(Timestamp::millis))
    .bind(login.created_at.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("portal login {}", login.email)))?;
    Ok(())
}

fn login_from(row: &Row) -> Result<PortalLogin, StoreError> {
    Ok(PortalLogin {
        id: id(row, "id")?,
        role: PortalRole::parse(&text(row, "role")?)?,
        administrator_id: opt_text(row, "administrator_id")?.map(EntityId::new),
        org_number: opt_org(row, "org_number")?,
        name: text(row, "name")?,
        email: text(row, "email")?,
        mobile: opt_text(row, "mobile")?,
        password_hash: text(row, "password_hash")?,
        failed_attempts: u32::try_from(int(row, "failed_attempts")?).unwrap_or(u32::MAX),
        locked_until: opt_int(row, "locked_until")?.map(Timestamp::from_millis),
        last_login_at: opt_int(row, "last_login_at")?.map(Timestamp::from_millis),
        created_at: at(row, "created_at")?,
    })
}

pub async fn login(
    conn: &mut Connection,
    id: &EntityId,
) -> Result<Option<PortalLogin>, StoreError> {
    crate::db::query("SELECT * FROM portal_logins WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(login_from)
        .transpose()
}

/// The login whose e-mail (lower case) or mobile is `name`.
pub async fn login_by_name(
    conn: &mut Connection,
    name: &str,
) -> Result<Option<PortalLogin>, StoreError> {
    crate::db::query("SELECT * FROM portal_logins WHERE email = $1 OR mobile = $1")
        .bind(name)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(login_from)
        .transpose()
}

pub async fn login_by_administrator(
    conn: &mut Connection,
    administrator_id: &EntityId,
) -> Result<Option<PortalLogin>, StoreError> {
    crate::db::query("SELECT * FROM portal_logins WHERE administrator_id = $1")
        .bind(administrator_id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(login_from)
        .transpose()
}

/// Every login of one company, by name.
pub async fn logins_of_org(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<PortalLogin>, StoreError> {
    let rows = crate::db::query("SELECT * FROM portal_logins WHERE org_number = $1 ORDER BY name")
        .bind(org_number.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(login_from).collect()
}

/// Counts a wrong password; locks the login until `lock_until` when this attempt reaches
/// `lock_after` failures. Returns the failures counted so far.
pub async fn record_failed_login(
    conn: &mut Connection,
    id: &EntityId,
    lock_after: u32,
    lock_until: Timestamp,
) -> Result<u32, StoreError> {
    let row = crate::db::query(
        "UPDATE portal_logins SET failed_attempts = failed_attempts + 1, \
         locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3 ELSE locked_until END \
         WHERE id = $1 RETURNING failed_attempts",
    )
    .bind(id.as_str())
    .bind(i64::from(lock_after))
    .bind(lock_until.millis())
    .fetch_one(conn)
    .await?;
    Ok(u32::try_from(int(&row, "failed_attempts")?).unwrap_or(u32::MAX))
}

/// A correct password: the failures are forgotten and the login time kept.
pub async fn record_successful_login(
    conn: &mut Connection,
    id: &EntityId,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE portal_logins SET failed_attempts = 0, locked_until = NULL, last_login_at = $2 \
         WHERE id = $1",
    )
    .bind(id.as_str())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_login_password(
    conn: &mut Connection,
    id: &EntityId,
    password_hash: &str,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE portal_logins SET password_hash = $2, failed_attempts = 0, locked_until = NULL \
         WHERE id = $1",
    )
    .bind(id.as_str())
    .bind(password_hash)
    .execute(conn)
    .await?;
    Ok(())
}
