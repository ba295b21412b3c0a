//! Finances (`/finances/billing-period…`, `/finances/invoices…`: the invoice as a PDF).

use axum::routing::MethodRouter;

use crate::AppState;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    let _ = (method, path);
    None
}
