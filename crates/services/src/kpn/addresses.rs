//! KPN delivery addresses: the customer's general addresses and the caller's personal ones.
