//! Corporate mobile subscriptions: the number, its account, user references, SIM and add-ons.

use crate::clock::Timestamp;
use crate::corporate::accounts::{AccountId, PersonName};
use crate::corporate::wire_enum;
use crate::error::DomainError;
use crate::ids::{Msisdn, OrgNumber};

wire_enum!(
    SubscriptionStatus {
        Active = "ACTIVE",
        Suspended = "SUSPENDED",
        Terminated = "TERMINATED",
    }
);

/// A user reference: free text the customer keeps on the subscription; userReference1 is printed
/// on the invoice instead of the user's name. At most 50 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct UserReference(String);

impl UserReference {
    pub const MAX_CHARS: usize = 50;

    pub fn parse(field: &'static str, text: &str) -> Result<Self, DomainError> {
        if text.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::TooLong {
                field,
                max: Self::MAX_CHARS,
            });
        }
        if let Some(bad) = text.chars().find(|c| c.is_control()) {
            return Err(DomainError::InvalidCharacter {
                field,
                character: bad,
            });
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<UserReference> for String {
    fn from(value: UserReference) -> Self {
        value.0
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserReferences {
    pub reference1: Option<UserReference>,
    pub reference2: Option<UserReference>,
    pub reference3: Option<UserReference>,
}

/// An add-on on a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionProduct {
    pub product_id: i64,
    pub added_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileSubscription {
    pub msisdn: Msisdn,
    pub org_number: OrgNumber,
    pub account_id: AccountId,
    /// The price plan's product offer id.
    pub plan_id: i64,
    pub status: SubscriptionStatus,
    pub user: Option<PersonName>,
    pub references: UserReferences,
    pub iccid: String,
    pub activated_at: Timestamp,
    pub updated_at: Timestamp,
    pub products: Vec<SubscriptionProduct>,
}

/// What a search lists of a subscription: no user, SIM card or add-ons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSummary {
    pub msisdn: Msisdn,
    pub org_number: OrgNumber,
    pub account_id: AccountId,
    /// The price plan's product offer id.
    pub plan_id: i64,
    pub status: SubscriptionStatus,
    pub references: UserReferences,
    pub updated_at: Timestamp,
}

impl MobileSubscription {
    pub fn summary(&self) -> SubscriptionSummary {
        SubscriptionSummary {
            msisdn: self.msisdn.clone(),
            org_number: self.org_number.clone(),
            account_id: self.account_id.clone(),
            plan_id: self.plan_id,
            status: self.status,
            references: self.references.clone(),
            updated_at: self.updated_at,
        }
    }

    pub fn has_product(&self, product_id: i64) -> bool {
        self.products
            .iter()
            .any(|product| product.product_id == product_id)
    }
}
