//! Basket sessions (KPN.md decision 5): opened by `POST /contracting/basket`, stored, the
//! caller's own, closed by the order, expired after 30 minutes without a change on the sandbox
//! clock. A call without `sessionId` uses the caller's most recently changed open session; a
//! POST that initialises a basket (accountGroupId, contractId, …) without `sessionId` opens a
//! new one, and any other POST without one opens one when the caller has none.

use std::collections::HashMap;

use sentral_domain::Timestamp;
use sentral_domain::kpn::contracting::{BasketMode, BasketSession, BasketState};
use sentral_domain::kpn::{ContractCategory, ContractItemNode, ContractState, ItemKind, Privilege};
use sentral_store::Connection;
use sentral_store::kpn::contracting::{lifecycle, sessions as repo, templates as template_repo};
use sentral_store::kpn::{contracts, customers as customer_repo, items, orders as order_repo};

use super::catalogue::Catalogue;
use super::view::{BasketView, snapshot};
use super::{characteristics, rules, templates};
use crate::kpn::{Customer, KpnFailure, KpnResult, invalid, item_not_found, privileges};
use crate::{Platform, Principal, ServiceError};

/// How long a session lives without a change.
pub const SESSION_IDLE_SECONDS: i64 = 30 * 60;

/// `ProductAction` as sent.
#[derive(Debug, Clone, Default)]
pub struct ProductActionInput {
    pub product_id: Option<String>,
    pub amount: Option<i64>,
    pub kind: Option<String>,
}

/// `CharacteristicAction` as sent.
#[derive(Debug, Clone, Default)]
pub struct CharacteristicActionInput {
    pub name: Option<String>,
    pub value: Option<String>,
}

/// `BasketChange` as sent.
#[derive(Debug, Clone, Default)]
pub struct BasketChangeInput {
    pub account_group_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub fixed_contract_id: Option<i64>,
    pub mobile_contract_id: Option<i64>,
    pub order_id: Option<i64>,
    pub template_id: Option<String>,
    pub template_id_to_modify: Option<i64>,
    pub sim_card_number: Option<String>,
    pub product_actions: Vec<ProductActionInput>,
    pub characteristic_actions: Vec<CharacteristicActionInput>,
}

impl BasketChangeInput {
    fn initialises(&self) -> bool {
        self.account_group_id.is_some()
            || self.contract_id.is_some()
            || self.fixed_contract_id.is_some()
            || self.mobile_contract_id.is_some()
            || self.template_id_to_modify.is_some()
    }
}

fn not_found(message: String) -> crate::kpn::KpnError {
    KpnFailure::ContextObjectNotFound(message).into()
}

fn new_session_id() -> Result<String, ServiceError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServiceError::Internal(format!("random source: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The catalogue nodes a contract's items are (by bsId), with their amounts.
pub(crate) fn contracted_nodes(
    catalogue: &Catalogue,
    items: &[ContractItemNode],
) -> std::collections::BTreeMap<String, i64> {
    let mut found = std::collections::BTreeMap::new();
    let mut stack: Vec<&ContractItemNode> = items.iter().collect();
    while let Some(item) = stack.pop() {
        if let Some(node) = catalogue.by_bs_id(item.product_bs_id) {
            *found.entry(node.id.clone()).or_insert(0) += 1;
        }
        stack.extend(item.children.iter());
    }
    found
}

impl Platform {
    /// Refuses a caller whose token lacks every privilege of `needs` (403 FORBIDDEN_FOR_USER).
    pub(crate) async fn kpn_require(
        &self,
        principal: &Principal,
        needs: &[Privilege],
    ) -> KpnResult<()> {
        let mut conn = self.store.read().await?;
        let held = customer_repo::privileges(&mut conn, principal.app.id.as_str()).await?;
        match held {
            Some(held)
                if !needs
                    .iter()
                    .any(|need| held.iter().any(|h| h == need.as_str())) =>
            {
                let names: Vec<&str> = needs.iter().map(|p| p.as_str()).collect();
                Err(KpnFailure::ForbiddenForUser(format!(
                    "this operation also needs one of the privileges {}",
                    names.join(", ")
                ))
                .into())
            }
            _ => Ok(()),
        }
    }

    /// The caller's session `id` (or its most recent open one when `id` is None; None when it
    /// has none): another caller's, a closed or an expired session is a 404.
    pub(crate) async fn kpn_session(
        &self,
        conn: &mut Connection,
        customer: &Customer,
        principal: &Principal,
        id: Option<&str>,
    ) -> KpnResult<Option<BasketSession>> {
        let owner = principal.actor().0;
        let now = self.now();
        let live = |session: &BasketSession| {
            now.millis() - session.touched_at.millis() <= SESSION_IDLE_SECONDS * 1000
        };
        let Some(id) = id.map(str::trim).filter(|id| !id.is_empty()) else {
            let latest = repo::latest_session(conn, &owner, &customer.org_number).await?;
            return Ok(latest.filter(live));
        };
        let session = repo::session(conn, id)
            .await?
            .filter(|s| s.owner == owner && s.org_number == customer.org_number)
            .ok_or_else(|| {
                not_found(format!(
                    "basket session {id} does not exist or is not yours; open one with POST /contracting/basket"
                ))
            })?;
        if let Some(order) = &session.ordered_as {
            return Err(not_found(format!(
                "basket session {id} was ordered as order {order}; open a new one with POST /contracting/basket"
            )));
        }
        if !live(&session) {
            return Err(not_found(format!(
                "basket session {id} expired after 30 minutes without a change; open a new one with POST /contracting/basket"
            )));
        }
        Ok(Some(session))
    }

    /// The session a read needs: a 404 when the caller has none.
    async fn kpn_session_for_read(
        &self,
        principal: &Principal,
        id: Option<&str>,
    ) -> KpnResult<(Customer, BasketSession)> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        let mut conn = self.store.read().await?;
        let session = self
            .kpn_session(&mut conn, &customer, principal, id)
            .await?
            .ok_or_else(|| {
                not_found(
                    "there is no open basket session; open one with POST /contracting/basket"
                        .into(),
                )
            })?;
        Ok((customer, session))
    }

    /// `getBasketUsingGET`.
    pub async fn kpn_basket(
        &self,
        principal: &Principal,
        id: Option<&str>,
    ) -> KpnResult<BasketView> {
        let (_, session) = self.kpn_session_for_read(principal, id).await?;
        let catalogue = self.kpn_catalogue().await?;
        Ok(snapshot(&catalogue, &session.state))
    }

    /// `resetBasketUsingPOST`: the session keeps what it is for, without selections.
    pub async fn kpn_reset_basket(&self, principal: &Principal, id: Option<&str>) -> KpnResult<()> {
        let (_, session) = self.kpn_session_for_read(principal, id).await?;
        let mut state = BasketState::new(session.state.mode.clone());
        state.contracted = session.state.contracted.clone();
        state.selected = session.state.contracted.clone();
        let mut tx = self.store.write().await?;
        repo::save_state(&mut tx, &session.id, &state, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The state a basket starts in for an initialising change.
    async fn initial_state(
        &self,
        conn: &mut Connection,
        customer: &Customer,
        principal: &Principal,
        catalogue: &Catalogue,
        change: &BasketChangeInput,
    ) -> KpnResult<BasketState> {
        let ways = [
            change.account_group_id.is_some(),
            change.contract_id.is_some(),
            change.fixed_contract_id.is_some() || change.mobile_contract_id.is_some(),
            change.template_id_to_modify.is_some(),
        ];
        if ways.iter().filter(|w| **w).count() > 1 {
            return Err(invalid(
                "contractId",
                "give one of accountGroupId (with orderId to reactivate), contractId, \
                 fixedContractId with mobileContractId, templateIdToModify",
            ));
        }
        if change.order_id.is_some() && change.account_group_id.is_none() {
            return Err(invalid("orderId", "reactivating needs accountGroupId too"));
        }
        let org = &customer.org_number;
        if let Some(id) = change.contract_id {
            let contract = contracts::contract(conn, org, id).await?.ok_or_else(|| {
                KpnFailure::ContractNotFound(format!(
                    "contract {id} does not exist or is not visible to you"
                ))
            })?;
            if contract.category != ContractCategory::Mobile
                || contract.state != ContractState::Active
            {
                return Err(KpnFailure::OperationNotPossible(format!(
                    "contract {id} ({} {}) cannot be modified; only an ACTIVE mobile contract can",
                    contract.category, contract.state
                ))
                .into());
            }
            let mut state = BasketState::new(BasketMode::Modify {
                contract_id: id,
                owner_id: contract.owner_id,
            });
            state.contracted = contracted_nodes(catalogue, &contract.items);
            state.selected = state.contracted.clone();
            return Ok(state);
        }
        if change.fixed_contract_id.is_some() || change.mobile_contract_id.is_some() {
            let (Some(fixed), Some(mobile)) = (change.fixed_contract_id, change.mobile_contract_id)
            else {
                let missing = if change.fixed_contract_id.is_none() {
                    "fixedContractId"
                } else {
                    "mobileContractId"
                };
                return Err(invalid(
                    missing,
                    "combining needs both fixedContractId and mobileContractId",
                ));
            };
            for (id, category) in [
                (fixed, ContractCategory::Fixed),
                (mobile, ContractCategory::Mobile),
            ] {
                let contract = contracts::contract(conn, org, id).await?.ok_or_else(|| {
                    KpnFailure::ContractNotFound(format!(
                        "contract {id} does not exist or is not visible to you"
                    ))
                })?;
                if contract.category != category {
                    return Err(KpnFailure::OperationNotPossible(format!(
                        "contract {id} is a {} contract, not a {category} one; combining needs a fixed and a mobile contract",
                        contract.category
                    ))
                    .into());
                }
            }
            return Err(KpnFailure::OperationNotPossible(
                "combining fixed and mobile contracts is not offered to this customer".into(),
            )
            .into());
        }
        if let Some(id) = change.template_id_to_modify {
            self.kpn_require(principal, &[Privilege::PortfolioAndProfilesManagement])
                .await?;
            let template = template_repo::template(conn, org, id)
                .await?
                .ok_or_else(|| templates::not_found(id))?;
            let mut state = BasketState::new(BasketMode::Template { template_id: id });
            state.selected = template.content.selected.clone();
            state.characteristics = template.content.characteristics.clone();
            state.template_id = Some(id);
            return Ok(state);
        }
        let Some(account) = change.account_group_id else {
            return Ok(BasketState::new(BasketMode::Empty));
        };
        let item = items::item(conn, org, account)
            .await?
            .ok_or_else(|| item_not_found(account))?;
        if !matches!(item.kind, ItemKind::Subscriber | ItemKind::Debtor) {
            return Err(KpnFailure::WrongGroupType(format!(
                "accountGroupId {account} is a {}; a contract is made for a SUBSCRIBER or a DEBTOR",
                item.kind
            ))
            .into());
        }
        let Some(order_id) = change.order_id else {
            return Ok(BasketState::new(BasketMode::New {
                account_id: account,
            }));
        };
        let (order, record) = order_repo::order(conn, org, &order_id.to_string())
            .await?
            .ok_or_else(|| {
                KpnFailure::OrderNotFound(format!(
                    "order {order_id} does not exist or is not visible to you"
                ))
            })?;
        if order.order_type != sentral_domain::corporate::OrderType::TerminateContract {
            return Err(KpnFailure::OperationNotPossible(format!(
                "order {order_id} is a {} order; reactivating needs the order that terminated the contract",
                order.order_type
            ))
            .into());
        }
        if order.status != sentral_domain::corporate::OrderStatus::Completed {
            return Err(KpnFailure::OperationNotPossible(format!(
                "termination order {order_id} has not finished; a contract is reactivated once it is terminated"
            ))
            .into());
        }
        Ok(BasketState::new(BasketMode::Reactivate {
            account_id: account,
            order_id,
            previous_number: record.msisdn,
        }))
    }

    /// `modifyBasketUsingPOST`: initialises or changes a basket; answers its session id.
    pub async fn kpn_modify_basket(
        &self,
        principal: &Principal,
        session_id: Option<&str>,
        change: BasketChangeInput,
    ) -> KpnResult<String> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        Self::check_not_frozen(&customer)?;
        let catalogue = self.kpn_catalogue().await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let existing = if session_id.is_some() || !change.initialises() {
            self.kpn_session(&mut tx, &customer, principal, session_id)
                .await?
        } else {
            None
        };
        let mut state = if change.initialises() {
            self.initial_state(&mut tx, &customer, principal, &catalogue, &change)
                .await?
        } else {
            existing
                .as_ref()
                .map(|s| s.state.clone())
                .unwrap_or_else(|| BasketState::new(BasketMode::Empty))
        };
        if let Some(text) = change.template_id.as_deref() {
            let id: i64 = text.trim().parse().map_err(|_| {
                invalid("templateId", format!("must be a template id, got {text:?}"))
            })?;
            let template = template_repo::template(&mut tx, &customer.org_number, id)
                .await?
                .ok_or_else(|| templates::not_found(id))?;
            templates::apply(&mut tx, &customer, &catalogue, &mut state, &template).await?;
        }
        for (index, action) in change.product_actions.iter().enumerate() {
            let field = format!("productActions[{index}]");
            let id = action
                .product_id
                .as_deref()
                .ok_or_else(|| invalid(&format!("{field}.productId"), "is required"))?;
            match action
                .kind
                .as_deref()
                .map(|k| k.trim().to_ascii_uppercase())
                .as_deref()
            {
                Some("PUT") => rules::put(&catalogue, &mut state, &field, id, action.amount)?,
                Some("REMOVE") => rules::remove(&catalogue, &mut state, &field, id)?,
                other => {
                    return Err(invalid(
                        &format!("{field}.type"),
                        format!("must be PUT or REMOVE, got {:?}", other.unwrap_or("")),
                    ));
                }
            }
        }
        let mut numbers_in_use = HashMap::new();
        for action in &change.characteristic_actions {
            if action.name.as_deref() == Some("phoneNumber")
                && let Some(number) = action.value.as_deref().map(str::trim)
                && let Some(found) =
                    lifecycle::contract_with_number(&mut tx, &customer.org_number, number).await?
            {
                numbers_in_use.insert(number.to_owned(), found);
            }
        }
        for (index, action) in change.characteristic_actions.iter().enumerate() {
            let field = format!("characteristicActions[{index}]");
            let name = action
                .name
                .as_deref()
                .map(str::trim)
                .ok_or_else(|| invalid(&format!("{field}.name"), "is required"))?;
            characteristics::set(
                &catalogue,
                &mut state,
                &field,
                name,
                action.value.as_deref(),
                &numbers_in_use,
            )?;
        }
        if let Some(number) = change.sim_card_number.as_deref().map(str::trim) {
            self.set_sim_card_number(&mut tx, &catalogue, &mut state, number)
                .await?;
        }
        let id = match existing {
            Some(session) if session_id.is_some() || !change.initialises() => {
                repo::save_state(&mut tx, &session.id, &state, now).await?;
                session.id
            }
            _ => {
                let session = BasketSession {
                    id: new_session_id()?,
                    org_number: customer.org_number.clone(),
                    owner: principal.actor().0,
                    state,
                    touched_at: now,
                    ordered_as: None,
                };
                repo::insert_session(&mut tx, &session).await?;
                session.id
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    /// `{simCardNumber}`: the short UICCID of the SIM card the new contract gets.
    async fn set_sim_card_number(
        &self,
        conn: &mut Connection,
        catalogue: &Catalogue,
        state: &mut BasketState,
        number: &str,
    ) -> KpnResult<()> {
        if rules::subscription(catalogue, state).is_none() {
            return Err(invalid(
                "simCardNumber",
                "select a mobile subscription first",
            ));
        }
        if rules::esim(state) {
            return Err(invalid(
                "simCardNumber",
                "an eSIM has no SIM card number (eSim is true)",
            ));
        }
        if state
            .characteristics
            .get("keepExistingSimCard")
            .map(String::as_str)
            == Some("true")
        {
            return Err(invalid(
                "simCardNumber",
                "keepExistingSimCard is true: the ported number keeps its SIM",
            ));
        }
        if !(8..=20).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "simCardNumber",
                format!("is 8 to 20 digits, got {number:?}"),
            ));
        }
        if let Some(other) =
            sentral_store::kpn::contract_orders::contract_with_sim(conn, number, 0).await?
        {
            return Err(invalid(
                "simCardNumber",
                format!("SIM card {number} is in use by contract {other}"),
            ));
        }
        state.sim_card_number = Some(number.to_owned());
        Ok(())
    }

    /// `getCharacteristicsUsingGET`.
    pub async fn kpn_basket_characteristics(
        &self,
        principal: &Principal,
        id: Option<&str>,
    ) -> KpnResult<Vec<characteristics::CharacteristicView>> {
        let (_, session) = self.kpn_session_for_read(principal, id).await?;
        let catalogue = self.kpn_catalogue().await?;
        Ok(characteristics::available(&catalogue, &session.state))
    }

    /// `getProductsTreeUsingGET`.
    pub async fn kpn_basket_tree(
        &self,
        principal: &Principal,
        id: Option<&str>,
    ) -> KpnResult<Vec<super::view::TreeItemView>> {
        let (_, session) = self.kpn_session_for_read(principal, id).await?;
        let catalogue = self.kpn_catalogue().await?;
        Ok(super::view::tree(&catalogue, &session.state))
    }

    /// `getResourcesUsingGET`: free numbers of the customer's pool starting with `prefix`.
    pub async fn kpn_resources(
        &self,
        principal: &Principal,
        session_id: Option<&str>,
        prefix: Option<&str>,
        limit: Option<i64>,
    ) -> KpnResult<Vec<(i64, String)>> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        let prefix = prefix
            .map(str::trim)
            .ok_or_else(|| invalid("prefix", "is required"))?;
        let digits = match prefix.strip_prefix('0') {
            Some(rest) => format!("31{rest}"),
            None => prefix.trim_start_matches('+').to_owned(),
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("prefix", format!("must be digits, got {prefix:?}")));
        }
        let limit = limit.unwrap_or(10);
        if !(1..=100).contains(&limit) {
            return Err(invalid("limit", format!("is 1 to 100, got {limit}")));
        }
        let mut conn = self.store.read().await?;
        if session_id.is_some() {
            self.kpn_session(&mut conn, &customer, principal, session_id)
                .await?;
        }
        Ok(sentral_store::kpn::contracting::numbers::free_numbers(
            &mut conn,
            &customer.org_number,
            &digits,
            limit,
        )
        .await?)
    }

    /// Closes the session as ordered (the order's transaction).
    pub(crate) async fn close_basket(
        &self,
        conn: &mut Connection,
        session: &BasketSession,
        order_id: &str,
        now: Timestamp,
    ) -> KpnResult<()> {
        if !repo::close_session(conn, &session.id, order_id, now).await? {
            return Err(not_found(format!(
                "basket session {} was ordered meanwhile; open a new one with POST /contracting/basket",
                session.id
            )));
        }
        Ok(())
    }
}
