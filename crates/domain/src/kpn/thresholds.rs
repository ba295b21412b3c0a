//! Usage thresholds on contracts (KPN part 3): DATA_NATIONAL_MB, DATA_ROAMING_MB,
//! VOICE_NATIONAL_MIN, VOICE_ROAMING_EUR, at most one per type on a contract.

use crate::corporate::wire_enum;

use super::{Contract, ContractCategory, ContractState};

wire_enum!(
    /// `Threshold.type`: what a threshold's `dailyValue` counts.
    ThresholdType {
        DataNationalMb = "DATA_NATIONAL_MB",
        DataRoamingMb = "DATA_ROAMING_MB",
        VoiceNationalMin = "VOICE_NATIONAL_MIN",
        VoiceRoamingEur = "VOICE_ROAMING_EUR",
    }
);

/// A customer's threshold: a daily limit of one type, alerting on the contracts assigned to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub id: i64,
    pub name: String,
    pub kind: ThresholdType,
    pub daily_value: f64,
}

/// The longest threshold name taken.
pub const MAX_NAME_CHARS: usize = 50;

/// Whether `contract` may carry a threshold of `kind`: a mobile subscription (MOBILE or
/// FIXED_MOBILE, with a mobile number) that is not closed. Every subscription of the catalogue
/// has national and EU data and voice, so roaming thresholds take the same contracts; fixed
/// lines, hardware and other products count no mobile usage. The store's
/// `eligible_for_threshold` SQL says the same.
pub fn takes_threshold(contract: &Contract, _kind: ThresholdType) -> Result<(), String> {
    if !matches!(
        contract.category,
        ContractCategory::Mobile | ContractCategory::FixedMobile
    ) || contract.mobile_number.is_none()
    {
        return Err(format!(
            "contract {} is a {} contract; thresholds count mobile usage of MOBILE and \
             FIXED_MOBILE subscriptions",
            contract.id,
            contract.category.as_str()
        ));
    }
    if contract.state == ContractState::Closed {
        return Err(format!("contract {} is closed", contract.id));
    }
    Ok(())
}
