//! The Status Push login sequence: `POST /status/token` gives an authenticated machine user (or
//! end user) a status token; `POST /csta/authentication/token` trades it for a CSTA session
//! token, the bearer token of the CSTA interface. Sessions are kept hashed in this node's memory
//! and stay bound to the access token they were made with: revoking or outliving it ends them.

use std::collections::HashMap;
use std::sync::Mutex;

use sentral_domain::{ApiProduct, Secret, Timestamp};

use crate::directory::acting;
use crate::passwords::sha256_hex;
use crate::{AuthFailure, Platform, Principal, ServiceError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionKind {
    Status,
    Csta,
}

struct Session {
    kind: SessionKind,
    /// The access token the session was made with; checked again on every use.
    access_token: Secret,
    /// Who made it: a status token only logs in the same client acting as the same user.
    subject: String,
    expires_at: Timestamp,
}

#[derive(Default)]
pub struct Sessions {
    by_hash: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    fn insert(&self, session: Session, now: Timestamp) -> Secret {
        let token = Secret::random_hex(32);
        let mut sessions = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        // Expired sessions go when new ones come: the map never outgrows the live ones by much.
        sessions.retain(|_, s| s.expires_at > now);
        sessions.insert(sha256_hex(token.expose()), session);
        token
    }

    fn get(&self, token: &str, kind: SessionKind, now: Timestamp) -> Option<(Secret, String)> {
        let sessions = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        let session = sessions.get(&sha256_hex(token))?;
        (session.kind == kind && session.expires_at > now)
            .then(|| (session.access_token.clone(), session.subject.clone()))
    }

    pub fn clear(&self) {
        self.by_hash
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// A session lasts an hour at most, and never past its access token.
const SESSION_SECONDS: i64 = 3600;

/// A token handed out, with its lifetime.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    pub token: Secret,
    pub expires_in: i64,
}

/// The client and the user it acts as, e.g. `app_1/sysuser` or `app_1/member:mem_1`.
pub(crate) fn subject(principal: &Principal) -> String {
    let user = match (&principal.system_user, &principal.end_user) {
        (Some(user), _) => format!("user:{}", user.username),
        (None, Some(end_user)) => format!("member:{}", end_user.member_id),
        (None, None) => String::new(),
    };
    format!("{}/{user}", principal.client_id)
}

impl Platform {
    fn issue_session(
        &self,
        principal: &Principal,
        access_token: &str,
        kind: SessionKind,
    ) -> IssuedSession {
        let now = self.now();
        let expires_at = principal.expires_at.min(now.plus_seconds(SESSION_SECONDS));
        let session = Session {
            kind,
            access_token: Secret::new(access_token),
            subject: subject(principal),
            expires_at,
        };
        let token = self.sessions.insert(session, now);
        IssuedSession {
            token,
            expires_in: now.seconds_until(expires_at),
        }
    }

    /// `POST /status/token`: the first step after `catalog/userInfo`.
    pub fn status_token(
        &self,
        principal: &Principal,
        access_token: &str,
    ) -> Result<IssuedSession, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        acting(principal)?;
        Ok(self.issue_session(principal, access_token, SessionKind::Status))
    }

    /// `POST /csta/authentication/token`: a status token of the same client and user in, a
    /// CSTA session token out.
    pub fn csta_login(
        &self,
        principal: &Principal,
        access_token: &str,
        status_token: &str,
    ) -> Result<IssuedSession, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        acting(principal)?;
        let valid = self
            .sessions
            .get(status_token, SessionKind::Status, self.now())
            .is_some_and(|(_, owner)| owner == subject(principal));
        if !valid {
            return Err(ServiceError::invalid(
                "statusToken",
                "unknown or expired status token, or one made for another client or user: get one from POST /status/token",
            ));
        }
        Ok(self.issue_session(principal, access_token, SessionKind::Csta))
    }

    /// The caller behind a CSTA session token, authenticated again through its access token
    /// (so revocation and expiry of that token end the session) and counted against its limits.
    pub async fn csta_caller(&self, csta_token: &str) -> Result<Principal, ServiceError> {
        let Some((access_token, _)) = self.sessions.get(csta_token, SessionKind::Csta, self.now())
        else {
            return Err(AuthFailure::CstaSessionRequired.into());
        };
        let principal = self.authenticate_bearer(access_token.expose()).await?;
        self.admit(principal.app.id.as_str()).await?;
        Ok(principal)
    }
}
