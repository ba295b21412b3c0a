//! KPN part 3: kpn_finances (API tests, SQLite and PostgreSQL).
