//! The HTTP dialects of sentral: Telenor (OAuth2 and corporate APIs), KPN (MSM v11), the
//! sandbox controls and the operations endpoints, over one set of services.

mod body;
mod caller;
pub mod coverage;
pub mod frame;
pub mod json;
pub mod kpn;
pub mod mbn;
pub mod metrics;
pub mod openapi;
mod ops;
pub mod request_id;
mod sandbox;
mod sandbox_network;
pub mod telenor;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::{IntoResponse, Response};
use sentral_services::Platform;
use tower::Layer;

use crate::metrics::Metrics;

/// Request bodies larger than this answer 413.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub platform: Arc<Platform>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(platform: Arc<Platform>) -> Self {
        Self {
            platform,
            metrics: Arc::new(Metrics::default()),
        }
    }
}

/// Unknown paths answer in the dialect the path belongs to.
async fn fallback(request: Request) -> Response {
    not_found(&request, true)
}

/// A known path with a method it does not have: "path or method not found".
async fn method_not_allowed(request: Request) -> Response {
    not_found(&request, false)
}

/// An unknown path under a known Telenor API is "not found on back-end server" (4042000);
/// other unknown paths and wrong methods are "path or method not found" (40401).
fn not_found(request: &Request, unknown_path: bool) -> Response {
    let path = request.uri().path();
    if path.starts_with(kpn::operations::BASE_PATH) || path.starts_with("/oauth/grip/") {
        kpn::KpnError::NotFound(format!(
            "{} {path} is not an operation of this API",
            request.method()
        ))
        .into_response()
    } else if unknown_path
        && telenor::API_BASE_PATHS
            .iter()
            .any(|base| path.starts_with(base))
    {
        telenor::TelenorError::BackendPathNotFound.into_response()
    } else {
        telenor::TelenorError::PathNotFound.into_response()
    }
}

/// The whole application as one service: every dialect, the documentation and the operations
/// endpoints, inside the request frame ([`frame`]).
pub type App = DefaultBodyLimitService<frame::Framed<Router>>;
type DefaultBodyLimitService<S> = <DefaultBodyLimit as Layer<S>>::Service;

/// The whole application; serve it with `axum::serve(listener, axum::ServiceExt::into_make_service(app))`.
pub fn router(state: AppState) -> App {
    router_with(state, Router::new())
}

/// The application with further surfaces beside the APIs (the onboarding portal's pages),
/// inside the same request frame and body limit.
pub fn router_with(state: AppState, surfaces: Router) -> App {
    let mut router = Router::new()
        .merge(telenor::routes())
        .merge(mbn::routes())
        .merge(kpn::routes())
        .merge(ops::routes());
    if state.platform.is_sandbox() {
        router = router.merge(sandbox::routes());
    }
    let metrics = state.metrics.clone();
    let router = router
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .merge(openapi::swagger_ui())
        .merge(surfaces)
        .layer(frame::MeasuredLayer::new(metrics));
    DefaultBodyLimit::max(BODY_LIMIT_BYTES).layer(frame::Framed::new(router))
}
