//! KPN part 3: kpn_voicemail (API tests, SQLite and PostgreSQL).
