//! KPN contracting: the product catalogue, basket sessions, templates and free resources.

pub mod catalogue;
pub mod lifecycle;
pub mod numbers;
pub mod sessions;
pub mod templates;
