//! The OAuth2 authorisation server: client authentication, the four grants, bearer-token
//! authentication of resource calls, and logout.

use std::collections::BTreeSet;
use std::sync::Arc;

use sentral_domain::platform::{AppKind, Application, CONNECT_TEST_PRODUCT};
use sentral_domain::secret::random_id;
use sentral_domain::{ApiProduct, ClientId, Msisdn, OrgNumber, Secret, SystemUserName, Timestamp};
use sentral_store::tokens::{self, AuthorizationCode, TokenKind, TokenRecord};
use sentral_store::{Connection, platform as repo};

use crate::passwords::sha256_hex;
use crate::principal::EndUser;
use crate::{AuthFailure, Platform, Principal, ServiceError, Visibility};

/// How the client presented its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    /// `Authorization: Basic base64(client_id:client_secret)` (Telenor dialect).
    Basic,
    /// `client_id` and `client_secret` in the form body (KPN dialect).
    FormBody,
}

#[derive(Debug, Clone)]
pub enum GrantRequest {
    Password {
        username: String,
        password: Secret,
    },
    ClientCredentials,
    RefreshToken {
        refresh_token: Secret,
    },
    AuthorizationCode {
        code: Secret,
        redirect_uri: Option<String>,
    },
}

/// A successful token response.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// Seconds the access token stays valid (one less than its lifetime, as the operator reports).
    pub expires_in: u32,
    pub scope: Vec<ApiProduct>,
}

/// Who the tokens of a grant act for.
struct Subject {
    system_user_id: Option<sentral_domain::EntityId>,
    member_id: Option<sentral_domain::EntityId>,
}

impl Platform {
    /// Checks a client id and secret; the application must be live and, for HTTP Basic, allow it.
    pub async fn authenticate_client(
        &self,
        client_id: &str,
        secret: &Secret,
        method: ClientAuthMethod,
    ) -> Result<Arc<Application>, ServiceError> {
        let client_id = ClientId::parse(client_id).map_err(|_| AuthFailure::InvalidClient)?;
        let cache_key = format!("client:{client_id}");
        let now = self.now();
        self.login_throttle.check(&cache_key, now)?;
        let mut conn = self.store.read().await?;
        let Some(credential) = repo::client_credential(&mut conn, &client_id).await? else {
            self.login_throttle.failed(&cache_key, now);
            return Err(AuthFailure::InvalidClient.into());
        };
        if !self
            .verify_client_secret(&cache_key, &credential, secret, now)
            .await?
        {
            self.login_throttle.failed(&cache_key, now);
            return Err(AuthFailure::InvalidClient.into());
        }
        self.login_throttle.succeeded(&cache_key);
        let app = repo::application(&mut conn, &credential.app_id)
            .await?
            .ok_or(AuthFailure::InvalidClient)?;
        if method == ClientAuthMethod::Basic && !app.basic_auth_allowed {
            return Err(AuthFailure::BasicNotAllowed.into());
        }
        Ok(Arc::new(app))
    }

    /// The current secret, or during a rotation's overlap the previous one until its expiry.
    /// Each has its own entry in the verified-secret cache (keyed by its hash, so a rotation
    /// never lets a cached secret through).
    async fn verify_client_secret(
        &self,
        cache_key: &str,
        credential: &sentral_domain::platform::ClientCredential,
        secret: &Secret,
        now: sentral_domain::Timestamp,
    ) -> Result<bool, ServiceError> {
        if self
            .verified_secrets
            .verify(cache_key, &credential.secret_hash, secret.expose())
            .await?
        {
            return Ok(true);
        }
        match (
            &credential.previous_secret_hash,
            credential.previous_valid_until,
        ) {
            (Some(previous), Some(until)) if now < until => {
                self.verified_secrets
                    .verify(
                        &crate::admin::previous_secret_cache_key(&credential.client_id),
                        previous,
                        secret.expose(),
                    )
                    .await
            }
            _ => Ok(false),
        }
    }

    /// Authenticates the client and issues tokens for `grant`. `scope` is a space-separated list
    /// of API product ids; without it the token covers every product of the application.
    pub async fn grant(
        &self,
        client_id: &str,
        client_secret: &Secret,
        method: ClientAuthMethod,
        grant: GrantRequest,
        scope: Option<&str>,
    ) -> Result<TokenGrant, ServiceError> {
        let app = self
            .authenticate_client(client_id, client_secret, method)
            .await?;
        let requested_scope = resolve_scope(&app, scope)?;
        let now = self.now();
        match grant {
            GrantRequest::Password { username, password } => {
                let subject = self.verify_system_user(&app, &username, &password).await?;
                self.issue(&app, client_id, subject, requested_scope, true, None, now)
                    .await
            }
            GrantRequest::ClientCredentials => {
                let subject = Subject {
                    system_user_id: None,
                    member_id: None,
                };
                self.issue(&app, client_id, subject, requested_scope, false, None, now)
                    .await
            }
            GrantRequest::RefreshToken { refresh_token } => {
                self.refresh(
                    &app,
                    client_id,
                    &refresh_token,
                    scope.map(|_| requested_scope),
                    now,
                )
                .await
            }
            GrantRequest::AuthorizationCode { code, redirect_uri } => {
                let mut conn = self.store.read().await?;
                let code = tokens::take_code(&mut conn, &sha256_hex(code.expose()), now)
                    .await?
                    .ok_or_else(|| {
                        invalid_grant("the authorization code is unknown or used already")
                    })?;
                if code.client_id != client_id {
                    return Err(invalid_grant(
                        "the authorization code was issued to another client",
                    ));
                }
                if code.expires_at <= now {
                    return Err(invalid_grant("the authorization code has expired"));
                }
                if redirect_uri
                    .as_deref()
                    .is_some_and(|uri| uri != code.redirect_uri)
                {
                    return Err(invalid_grant(
                        "redirect_uri differs from the one authorised",
                    ));
                }
                let scope = parse_scope(&code.scope)?;
                let subject = Subject {
                    system_user_id: None,
                    member_id: Some(code.member_id),
                };
                self.issue(&app, client_id, subject, scope, true, None, now)
                    .await
            }
        }
    }

    async fn verify_system_user(
        &self,
        app: &Application,
        username: &str,
        password: &Secret,
    ) -> Result<Subject, ServiceError> {
        let wrong = || invalid_grant("invalid username or password");
        let username = SystemUserName::parse(username).map_err(|_| wrong())?;
        let cache_key = format!("system-user:{username}");
        let now = self.now();
        self.login_throttle.check(&cache_key, now)?;
        let mut conn = self.store.read().await?;
        let Some(user) = repo::system_user_by_name(&mut conn, &username).await? else {
            self.login_throttle.failed(&cache_key, now);
            return Err(wrong());
        };
        if !self
            .verified_secrets
            .verify(&cache_key, &user.password_hash, password.expose())
            .await?
        {
            self.login_throttle.failed(&cache_key, now);
            return Err(wrong());
        }
        self.login_throttle.succeeded(&cache_key);
        if user.partner_id != app.partner_id {
            return Err(invalid_grant("the system user belongs to another partner"));
        }
        Ok(Subject {
            system_user_id: Some(user.id),
            member_id: None,
        })
    }

    async fn refresh(
        &self,
        app: &Application,
        client_id: &str,
        refresh_token: &Secret,
        narrowed_scope: Option<Vec<ApiProduct>>,
        now: Timestamp,
    ) -> Result<TokenGrant, ServiceError> {
        let hash = sha256_hex(refresh_token.expose());
        let mut tx = self.store.write().await?;
        let record = tokens::token(&mut tx, &hash)
            .await?
            .filter(|record| record.kind == TokenKind::Refresh && record.client_id == client_id)
            .ok_or_else(|| invalid_grant("the refresh token is unknown"))?;
        if record.revoked_at.is_some() {
            // A used refresh token came back: someone holds a copy, so end the whole chain.
            tokens::revoke_family(&mut tx, &record.family, now).await?;
            tx.commit().await?;
            self.evict_token_family(&record.family);
            return Err(invalid_grant("the refresh token has been used or revoked"));
        }
        if record.expires_at <= now {
            return Err(invalid_grant("the refresh token has expired"));
        }
        let granted = parse_scope(&record.scope)?;
        let scope = match narrowed_scope {
            Some(scope) if scope.iter().all(|product| granted.contains(product)) => scope,
            Some(_) => return Err(AuthFailure::ScopeNotHeld(record.scope.clone()).into()),
            None => granted,
        };
        tokens::revoke_token(&mut tx, &hash, now).await?;
        tx.commit().await?;
        let subject = Subject {
            system_user_id: record.system_user_id,
            member_id: record.member_id,
        };
        self.issue(
            app,
            client_id,
            subject,
            scope,
            true,
            Some(record.family),
            now,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn issue(
        &self,
        app: &Application,
        client_id: &str,
        subject: Subject,
        scope: Vec<ApiProduct>,
        with_refresh: bool,
        family: Option<String>,
        now: Timestamp,
    ) -> Result<TokenGrant, ServiceError> {
        let family = family.unwrap_or_else(|| random_id("fam"));
        let scope_text = ApiProduct::join(&scope, " ");
        let access_ttl = self.config.access_token_ttl_seconds;
        let access_token = Secret::random_hex(20);
        let record = |token: &Secret, kind, ttl: u32| TokenRecord {
            token_hash: sha256_hex(token.expose()),
            kind,
            family: family.clone(),
            app_id: app.id.clone(),
            client_id: client_id.to_owned(),
            system_user_id: subject.system_user_id.clone(),
            member_id: subject.member_id.clone(),
            scope: scope_text.clone(),
            issued_at: now,
            expires_at: now.plus_seconds(i64::from(ttl)),
            revoked_at: None,
        };
        let refresh_token = with_refresh.then(|| Secret::random_hex(20));
        let mut tx = self.store.write().await?;
        tokens::insert_token(
            &mut tx,
            &record(&access_token, TokenKind::Access, access_ttl),
        )
        .await?;
        if let Some(refresh) = &refresh_token {
            let ttl = self.config.refresh_token_ttl_seconds;
            tokens::insert_token(&mut tx, &record(refresh, TokenKind::Refresh, ttl)).await?;
        }
        tx.commit().await?;
        Ok(TokenGrant {
            access_token,
            refresh_token,
            expires_in: access_ttl.saturating_sub(1),
            scope,
        })
    }

    /// The principal behind a bearer token, from the cache when it was checked recently.
    pub async fn authenticate_bearer(&self, token: &str) -> Result<Principal, ServiceError> {
        self.authenticate_bearer_hash(&sha256_hex(token)).await
    }

    /// [`Self::authenticate_bearer`] by the token's SHA-256 hex, as stored: how a CSTA session,
    /// which keeps only that hash, authenticates its access token again.
    pub(crate) async fn authenticate_bearer_hash(
        &self,
        hash: &str,
    ) -> Result<Principal, ServiceError> {
        let now = self.now();
        let recheck = i64::from(self.config.token_recheck_seconds) * 1000;
        if let Some(principal) = self.tokens.fresh(hash, now, recheck) {
            return if principal.expires_at <= now {
                Err(AuthFailure::ExpiredToken.into())
            } else {
                Ok(principal)
            };
        }
        let mut conn = self.store.read().await?;
        let record = tokens::token(&mut conn, hash)
            .await?
            .filter(|record| record.kind == TokenKind::Access && record.revoked_at.is_none())
            .ok_or(AuthFailure::InvalidToken)?;
        if record.expires_at <= now {
            return Err(AuthFailure::ExpiredToken.into());
        }
        let principal = principal_for(&mut conn, &record).await?;
        self.tokens
            .put(hash.to_owned(), principal.clone(), record.family, now);
        Ok(principal)
    }

    /// Revokes the token and everything issued in the same chain. Unknown tokens are ignored:
    /// logging out twice is not an error.
    pub async fn logout(&self, token: &str) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        if let Some(record) = tokens::token(&mut tx, &sha256_hex(token)).await? {
            tokens::revoke_family(&mut tx, &record.family, now).await?;
            tx.commit().await?;
            self.evict_token_family(&record.family);
        }
        Ok(())
    }

    /// Checks an authorisation request before the login page is shown and before a code is
    /// issued: the client must exist and `redirect_uri` be one it registered.
    pub async fn authorization_client(
        &self,
        client_id: &str,
        redirect_uri: &str,
    ) -> Result<Arc<Application>, ServiceError> {
        let app = self.client_application(client_id).await?;
        if app.redirect_uris.is_empty() {
            return Err(ServiceError::invalid(
                "redirect_uri",
                format!(
                    "the application {} has no registered redirect URI; its owner registers \
                     them (`sentral admin app set-redirect-uris`)",
                    app.name
                ),
            ));
        }
        if !app.allows_redirect(redirect_uri) {
            return Err(ServiceError::invalid(
                "redirect_uri",
                format!(
                    "{redirect_uri} is not a registered redirect URI of the application {}",
                    app.name
                ),
            ));
        }
        Ok(app)
    }

    async fn client_application(&self, client_id: &str) -> Result<Arc<Application>, ServiceError> {
        let client_id = ClientId::parse(client_id).map_err(|_| AuthFailure::InvalidClient)?;
        let mut conn = self.store.read().await?;
        let credential = repo::client_credential(&mut conn, &client_id)
            .await?
            .ok_or(AuthFailure::InvalidClient)?;
        let app = repo::application(&mut conn, &credential.app_id)
            .await?
            .ok_or(AuthFailure::InvalidClient)?;
        Ok(Arc::new(app))
    }

    /// An end user logs in on the authorisation page: returns a one-time code for `client_id`.
    pub async fn authorize_end_user(
        &self,
        client_id: &str,
        redirect_uri: &str,
        mobile: &str,
        password: &Secret,
        scope: Option<&str>,
    ) -> Result<Secret, ServiceError> {
        let app = self.authorization_client(client_id, redirect_uri).await?;
        let scope = resolve_scope(&app, scope)?;
        let wrong = || invalid_grant("wrong mobile number or password");
        let mobile = Msisdn::parse(mobile).map_err(|_| wrong())?;
        let mut conn = self.store.read().await?;
        let member = repo::member_by_mobile(&mut conn, &mobile)
            .await?
            .ok_or_else(wrong)?;
        let hash = member.password_hash.as_deref().ok_or_else(wrong)?;
        if !self
            .verified_secrets
            .verify(&format!("member:{mobile}"), hash, password.expose())
            .await?
        {
            return Err(wrong());
        }
        let reach = reach_of(&mut conn, &app).await?;
        if !reach.contains(&member.org_number) {
            return Err(ServiceError::NotAllowed(format!(
                "the application {} has no access to the company {}",
                app.name, member.org_number
            )));
        }
        let code = Secret::random_hex(20);
        let record = AuthorizationCode {
            code_hash: sha256_hex(code.expose()),
            app_id: app.id.clone(),
            client_id: client_id.to_owned(),
            member_id: member.id,
            redirect_uri: redirect_uri.to_owned(),
            scope: ApiProduct::join(&scope, " "),
            expires_at: self
                .now()
                .plus_seconds(i64::from(self.config.authorization_code_ttl_seconds)),
        };
        tokens::insert_code(&mut conn, &record).await?;
        Ok(code)
    }
}

fn invalid_grant(reason: &str) -> ServiceError {
    AuthFailure::InvalidGrant(reason.to_owned()).into()
}

fn parse_scope(text: &str) -> Result<Vec<ApiProduct>, ServiceError> {
    ApiProduct::parse_list(text).map_err(|_| AuthFailure::ScopeNotHeld(text.to_owned()).into())
}

/// The products a token is issued for: the asked scope (every product must be held), or all.
fn resolve_scope(app: &Application, scope: Option<&str>) -> Result<Vec<ApiProduct>, ServiceError> {
    match scope.map(str::trim).filter(|text| !text.is_empty()) {
        None => Ok(app.products.clone()),
        Some(text) => {
            let products = parse_scope(text)?;
            if products.iter().all(|product| app.holds(*product)) {
                Ok(products)
            } else {
                Err(AuthFailure::ScopeNotHeld(text.to_owned()).into())
            }
        }
    }
}

/// The companies an application can reach: a pilot, those with the partner's test product on
/// their agreement; a production application, those with its Connect service. Subsidiaries of
/// a reached company are reached too.
async fn reach_of(
    conn: &mut Connection,
    app: &Application,
) -> Result<BTreeSet<OrgNumber>, ServiceError> {
    let owners = match app.kind {
        AppKind::Pilot => {
            repo::orgs_with_connect_product(conn, &app.partner_id, CONNECT_TEST_PRODUCT).await?
        }
        AppKind::Production => repo::orgs_with_connect_service_of(conn, &app.id).await?,
    };
    Ok(repo::organizations_with_subsidiaries(conn, &owners)
        .await?
        .into_iter()
        .collect())
}

async fn principal_for(
    conn: &mut Connection,
    record: &TokenRecord,
) -> Result<Principal, ServiceError> {
    let app = repo::application(conn, &record.app_id)
        .await?
        .ok_or(AuthFailure::InvalidToken)?;
    let scope = parse_scope(&record.scope)?;
    let mut visibility = Visibility::default();
    let mut system_user = None;
    let mut end_user = None;
    if let Some(user_id) = &record.system_user_id {
        let user = repo::system_user(conn, user_id)
            .await?
            .ok_or(AuthFailure::InvalidToken)?;
        let reach = reach_of(conn, &app).await?;
        let granted = repo::organizations_with_subsidiaries(conn, &user.grants.companies).await?;
        visibility.companies = granted
            .into_iter()
            .filter(|org| reach.contains(org))
            .collect();
        visibility.accounts = user.grants.accounts.iter().cloned().collect();
        system_user = Some(Arc::new(user));
    } else if let Some(member_id) = &record.member_id {
        let member = repo::member(conn, member_id)
            .await?
            .ok_or(AuthFailure::InvalidToken)?;
        if reach_of(conn, &app).await?.contains(&member.org_number) {
            visibility.companies.insert(member.org_number.clone());
        }
        end_user = Some(EndUser {
            member_id: member.id,
            org_number: member.org_number,
            name: format!("{} {}", member.first_name, member.last_name),
        });
    } else if let Some(customer) = &app.kpn_customer {
        let bound =
            repo::organizations_with_subsidiaries(conn, std::slice::from_ref(customer)).await?;
        visibility.companies = bound.into_iter().collect();
    }
    Ok(Principal {
        app: Arc::new(app),
        client_id: record.client_id.clone(),
        scope,
        system_user,
        end_user,
        visibility: Arc::new(visibility),
        expires_at: record.expires_at,
    })
}
