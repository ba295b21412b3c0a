//! KPN part 3: kpn_fixed_mobile (API tests, SQLite and PostgreSQL).
