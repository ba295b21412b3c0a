//! Basket sessions (KPN.md decision 5): opened by `POST /contracting/basket`, stored, the
//! caller's own, closed by the order, expired after 30 minutes without a change on the sandbox
//! clock. A call without `sessionId` uses the caller's most recently changed open session; a
//! POST that initialises a basket (accountGroupId, contractId, …) without `sessionId` opens a
//! new one, and any other POST without one opens one when the caller has none.

use std::collections::HashMap;

use sentral_domain::Timestamp;
use sentral_domain::kpn::Privilege;
use sentral_domain::kpn::contracting::{BasketMode, BasketSession, BasketState};
use sentral_store::Connection;
use sentral_store::kpn::contracting::{lifecycle, sessions as repo, templates as template_repo};
use sentral_store::kpn::customers as customer_repo;

use super::catalogue::Catalogue;
use super::{characteristics, rules, templates};
use crate::kpn::{Customer, KpnFailure, KpnResult, invalid, privileges};
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
            || self.order_id.is_some()
            || self.contract_id.is_some()
            || self.fixed_contract_id.is_some()
            || self.mobile_contract_id.is_some()
            || self.template_id_to_modify.is_some()
    }
}

pub(super) fn not_found(message: String) -> crate::kpn::KpnError {
    KpnFailure::ContextObjectNotFound(message).into()
}

fn new_session_id() -> Result<String, ServiceError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServiceError::Internal(format!("random source: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
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
        // Session ids are hex: anything else is no session (and never reaches the store).
        let plausible = id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric());
        let found = if plausible {
            repo::session(conn, id).await?
        } else {
            None
        };
        let session = found
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
    pub(super) async fn kpn_session_for_read(
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
