//! The basket's reads (snapshot, characteristics, product tree), its reset, and the free
//! numbers of the customer's pool.

use sentral_domain::kpn::contracting::BasketState;
use sentral_store::kpn::contracting::sessions as repo;

use super::characteristics;
use super::view::{BasketView, snapshot};
use crate::kpn::{KpnResult, invalid, privileges};
use crate::{Platform, Principal};

impl Platform {
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
}
