//! KPN delivery addresses (`/address/…`): the customer's general addresses and a user's
//! personal ones, Dutch only.
