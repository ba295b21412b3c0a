//! The axum hello-world baseline: the ceiling sentral is measured against.
//!
//! `GET /hello` serialises `{"hello":"world"}` through `axum::Json` on every
//! request — the same shape of work as a tiny JSON API response, minus
//! everything sentral adds (auth, storage, middleware).

use std::net::SocketAddr;

use axum::routing::get;
use axum::serve::ListenerExt;
use axum::{Json, Router};
use serde_json::{Value, json};

async fn hello() -> Json<Value> {
    Json(json!({ "hello": "world" }))
}

pub fn router() -> Router {
    Router::new().route("/hello", get(hello))
}

/// Serves the baseline until the process is killed.
pub async fn serve(listen: SocketAddr) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?
        .tap_io(|tcp| {
            // Best effort, as in axum's own examples.
            let _ = tcp.set_nodelay(true);
        });
    eprintln!("sentral-bench hello: listening on http://{listen}/hello");
    axum::serve(listener, router())
        .await
        .map_err(|e| format!("baseline server failed: {e}"))
}
