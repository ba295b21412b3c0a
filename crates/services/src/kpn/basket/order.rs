//! `POST /contracting/basket/order`: the basket becomes one engine order (CONTRACTING) and, in
//! the same transaction, the contract it makes (ORDERED) or changes (PENDING), so it is listed at
//! once; the session is closed.

use std::collections::BTreeMap;

use sentral_domain::corporate::{OrderSubject, OrderType};
use sentral_domain::kpn::addresses::DeliveryAddressInput;
use sentral_domain::kpn::contracting::{
    BasketMode, BasketState, ContractingChange, ContractingLine, ContractingOrder, EsimData,
    PortingData,
};
use sentral_domain::kpn::{
    Contract, ContractCategory, ContractState, ItemKind, KpnChange, Receiver, RequestKind,
};
use sentral_store::Connection;
use sentral_store::kpn::contracting::{lifecycle, numbers};
use sentral_store::kpn::{contracts, items};

use super::catalogue::Catalogue;
use super::rules;
use crate::kpn::engine::NewOrder;
use crate::kpn::{
    Customer, KpnFailure, KpnResult, contracting_wish_date, invalid, item_not_found,
    next_contract_id, privileges, reference_number,
};
use crate::{Platform, Principal};

/// Seconds a basket order takes on the sandbox clock (KPN.md decision 1: contract orders).
pub const CONTRACTING_ORDER_SECONDS: i64 = 60;
/// A new subscription's minimum term.
const SUBSCRIPTION_TERM_MONTHS: i64 = 24;

/// `OrderRequest` as sent.
#[derive(Debug, Clone, Default)]
pub struct BasketOrderInput {
    pub reference_number: Option<String>,
    pub wish_date: Option<String>,
    pub address_id: Option<i64>,
    pub address: Option<DeliveryAddressInput>,
}

/// The basket's lines in catalogue order, each under its nearest selected product.
fn lines(catalogue: &Catalogue, state: &BasketState) -> Vec<ContractingLine> {
    catalogue
        .nodes
        .iter()
        .filter_map(|node| state.selected.get(&node.id).map(|amount| (node, *amount)))
        .map(|(node, amount)| ContractingLine {
            node_id: node.id.clone(),
            parent_node_id: catalogue
                .ancestors(node)
                .into_iter()
                .find(|a| !a.is_folder() && state.selected.contains_key(&a.id))
                .map(|a| a.id.clone()),
            bs_id: node.bs_id,
            name_en: node.name_en.clone(),
            name_nl: node.name_nl.clone(),
            amount,
            prices: node.prices,
            hardware: node.hardware,
        })
        .collect()
}

fn characteristic(state: &BasketState, name: &str) -> Option<String> {
    state.characteristics.get(name).cloned()
}

/// An ICCID for a contract that was given none (physical SIM or eSIM profile).
fn generated_sim(contract_id: i64, esim: bool) -> String {
    format!("89311{}{:013}", if esim { 9 } else { 6 }, contract_id)
}

impl Platform {
    /// `orderUsingPOST_1`: answers the order's id.
    pub async fn kpn_order_basket(
        &self,
        principal: &Principal,
        session_id: Option<&str>,
        input: BasketOrderInput,
    ) -> KpnResult<i64> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        Self::check_not_frozen(&customer)?;
        let reference = reference_number(input.reference_number.as_deref())?;
        let now = self.now();
        let starts_at = contracting_wish_date("wishDate", input.wish_date.as_deref(), now)?;
        let catalogue = self.kpn_catalogue().await?;
        let mut tx = self.store.write().await?;
        let session = self
            .kpn_session(&mut tx, &customer, principal, session_id)
            .await?
            .ok_or_else(|| {
                KpnFailure::ContextObjectNotFound(
                    "there is no open basket session; open one with POST /contracting/basket"
                        .into(),
                )
            })?;
        let state = &session.state;
        let (owner_id, modify) = match &state.mode {
            BasketMode::Empty => {
                return Err(KpnFailure::BasketInvalid(
                    "the basket is for no one yet: POST /contracting/basket with accountGroupId \
                     or contractId first"
                        .into(),
                )
                .into());
            }
            BasketMode::Template { template_id } => {
                return Err(KpnFailure::OperationNotPossible(format!(
                    "this basket edits template {template_id}; save it with POST \
                     /contracting/basket/modify-template"
                ))
                .into());
            }
            BasketMode::New { account_id } | BasketMode::Reactivate { account_id, .. } => {
                (*account_id, None)
            }
            BasketMode::Modify {
                contract_id,
                owner_id,
            } => (*owner_id, Some(*contract_id)),
        };
        if let Some(why) = rules::incomplete(&catalogue, state) {
            return Err(KpnFailure::BasketInvalid(why).into());
        }
        if let Some(id) = modify {
            if state.selected == state.contracted {
                return Err(KpnFailure::BasketInvalid(format!(
                    "the basket changes nothing in contract {id}; add or remove a product"
                ))
                .into());
            }
            self.refuse_if_open(
                &mut tx,
                OrderSubject::KpnContract(id),
                &format!("contract {id}"),
            )
            .await?;
        }
        let lines = lines(&catalogue, state);
        let hardware = lines.iter().any(|line| line.hardware);
        let delivery_address = if hardware {
            let address = self
                .delivery_address(
                    &mut tx,
                    &customer,
                    principal,
                    input.address_id,
                    input.address.as_ref(),
                )
                .await?
                .ok_or_else(|| {
                    invalid(
                        "address",
                        "the basket holds hardware to deliver: give addressId or address",
                    )
                })?;
            Some(address_fields(&address))
        } else {
            None
        };
        let owner = items::item(&mut tx, &customer.org_number, owner_id)
            .await?
            .ok_or_else(|| item_not_found(owner_id))?;
        let esim = rules::esim(state).then(|| EsimData {
            email: characteristic(state, "eSimEmail").unwrap_or_default(),
            confirmation_code: characteristic(state, "eSimConfirmationCode").unwrap_or_default(),
        });
        let porting = rules::porting(state).then(|| PortingData {
            phone_number: characteristic(state, "phoneNumber").unwrap_or_default(),
            customer_number: characteristic(state, "customerNumber").unwrap_or_default(),
            customer_name: characteristic(state, "customerName"),
            keep_existing_sim_card: characteristic(state, "keepExistingSimCard").as_deref()
                == Some("true"),
            note: characteristic(state, "note"),
        });
        let (old, total) = rules::prices(&catalogue, state);
        let subscription = rules::subscription(&catalogue, state);
        let mut order = ContractingOrder {
            contract_id: 0,
            owner_id,
            lines,
            removed: Vec::new(),
            msisdn: None,
            sim_card_number: None,
            esim,
            porting,
            delivery_address,
            one_time_cost_in_cents: total.one_time(),
            recurring_cost_in_cents: total.monthly_fee_in_cents,
            previous_state: None,
        };
        let change = if let Some(id) = modify {
            let contract = contracts::contract(&mut tx, &customer.org_number, id)
                .await?
                .ok_or_else(|| {
                    KpnFailure::ContractNotFound(format!("contract {id} no longer exists"))
                })?;
            order.contract_id = id;
            order.msisdn = contract.mobile_number.clone();
            order.sim_card_number = contract.sim_card_number.clone();
            order.previous_state = Some(contract.state.as_str().to_owned());
            order.removed = state
                .contracted
                .keys()
                .filter(|id| !state.selected.contains_key(*id))
                .filter_map(|id| catalogue.node(id))
                .map(|node| ContractingLine {
                    node_id: node.id.clone(),
                    parent_node_id: None,
                    bs_id: node.bs_id,
                    name_en: node.name_en.clone(),
                    name_nl: node.name_nl.clone(),
                    amount: state.contracted.get(&node.id).copied().unwrap_or(1),
                    prices: node.prices,
                    hardware: node.hardware,
                })
                .collect();
            // What the modify changes monthly, beside what the contract costs now.
            order.recurring_cost_in_cents = total.monthly_fee_in_cents - old.monthly_fee_in_cents;
            contracts::set_state(&mut tx, id, ContractState::Pending, now).await?;
            ContractingChange::ModifyContract(order)
        } else {
            let id = next_contract_id(&mut tx).await?;
            order.contract_id = id;
            if subscription.is_some() {
                order.msisdn = Some(
                    self.number_for(&mut tx, &customer, state, order.porting.as_ref(), id)
                        .await?,
                );
                order.sim_card_number = Some(
                    state
                        .sim_card_number
                        .clone()
                        .unwrap_or_else(|| generated_sim(id, order.esim.is_some())),
                );
            }
            let (category, product_category, product_en, product_nl) = match subscription {
                Some(node) => (
                    ContractCategory::Mobile,
                    "Mobile subscriptions".to_owned(),
                    node.name_en.clone(),
                    node.name_nl.clone(),
                ),
                None => {
                    let first = &order.lines[0];
                    (
                        ContractCategory::Hardware,
                        "Hardware".to_owned(),
                        first.name_en.clone(),
                        first.name_nl.clone(),
                    )
                }
            };
            let contract = Contract {
                id,
                owner_id,
                category,
                product_category,
                product_en,
                product_nl,
                state: ContractState::Ordered,
                mobile_number: order.msisdn.clone(),
                fixed_number: None,
                sim_card_number: order.sim_card_number.clone(),
                imei: None,
                extension: None,
                sip_account: None,
                tariff_plan: subscription.map(|node| node.name_en.clone()),
                pin: Some(format!("{:04}", id % 10_000)),
                puk: Some(format!("{:08}", (id * 7_919) % 100_000_000)),
                start_at: starts_at,
                status_changed_at: now,
                items: super::contract_items(id, &order.lines, &[]),
            };
            contracts::insert_contract(&mut tx, &customer.org_number, &contract).await?;
            let term = if subscription.is_some() {
                SUBSCRIPTION_TERM_MONTHS
            } else {
                0
            };
            sentral_store::kpn::contract_orders::set_contract_terms(
                &mut tx,
                id,
                term,
                total.monthly_fee_in_cents,
            )
            .await?;
            ContractingChange::NewContract(order)
        };
        let contracting = change.order().clone();
        let (receiver, context_name) = match (&owner.subscriber, owner.kind) {
            (Some(data), ItemKind::Subscriber) => (
                crate::kpn::subscribers::receiver(owner_id, data, &customer),
                data.display_name(),
            ),
            _ => (
                Receiver {
                    id: Some(owner_id),
                    company_name: Some(customer.name.clone()),
                    ..Receiver::default()
                },
                owner.name.clone(),
            ),
        };
        let new = NewOrder {
            subject: match modify {
                Some(id) => OrderSubject::KpnContract(id),
                None => OrderSubject::KpnItem(owner_id),
            },
            operation: OrderType::Contracting,
            kind: RequestKind::Order,
            change: KpnChange::Contracting(change),
            reference_number: reference,
            context_name,
            receiver,
            msisdn: contracting.msisdn.clone(),
            sim: contracting.sim_card_number.clone(),
            starts_at,
            seconds: CONTRACTING_ORDER_SECONDS,
        };
        let summary = self
            .place_kpn_order(&mut tx, principal, &customer, new)
            .await?;
        self.close_basket(&mut tx, &session, &summary.id.to_string(), now)
            .await?;
        tx.commit().await?;
        Ok(summary.id)
    }

    /// The new contract's number: the ported one, a reactivated contract's old one when it is
    /// free, else the lowest free number of the customer's pool (taken now).
    async fn number_for(
        &self,
        conn: &mut Connection,
        customer: &Customer,
        state: &BasketState,
        porting: Option<&PortingData>,
        contract_id: i64,
    ) -> KpnResult<String> {
        let org = &customer.org_number;
        if let Some(porting) = porting {
            if let Some((other, _)) =
                lifecycle::contract_with_number(conn, org, &porting.phone_number).await?
            {
                return Err(KpnFailure::InvalidMsisdnAlreadyExistsForACustomer(format!(
                    "phoneNumber {} is already contract {other} of this customer",
                    porting.phone_number
                ))
                .into());
            }
            return Ok(porting.phone_number.clone());
        }
        if let BasketMode::Reactivate {
            previous_number: Some(number),
            ..
        } = &state.mode
            && lifecycle::contract_with_number(conn, org, number)
                .await?
                .is_none()
        {
            numbers::take_this_number(conn, org, number, contract_id).await?;
            return Ok(number.clone());
        }
        numbers::take_number(conn, org, contract_id)
            .await?
            .ok_or_else(|| {
                KpnFailure::OperationNotPossible(format!(
                    "customer {} has no free mobile numbers left",
                    customer.name
                ))
                .into()
            })
    }
}

/// A delivery address by its wire field names, as the order keeps it.
fn address_fields(
    address: &sentral_domain::kpn::addresses::DeliveryAddress,
) -> BTreeMap<String, String> {
    match serde_json::to_value(address) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter_map(|(key, value)| match value {
                serde_json::Value::String(text) => Some((key, text)),
                serde_json::Value::Number(number) => Some((key, number.to_string())),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}
