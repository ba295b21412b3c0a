//! The KPN Mobile Service Management dialect (v11): its token endpoint and every operation of
//! the official description under `/mobile/kpn/mobileservices`. Operations not built yet answer
//! a typed 501 naming the operation (after authentication, as the real API would check first).

pub(crate) mod addresses;
mod basket;
mod contract_orders;
mod contracting_orders;
mod contracts;
mod error;
mod finances;
mod fixed_mobile;
mod hardware;
pub(crate) mod hierarchy;
mod input;
pub mod oauth;
pub mod operations;
pub(crate) mod subscribers;
pub(crate) mod thresholds;
mod track;
mod users;
mod voicemail;
pub(crate) mod wire;

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use axum::routing::{MethodFilter, MethodRouter, get, on, post, put};
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

/// A path parameter that is an id (int64); a non-number is a 400 naming the parameter.
pub(crate) fn path_id(name: &str, text: &str) -> Result<i64, KpnError> {
    text.trim()
        .parse()
        .map_err(|_| KpnError::BadRequest(format!("{name} must be an integer id, got {text:?}")))
}

/// The handler of a built operation, by method and spec path (aliases included).
fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("GET", "/hierarchy/children") => get(hierarchy::children),
        ("POST", "/hierarchy/children/cost-center") => post(hierarchy::create_cost_center),
        ("POST", "/hierarchy/children/virtual-group") => post(hierarchy::create_virtual_group),
        ("POST", "/hierarchy/children/move") => post(hierarchy::move_items),
        ("GET", "/hierarchy/children/operations") => get(hierarchy::hierarchy_operations),
        ("GET", "/hierarchy/children/{id}") => get(hierarchy::details),
        ("POST", "/hierarchy/children/{id}") => post(hierarchy::update),
        ("GET", "/hierarchy/children/{id}/operations") => get(hierarchy::item_operations),
        ("POST", "/hierarchy/children/{id}/remove") => post(hierarchy::remove),
        ("GET", "/hierarchy/subscribers") => get(subscribers::find),
        ("POST", "/hierarchy/subscribers") => post(subscribers::create),
        ("GET", "/hierarchy/subscribers/{id}") => get(subscribers::details),
        ("PUT", "/hierarchy/subscribers/{id}") => put(subscribers::replace),
        ("POST", "/hierarchy/subscribers/{id}/delete") => post(subscribers::delete),
        ("POST", "/hierarchy/subscribers/{id}/move") => post(subscribers::move_subscriber),
        ("GET", "/hierarchy/subscribers/{id}/operations") => get(subscribers::operations),
        ("GET", "/hierarchy/subscribers/{subscriberId}/contracts") => get(contracts::of_subscriber),
        ("GET", "/hierarchy/subscribers/{subscriberId}/contracts/overview") => {
            get(contracts::overview_of_subscriber)
        }
        ("GET", "/contract/all") => get(contracts::all),
        ("GET", "/contract/id/{id}") => get(contracts::details),
        ("GET", "/contract/id/{id}/items") => get(contracts::items),
        ("GET", "/contract/overview") => get(contracts::overview),
        ("POST", "/order/block-sim" | "/order/blocksim") => post(contracts::block_sim),
        ("POST", "/order/unblock-sim") => post(contracts::unblock_sim),
        ("GET", "/order/operations") => get(contracts::available_operations),
        ("GET", "/track-and-trace/orders") => get(track::orders),
        ("GET", "/track-and-trace/orders/{id}") => get(track::order_details),
        ("GET", "/track-and-trace/orders/{id}/pretty") => get(track::pretty_order_details),
        ("POST", "/track-and-trace/orders/{id}/cancel") => post(track::cancel_order),
        ("GET", "/track-and-trace/overview") => get(track::overview),
        ("GET", "/track-and-trace/service-requests") => get(track::service_requests),
        ("GET", "/track-and-trace/service-requests/{id}") => get(track::service_request_details),
        ("POST", "/track-and-trace/service-requests/{id}/cancel") => {
            post(track::cancel_service_request)
        }
        _ => {
            return addresses::handler(method, path)
                .or_else(|| basket::handler(method, path))
                .or_else(|| contract_orders::handler(method, path))
                .or_else(|| contracting_orders::handler(method, path))
                .or_else(|| users::handler(method, path))
                .or_else(|| thresholds::handler(method, path))
                .or_else(|| fixed_mobile::handler(method, path))
                .or_else(|| voicemail::handler(method, path))
                .or_else(|| finances::handler(method, path))
                .or_else(|| hardware::handler(method, path));
        }
    })
}

/// Whether sentral has built `operation` (else it answers 501).
pub fn is_implemented(operation: &KpnOperation) -> bool {
    handler(operation.method, operation.path).is_some()
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
        let method_router =
            handler(operation.method, operation.path).unwrap_or_else(|| not_implemented(operation));
        let router = match by_path.remove(&path) {
            Some(existing) => existing.merge(method_router),
            None => method_router,
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
