//! One order life cycle, two vocabularies (KPN.md decision 1): `OrderSummary.status`
//! (PascalCase) and the track-and-trace status (UPPER_SNAKE).

use crate::Timestamp;
use crate::corporate::OrderStatus;

/// `OrderSummary.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpnStatus {
    Initialized,
    Scheduled,
    InProgress,
    Finished,
    Canceled,
    Rejected,
    /// The open states an order rests in until someone acts (`KpnOrderRecord::held`).
    Draft,
    WaitingForAuthorization,
    ExternalScheduled,
    Suspended,
    Waiting,
}

/// How long an accepted order shows as Initialized (NEW) before it is InProgress.
pub const INITIALIZED_MILLIS: i64 = 1_000;

impl KpnStatus {
    /// The status of an order of the engine at `now`: open orders are Initialized just after
    /// acceptance, Scheduled before their wish date, then InProgress.
    pub fn of(
        status: OrderStatus,
        created_at: Timestamp,
        starts_at: Timestamp,
        now: Timestamp,
    ) -> Self {
        match status {
            OrderStatus::Completed => KpnStatus::Finished,
            OrderStatus::Failed => KpnStatus::Rejected,
            OrderStatus::Canceled => KpnStatus::Canceled,
            OrderStatus::InProgress
                if now < starts_at && starts_at > created_at.plus_seconds(1) =>
            {
                KpnStatus::Scheduled
            }
            OrderStatus::InProgress if now.millis() - created_at.millis() < INITIALIZED_MILLIS => {
                KpnStatus::Initialized
            }
            OrderStatus::InProgress => KpnStatus::InProgress,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KpnStatus::Initialized => "Initialized",
            KpnStatus::Scheduled => "Scheduled",
            KpnStatus::InProgress => "InProgress",
            KpnStatus::Finished => "Finished",
            KpnStatus::Canceled => "Canceled",
            KpnStatus::Rejected => "Rejected",
            KpnStatus::Draft => "Draft",
            KpnStatus::WaitingForAuthorization => "WaitingForAuthorization",
            KpnStatus::ExternalScheduled => "ExternalScheduled",
            KpnStatus::Suspended => "Suspended",
            KpnStatus::Waiting => "Waiting",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            KpnStatus::Initialized,
            KpnStatus::Scheduled,
            KpnStatus::InProgress,
            KpnStatus::Finished,
            KpnStatus::Canceled,
            KpnStatus::Rejected,
            KpnStatus::Draft,
            KpnStatus::WaitingForAuthorization,
            KpnStatus::ExternalScheduled,
            KpnStatus::Suspended,
            KpnStatus::Waiting,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    pub fn track(self) -> TrackStatus {
        match self {
            KpnStatus::Initialized => TrackStatus::New,
            KpnStatus::Scheduled | KpnStatus::InProgress => TrackStatus::InProgress,
            KpnStatus::Finished => TrackStatus::Closed,
            KpnStatus::Canceled => TrackStatus::Canceled,
            KpnStatus::Rejected => TrackStatus::Rejected,
            KpnStatus::Draft => TrackStatus::Draft,
            KpnStatus::WaitingForAuthorization => TrackStatus::Unauthorized,
            KpnStatus::ExternalScheduled => TrackStatus::ThirdParty,
            KpnStatus::Suspended => TrackStatus::HoldCustomer,
            KpnStatus::Waiting => TrackStatus::Waiting,
        }
    }
}

crate::corporate::wire_enum!(
    /// The track-and-trace status (`TTS` of the spec).
    TrackStatus {
        InProgress = "IN_PROGRESS",
        Unauthorized = "UNAUTHORIZED",
        New = "NEW",
        Closed = "CLOSED",
        Canceled = "CANCELED",
        Rejected = "REJECTED",
        Draft = "DRAFT",
        ThirdParty = "THIRD_PARTY",
        HoldCustomer = "HOLD_CUSTOMER",
        Waiting = "WAITING",
    }
);

impl TrackStatus {
    /// Still open: a blocking order, and cancellable (every status but the three final ones).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            TrackStatus::Closed | TrackStatus::Canceled | TrackStatus::Rejected
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_is_new_then_in_progress_then_closed() {
        let t0 = Timestamp::from_millis(1_000_000);
        let open = OrderStatus::InProgress;
        assert_eq!(KpnStatus::of(open, t0, t0, t0), KpnStatus::Initialized);
        let later = t0.plus_seconds(1);
        assert_eq!(
            KpnStatus::of(open, t0, t0, later).track(),
            TrackStatus::InProgress
        );
        let wish = t0.plus_seconds(3600);
        assert_eq!(KpnStatus::of(open, t0, wish, t0), KpnStatus::Scheduled);
        assert_eq!(
            KpnStatus::of(OrderStatus::Completed, t0, t0, later).track(),
            TrackStatus::Closed
        );
        assert_eq!(
            KpnStatus::of(OrderStatus::Canceled, t0, t0, later).as_str(),
            "Canceled"
        );
        assert_eq!(
            KpnStatus::of(OrderStatus::Failed, t0, t0, later).track(),
            TrackStatus::Rejected
        );
    }

    #[test]
    fn every_summary_status_parses_back_and_has_a_track_status() {
        for name in [
            "Initialized",
            "Scheduled",
            "InProgress",
            "Finished",
            "Canceled",
            "Rejected",
            "Draft",
            "WaitingForAuthorization",
            "ExternalScheduled",
            "Suspended",
            "Waiting",
        ] {
            let status = KpnStatus::parse(name).unwrap();
            assert_eq!(status.as_str(), name);
            let _ = status.track();
        }
        assert_eq!(KpnStatus::Suspended.track(), TrackStatus::HoldCustomer);
        assert!(TrackStatus::HoldCustomer.is_open());
        assert!(!TrackStatus::Closed.is_open());
    }
}
