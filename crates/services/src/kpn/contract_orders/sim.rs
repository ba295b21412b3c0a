//! Replace a contract's SIM (`replaceSimUsingPOST`) with a physical SIM card or an eSIM, and
//! the check of a new SIM card number without ordering (`validateUiccidUsingPOST`).

use sentral_domain::corporate::OrderType;
use sentral_domain::kpn::contract_orders::{ContractOrderChange, Esim, sim_card_number};
use sentral_domain::kpn::{Contract, ContractCategory};
use sentral_store::Connection;
use sentral_store::kpn::contract_orders as repo;

use super::{ContractOrderRequest, check_state};
use crate::kpn::{KpnFailure, KpnResult, OrderSummary, invalid, reference_number, wish_date};
use crate::{Platform, Principal};

/// `ReplaceSimRequest` as sent.
#[derive(Debug, Clone, Default)]
pub struct ReplaceSimRequest {
    pub order: ContractOrderRequest,
    pub new_sim_card_number: Option<String>,
    pub esim: Option<bool>,
    pub email: Option<String>,
    pub confirmation_code: Option<String>,
}

/// Refuses a contract whose SIM cannot be replaced: one without a SIM, or not ACTIVE/BLOCKED.
fn check_replaceable(contract: &Contract) -> KpnResult<()> {
    if contract.category != ContractCategory::Mobile {
        return Err(KpnFailure::OperationNotPossible(format!(
            "contract {} is a {} contract without a SIM card",
            contract.id,
            contract.category.as_str()
        ))
        .into());
    }
    check_state(contract, "replaceSim")
}

/// The new SIM card number of `contract` once it is well formed, not the contract's own and
/// not in use on another contract (of any customer: a SIM card is in one phone).
async fn check_new_sim(
    conn: &mut Connection,
    contract: &Contract,
    given: Option<&str>,
) -> KpnResult<String> {
    let field = "newSimCardNumber";
    let sim = sim_card_number(given.unwrap_or_default()).map_err(|why| invalid(field, why))?;
    if contract.sim_card_number.as_deref() == Some(sim.as_str()) {
        return Err(invalid(
            field,
            format!("{sim} is already the SIM card of contract {}", contract.id),
        ));
    }
    if repo::contract_with_sim(conn, &sim, contract.id)
        .await?
        .is_some()
    {
        return Err(KpnFailure::ValueNotUnique(format!(
            "newSimCardNumber {sim} is in use on another contract"
        ))
        .into());
    }
    Ok(sim)
}

fn check_email(given: Option<&str>) -> KpnResult<String> {
    let email = given
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| {
            invalid(
                "email",
                "is required for an eSIM (its activation is sent there)",
            )
        })?;
    let well_formed = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !well_formed {
        return Err(invalid(
            "email",
            format!("{email:?} is not an e-mail address such as jan.devries@example.nl"),
        ));
    }
    Ok(email.to_owned())
}

fn check_confirmation_code(given: Option<&str>) -> KpnResult<Option<String>> {
    match given.map(str::trim).filter(|text| !text.is_empty()) {
        Some(code) if code.chars().count() > 64 => Err(invalid(
            "confirmationCode",
            format!("is at most 64 characters, got {}", code.chars().count()),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// An eSIM's ICCID and EID from a counter: ICCIDs `8931169…` (19 digits, apart from the
/// physical cards' `8931160…`), EIDs `8903116…` (32 digits).
pub(super) async fn new_esim(conn: &mut Connection) -> KpnResult<(String, String)> {
    let n = sentral_store::corporate::next_number(conn, "kpn-esim", 1).await?;
    Ok((format!("8931169{n:012}"), format!("8903116{n:025}")))
}

impl Platform {
    /// `replaceSimUsingPOST`: when the order finishes, the contract's SIM card is the new one
    /// (its state unchanged: a BLOCKED contract stays blocked until unblocked).
    pub async fn kpn_replace_sim(
        &self,
        principal: &Principal,
        request: ReplaceSimRequest,
    ) -> KpnResult<OrderSummary> {
        let (customer, contract) = self
            .contract_for_order(principal, request.order.contract_id, true)
            .await?;
        let reference = reference_number(request.order.reference_number.as_deref())?;
        let starts_at = wish_date(request.order.wish_date.as_deref(), self.now())?;
        check_replaceable(&contract)?;
        let change = if request.esim == Some(true) {
            let email = check_email(request.email.as_deref())?;
            let confirmation_code = check_confirmation_code(request.confirmation_code.as_deref())?;
            // Its ICCID and EID are given when the order is placed.
            ContractOrderChange::ReplaceSim {
                sim_card_number: String::new(),
                esim: Some(Esim {
                    email,
                    confirmation_code,
                    eid: String::new(),
                }),
            }
        } else {
            let mut conn = self.store.read().await?;
            let sim =
                check_new_sim(&mut conn, &contract, request.new_sim_card_number.as_deref()).await?;
            ContractOrderChange::ReplaceSim {
                sim_card_number: sim,
                esim: None,
            }
        };
        self.place_contract_order(
            principal,
            &customer,
            &contract,
            OrderType::ReplaceSim,
            change,
            reference,
            starts_at,
        )
        .await
    }

    /// `validateUiccidUsingPOST`: the checks of a physical replace SIM, without ordering.
    pub async fn kpn_validate_uiccid(
        &self,
        principal: &Principal,
        contract_id: Option<i64>,
        new_sim_card_number: Option<String>,
    ) -> KpnResult<()> {
        let (_, contract) = self
            .contract_for_order(principal, contract_id, false)
            .await?;
        check_replaceable(&contract)?;
        let mut conn = self.store.read().await?;
        check_new_sim(&mut conn, &contract, new_sim_card_number.as_deref()).await?;
        Ok(())
    }
}
