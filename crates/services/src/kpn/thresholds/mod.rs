//! Usage thresholds (`rest-threshold-controller`): a customer's daily limits by type and the
//! contracts assigned to them.
//!
//! Decisions on what the spec leaves open:
//! - Thresholds take effect at once (no order): every write answers an empty 200, is atomic and
//!   audited (`kpn.threshold.*`). Managing thresholds is not ordering: a frozen customer may.
//! - A name is unique per customer whatever its case (≤ 50 characters); `dailyValue` is a
//!   positive number (a JSON number or its text).
//! - A threshold with contracts assigned can neither change its type (TYPE_CHANGE_NOT_ALLOWED)
//!   nor be removed (REMOVING_BLOCKED): unassign them first. `ThresholdDetails.changeType` and
//!   `.delete` say the same beforehand.
//! - A contract takes a threshold when it is a mobile subscription that is not closed
//!   (`takes_threshold`), at most one threshold of each type.
//! - `getThresholdsAvailabilityUsingGET`: visible to every caller with one of its privileges,
//!   enabled when the token may manage thresholds (`privileges_threshold_management`).

mod seed;

use std::collections::BTreeSet;

use sentral_domain::kpn::Privilege;
use sentral_domain::kpn::thresholds::{MAX_NAME_CHARS, Threshold, ThresholdType, takes_threshold};
use sentral_store::kpn::contracts::{self as contract_repo, ContractRow, ThresholdScope};
use sentral_store::kpn::thresholds as repo;
use serde_json::json;

use super::contracts::{ContractListQuery, contract_query};
use super::{Customer, KpnFailure, KpnResult, invalid, privileges};
use crate::platform::audit;
use crate::{Platform, Principal};

pub(crate) use seed::seed_demo_thresholds;

/// The first threshold id.
const FIRST_THRESHOLD_ID: i64 = 6_000_001;
/// The most contracts one assign or unassign takes.
const MAX_CONTRACTS_PER_CALL: usize = 1_000;

/// `ThresholdRequestParams` as sent (each field's text).
#[derive(Debug, Clone, Default)]
pub struct ThresholdInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub daily_value: Option<String>,
}

/// `ThresholdDetails`: the threshold and whether its type may change and it may be removed.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdDetails {
    pub threshold: Threshold,
    pub change_type: bool,
    pub delete: bool,
}

/// A checked `ThresholdRequestParams` (a bad field is a 400 naming it).
fn checked(input: &ThresholdInput) -> KpnResult<(String, ThresholdType, f64)> {
    let name = input
        .name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .ok_or_else(|| invalid("name", "is required"))?;
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(
            "name",
            format!(
                "is at most {MAX_NAME_CHARS} characters, got {}",
                name.chars().count()
            ),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("name", "holds a control character"));
    }
    let kind_text = input
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|kind| !kind.is_empty())
        .ok_or_else(|| invalid("type", "is required"))?;
    let kind = ThresholdType::parse(&kind_text.to_ascii_uppercase()).ok_or_else(|| {
        invalid(
            "type",
            format!(
                "must be one of {}, got {kind_text:?}",
                ThresholdType::values()
            ),
        )
    })?;
    let value_text = input
        .daily_value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| invalid("dailyValue", "is required"))?;
    let daily_value: f64 = value_text.parse().map_err(|_| {
        invalid(
            "dailyValue",
            format!("must be a number, got {value_text:?}"),
        )
    })?;
    if !daily_value.is_finite() || daily_value <= 0.0 || daily_value > 1e9 {
        return Err(invalid(
            "dailyValue",
            format!("must be a positive number up to 1000000000, got {value_text}"),
        ));
    }
    Ok((name.to_owned(), kind, daily_value))
}

fn threshold_not_found(id: i64) -> KpnFailure {
    KpnFailure::ThresholdNotFound(format!(
        "threshold {id} does not exist or is not visible to you"
    ))
}

fn not_unique(name: &str) -> KpnFailure {
    KpnFailure::ValueNotUnique(format!(
        "name: the customer already has a threshold named {name:?}"
    ))
}

impl Platform {
    async fn threshold_in(
        &self,
        conn: &mut sentral_store::Connection,
        customer: &Customer,
        id: i64,
    ) -> KpnResult<Threshold> {
        Ok(repo::threshold(conn, &customer.org_number, id)
            .await?
            .ok_or_else(|| threshold_not_found(id))?)
    }

    /// `getThresholdsUsingGET`: the customer's thresholds in id order.
    pub async fn kpn_thresholds(&self, principal: &Principal) -> KpnResult<Vec<Threshold>> {
        let customer = self
            .kpn_customer(principal, privileges::THRESHOLD_USE)
            .await?;
        let mut conn = self.store.read().await?;
        Ok(repo::thresholds(&mut conn, &customer.org_number).await?)
    }

    /// `getThresholdsAvailabilityUsingGET`: (enabled, visible).
    pub async fn kpn_threshold_availability(
        &self,
        principal: &Principal,
    ) -> KpnResult<(bool, bool)> {
        self.kpn_customer(principal, privileges::THRESHOLD_USE)
            .await?;
        let mut conn = self.store.read().await?;
        let held =
            sentral_store::kpn::customers::privileges(&mut conn, principal.app.id.as_str()).await?;
        let manages = held.is_none_or(|held| {
            held.iter()
                .any(|h| h == Privilege::ThresholdManagement.as_str())
        });
        Ok((manages, true))
    }

    /// `createNewThresholdUsingPOST`.
    pub async fn kpn_create_threshold(
        &self,
        principal: &Principal,
        input: &ThresholdInput,
    ) -> KpnResult<()> {
        let customer = self
            .kpn_customer(principal, privileges::THRESHOLD_MANAGE)
            .await?;
        let (name, kind, daily_value) = checked(input)?;
        let mut tx = self.store.write().await?;
        if repo::named(&mut tx, &customer.org_number, &name)
            .await?
            .is_some()
        {
            return Err(not_unique(&name).into());
        }
        let id =
            sentral_store::corporate::next_number(&mut tx, "kpn-threshold", FIRST_THRESHOLD_ID)
                .await?;
        let threshold = Threshold {
            id,
            name,
            kind,
            daily_value,
        };
        let now = self.now();
        let stored = repo::insert_threshold(&mut tx, &customer.org_number, &threshold, now).await;
        written(
            &mut tx,
            principal,
            "kpn.threshold.create",
            &threshold,
            stored,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `getThresholdUsingGET`.
    pub async fn kpn_threshold(
        &self,
        principal: &Principal,
        id: i64,
    ) -> KpnResult<ThresholdDetails> {
        let customer = self
            .kpn_customer(principal, privileges::THRESHOLD_MANAGE)
            .await?;
        let mut conn = self.store.read().await?;
        let threshold = self.threshold_in(&mut conn, &customer, id).await?;
        let free = repo::contracts_of(&mut conn, id).await?.is_empty();
        Ok(ThresholdDetails {
            threshold,
            change_type: free,
            delete: free,
        })
    }

    /// `updateThresholdUsingPOST`: a full replace of name, type and daily value.
    pub async fn kpn_update_threshold(
        &self,
        principal: &Principal,
        id: i64,
        input: &ThresholdInput,
    ) -> KpnResult<()> {
        let customer = self
            .kpn_customer(principal, privileges::THRESHOLD_MANAGE)
            .await?;
        let (name, kind, daily_value) = checked(input)?;
        let mut tx = self.store.write().await?;
        let current = self.threshold_in(&mut tx, &customer, id).await?;
        if let Some(other) = repo::named(&mut tx, &customer.org_number, &name).await?
            && other != id
        {
            return Err(not_unique(&name).into());
        }
        if kind != current.kind {
            let assigned = repo::contracts_of(&mut tx, id).await?;
            if !assigned.is_empty() {
                return Err(KpnFailure::TypeChangeNotAllowed(format!(
                    "type: threshold {id} is {} and has contracts {assigned:?} assigned; \
                     unassign them to change its type",
                    current.kind
                ))
                .into());
            }
        }
        let threshold = Threshold {
            id,
            name,
            kind,
            daily_value,
        };
        let now = self.now();
        let stored = repo::update_threshold(&mut tx, &threshold, now).await;
        written(
            &mut tx,
            principal,
            "kpn.threshold.update",
            &threshold,
            stored,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `removeThresholdUsingPOST`: all of `ids` or none.
    pub async fn kpn_remove_thresholds(&self, principal: &Principal, ids: &[i64]) -> KpnResult<()> {
        let customer = self
            .kpn_customer(principal, privileges::THRESHOLD_MANAGE)
            .await?;
        let ids: BTreeSet<i64> = ids.iter().copied().collect();
        if ids.is_empty() {
            return Err(invalid("thresholdIds", "names no threshold"));
        }
        let mut tx = self.store.write().await?;
        let mut missing = Vec::new();
        let mut blocked = Vec::new();
        for &id in &ids {
            if repo::threshold(&mut tx, &customer.org_number, id)
                .await?
                .is_none()
            {
                missing.push(id);
            } else if !repo::contracts_of(&mut tx, id).await?.is_empty() {
                blocked.push(id);
            }
        }
        if !missing.is_empty() {
            return Err(KpnFailure::ThresholdNotFound(format!(
                "thresholdIds: thresholds {missing:?} do not exist or are not visible to you; \
                 none was removed"
            ))
            .into());
        }
        if !blocked.is_empty() {
            return Err(KpnFailure::RemovingBlocked(format!(
                "thresholdIds: thresholds {blocked:?} still have contracts assigned; unassign \
                 them first; none was removed"
            ))
            .into());
        }
        let now = self.now();
        for &id in &ids {
            repo::delete_threshold(&mut tx, id).await?;
            audit(
                &mut tx,
                now,
                &principal.actor(),
                "kpn.threshold.remove",
                &id.to_string(),
                json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// `assignContractsUsingPOST` (`assign`) and `unassignContractsUsingPOST`: all of
    /// `contract_ids` or none.
    pub async fn kpn_assign_threshold(
        &self,
        principal: &Principal,
        id: i64,
        contract_ids: &[i64],
        assign: bool,
    ) -> KpnResult<()> {
        let customer = self
            .kpn_customer(principal, privileges::THRESHOLD_USE)
            .await?;
        let ids: BTreeSet<i64> = contract_ids.iter().copied().collect();
        if ids.is_empty() {
            return Err(invalid("contractsIds", "names no contract"));
        }
        if ids.len() > MAX_CONTRACTS_PER_CALL {
            return Err(invalid(
                "contractsIds",
                format!(
                    "names at most {MAX_CONTRACTS_PER_CALL} contracts, got {}",
                    ids.len()
                ),
            ));
        }
        let mut tx = self.store.write().await?;
        let threshold = self.threshold_in(&mut tx, &customer, id).await?;
        let now = self.now();
        if assign {
            let mut missing = Vec::new();
            let mut invalid_products = Vec::new();
            let mut taken = Vec::new();
            for &contract_id in &ids {
                let Some(contract) =
                    contract_repo::contract(&mut tx, &customer.org_number, contract_id).await?
                else {
                    missing.push(contract_id);
                    continue;
                };
                if let Err(reason) = takes_threshold(&contract, threshold.kind) {
                    invalid_products.push(reason);
                } else if let Some(other) =
                    repo::threshold_of_type(&mut tx, contract_id, threshold.kind).await?
                {
                    taken.push(format!("contract {contract_id} has threshold {other}"));
                }
            }
            if !missing.is_empty() {
                return Err(KpnFailure::ContractNotFound(format!(
                    "contractsIds: contracts {missing:?} do not exist or are not visible to you"
                ))
                .into());
            }
            if !invalid_products.is_empty() {
                return Err(KpnFailure::NotValidProductForGivenThreshold(format!(
                    "contractsIds: {}",
                    invalid_products.join("; ")
                ))
                .into());
            }
            if !taken.is_empty() {
                return Err(KpnFailure::ContractsAlreadyAssignedToGivenType(format!(
                    "contractsIds: a contract has at most one {} threshold: {}",
                    threshold.kind,
                    taken.join(", ")
                ))
                .into());
            }
            for &contract_id in &ids {
                repo::assign(&mut tx, &threshold, contract_id, now).await?;
            }
        } else {
            let assigned: BTreeSet<i64> =
                repo::contracts_of(&mut tx, id).await?.into_iter().collect();
            let missing: Vec<i64> = ids.difference(&assigned).copied().collect();
            if !missing.is_empty() {
                return Err(KpnFailure::ContractNotFound(format!(
                    "contractsIds: contracts {missing:?} are not assigned to threshold {id}"
                ))
                .into());
            }
            for &contract_id in &ids {
                repo::unassign(&mut tx, id, contract_id).await?;
            }
        }
        audit(
            &mut tx,
            now,
            &principal.actor(),
            if assign {
                "kpn.threshold.assign"
            } else {
                "kpn.threshold.unassign"
            },
            &id.to_string(),
            json!({"contractsIds": ids}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `getContractsUsingGET_1` (`assignable` false) and `getContractsToAssignUsingGET`: the
    /// contract list query over the threshold's contracts or those it may still take.
    pub async fn kpn_threshold_contracts(
        &self,
        principal: &Principal,
        id: i64,
        request: ContractListQuery,
        assignable: bool,
    ) -> KpnResult<(Vec<ContractRow>, i64)> {
        let customer = self
            .kpn_customer(principal, privileges::THRESHOLD_USE)
            .await?;
        let mut query = contract_query(None, &request)?;
        let threshold = {
            let mut conn = self.store.read().await?;
            self.threshold_in(&mut conn, &customer, id).await?
        };
        query.threshold = Some(if assignable {
            ThresholdScope::Assignable(threshold.kind)
        } else {
            ThresholdScope::Assigned(id)
        });
        self.kpn_contract_page(&customer, &query, request.page)
            .await
    }
}

/// The end of a threshold's create or update: a name taken is VALUE_NOT_UNIQUE, else audited.
async fn written<T>(
    tx: &mut sentral_store::Connection,
    principal: &Principal,
    action: &str,
    threshold: &Threshold,
    stored: Result<T, sentral_store::StoreError>,
    now: sentral_domain::Timestamp,
) -> KpnResult<()> {
    stored.map_err(|e| match e {
        sentral_store::StoreError::Conflict { .. } => not_unique(&threshold.name).into(),
        other => super::KpnError::from(other),
    })?;
    audit(
        tx,
        now,
        &principal.actor(),
        action,
        &threshold.id.to_string(),
        json!({
            "name": threshold.name,
            "type": threshold.kind.as_str(),
            "dailyValue": threshold.daily_value
        }),
    )
    .await?;
    Ok(())
}
