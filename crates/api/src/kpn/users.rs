//! Portal users, roles and GRIP identities (`rest-user-controller`, `/hierarchy/grip-entities`, `/hierarchy/subscribers/link`, `…/roles`, `…/managed-entities`, `…/assign-entities`, `…/unassign-entities`).

use axum::routing::MethodRouter;

use crate::AppState;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    let _ = (method, path);
    None
}
