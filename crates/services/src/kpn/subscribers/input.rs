//! `SubscriberDetailsRequestParams` as sent, checked into a subscriber's data: only the
//! surname is required and every omitted field is reset (PUT is a full replace).

use sentral_domain::kpn::{Gender, Language, SubscriberData, dutch_number};

use crate::kpn::{KpnResult, invalid};

/// `SubscriberDetailsRequestParams` as sent: every field optional and possibly `""`.
#[derive(Debug, Clone, Default)]
pub struct SubscriberInput {
    pub first_name: Option<String>,
    pub surname_prefix: Option<String>,
    pub surname: Option<String>,
    pub email: Option<String>,
    pub vip: Option<bool>,
    pub employee_number: Option<String>,
    pub gender: Option<String>,
    pub preferred_language: Option<String>,
    pub comments: Option<String>,
    pub mobile_number: Option<String>,
    pub fixed_number: Option<String>,
}

fn present(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn bounded(field: &str, value: Option<String>, max: usize) -> KpnResult<Option<String>> {
    match value {
        Some(text) if text.chars().count() > max => Err(invalid(
            &format!("subscriber.{field}"),
            format!("is at most {max} characters"),
        )),
        other => Ok(other),
    }
}

impl SubscriberInput {
    /// The subscriber's data: only the surname is required, every omitted field is reset.
    pub fn into_data(self) -> KpnResult<SubscriberData> {
        let surname =
            present(&self.surname).ok_or_else(|| invalid("subscriber.surname", "is required"))?;
        let email = bounded("email", present(&self.email), 100)?;
        if let Some(email) = &email
            && (!email.contains('@') || email.contains(' '))
        {
            {
                return Err(invalid(
                    "subscriber.email",
                    format!("{email:?} is not an e-mail address"),
                ));
            }
        }
        let gender = match present(&self.gender) {
            Some(text) => Some(
                Gender::parse(&text.to_ascii_uppercase())
                    .ok_or_else(|| {
                        invalid(
                            "subscriber.gender",
                            format!("must be one of {}, got {text:?}", Gender::values()),
                        )
                    })?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        let preferred_language = match present(&self.preferred_language) {
            Some(text) => Some(
                Language::parse(&text.to_ascii_uppercase())
                    .ok_or_else(|| {
                        invalid(
                            "subscriber.preferredLanguage",
                            format!("must be one of {}, got {text:?}", Language::values()),
                        )
                    })?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        let number = |field: &str, value: Option<String>, example: &str| match value {
            Some(text) => dutch_number(&text).map(Some).ok_or_else(|| {
                invalid(
                    &format!("subscriber.{field}"),
                    format!("{text:?} is not a phone number; write it as {example}"),
                )
            }),
            None => Ok(None),
        };
        Ok(SubscriberData {
            first_name: bounded("firstName", present(&self.first_name), 100)?,
            surname_prefix: bounded("surnamePrefix", present(&self.surname_prefix), 30)?,
            surname: bounded("surname", Some(surname), 100)?.unwrap_or_default(),
            email,
            vip: self.vip.unwrap_or(false),
            employee_number: bounded("employeeNumber", present(&self.employee_number), 50)?,
            gender,
            preferred_language,
            comments: bounded("comments", present(&self.comments), 1000)?,
            mobile_number: number(
                "mobileNumber",
                present(&self.mobile_number),
                "316XXXYYYZZ or 06XXXYYYZZ",
            )?,
            fixed_number: number(
                "fixedNumber",
                present(&self.fixed_number),
                "31XXXYYYZZZ or 0XXXYYYZZZ",
            )?,
        })
    }
}
