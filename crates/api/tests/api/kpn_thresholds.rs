//! KPN part 3: kpn_thresholds (API tests, SQLite and PostgreSQL).
