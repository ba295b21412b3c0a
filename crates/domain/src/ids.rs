//! Identifiers and formatted values, each parsed once at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Declares a newtype over `String` for an identifier whose format the store guarantees.
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// Internal id of a stored entity (partner, application, administrator …), e.g. `app_9f86d0…`.
    EntityId
);

/// An organisation's identifier, one type per country: a Norwegian organisation number (9
/// digits, the last a modulus-11 check digit) or a Dutch KvK number written `NL` + 8 digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgNumber(String);

impl OrgNumber {
    const WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if let Some(kvk) = text.strip_prefix("NL") {
            if kvk.len() == 8 && kvk.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(Self(text.to_owned()));
            }
            return Err(DomainError::InvalidOrgNumber(text.to_owned()));
        }
        let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
        let well_formed = text.len() == 9 && digits.len() == 9;
        if !well_formed || Self::check_digit(&digits[..8]) != Some(digits[8]) {
            return Err(DomainError::InvalidOrgNumber(text.to_owned()));
        }
        Ok(Self(text.to_owned()))
    }

    /// The check digit for 8 leading digits, or `None` when the remainder makes them unusable.
    pub fn check_digit(first_eight: &[u32]) -> Option<u32> {
        let sum: u32 = first_eight
            .iter()
            .zip(Self::WEIGHTS)
            .map(|(d, w)| d * w)
            .sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            digit => Some(digit),
        }
    }

    /// Completes 8 digits into a valid number, or `None` if no check digit exists for them.
    pub fn from_first_eight(first_eight: u32) -> Option<Self> {
        let head = format!("{first_eight:08}");
        let digits: Vec<u32> = head.chars().filter_map(|c| c.to_digit(10)).collect();
        let check = Self::check_digit(&digits)?;
        Some(Self(format!("{head}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrgNumber {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OrgNumber> for String {
    fn from(value: OrgNumber) -> Self {
        value.0
    }
}

impl fmt::Display for OrgNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mobile number in international form without `+`, e.g. `4791234567`. Norwegian numbers may be
/// given with 8 digits, with `47`, `+47` or `0047`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Msisdn(String);

impl Msisdn {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        // Already international (every stored number): the same value, without the copy that
        // strips spaces and dashes.
        if (10..=15).contains(&text.len())
            && !text.starts_with('0')
            && text.bytes().all(|b| b.is_ascii_digit())
        {
            return Ok(Self(text.to_owned()));
        }
        let trimmed: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = trimmed
            .strip_prefix('+')
            .or_else(|| trimmed.strip_prefix("00"))
            .unwrap_or(&trimmed);
        let invalid = || DomainError::InvalidMsisdn(text.to_owned());
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let international = match digits.len() {
            8 => format!("47{digits}"),
            10..=15 if !digits.starts_with('0') => digits.to_owned(),
            _ => return Err(invalid()),
        };
        Ok(Self(international))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number without the Norwegian country code when it has one (as Norwegian users write it).
    pub fn national(&self) -> &str {
        self.0
            .strip_prefix("47")
            .filter(|rest| rest.len() == 8)
            .unwrap_or(&self.0)
    }
}

impl TryFrom<String> for Msisdn {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Msisdn> for String {
    fn from(value: Msisdn) -> Self {
        value.0
    }
}

impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A system user's name: `api` followed by 10 digits, e.g. `api0000000001`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SystemUserName(String);

impl SystemUserName {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text.strip_prefix("api") {
            Some(digits) if digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Self(text.to_owned()))
            }
            _ => Err(DomainError::InvalidSystemUserName(text.to_owned())),
        }
    }

    pub fn from_number(number: u64) -> Self {
        Self(format!("api{:010}", number % 10_000_000_000))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SystemUserName {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<SystemUserName> for String {
    fn from(value: SystemUserName) -> Self {
        value.0
    }
}

impl fmt::Display for SystemUserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An OAuth2 client id: 3–64 characters of letters, digits, `-`, `_` or `.`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if (3..=64).contains(&text.len()) && text.chars().all(allowed) {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::InvalidClientId(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientId {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ClientId> for String {
    fn from(value: ClientId) -> Self {
        value.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_number_accepts_valid_check_digits() {
        for valid in ["914742315", "987654325", "923609016", "974760673"] {
            assert!(OrgNumber::parse(valid).is_ok(), "{valid}");
        }
    }

    #[test]
    fn org_number_rejects_bad_check_digit_length_and_letters() {
        for invalid in [
            "914742316",
            "12345678",
            "1234567890",
            "91474231a",
            "",
            " 14742315",
        ] {
            assert!(OrgNumber::parse(invalid).is_err(), "{invalid}");
        }
    }

    #[test]
    fn org_number_takes_a_dutch_kvk_number_with_its_country() {
        assert!(OrgNumber::parse("NL69599084").is_ok());
        for invalid in ["NL6959908", "NL695990841", "NLabcdefgh", "nl69599084"] {
            assert!(OrgNumber::parse(invalid).is_err(), "{invalid}");
        }
    }

    #[test]
    fn org_number_completes_eight_digits() {
        let number = OrgNumber::from_first_eight(91474231).unwrap();
        assert_eq!(number.as_str(), "914742315");
    }

    #[test]
    fn msisdn_normalises_norwegian_forms() {
        for form in ["91234567", "4791234567", "+47 912 34 567", "004791234567"] {
            assert_eq!(
                Msisdn::parse(form).unwrap().as_str(),
                "4791234567",
                "{form}"
            );
        }
        assert_eq!(Msisdn::parse("91234567").unwrap().national(), "91234567");
        assert!(Msisdn::parse("1234").is_err());
        assert!(Msisdn::parse("+47abc").is_err());
    }

    #[test]
    fn system_user_name_is_api_and_ten_digits() {
        assert!(SystemUserName::parse("api0000000001").is_ok());
        assert!(SystemUserName::parse("api000000001").is_err());
        assert!(SystemUserName::parse("xyz0000000001").is_err());
        assert_eq!(SystemUserName::from_number(42).as_str(), "api0000000042");
    }

    #[test]
    fn client_id_rejects_spaces_and_short_values() {
        assert!(ClientId::parse("demo-client").is_ok());
        assert!(ClientId::parse("a b").is_err());
        assert!(ClientId::parse("ab").is_err());
    }
}
