//! Integration tests: the real server on port 0, talked to over HTTP like a client would.

mod corporate_account_page_json;
mod corporate_accounts;
mod corporate_subscription_page_json;
mod corporate_subscriptions;
mod csta_client;
mod events_stream;
mod harness;
mod kpn;
mod kpn_harness;
mod kpn_lifecycle;
mod kpn_rules;
mod kpn_shared_domain;
mod mbn_call_scenarios;
mod mbn_catalog;
mod mbn_contact_feed_json;
mod mbn_contacts;
mod mbn_csta;
mod mbn_queue;
mod mbn_user;
mod oauth;
mod platform;
mod resources;
mod round_trip;
mod sandbox;
mod schema_fuzzing;
