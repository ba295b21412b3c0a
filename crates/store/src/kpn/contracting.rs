//! KPN contracting: the product catalogue, basket sessions, templates and free resources.
