//! The template operations: a basket's list, `/contracting/templates` (overview, details,
//! delete), and saving or modifying a template from a basket.

use sentral_domain::kpn::contracting::{BasketMode, Template};
use sentral_domain::kpn::{Page, Privilege};
use sentral_store::kpn::contracting::templates as repo;
use sentral_store::kpn::items;

use super::rules;
use super::templates::{
    TemplateDetails, TemplateView, account_of, content_of, item_view, locations_of, not_found,
    state_of, usable_at, view,
};
use crate::kpn::{KpnFailure, KpnResult, Tree, invalid, item_not_found, privileges};
use crate::{Platform, Principal};

impl Platform {
    /// `getTemplatesUsingGET`: the templates usable in the caller's basket.
    pub async fn kpn_basket_templates(
        &self,
        principal: &Principal,
        session_id: Option<&str>,
        category: Option<&str>,
        pattern: Option<&str>,
        page: Page,
    ) -> KpnResult<(Vec<TemplateView>, i64)> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        const CATEGORIES: &[&str] = &[
            "HARDWARE",
            "FIXED",
            "MOBILE",
            "SOFTWARE",
            "FIXED_MOBILE",
            "SKYPE_FOR_BUSINESS",
            "CENTREX",
            "OTHER",
        ];
        let category = match category.map(str::trim).filter(|c| !c.is_empty()) {
            Some(text) if CATEGORIES.contains(&text.to_ascii_uppercase().as_str()) => {
                Some(text.to_ascii_uppercase())
            }
            Some(text) => {
                return Err(invalid(
                    "mainProductCategory",
                    format!("must be one of {}, got {text:?}", CATEGORIES.join(", ")),
                ));
            }
            None => None,
        };
        let catalogue = self.kpn_catalogue().await?;
        let mut conn = self.store.read().await?;
        let session = self
            .kpn_session(&mut conn, &customer, principal, session_id)
            .await?;
        let locations = match session.as_ref().and_then(|s| account_of(&s.state.mode)) {
            Some(account) => Some(locations_of(&mut conn, &customer, account).await?),
            None => None,
        };
        let pattern = pattern
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty());
        let all: Vec<TemplateView> = repo::templates_of(&mut conn, &customer.org_number)
            .await?
            .into_iter()
            .filter(|t| locations.as_ref().is_none_or(|l| usable_at(t, l)))
            .filter(|t| category.as_ref().is_none_or(|c| *c == t.main_category))
            .filter(|t| {
                pattern
                    .as_ref()
                    .is_none_or(|p| t.name.to_lowercase().contains(p))
            })
            .map(|t| view(&catalogue, t))
            .collect();
        let total = all.len() as i64;
        Ok((page.slice(&all), total))
    }

    /// `GET /contracting/templates?groupId=`: the templates usable at a group.
    pub async fn kpn_templates_at(
        &self,
        principal: &Principal,
        group_id: Option<i64>,
    ) -> KpnResult<Vec<TemplateView>> {
        let customer = self
            .kpn_customer(principal, &[Privilege::PortfolioAndProfilesManagement])
            .await?;
        let group_id = group_id.ok_or_else(|| invalid("groupId", "is required"))?;
        let catalogue = self.kpn_catalogue().await?;
        let mut conn = self.store.read().await?;
        let tree = Tree::new(items::groups(&mut conn, &customer.org_number).await?);
        if tree.group(group_id).is_none() {
            return Err(item_not_found(group_id));
        }
        let locations: Vec<i64> = tree.chain(group_id).iter().map(|g| g.id).collect();
        Ok(repo::templates_of(&mut conn, &customer.org_number)
            .await?
            .into_iter()
            .filter(|t| usable_at(t, &locations))
            .map(|t| view(&catalogue, t))
            .collect())
    }

    /// `GET /contracting/templates/{id}`.
    pub async fn kpn_template_details(
        &self,
        principal: &Principal,
        id: i64,
    ) -> KpnResult<TemplateDetails> {
        let customer = self
            .kpn_customer(principal, &[Privilege::PortfolioAndProfilesManagement])
            .await?;
        let catalogue = self.kpn_catalogue().await?;
        let mut conn = self.store.read().await?;
        let template = repo::template(&mut conn, &customer.org_number, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let tree = Tree::new(items::groups(&mut conn, &customer.org_number).await?);
        let locations = vec![tree.chain(template.group_id).into_iter().cloned().collect()];
        let state = state_of(&template.content);
        let items = rules::subscription(&catalogue, &state)
            .map(|main| vec![item_view(&catalogue, &state, main, true)])
            .unwrap_or_default();
        Ok(TemplateDetails {
            view: view(&catalogue, template),
            items,
            locations,
        })
    }

    /// `deleteTemplateUsingPOST`.
    pub async fn kpn_delete_template(&self, principal: &Principal, id: i64) -> KpnResult<()> {
        let customer = self
            .kpn_customer(principal, &[Privilege::PortfolioAndProfilesManagement])
            .await?;
        let mut tx = self.store.write().await?;
        if !repo::delete_template(&mut tx, &customer.org_number, id).await? {
            return Err(not_found(id));
        }
        tx.commit().await?;
        Ok(())
    }

    /// `saveAsTemplateUsingPOST`: the basket as a new template at `group_id` (none: the customer).
    pub async fn kpn_save_as_template(
        &self,
        principal: &Principal,
        session_id: Option<&str>,
        group_id: Option<i64>,
        name: Option<String>,
    ) -> KpnResult<i64> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        self.kpn_require(principal, &[Privilege::PortfolioAndProfilesManagement])
            .await?;
        let name = name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| invalid("name", "is required"))?;
        if name.chars().count() > 100 {
            return Err(invalid("name", "is at most 100 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(invalid("name", "holds a control character"));
        }
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
        let (main_category, content) = content_of(&catalogue, &session.state)?;
        let root = customer.settings.item_id;
        let group_id = group_id.unwrap_or(root);
        let tree = Tree::new(items::groups(&mut tx, &customer.org_number).await?);
        if tree.group(group_id).is_none() {
            return Err(item_not_found(group_id));
        }
        let id = sentral_store::corporate::next_number(&mut tx, "kpn-template", 9001).await?;
        let template = Template {
            id,
            name,
            main_category,
            group_id,
            customer_level: group_id == root,
            content,
        };
        repo::insert_template(&mut tx, &customer.org_number, &template, self.now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// `modifyTemplateUsingPOST`: saves the basket opened with templateIdToModify back.
    pub async fn kpn_modify_template(
        &self,
        principal: &Principal,
        session_id: Option<&str>,
    ) -> KpnResult<()> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        self.kpn_require(principal, &[Privilege::PortfolioAndProfilesManagement])
            .await?;
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
        let BasketMode::Template { template_id } = session.state.mode else {
            return Err(KpnFailure::OperationNotPossible(format!(
                "basket session {} was not opened with templateIdToModify",
                session.id
            ))
            .into());
        };
        let (main_category, content) = content_of(&catalogue, &session.state)?;
        if !repo::update_content(
            &mut tx,
            &customer.org_number,
            template_id,
            &main_category,
            &content,
            self.now(),
        )
        .await?
        {
            return Err(not_found(template_id));
        }
        tx.commit().await?;
        Ok(())
    }
}
