//! The enterprise's shared contact directory: people and companies outside the MBN too, kept in
//! step with the customer's own directory (e.g. AD) by `externalId`, with tombstones and a
//! change sequence so that sync clients learn of every change exactly once.

use crate::clock::Timestamp;
use crate::directory::ContactNumber;

/// What a contact says: everything a client may write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactDetails {
    /// The contact's id in the customer's own directory; unique within the enterprise.
    pub external_id: Option<String>,
    /// Empty when not known (a contact may be a company only).
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    pub numbers: Vec<ContactNumber>,
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub postal_place: Option<String>,
    pub note: Option<String>,
}

impl ContactDetails {
    /// What a tombstone keeps: the external id only, so a deleted person's data is gone.
    pub fn tombstone(&self) -> Self {
        Self {
            external_id: self.external_id.clone(),
            ..Self::default()
        }
    }
}

/// A contact of an enterprise's directory, or the tombstone of a deleted one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub enterprise_id: String,
    pub details: ContactDetails,
    pub created_at: Timestamp,
    /// When it last changed; for a tombstone, when it was deleted.
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// The enterprise's change sequence number of the contact's last change.
    pub change_seq: i64,
}

impl Contact {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// A position in an enterprise's change sequence: the client has seen every change up to and
/// including it. Zero is the beginning (a full sync).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SyncCursor(i64);

impl SyncCursor {
    pub const START: SyncCursor = SyncCursor(0);

    pub const fn at(seq: i64) -> Self {
        Self(seq)
    }

    /// A cursor as the API hands it out: decimal digits.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().map(Self)
    }

    pub const fn seq(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for SyncCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How far tombstones of an enterprise have been purged: a client that has not seen every
/// change up to here may have missed a deletion and must sync in full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeMark {
    /// The highest change sequence number among purged tombstones.
    pub seq: i64,
    /// The latest deletion time among purged tombstones.
    pub deleted_at: Option<Timestamp>,
}

impl PurgeMark {
    /// Whether a client at `cursor` may have missed a purged deletion. The start is never
    /// stale: a client with nothing has nothing to delete.
    pub fn outdates_cursor(&self, cursor: SyncCursor) -> bool {
        cursor != SyncCursor::START && cursor.seq() < self.seq
    }

    /// Whether a client asking for changes after `since` may miss a purged deletion.
    pub fn outdates_time(&self, since: Timestamp) -> bool {
        self.deleted_at.is_some_and(|purged| since < purged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_decimal_digits() {
        assert_eq!(SyncCursor::parse("0"), Some(SyncCursor::START));
        assert_eq!(SyncCursor::parse("1234").map(SyncCursor::seq), Some(1234));
        for bad in ["", "-1", "1e3", "abc", "9999999999999999999"] {
            assert_eq!(SyncCursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_purge_outdates_older_cursors_but_not_the_start() {
        let mark = PurgeMark {
            seq: 10,
            deleted_at: Some(Timestamp::from_millis(5_000)),
        };
        assert!(!mark.outdates_cursor(SyncCursor::START));
        assert!(mark.outdates_cursor(SyncCursor::at(9)));
        assert!(!mark.outdates_cursor(SyncCursor::at(10)));
        assert!(mark.outdates_time(Timestamp::from_millis(4_999)));
        assert!(!mark.outdates_time(Timestamp::from_millis(5_000)));
        assert!(!PurgeMark::default().outdates_time(Timestamp::from_millis(0)));
    }
}
