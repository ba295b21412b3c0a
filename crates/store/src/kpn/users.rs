//! Portal users of a KPN customer: GRIP identities, user roles and managed groups.
