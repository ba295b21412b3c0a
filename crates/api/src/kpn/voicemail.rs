//! Business voicemail (`/contracting/bvm/availability`, `/contracting/bvm/order`: a multipart CSV file).

use axum::routing::MethodRouter;

use crate::AppState;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    let _ = (method, path);
    None
}
