//! Sending SMS: an interface an operator implements for a real gateway, and the built-in
//! implementation that puts every message in the store's SMS outbox (the sandbox reads it at
//! `/sandbox/v1/sms`). Passwords for system users and new portal administrators go through it.

use std::future::Future;
use std::pin::Pin;

use sentral_domain::platform::SmsMessage;
use sentral_store::{Connection, records};

use crate::ServiceError;

/// What [`SmsGateway::send`] answers.
pub type SmsFuture<'a> = Pin<Box<dyn Future<Output = Result<(), ServiceError>> + Send + 'a>>;

/// Where the platform's SMS go. `send` runs inside the transaction of the change that sends the
/// message, so a gateway that queues in the store sends nothing for a change rolled back; one
/// that calls out at once may ignore `conn`. An error rolls the change back.
pub trait SmsGateway: Send + Sync {
    fn send<'a>(&'a self, conn: &'a mut Connection, message: &'a SmsMessage) -> SmsFuture<'a>;
}

/// The built-in gateway: the store's SMS outbox (`records::send_sms`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SmsOutbox;

impl SmsGateway for SmsOutbox {
    fn send<'a>(&'a self, conn: &'a mut Connection, message: &'a SmsMessage) -> SmsFuture<'a> {
        Box::pin(async move {
            records::send_sms(conn, message).await?;
            Ok(())
        })
    }
}
