//! The portal over HTTP: the real router on port 0, a client that behaves like a browser.

mod back_office;
mod dealer;
mod developer_portal;
mod harness;
mod login;
mod min_bedrift;
