//! The Status Push login sequence: `POST /status/token` gives an authenticated machine user (or
//! end user) a status token; `POST /csta/authentication/token` trades it for a CSTA session
//! token, the bearer token of the CSTA interface. Sessions live in the store, hashed, so any
//! node of a cluster knows a session made on another; each node keeps the ones it has seen in
//! memory (a session never changes once made). A session stays bound to the access token it was
//! made with and authenticates it again on every use: revoking or outliving it ends the session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sentral_domain::{ApiProduct, Secret, Timestamp};
use sentral_store::csta_sessions::{self, SessionKind, SessionRecord};

use crate::directory::acting;
use crate::passwords::sha256_hex;
use crate::{AuthFailure, Platform, Principal, ServiceError};

/// Beyond this many cached sessions the expired go, and if that is not enough, all of them: the
/// store still has every one.
const MAX_CACHED_SESSIONS: usize = 10_000;

/// This node's read-through cache of the stored sessions it has found, by token hash. Only
/// positive lookups are kept, and expiry is checked on every use, so the cache never answers
/// anything the store would not.
#[derive(Default)]
pub struct Sessions {
    by_hash: Mutex<HashMap<String, Arc<SessionRecord>>>,
}

impl Sessions {
    fn get(&self, token_hash: &str) -> Option<Arc<SessionRecord>> {
        let sessions = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        sessions.get(token_hash).cloned()
    }

    fn put(&self, session: Arc<SessionRecord>, now: Timestamp) {
        let mut sessions = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        if sessions.len() >= MAX_CACHED_SESSIONS {
            sessions.retain(|_, s| s.expires_at > now);
            if sessions.len() >= MAX_CACHED_SESSIONS {
                sessions.clear();
            }
        }
        sessions.insert(session.token_hash.clone(), session);
    }

    /// Drops the expired sessions (with the purge of the stored ones).
    pub(crate) fn forget_expired(&self, now: Timestamp) {
        let mut sessions = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, s| s.expires_at > now);
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
    async fn issue_session(
        &self,
        principal: &Principal,
        access_token: &str,
        kind: SessionKind,
    ) -> Result<IssuedSession, ServiceError> {
        let now = self.now();
        let expires_at = principal.expires_at.min(now.plus_seconds(SESSION_SECONDS));
        let token = Secret::random_hex(32);
        let session = SessionRecord {
            token_hash: sha256_hex(token.expose()),
            kind,
            access_token_hash: sha256_hex(access_token),
            subject: subject(principal),
            expires_at,
            created_at: now,
        };
        let mut tx = self.store.write().await?;
        csta_sessions::insert_session(&mut tx, &session).await?;
        tx.commit().await?;
        self.sessions.put(Arc::new(session), now);
        Ok(IssuedSession {
            token,
            expires_in: now.seconds_until(expires_at),
        })
    }

    /// The live session of `kind` behind `token`: from this node's cache, else from the store.
    async fn live_session(
        &self,
        token: &str,
        kind: SessionKind,
    ) -> Result<Option<Arc<SessionRecord>>, ServiceError> {
        let token_hash = sha256_hex(token);
        let session = match self.sessions.get(&token_hash) {
            Some(session) => session,
            None => {
                let mut conn = self.store.read().await?;
                let Some(stored) = csta_sessions::session(&mut conn, &token_hash).await? else {
                    return Ok(None);
                };
                let stored = Arc::new(stored);
                self.sessions.put(stored.clone(), self.now());
                stored
            }
        };
        let live = session.kind == kind && session.expires_at > self.now();
        Ok(live.then_some(session))
    }

    /// `POST /status/token`: the first step after `catalog/userInfo`.
    pub async fn status_token(
        &self,
        principal: &Principal,
        access_token: &str,
    ) -> Result<IssuedSession, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        acting(principal)?;
        self.issue_session(principal, access_token, SessionKind::Status)
            .await
    }

    /// `POST /csta/authentication/token`: a status token of the same client and user in, a
    /// CSTA session token out.
    pub async fn csta_login(
        &self,
        principal: &Principal,
        access_token: &str,
        status_token: &str,
    ) -> Result<IssuedSession, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        acting(principal)?;
        let valid = self
            .live_session(status_token, SessionKind::Status)
            .await?
            .is_some_and(|session| session.subject == subject(principal));
        if !valid {
            return Err(ServiceError::invalid(
                "statusToken",
                "unknown or expired status token, or one made for another client or user: get one from POST /status/token",
            ));
        }
        self.issue_session(principal, access_token, SessionKind::Csta)
            .await
    }

    /// The caller behind a CSTA session token, authenticated again through its access token
    /// (so revocation and expiry of that token end the session) and counted against its limits.
    pub async fn csta_caller(&self, csta_token: &str) -> Result<Principal, ServiceError> {
        let Some(session) = self.live_session(csta_token, SessionKind::Csta).await? else {
            return Err(AuthFailure::CstaSessionRequired.into());
        };
        let principal = self
            .authenticate_bearer_hash(&session.access_token_hash)
            .await?;
        self.admit(principal.app.id.as_str()).await?;
        Ok(principal)
    }
}
