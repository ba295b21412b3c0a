//! Integration tests: the real server on port 0, talked to over HTTP like a client would.

mod harness;
mod kpn;
mod oauth;
mod platform;
mod resources;
mod sandbox;
