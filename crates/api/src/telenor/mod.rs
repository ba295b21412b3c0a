//! The Telenor dialect: the OAuth2 server (`/oauth/v2/*`) and the corporate APIs.

mod error;
pub mod oauth;
pub mod operations;
pub mod organizations;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use axum::routing::{MethodFilter, MethodRouter, get, on, post};
use sentral_services::Principal;

use crate::AppState;
pub use error::{ErrorBody, TelenorError};

/// A caller of a Telenor or MBN resource API, authenticated by bearer token.
pub struct TelenorCaller(pub Principal);

impl FromRequestParts<AppState> for TelenorCaller {
    type Rejection = TelenorError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, TelenorError> {
        Ok(Self(crate::caller::authenticate(parts, state).await?))
    }
}

fn not_implemented(operation: &'static operations::TelenorOperation) -> MethodRouter<AppState> {
    let filter = Method::from_bytes(operation.method.as_bytes())
        .ok()
        .and_then(|method| MethodFilter::try_from(method).ok())
        .unwrap_or(MethodFilter::GET);
    on(
        filter,
        move |TelenorCaller(caller): TelenorCaller| async move {
            if let Some(product) = operation.product {
                caller.require(product)?;
            }
            Err::<(), _>(TelenorError::NotImplemented(operation.path))
        },
    )
}

pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/oauth/v2/token", post(oauth::token))
        .route(
            "/oauth/v2/authorize",
            get(oauth::authorize_page).post(oauth::authorize_login),
        )
        .route("/oauth/v2/logout", get(oauth::logout))
        .route("/organizations/v1/organizations", get(organizations::list));
    let mut pending: std::collections::BTreeMap<&str, MethodRouter<AppState>> = Default::default();
    for operation in operations::OPERATIONS
        .iter()
        .filter(|operation| !operation.implemented)
    {
        let method_router = match pending.remove(operation.path) {
            Some(existing) => existing.merge(not_implemented(operation)),
            None => not_implemented(operation),
        };
        pending.insert(operation.path, method_router);
    }
    for (path, method_router) in pending {
        router = router.route(path, method_router);
    }
    router
}
