//! KPN contracting: the basket session, the catalogue, templates (`/contracting/…`).

mod handlers;
mod templates;
pub(crate) mod wire;

use axum::routing::{MethodRouter, get, post};

use crate::AppState;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("GET", "/contracting/basket") => get(handlers::basket),
        ("POST", "/contracting/basket") => post(handlers::modify),
        ("GET", "/contracting/basket/characteristics") => get(handlers::characteristics),
        ("GET", "/contracting/basket/main-products") => get(handlers::main_products),
        ("GET", "/contracting/basket/products") => get(handlers::products),
        ("GET", "/contracting/basket/templates") => get(templates::basket_templates),
        ("GET", "/contracting/basket/resources") => get(handlers::resources),
        ("POST", "/contracting/basket/order") => post(handlers::order),
        ("POST", "/contracting/basket/reset") => post(handlers::reset),
        ("POST", "/contracting/basket/save-as-template") => post(templates::save_as_template),
        ("POST", "/contracting/basket/modify-template") => post(templates::modify_template),
        ("GET", "/contracting/categories") => get(handlers::categories),
        ("GET", "/contracting/hardware/categories") => get(handlers::hardware_categories),
        ("GET", "/contracting/templates") => get(templates::overview),
        ("GET", "/contracting/templates/{id}") => get(templates::details),
        ("POST", "/contracting/templates/{id}/delete") => post(templates::delete),
        _ => return None,
    })
}
