//! KPN delivery addresses.
