//! KPN contract orders (`/order/terminate`, `/order/replace-sim`, `/order/move`,
//! `/order/porting-out`): the change each makes when its order finishes.

use serde::{Deserialize, Serialize};

/// What a contract order does when it finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "contractOrder", rename_all = "camelCase")]
pub enum ContractOrderChange {
    /// The contract is CLOSED (its number stays with it).
    Terminate,
    /// The contract gets the SIM card `sim_card_number` (for an eSIM, the one generated for it).
    ReplaceSim {
        sim_card_number: String,
        esim: Option<Esim>,
    },
    /// The contract goes to subscriber or debtor `destination_id` of the same customer.
    Move {
        destination_id: i64,
        move_addon_bundles: bool,
    },
    /// The number leaves KPN: the contract is CLOSED and its number freed.
    PortOut,
}

/// An eSIM ordered by replace SIM: where its activation code goes, and its profile's EID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Esim {
    pub email: String,
    pub confirmation_code: Option<String>,
    pub eid: String,
}

/// The SIM card number form the KPN API takes: the ICCID's 19 digits, `89` (telecom) `31` (the
/// Netherlands) and 15 more, spaces and dashes ignored. `Err` says what is wrong.
pub fn sim_card_number(text: &str) -> Result<String, String> {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.is_empty() {
        return Err("is required".into());
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{text:?} must hold digits only"));
    }
    if digits.len() != 19 {
        return Err(format!(
            "{text:?} must be 19 digits (a Dutch ICCID such as 8931160000004000000), got {}",
            digits.len()
        ));
    }
    if !digits.starts_with("8931") {
        return Err(format!(
            "{text:?} is not a Dutch SIM card number: it must start with 8931"
        ));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_card_numbers_are_dutch_iccids_of_19_digits() {
        assert_eq!(
            sim_card_number("8931 1600 0000 4000 001").as_deref(),
            Ok("8931160000004000001")
        );
        assert!(sim_card_number("").is_err());
        assert!(sim_card_number("893116000000400000").is_err());
        assert!(sim_card_number("89311600000040000011").is_err());
        assert!(sim_card_number("8947160000004000001").is_err());
        assert!(sim_card_number("893116000000400000x").is_err());
    }
}
