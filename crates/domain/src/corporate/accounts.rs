//! Invoice accounts ("corporate accounts") and the address cards they are invoiced to.

use std::fmt;

use crate::clock::Timestamp;
use crate::corporate::wire_enum;
use crate::error::DomainError;
use crate::ids::OrgNumber;

/// An account number: up to 8 digits (the invoice shows it with the prefix 55).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if (1..=8).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::InvalidAccountId(text.to_owned()))
        }
    }

    pub fn from_number(number: u32) -> Self {
        Self((number % 100_000_000).to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<AccountId> for String {
    fn from(value: AccountId) -> Self {
        value.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An account reference: at most 30 characters of letters (Norwegian letters included), digits,
/// spaces and `/.,-`. The documents' own example (`Telenor ASA/ IT department`) has spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct AccountReference(String);

impl AccountReference {
    pub const MAX_CHARS: usize = 30;

    pub fn parse(field: &'static str, text: &str) -> Result<Self, DomainError> {
        let count = text.chars().count();
        if count == 0 || text.trim().is_empty() {
            return Err(DomainError::Empty { field });
        }
        if count > Self::MAX_CHARS {
            return Err(DomainError::TooLong {
                field,
                max: Self::MAX_CHARS,
            });
        }
        let allowed = |c: char| c.is_alphabetic() || c.is_ascii_digit() || " /.,-".contains(c);
        if let Some(bad) = text.chars().find(|c| !allowed(*c)) {
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

wire_enum!(
    /// PASSIVE: created, not activated yet; OPEN: created and activated; CANCELLED.
    AccountStatus {
        Passive = "PASSIVE",
        Open = "OPEN",
        Cancelled = "CANCELLED",
    }
);

wire_enum!(
    /// NORMAL: many subscriptions; RESERVED: one subscription only; RING_KONTANT: pre-paid.
    AccountType {
        Normal = "NORMAL",
        Reserved = "RESERVED",
        RingKontant = "RING_KONTANT",
    }
);

wire_enum!(
    /// How the invoice is sent: EHF (Elektronisk handelsformat) for organisations as a rule.
    InvoiceFormat {
        Ehf = "EHF",
        Paper = "PAPER",
        Email = "EMAIL",
    }
);

/// A Norwegian postal address as the invoice shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress {
    pub street_name: String,
    pub street_address: String,
    pub entrance_code: Option<String>,
    pub postal_code: String,
    pub postal_place: String,
}

/// An address card id: digits only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddressCardId(String);

impl AddressCardId {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if (1..=12).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::InvalidAddressCardId(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One of an organisation's invoice addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressCard {
    pub id: AddressCardId,
    pub org_number: OrgNumber,
    pub address: PostalAddress,
    pub invoice_format: InvoiceFormat,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
}

/// Who pays an account's invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payer {
    Company(OrgNumber),
    Person(PersonName),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorporateAccount {
    pub id: AccountId,
    /// Reference 1 is the account's name on the invoice; 2 and 3 are free for the customer.
    pub references: [Option<AccountReference>; 3],
    pub owner: OrgNumber,
    pub payer: Payer,
    pub address_card: Option<AddressCardId>,
    pub invoice_address: PostalAddress,
    pub invoice_format: InvoiceFormat,
    /// The status as stored; [`CorporateAccount::status_at`] applies a due activation.
    pub stored_status: AccountStatus,
    pub account_type: AccountType,
    pub created_at: Timestamp,
    /// A PASSIVE account opens at this time (set on accounts created through the API).
    pub activates_at: Option<Timestamp>,
    /// List endpoints show the account from this time on ("expect a minute").
    pub listed_from: Timestamp,
}

impl CorporateAccount {
    /// The status at `now`: a PASSIVE account whose activation is due is OPEN.
    pub fn status_at(&self, now: Timestamp) -> AccountStatus {
        match (self.stored_status, self.activates_at) {
            (AccountStatus::Passive, Some(at)) if at <= now => AccountStatus::Open,
            (status, _) => status,
        }
    }

    pub fn reference(&self, number: usize) -> Option<&str> {
        self.references
            .get(number.checked_sub(1)?)?
            .as_ref()
            .map(AccountReference::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_allow_letters_digits_spaces_and_listed_punctuation() {
        for ok in [
            "Telenor ASA/ IT department",
            "Blåbær-prosjekt 7.1,2",
            "ÆØÅ æøå",
        ] {
            assert!(
                AccountReference::parse("accountReference1", ok).is_ok(),
                "{ok}"
            );
        }
        for bad in ["a_b", "semi;colon", "quote'", "tab\t", "emoji 🙂"] {
            assert!(
                matches!(
                    AccountReference::parse("accountReference1", bad),
                    Err(DomainError::InvalidCharacter { .. })
                ),
                "{bad}"
            );
        }
        let long = "x".repeat(31);
        assert!(matches!(
            AccountReference::parse("accountReference2", &long),
            Err(DomainError::TooLong { max: 30, .. })
        ));
        assert!(AccountReference::parse("accountReference2", &"ø".repeat(30)).is_ok());
        assert!(matches!(
            AccountReference::parse("accountReference1", "  "),
            Err(DomainError::Empty { .. })
        ));
    }

    #[test]
    fn account_ids_have_up_to_eight_digits() {
        assert!(AccountId::parse("55000001").is_ok());
        assert!(AccountId::parse("1").is_ok());
        assert!(AccountId::parse("123456789").is_err());
        assert!(AccountId::parse("12a").is_err());
        assert!(AccountId::parse("").is_err());
    }

    #[test]
    fn a_passive_account_opens_when_its_activation_is_due() {
        let created = Timestamp::from_millis(1_000_000);
        let account = CorporateAccount {
            id: AccountId::from_number(7),
            references: [None, None, None],
            owner: OrgNumber::parse("914742315").unwrap(),
            payer: Payer::Company(OrgNumber::parse("914742315").unwrap()),
            address_card: None,
            invoice_address: PostalAddress {
                street_name: "Snarøyveien".into(),
                street_address: "30".into(),
                entrance_code: None,
                postal_code: "1360".into(),
                postal_place: "Fornebu".into(),
            },
            invoice_format: InvoiceFormat::Ehf,
            stored_status: AccountStatus::Passive,
            account_type: AccountType::Normal,
            created_at: created,
            activates_at: Some(created.plus_seconds(60)),
            listed_from: created.plus_seconds(60),
        };
        assert_eq!(
            account.status_at(created.plus_seconds(59)),
            AccountStatus::Passive
        );
        assert_eq!(
            account.status_at(created.plus_seconds(60)),
            AccountStatus::Open
        );
        let dormant = CorporateAccount {
            activates_at: None,
            ..account
        };
        assert_eq!(
            dormant.status_at(created.plus_seconds(600)),
            AccountStatus::Passive
        );
    }
}
