//! Move a contract to another subscriber or debtor of the customer (`moveContractUsingPOST`)
//! and port its number out of KPN (`portingOutUsingPOST`).

use sentral_domain::corporate::OrderType;
use sentral_domain::kpn::ContractCategory;
use sentral_domain::kpn::contract_orders::ContractOrderChange;
use sentral_store::kpn::items;

use super::{ContractOrderRequest, can_hold_contracts, check_state};
use crate::kpn::{
    KpnFailure, KpnResult, OrderSummary, invalid, item_not_found, reference_number, wish_date,
};
use crate::{Platform, Principal};

/// `MoveContractRequest` as sent.
#[derive(Debug, Clone, Default)]
pub struct MoveContractRequest {
    pub order: ContractOrderRequest,
    pub destination_group_id: Option<i64>,
    pub move_addon_bundles: Option<bool>,
}

impl Platform {
    /// `moveContractUsingPOST`: when the order finishes the contract is the destination's.
    /// `moveAddonBundles` only matters to a contract with an individual bundle (none here has
    /// one), so it is kept as given, false by default.
    pub async fn kpn_move_contract(
        &self,
        principal: &Principal,
        request: MoveContractRequest,
    ) -> KpnResult<OrderSummary> {
        let (customer, contract) = self
            .contract_for_order(principal, request.order.contract_id, true)
            .await?;
        let reference = reference_number(request.order.reference_number.as_deref())?;
        let starts_at = wish_date(request.order.wish_date.as_deref(), self.now())?;
        let destination_id = request
            .destination_group_id
            .ok_or_else(|| invalid("destinationGroupId", "is required"))?;
        let mut conn = self.store.read().await?;
        let destination = items::item(&mut conn, &customer.org_number, destination_id)
            .await?
            .ok_or_else(|| item_not_found(destination_id))?;
        drop(conn);
        if !can_hold_contracts(destination.kind) {
            return Err(KpnFailure::WrongGroupType(format!(
                "destinationGroupId {destination_id} is a {}; a contract moves to a SUBSCRIBER \
                 or a DEBTOR",
                destination.kind.as_str()
            ))
            .into());
        }
        if destination_id == contract.owner_id {
            return Err(KpnFailure::OperationNotPossible(format!(
                "contract {} is already held by {destination_id}",
                contract.id
            ))
            .into());
        }
        check_state(&contract, "moveContract")?;
        self.place_contract_order(
            principal,
            &customer,
            &contract,
            OrderType::MoveContract,
            ContractOrderChange::Move {
                destination_id,
                move_addon_bundles: request.move_addon_bundles.unwrap_or(false),
            },
            reference,
            starts_at,
        )
        .await
    }

    /// `portingOutUsingPOST`: at the wish date the number leaves KPN, the contract CLOSED.
    pub async fn kpn_port_out(
        &self,
        principal: &Principal,
        request: ContractOrderRequest,
    ) -> KpnResult<OrderSummary> {
        let (customer, contract) = self
            .contract_for_order(principal, request.contract_id, true)
            .await?;
        let reference = reference_number(request.reference_number.as_deref())?;
        let starts_at = wish_date(request.wish_date.as_deref(), self.now())?;
        if contract.category != ContractCategory::Mobile || contract.mobile_number.is_none() {
            return Err(KpnFailure::OperationNotPossible(format!(
                "contract {} has no mobile number to port out",
                contract.id
            ))
            .into());
        }
        check_state(&contract, "portingOut")?;
        self.place_contract_order(
            principal,
            &customer,
            &contract,
            OrderType::PortingOut,
            ContractOrderChange::PortOut,
            reference,
            starts_at,
        )
        .await
    }
}
