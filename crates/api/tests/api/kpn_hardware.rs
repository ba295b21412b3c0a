//! KPN part 3: kpn_hardware (API tests, SQLite and PostgreSQL).
