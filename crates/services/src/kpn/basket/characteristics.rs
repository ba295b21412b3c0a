//! The basket's characteristics (only with a mobile subscription selected): `eSim` reveals
//! `eSimEmail` and `eSimConfirmationCode`, `porting` reveals the port-in data; a reactivation
//! shows the read-only `previousPhoneNumber`. Each value is checked as the spec says.

use std::collections::HashMap;

use sentral_domain::kpn::ContractState;
use sentral_domain::kpn::contracting::{BasketMode, BasketState};

use super::catalogue::Catalogue;
use super::rules::{esim, porting, subscription};
use crate::kpn::{KpnFailure, KpnResult, invalid};

/// A characteristic as the basket shows it (`Characteristic`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharacteristicView {
    pub name: &'static str,
    pub value: Option<String>,
    /// (value, caption en, caption nl); empty: free text.
    pub possible_values: Vec<(String, String, String)>,
}

const FLAGS: &[&str] = &["eSim", "porting", "keepExistingSimCard"];

fn flag_values() -> Vec<(String, String, String)> {
    ["false", "true"]
        .iter()
        .map(|v| (v.to_string(), v.to_string(), v.to_string()))
        .collect()
}

/// The characteristics the basket has now, in the order a client sets them.
pub fn available(catalogue: &Catalogue, state: &BasketState) -> Vec<CharacteristicView> {
    if subscription(catalogue, state).is_none() {
        return Vec::new();
    }
    let mut names: Vec<&'static str> = vec!["eSim"];
    if esim(state) {
        names.extend(["eSimEmail", "eSimConfirmationCode"]);
    }
    names.push("porting");
    if porting(state) {
        names.extend([
            "phoneNumber",
            "customerNumber",
            "customerName",
            "keepExistingSimCard",
            "note",
        ]);
    }
    let mut views: Vec<CharacteristicView> = names
        .into_iter()
        .map(|name| {
            let flag = FLAGS.contains(&name);
            CharacteristicView {
                name,
                value: state
                    .characteristics
                    .get(name)
                    .cloned()
                    .or_else(|| flag.then(|| "false".to_owned())),
                possible_values: if flag { flag_values() } else { Vec::new() },
            }
        })
        .collect();
    if let BasketMode::Reactivate {
        previous_number: Some(number),
        ..
    } = &state.mode
    {
        views.push(CharacteristicView {
            name: "previousPhoneNumber",
            value: Some(number.clone()),
            possible_values: vec![(number.clone(), number.clone(), number.clone())],
        });
    }
    views
}

/// Whether `text` looks like an e-mail address: one `@`, a dot in the domain, no spaces.
fn email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
        && text.len() <= 254
}

/// A port-in number: `316\d{8}` or `3197\d{9}`.
pub fn porting_number(text: &str) -> bool {
    let digits = text.bytes().all(|b| b.is_ascii_digit());
    digits
        && ((text.starts_with("316") && text.len() == 11)
            || (text.starts_with("3197") && text.len() == 13))
}

/// `{name, value}`: sets one characteristic (`field` names the action); `numbers_in_use` are
/// the customer's contracts by phone number, for the port-in number's checks.
pub fn set(
    catalogue: &Catalogue,
    state: &mut BasketState,
    field: &str,
    name: &str,
    value: Option<&str>,
    numbers_in_use: &HashMap<String, (i64, ContractState)>,
) -> KpnResult<()> {
    let offered = available(catalogue, state);
    let Some(view) = offered.iter().find(|c| c.name == name) else {
        let names: Vec<&str> = offered.iter().map(|c| c.name).collect();
        return Err(invalid(
            &format!("{field}.name"),
            if names.is_empty() {
                format!(
                    "characteristic {name:?} is not available: select a mobile subscription first"
                )
            } else {
                format!(
                    "characteristic {name:?} is not available now; available: {}",
                    names.join(", ")
                )
            },
        ));
    };
    let value_field = format!("{field}.value");
    let value = value.map(str::trim).unwrap_or_default();
    if !view.possible_values.is_empty() {
        let normalised = value.to_ascii_lowercase();
        if !view
            .possible_values
            .iter()
            .any(|(v, _, _)| *v == normalised)
        {
            let values: Vec<&str> = view
                .possible_values
                .iter()
                .map(|(v, _, _)| v.as_str())
                .collect();
            return Err(invalid(
                &value_field,
                format!("{name} must be one of {}, got {value:?}", values.join(", ")),
            ));
        }
        if name == "previousPhoneNumber" {
            return Ok(());
        }
        state
            .characteristics
            .insert(name.to_owned(), normalised.clone());
        // Turning a flag off takes what it revealed with it.
        if normalised == "false" {
            let revealed: &[&str] = match name {
                "eSim" => &["eSimEmail", "eSimConfirmationCode"],
                "porting" => &[
                    "phoneNumber",
                    "customerNumber",
                    "customerName",
                    "keepExistingSimCard",
                    "note",
                ],
                _ => &[],
            };
            for hidden in revealed {
                state.characteristics.remove(*hidden);
            }
        }
        if name == "eSim" && normalised == "true" {
            state.sim_card_number = None;
        }
        return Ok(());
    }
    let length = value.chars().count();
    match name {
        "eSimEmail" if !email(value) => {
            return Err(invalid(
                &value_field,
                format!("eSimEmail must be an e-mail address, got {value:?}"),
            ));
        }
        "eSimConfirmationCode"
            if value.is_empty()
                || length > 32
                || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            return Err(invalid(
                &value_field,
                "eSimConfirmationCode is 1 to 32 letters, digits or dashes",
            ));
        }
        "phoneNumber" => check_number(catalogue, state, value, numbers_in_use)?,
        "customerNumber" if value.is_empty() || length > 70 => {
            return Err(KpnFailure::InvalidCustomerNumber(format!(
                "customerNumber is required and at most 70 characters, got {length}"
            ))
            .into());
        }
        "customerName" if length > 20 => {
            return Err(KpnFailure::InvalidCustomerName(format!(
                "customerName is at most 20 characters, got {length}"
            ))
            .into());
        }
        "note" if length > 60 => {
            return Err(KpnFailure::InvalidNote(format!(
                "note is at most 60 characters, got {length}"
            ))
            .into());
        }
        _ => {}
    }
    if value.is_empty() {
        state.characteristics.remove(name);
    } else {
        state
            .characteristics
            .insert(name.to_owned(), value.to_owned());
    }
    Ok(())
}

fn check_number(
    catalogue: &Catalogue,
    state: &BasketState,
    value: &str,
    numbers_in_use: &HashMap<String, (i64, ContractState)>,
) -> KpnResult<()> {
    if !porting_number(value) {
        return Err(KpnFailure::InvalidMsisdnFormatNotValid(format!(
            "phoneNumber must match 316\\d{{8}} or 3197\\d{{9}}, got {value:?}"
        ))
        .into());
    }
    // 097 numbers are for data-only (machine) subscriptions, 06 numbers for voice.
    let data_only = subscription(catalogue, state).is_some_and(|s| s.bs_id == 2003);
    if data_only != value.starts_with("3197") {
        return Err(KpnFailure::InvalidMsisdnLengthForThisProduct(format!(
            "phoneNumber {value} does not fit the product: {}",
            if data_only {
                "a data-only subscription takes a 13-digit 3197 number"
            } else {
                "a voice subscription takes an 11-digit 316 number"
            }
        ))
        .into());
    }
    match numbers_in_use.get(value) {
        Some((id, ContractState::Blocked)) => Err(KpnFailure::InvalidMsisdnIsBlocked(format!(
            "phoneNumber {value} is contract {id} of this customer, which is blocked"
        ))
        .into()),
        Some((id, _)) => Err(KpnFailure::InvalidMsisdnAlreadyExistsForACustomer(format!(
            "phoneNumber {value} is already contract {id} of this customer"
        ))
        .into()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_in_numbers_and_addresses() {
        assert!(porting_number("31612345678"));
        assert!(porting_number("3197012345678"));
        assert!(!porting_number("0612345678"));
        assert!(!porting_number("3161234567"));
        assert!(!porting_number("31201234567"));
        assert!(email("jan@demoklant.nl"));
        assert!(!email("jan@demoklant"));
        assert!(!email("jan demoklant.nl"));
    }
}
