//! KPN part 3: kpn_users (API tests, SQLite and PostgreSQL).
