use thiserror::Error;

/// A value that breaks a rule of the domain. The message names the rule so an API can show it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("organisation number must be 9 digits with a valid modulus-11 check digit, got {0:?}")]
    InvalidOrgNumber(String),
    #[error(
        "mobile number must be 8 digits (Norwegian) or E.164 digits with country code, got {0:?}"
    )]
    InvalidMsisdn(String),
    #[error("system user name must be 'api' followed by 10 digits, got {0:?}")]
    InvalidSystemUserName(String),
    #[error("client id must be 3-64 characters of letters, digits, '-', '_' or '.', got {0:?}")]
    InvalidClientId(String),
    #[error("unknown API product {0:?}; known products: {known}", known = crate::products::ApiProduct::ids().join(", "))]
    UnknownApiProduct(String),
    #[error("unknown portal role {0:?}")]
    UnknownPortalRole(String),
    #[error("unknown administrator right {0:?}; known rights: mobile, fixed, reports, mbn, apis")]
    UnknownAdminRight(String),
    #[error("application kind must be 'pilot' or 'production', got {0:?}")]
    UnknownAppKind(String),
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} contains {character:?}; only letters, digits, spaces and /.,- are allowed")]
    InvalidCharacter {
        field: &'static str,
        character: char,
    },
    #[error("account id must be 1-8 digits, got {0:?}")]
    InvalidAccountId(String),
    #[error("address card id must be digits, got {0:?}")]
    InvalidAddressCardId(String),
    #[error("order id must be digits, got {0:?}")]
    InvalidOrderId(String),
    #[error("short number must be {length} digits, got {value:?}")]
    InvalidShortNumber { value: String, length: u8 },
    #[error("numbering plan: {0}")]
    InvalidPlan(String),
    #[error("unknown absence kind {0:?}; use meeting, illness, holiday, lunch, trip or other")]
    UnknownAbsenceKind(String),
    #[error("until must be after from")]
    AbsenceEndsBeforeStart,
    #[error(
        "{value:?} is not a destination: give a phone number with country code (E.164 digits) \
         or a short number of {length} digits from the enterprise's numbering plan"
    )]
    InvalidDestination { value: String, length: u8 },
    #[error("short number {0} is not an entry of the enterprise's numbering plan")]
    UnknownShortNumber(String),
    #[error("an active forwarding needs a destination")]
    ForwardingWithoutDestination,
    #[error("ring time must be from 5 to 60 seconds, got {0}")]
    InvalidRingTime(i64),
    #[error("{field} must be from {min} to {max}, got {value}")]
    OutOfRange {
        field: &'static str,
        min: u32,
        max: u32,
        value: i64,
    },
    #[error(
        "unknown queue strategy {0:?}; use ringAll, longestIdle, roundRobin, linear, fewestCalls \
         or random"
    )]
    UnknownQueueStrategy(String),
    #[error(
        "{0} is the queue's own number; callers sent there would come straight back into the queue"
    )]
    QueueTargetIsItself(String),
    #[error(
        "unknown agent state {0:?}; use loggedOn, loggedOff, ready, notReady or workingAfterCall"
    )]
    UnknownAgentState(String),
    #[error("only notReady takes a reason")]
    ReasonWithoutNotReady,
    #[error("the agent is logged off; log on (loggedOn, ready or notReady) first")]
    AgentLoggedOff,
}
