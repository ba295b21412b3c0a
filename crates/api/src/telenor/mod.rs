//! The Telenor dialect: the OAuth2 server (`/oauth/v2/*`) and the corporate APIs.

pub mod accounts;
pub mod agreements;
mod error;
pub mod oauth;
pub mod operations;
pub mod orders;
pub mod organizations;
pub mod paging;
pub mod subscriptions;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use axum::routing::{MethodFilter, MethodRouter, get, on, post, put};
use sentral_services::Principal;

use crate::AppState;
pub use error::{ErrorBody, NotOwnerUnavailable, TelenorError};

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
        .route("/organizations/v1/organizations", get(organizations::list))
        .route(
            "/organizations/{orgNumber}/address-cards",
            get(accounts::address_cards),
        )
        .route("/corporate-accounts/v1", get(accounts::list_v1))
        .route(
            "/corporate-accounts/v2/accounts",
            get(accounts::list).post(accounts::create),
        )
        .route(
            "/corporate-accounts/v2/accounts/{id}",
            get(accounts::get_one),
        )
        .route("/corporate-agreements/v2/agreements", get(agreements::list))
        .route(
            "/corporate-agreements/v2/agreements/{agreementId}/products",
            get(agreements::products),
        )
        .route(
            "/corporate-agreements/v2/orders",
            post(orders::order_agreement_product),
        )
        .route(
            "/corporate-agreements/v2/orders/{orderId}",
            get(orders::agreement_order),
        )
        .route(
            "/corporate-mobile-subscriptions/v2/mobile-subscriptions",
            get(subscriptions::search),
        )
        .route(
            "/corporate-mobile-subscriptions/v2/mobile-subscriptions/{msisdn}",
            get(subscriptions::get_one),
        )
        .route(
            "/corporate-mobile-subscriptions/v1/{msisdn}/user-references",
            put(subscriptions::put_references_v1),
        )
        .route(
            "/corporate-mobile-subscriptions/v2/{msisdn}/user-references",
            put(subscriptions::put_references_v2),
        )
        .route(
            "/corporate-mobile-subscriptions/v2/orders",
            post(orders::order_subscription_product),
        )
        .route(
            "/corporate-mobile-subscriptions/v2/orders/{orderId}",
            get(orders::subscription_order),
        );
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

/// The base paths of the APIs behind the gateway: an unknown operation under one of them is
/// "not found on back-end server" (4042000) rather than an unknown path (40401).
pub const API_BASE_PATHS: &[&str] = &[
    "/organizations/",
    "/corporate-accounts/",
    "/corporate-agreements/",
    "/corporate-mobile-subscriptions/",
    "/catalog/",
    "/user/",
    "/status/",
    "/csta/",
    "/queue/",
];
