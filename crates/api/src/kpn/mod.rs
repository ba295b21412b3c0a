//! The KPN Mobile Service Management dialect (v11): its token endpoint and every operation of
//! the official description under `/mobile/kpn/mobileservices`. Operations not built yet answer
//! a typed 501 naming the operation (after authentication, as the real API would check first).

mod error;
pub mod oauth;
pub mod operations;

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use axum::routing::{MethodFilter, MethodRouter, on, post};
use sentral_domain::ApiProduct;
use sentral_services::Principal;

use crate::AppState;
pub use error::{KpnError, KpnErrorBody, KpnWrappedError};
use operations::{ALIASES, BASE_PATH, KpnOperation, OPERATIONS};

/// A caller of the KPN API, authenticated by bearer token.
pub struct KpnCaller(pub Principal);

impl FromRequestParts<AppState> for KpnCaller {
    type Rejection = KpnError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, KpnError> {
        let principal = crate::caller::authenticate(parts, state).await?;
        principal
            .require(ApiProduct::KpnMsm)
            .map_err(sentral_services::ServiceError::from)?;
        Ok(Self(principal))
    }
}

/// The spec's path with its parameters renamed by position (`{p1}`, `{p2}` …): the router needs
/// one name per position where the spec uses several (`{id}`, `{contractId}` …).
pub fn route_path(spec_path: &str) -> String {
    let mut position = 0;
    let segments: Vec<String> = spec_path
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                position += 1;
                format!("{{p{position}}}")
            } else {
                segment.to_owned()
            }
        })
        .collect();
    format!("{BASE_PATH}{}", segments.join("/"))
}

fn not_implemented(operation: &'static KpnOperation) -> MethodRouter<AppState> {
    let filter = Method::from_bytes(operation.method.as_bytes())
        .ok()
        .and_then(|method| MethodFilter::try_from(method).ok())
        .unwrap_or(MethodFilter::GET);
    on(filter, move |_caller: KpnCaller| async move {
        KpnError::NotImplemented(operation.operation_id)
    })
}

pub fn routes() -> Router<AppState> {
    let mut by_path: BTreeMap<String, MethodRouter<AppState>> = BTreeMap::new();
    // Every operation of the table at its path, and each deprecated alias (`/order/blocksim`)
    // at its own path with the handler of the operation it names.
    let aliases = ALIASES.iter().filter_map(|alias| {
        operations::by_id(alias.operation_id).map(|operation| (alias.path, operation))
    });
    let mounted = OPERATIONS
        .iter()
        .map(|operation| (operation.path, operation))
        .chain(aliases);
    for (spec_path, operation) in mounted {
        let path = route_path(spec_path);
        let router = match by_path.remove(&path) {
            Some(existing) => existing.merge(not_implemented(operation)),
            None => not_implemented(operation),
        };
        by_path.insert(path, router);
    }
    let mut router = Router::new().route("/oauth/grip/msm/accesstoken", post(oauth::access_token));
    for (path, method_router) in by_path {
        router = router.route(&path, method_router);
    }
    router
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_renamed_by_position() {
        assert_eq!(
            route_path("/contract/id/{contractId}/items/{itemId}"),
            "/mobile/kpn/mobileservices/contract/id/{p1}/items/{p2}"
        );
    }
}
