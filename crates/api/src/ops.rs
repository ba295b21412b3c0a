//! Operations endpoints: liveness, readiness and Prometheus metrics.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = String, example = "ok")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the store answers, and NATS in a cluster.
///
/// A 503 names what does not answer: `store unreachable`, `nats unreachable` or both.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = String, example = "ready"),
              (status = 503, body = String, example = "nats unreachable")))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let mut failed = Vec::new();
    if let Err(error) = state.platform.ready().await {
        tracing::warn!(%error, "not ready: the store does not answer");
        failed.push("store unreachable");
    }
    if state.platform.invalidations().connected() == Some(false) {
        tracing::warn!("not ready: NATS does not answer");
        failed.push("nats unreachable");
    }
    if failed.is_empty() {
        (StatusCode::OK, "ready".to_owned())
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, failed.join(", "))
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut text = state.metrics.render();
    crate::metrics::render_event_delivery(&mut text, &state.platform.monitor_hub().metrics());
    crate::metrics::render_store_commits(&mut text, state.platform.store().commit_stats());
    crate::metrics::render_cluster(
        &mut text,
        state.platform.invalidations(),
        state.platform.ownership().map(|o| o.snapshot()),
        state.platform.telephony().cluster_counters(),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
