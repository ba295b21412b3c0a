//! The portal over HTTP: the real router on port 0, a client that behaves like a browser.

mod harness;
mod login;
