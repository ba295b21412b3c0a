//! One repository suite, run against SQLite and (when `SENTRAL_TEST_DATABASE_URL` is set)
//! against PostgreSQL in a schema of its own that is dropped afterwards.

mod backends;
mod contacts;
mod corporate;
mod csta_sessions;
mod executor;
mod kpn_search;
mod leases;
mod member_search;
mod outbox;
mod platform;
mod queues;
mod records;
mod subscription_counts;
mod subscription_search;
mod telephony_journal;
mod tokens;
mod user_settings;
