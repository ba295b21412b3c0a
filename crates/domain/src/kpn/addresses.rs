//! KPN delivery addresses (`/address/…`): the customer's general addresses and a user's
//! personal ones, Dutch only.
//!
//! `DeliveryAddressRequest` (and its twin `…Request1`) as sent is a [`DeliveryAddressInput`];
//! [`DeliveryAddressInput::validate`] checks it against the spec's rules (required fields, the
//! lengths, country `NL`, postal code `1234AB`) and answers the [`DeliveryAddress`] it names.

use serde::{Deserialize, Serialize};

/// `DeliveryAddress`: an address as stored (with its id) or as given inline with an order
/// (without). Serialisable, so an order keeps its own copy of where it is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
    pub city: String,
    pub company_name: String,
    /// Always `NL`.
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<String>,
    pub house_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Normalised: four digits and two capitals, no space (`3072AP`).
    pub postal_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    pub street: String,
}

/// Whose address it is: the customer's (general, every caller of the customer sees it) or one
/// caller's (personal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressOwner {
    General,
    /// The caller's key: `client:<client_id>` for an application; a portal user's key
    /// (`user:<id>`) takes its place when there are users.
    Personal(String),
}

impl AddressOwner {
    /// The stored key: none for a general address.
    pub fn key(&self) -> Option<&str> {
        match self {
            AddressOwner::General => None,
            AddressOwner::Personal(key) => Some(key),
        }
    }

    pub fn from_key(key: Option<String>) -> Self {
        key.map_or(AddressOwner::General, AddressOwner::Personal)
    }
}

/// A stored address and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedAddress {
    pub owner: AddressOwner,
    pub address: DeliveryAddress,
}

/// `DeliveryAddressRequest` as sent: every field as text, `None` for absent, `null` or `""`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryAddressInput {
    pub address_name: Option<String>,
    pub attention: Option<String>,
    pub city: Option<String>,
    pub company_name: Option<String>,
    pub country: Option<String>,
    pub floor: Option<String>,
    pub house_number: Option<String>,
    pub location: Option<String>,
    pub postal_code: Option<String>,
    pub room: Option<String>,
    pub street: Option<String>,
}

/// A rule of `DeliveryAddressRequest` broken: the field (as the spec names it) and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressViolation {
    pub field: &'static str,
    pub rule: String,
}

impl DeliveryAddressInput {
    /// No field given (an absent or empty `address` object).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The address this input names, once every rule of the spec holds; the first rule broken
    /// otherwise (fields in the spec's order).
    pub fn validate(&self) -> Result<DeliveryAddress, AddressViolation> {
        Ok(DeliveryAddress {
            id: None,
            address_name: optional("addressName", &self.address_name, None)?,
            attention: optional("attention", &self.attention, Some(35))?,
            city: required("city", &self.city, 30)?,
            company_name: required("companyName", &self.company_name, 35)?,
            country: country(&self.country)?,
            floor: optional("floor", &self.floor, Some(21))?,
            house_number: required("houseNumber", &self.house_number, 5)?,
            location: optional("location", &self.location, Some(21))?,
            postal_code: postal_code(&self.postal_code)?,
            room: optional("room", &self.room, Some(20))?,
            street: required("street", &self.street, 24)?,
        })
    }
}

fn violation(field: &'static str, rule: impl Into<String>) -> AddressViolation {
    AddressViolation {
        field,
        rule: rule.into(),
    }
}

/// The value without surrounding space, `None` when empty; control characters (a NUL would
/// not even store on PostgreSQL) break the rule of the field.
fn trimmed<'a>(
    field: &'static str,
    value: &'a Option<String>,
) -> Result<Option<&'a str>, AddressViolation> {
    let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
    match value {
        Some(text) if text.chars().any(char::is_control) => {
            Err(violation(field, "must not contain control characters"))
        }
        other => Ok(other),
    }
}

fn required(
    field: &'static str,
    value: &Option<String>,
    max: usize,
) -> Result<String, AddressViolation> {
    let value = trimmed(field, value)?.ok_or_else(|| violation(field, "is required"))?;
    let length = value.chars().count();
    if length > max {
        return Err(violation(
            field,
            format!("is 1 to {max} characters, got {length}"),
        ));
    }
    Ok(value.to_owned())
}

fn optional(
    field: &'static str,
    value: &Option<String>,
    max: Option<usize>,
) -> Result<Option<String>, AddressViolation> {
    let Some(value) = trimmed(field, value)? else {
        return Ok(None);
    };
    let length = value.chars().count();
    match max {
        Some(max) if length > max => Err(violation(
            field,
            format!("is at most {max} characters, got {length}"),
        )),
        _ => Ok(Some(value.to_owned())),
    }
}

fn country(value: &Option<String>) -> Result<String, AddressViolation> {
    match trimmed("country", value)? {
        None => Err(violation(
            "country",
            "is required (only \"NL\" is supported)",
        )),
        Some(code) if code.eq_ignore_ascii_case("NL") => Ok("NL".to_owned()),
        Some(code) => Err(violation(
            "country",
            format!("only \"NL\" is supported, got {code:?}"),
        )),
    }
}

/// `1234AB`; `1234 ab` is the same code.
fn postal_code(value: &Option<String>) -> Result<String, AddressViolation> {
    let code =
        trimmed("postalCode", value)?.ok_or_else(|| violation("postalCode", "is required"))?;
    // ASCII first, so that splitting at byte 4 is splitting at character 4.
    let (digits, letters) = if code.is_ascii() && code.len() >= 4 {
        code.split_at(4)
    } else {
        ("", "")
    };
    let letters = letters.trim_start();
    let valid = digits.len() == 4
        && digits.bytes().all(|b| b.is_ascii_digit())
        && letters.len() == 2
        && letters.bytes().all(|b| b.is_ascii_alphabetic());
    if !valid {
        return Err(violation(
            "postalCode",
            format!("should contain 4 digits first and then 2 letters (1234AB), got {code:?}"),
        ));
    }
    Ok(format!("{digits}{}", letters.to_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rotterdam() -> DeliveryAddressInput {
        DeliveryAddressInput {
            city: Some("Rotterdam".into()),
            company_name: Some("Demo Klant B.V.".into()),
            country: Some("nl".into()),
            house_number: Some("123".into()),
            postal_code: Some("3072 ap".into()),
            street: Some("Wilhelminakade".into()),
            ..Default::default()
        }
    }

    #[test]
    fn control_characters_are_refused_in_every_field() {
        let refused = DeliveryAddressInput {
            attention: Some("Receptie\u{0}".into()),
            ..rotterdam()
        };
        assert_eq!(refused.validate().expect_err("NUL").field, "attention");
        let refused = DeliveryAddressInput {
            street: Some("Wilhelmina\nkade".into()),
            ..rotterdam()
        };
        assert_eq!(refused.validate().expect_err("newline").field, "street");
    }

    #[test]
    fn a_dutch_address_is_normalised() {
        let address = rotterdam().validate().expect("valid");
        assert_eq!(address.postal_code, "3072AP");
        assert_eq!(address.country, "NL");
        assert_eq!(address.attention, None);
    }

    #[test]
    fn postal_codes_other_than_four_digits_and_two_letters_are_refused() {
        for code in [
            "3072A",
            "307AP",
            "3072APX",
            "3072-AP",
            "AP3072",
            "3072 1P",
            "３０７２AP",
        ] {
            let input = DeliveryAddressInput {
                postal_code: Some(code.into()),
                ..rotterdam()
            };
            let refused = input.validate().expect_err(code);
            assert_eq!(refused.field, "postalCode", "{code}");
        }
    }

    /// Where a field of the input is.
    type Slot = fn(&mut DeliveryAddressInput) -> &mut Option<String>;

    #[test]
    fn each_length_is_the_spec_one() {
        let cases: [(&str, Slot, usize); 8] = [
            ("city", |i| &mut i.city, 30),
            ("companyName", |i| &mut i.company_name, 35),
            ("houseNumber", |i| &mut i.house_number, 5),
            ("street", |i| &mut i.street, 24),
            ("attention", |i| &mut i.attention, 35),
            ("floor", |i| &mut i.floor, 21),
            ("location", |i| &mut i.location, 21),
            ("room", |i| &mut i.room, 20),
        ];
        for (field, slot, max) in cases {
            let mut input = rotterdam();
            *slot(&mut input) = Some("é".repeat(max));
            assert!(input.validate().is_ok(), "{field} of {max}");
            *slot(&mut input) = Some("é".repeat(max + 1));
            assert_eq!(input.validate().expect_err(field).field, field);
        }
    }
}
