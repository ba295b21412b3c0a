//! Hardware (`/order/apple-dep`, `/order/samsung-knox`, `/order/return-hardware`, `/track-and-trace/returned-hardware-service-requests`, service-request attachments).

use axum::routing::MethodRouter;

use crate::AppState;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    let _ = (method, path);
    None
}
