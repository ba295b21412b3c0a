//! Sandbox controls: the clock, the reset back to the demo world, the SMS outbox.

use sentral_domain::Timestamp;
use sentral_domain::platform::SmsMessage;
use sentral_store::records;

use crate::platform::{CLOCK_OFFSET_SETTING, PlatformClock};
use crate::{Platform, ServiceError};

/// The sandbox clock as shown by `GET /sandbox/v1/clock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockState {
    pub now: Timestamp,
    pub offset_seconds: i64,
}

impl Platform {
    fn sandbox_clock(&self) -> Result<&sentral_domain::SandboxClock, ServiceError> {
        match &self.clock {
            PlatformClock::Sandbox(clock) => Ok(clock),
            PlatformClock::System(_) => Err(ServiceError::NotAllowed("not in sandbox mode".into())),
        }
    }

    pub fn clock_state(&self) -> Result<ClockState, ServiceError> {
        let clock = self.sandbox_clock()?;
        Ok(ClockState {
            now: self.now(),
            offset_seconds: clock.offset_millis() / 1000,
        })
    }

    /// Moves sandbox time forward; the offset is stored so a restart keeps it.
    pub async fn advance_clock(&self, seconds: u32) -> Result<ClockState, ServiceError> {
        let clock = self.sandbox_clock()?;
        let offset = clock.advance_seconds(seconds);
        let mut conn = self.store.read().await?;
        records::set_setting(&mut conn, CLOCK_OFFSET_SETTING, &offset.to_string()).await?;
        drop(conn);
        self.tick_telephony().await;
        self.clock_state()
    }

    /// Back to the demo world: every table emptied, then on every node the clock back to real
    /// time and caches, sessions and engines (with their calls) dropped.
    pub async fn reset_sandbox(&self) -> Result<(), ServiceError> {
        self.sandbox_clock()?;
        let mut tx = self.store.write().await?;
        // The leases go first (`ALL_TABLES`), so an engine mid-write cannot outlive the reset.
        records::delete_everything(&mut tx).await?;
        tx.commit().await?;
        self.forget_everything().await;
        self.ensure_demo_world().await?;
        Ok(())
    }

    /// The newest SMS messages first.
    pub async fn sms_outbox(&self, limit: u32) -> Result<Vec<SmsMessage>, ServiceError> {
        self.sandbox_clock()?;
        let mut conn = self.store.read().await?;
        Ok(records::sms_outbox(&mut conn, i64::from(limit)).await?)
    }

    /// Counts one request of the application against its rate limits.
    pub async fn admit(&self, app_id: &str) -> Result<(), ServiceError> {
        self.limiter.admit(&self.store, app_id, self.now()).await
    }
}
