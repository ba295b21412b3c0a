//! Logging in to the portal: passwords, lock-out, sessions kept in the store (so every node
//! knows them), re-authentication for sensitive actions, logout.

use sentral_domain::portal::{PortalLogin, PortalRole, PortalSessionRecord};
use sentral_domain::secret::random_id;
use sentral_domain::{EntityId, OrgNumber, Secret, Timestamp};
use sentral_store::{platform as platform_repo, portal as repo};
use serde_json::json;

use super::{PortalFailure, PortalUser, PortalUserRole};
use crate::passwords::{hash_secret, sha256_hex, verify_password};
use crate::platform::{Actor, audit};
use crate::{Platform, ServiceError};

/// Wrong passwords in a row that lock a login.
pub const LOCK_AFTER_FAILURES: u32 = 5;
/// How long a locked login stays locked.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// A session not used for this long ends.
pub const SESSION_IDLE_SECONDS: i64 = 30 * 60;
/// A session ends this long after login however it is used.
pub const SESSION_ABSOLUTE_SECONDS: i64 = 12 * 60 * 60;
/// Sensitive actions need a password given within this window.
pub const REAUTHENTICATE_AFTER_SECONDS: i64 = 10 * 60;
/// A session's last use is written at most this often (one write per page view would be waste).
const TOUCH_EVERY_SECONDS: i64 = 60;

/// A verified Argon2id hash of a string nobody knows: an unknown login name costs the same
/// verification as a known one, so timing does not tell which names exist.
const NOBODY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2VudHJhbC1ub2JvZHk$Jz3cG1Rz6mD2mWZk3Z0b1b5y6hJQm0u9oVjC3xkq2pE";

#[derive(Debug, Clone)]
pub struct NewPortalLogin {
    pub role: PortalRole,
    pub administrator_id: Option<EntityId>,
    pub org_number: Option<OrgNumber>,
    pub name: String,
    pub email: String,
    pub mobile: Option<String>,
    pub password: Secret,
}

/// A logged-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSession {
    pub user: PortalUser,
    /// Every form of the session carries it; a POST without it is refused.
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// A successful login: the new session and the id to put in the cookie (shown this once).
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub session_id: Secret,
    pub session: PortalSession,
}

/// Login names are matched without case and surrounding blanks; a mobile with or without +47.
fn normalise_login_name(name: &str) -> String {
    let name = name.trim().to_lowercase();
    let digits: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    match digits
        .strip_prefix("+47")
        .or_else(|| digits.strip_prefix("0047"))
    {
        Some(rest) if rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_digit()) => {
            rest.to_owned()
        }
        _ if digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()) => digits,
        _ => name,
    }
}

impl Platform {
    /// A person who may log in to the portal (the demo seed, the admin command line, a
    /// super-administrator's *Ny administrator*), with the given password.
    pub async fn create_portal_login(
        &self,
        actor: &Actor,
        new: NewPortalLogin,
    ) -> Result<PortalLogin, ServiceError> {
        let now = self.now();
        let login = portal_login_record(new, now)?;
        let mut tx = self.store.write().await?;
        insert_portal_login(&mut tx, actor, &login, now).await?;
        tx.commit().await?;
        Ok(login)
    }

    /// A portal login made at the operator's console (`sentral admin portal-login create`),
    /// with a generated password the caller shows once: the operator's staff, a dealer (of the
    /// dealer company `org_number`), or an administrator of the company `org_number` whose
    /// administrator record has this e-mail (a partner's super-administrator, made with the
    /// partner).
    pub async fn create_portal_login_with_new_password(
        &self,
        actor: &Actor,
        role: PortalRole,
        name: Option<String>,
        email: &str,
        mobile: Option<String>,
        org_number: Option<OrgNumber>,
    ) -> Result<(PortalLogin, Secret), ServiceError> {
        let email = email.trim().to_lowercase();
        let (administrator_id, name) = match role {
            PortalRole::Administrator => {
                let Some(org) = org_number.as_ref() else {
                    return Err(ServiceError::invalid(
                        "org-number",
                        "an administrator's login needs the company's organisation number",
                    ));
                };
                let mut conn = self.store.read().await?;
                let administrator = platform_repo::administrators(&mut conn, org)
                    .await?
                    .into_iter()
                    .find(|admin| admin.email.trim().eq_ignore_ascii_case(&email))
                    .ok_or_else(|| {
                        ServiceError::invalid(
                            "email",
                            "is not an administrator of that company (a partner's \
                             super-administrator is made with `partner create`)",
                        )
                    })?;
                (Some(administrator.id), name.unwrap_or(administrator.name))
            }
            PortalRole::Dealer if org_number.is_none() => {
                return Err(ServiceError::invalid(
                    "org-number",
                    "a dealer's login needs the dealer company's organisation number",
                ));
            }
            PortalRole::Dealer | PortalRole::Operator => {
                let name =
                    name.ok_or_else(|| ServiceError::invalid("name", "must not be empty"))?;
                (None, name)
            }
        };
        let password = crate::admin::new_password();
        let login = self
            .create_portal_login(
                actor,
                NewPortalLogin {
                    role,
                    administrator_id,
                    org_number: match role {
                        PortalRole::Operator => None,
                        _ => org_number,
                    },
                    name,
                    email,
                    mobile,
                    password: Secret::new(password.expose()),
                },
            )
            .await?;
        Ok((login, password))
    }

    /// Checks a login name (e-mail or mobile) and password and opens a new session (a new id
    /// every time, so a session id planted before login is worthless).
    pub async fn portal_login(
        &self,
        name: &str,
        password: &str,
    ) -> Result<LoginOutcome, ServiceError> {
        let name = normalise_login_name(name);
        let now = self.now();
        let mut conn = self.store.read().await?;
        let found = repo::login_by_name(&mut conn, &name).await?;
        drop(conn);
        let Some(login) = found else {
            verify_password(NOBODY_HASH, password).await?;
            return Err(PortalFailure::BadCredentials.into());
        };
        if let Some(until) = login.locked_until
            && until > now
        {
            return Err(PortalFailure::Locked { until }.into());
        }
        if !verify_password(&login.password_hash, password).await? {
            self.count_failed_login(&login, now).await?;
            return Err(PortalFailure::BadCredentials.into());
        }
        let session_id = Secret::random_hex(32);
        let record = PortalSessionRecord {
            id_hash: sha256_hex(session_id.expose()),
            login_id: login.id.clone(),
            csrf_token: Secret::random_hex(24).expose().to_owned(),
            created_at: now,
            authenticated_at: now,
            last_seen_at: now,
            expires_at: now.plus_seconds(SESSION_IDLE_SECONDS),
        };
        let mut tx = self.store.write().await?;
        repo::record_successful_login(&mut tx, &login.id, now).await?;
        repo::insert_session(&mut tx, &record).await?;
        let actor = Actor(format!("portal:{}", login.email));
        audit(
            &mut tx,
            now,
            &actor,
            "portal.login",
            login.id.as_str(),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        let user = self.portal_user(&login, now).await?;
        Ok(LoginOutcome {
            session_id,
            session: PortalSession {
                user,
                csrf_token: record.csrf_token,
                expires_at: record.expires_at,
            },
        })
    }

    async fn count_failed_login(
        &self,
        login: &PortalLogin,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let lock_until = now.plus_seconds(LOCK_SECONDS);
        let mut tx = self.store.write().await?;
        let failures =
            repo::record_failed_login(&mut tx, &login.id, LOCK_AFTER_FAILURES, lock_until).await?;
        let actor = Actor(format!("portal:{}", login.email));
        if failures >= LOCK_AFTER_FAILURES {
            let detail = json!({"failures": failures, "until": lock_until.to_rfc3339()});
            audit(
                &mut tx,
                now,
                &actor,
                "portal.login.locked",
                login.id.as_str(),
                detail,
            )
            .await?;
        }
        tx.commit().await?;
        if failures >= LOCK_AFTER_FAILURES {
            return Err(PortalFailure::Locked { until: lock_until }.into());
        }
        Ok(())
    }

    /// The session behind a cookie's id, if it is still open; keeps it alive.
    pub async fn portal_session(
        &self,
        session_id: &str,
    ) -> Result<Option<PortalSession>, ServiceError> {
        let id_hash = sha256_hex(session_id);
        let now = self.now();
        let mut conn = self.store.read().await?;
        let Some(record) = repo::session(&mut conn, &id_hash).await? else {
            return Ok(None);
        };
        let absolute_end = record.created_at.plus_seconds(SESSION_ABSOLUTE_SECONDS);
        if record.expires_at <= now || absolute_end <= now {
            return Ok(None);
        }
        let Some(login) = repo::login(&mut conn, &record.login_id).await? else {
            return Ok(None);
        };
        drop(conn);
        let mut user = self.portal_user(&login, now).await?;
        user.authenticated_at = record.authenticated_at;
        let mut expires_at = record.expires_at;
        if record.last_seen_at.seconds_until(now) >= TOUCH_EVERY_SECONDS {
            expires_at = now.plus_seconds(SESSION_IDLE_SECONDS).min(absolute_end);
            let mut tx = self.store.write().await?;
            repo::touch_session(&mut tx, &id_hash, now, expires_at).await?;
            tx.commit().await?;
        }
        Ok(Some(PortalSession {
            user,
            csrf_token: record.csrf_token,
            expires_at,
        }))
    }

    /// The password again, for a sensitive action: a wrong one counts toward the lock-out.
    pub async fn portal_reauthenticate(
        &self,
        session_id: &str,
        password: &str,
    ) -> Result<(), ServiceError> {
        let id_hash = sha256_hex(session_id);
        let now = self.now();
        let mut conn = self.store.read().await?;
        let record = repo::session(&mut conn, &id_hash)
            .await?
            .ok_or(PortalFailure::LoginRequired)?;
        let login = repo::login(&mut conn, &record.login_id)
            .await?
            .ok_or(PortalFailure::LoginRequired)?;
        drop(conn);
        if let Some(until) = login.locked_until
            && until > now
        {
            return Err(PortalFailure::Locked { until }.into());
        }
        if !verify_password(&login.password_hash, password).await? {
            self.count_failed_login(&login, now).await?;
            return Err(PortalFailure::BadCredentials.into());
        }
        let mut tx = self.store.write().await?;
        repo::record_successful_login(&mut tx, &login.id, now).await?;
        repo::mark_reauthenticated(&mut tx, &id_hash, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn portal_logout(&self, session_id: &str) -> Result<(), ServiceError> {
        let mut tx = self.store.write().await?;
        repo::delete_session(&mut tx, &sha256_hex(session_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn portal_user(
        &self,
        login: &PortalLogin,
        now: Timestamp,
    ) -> Result<PortalUser, ServiceError> {
        let role = match login.role {
            PortalRole::Administrator => {
                let administrator_id = login.administrator_id.clone().ok_or_else(|| {
                    ServiceError::internal(format!("login {} names no administrator", login.id))
                })?;
                let mut conn = self.store.read().await?;
                let admin = platform_repo::administrator(&mut conn, &administrator_id)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::internal(format!("administrator {administrator_id} is gone"))
                    })?;
                PortalUserRole::Administrator {
                    administrator_id,
                    org_number: admin.org_number,
                    super_admin: admin.super_admin,
                    rights: admin.rights,
                }
            }
            PortalRole::Operator => PortalUserRole::Operator,
            PortalRole::Dealer => PortalUserRole::Dealer {
                org_number: login.org_number.clone(),
            },
        };
        Ok(PortalUser {
            login_id: login.id.clone(),
            name: login.name.clone(),
            email: login.email.clone(),
            role,
            authenticated_at: now,
        })
    }
}

/// The checked login with its password hashed (Argon2id takes a while: done before the
/// transaction that stores it).
pub(crate) fn portal_login_record(
    new: NewPortalLogin,
    now: Timestamp,
) -> Result<PortalLogin, ServiceError> {
    let email = new.email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 200 {
        return Err(ServiceError::invalid("email", "must be an e-mail address"));
    }
    let mobile = match new.mobile.as_deref().map(normalise_login_name) {
        Some(mobile) if mobile.len() == 8 && mobile.bytes().all(|b| b.is_ascii_digit()) => {
            Some(mobile)
        }
        Some(_) => return Err(ServiceError::invalid("mobile", "must be 8 digits")),
        None => None,
    };
    if new.name.trim().is_empty() {
        return Err(ServiceError::invalid("name", "must not be empty"));
    }
    if new.password.expose().chars().count() < 8 {
        return Err(ServiceError::invalid(
            "password",
            "must be at least 8 characters",
        ));
    }
    Ok(PortalLogin {
        id: EntityId::new(random_id("pl")),
        role: new.role,
        administrator_id: new.administrator_id,
        org_number: new.org_number,
        name: new.name.trim().to_owned(),
        email,
        mobile,
        password_hash: hash_secret(new.password.expose())?,
        failed_attempts: 0,
        locked_until: None,
        last_login_at: None,
        created_at: now,
    })
}

/// Stores the login and its audit entry in the caller's transaction.
pub(crate) async fn insert_portal_login(
    tx: &mut sentral_store::Connection,
    actor: &Actor,
    login: &PortalLogin,
    now: Timestamp,
) -> Result<(), ServiceError> {
    repo::insert_login(tx, login).await?;
    let detail = json!({"role": login.role.as_str(), "email": login.email});
    audit(
        tx,
        now,
        actor,
        "portal.login.create",
        login.id.as_str(),
        detail,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_names_are_matched_without_case_blanks_or_country_code() {
        assert_eq!(normalise_login_name(" Kari@Demo.NO "), "kari@demo.no");
        assert_eq!(normalise_login_name("+47 900 11 223"), "90011223");
        assert_eq!(normalise_login_name("0047 90011223"), "90011223");
        assert_eq!(normalise_login_name("900 11 223"), "90011223");
    }

    #[tokio::test]
    async fn the_hash_for_unknown_names_is_a_valid_argon2id_hash() {
        // A malformed constant would make unknown names answer faster than known ones.
        let parsed = argon2::password_hash::PasswordHash::new(NOBODY_HASH);
        assert!(parsed.is_ok(), "{parsed:?}");
        assert!(!verify_password(NOBODY_HASH, "anything").await.unwrap());
    }
}
