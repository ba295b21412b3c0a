//! Templates: a basket's selections saved at a hierarchy group (or the customer) and offered to
//! every basket at or below it; invalid once a product in it is no longer offered, holds
//! hardware, or no longer makes a valid basket.

use sentral_domain::kpn::contracting::{
    BasketMode, BasketState, CatalogueNode, Template, TemplateContent,
};
use sentral_domain::kpn::{HierarchyItem, Page, Privilege};
use sentral_store::Connection;
use sentral_store::kpn::contracting::templates as repo;
use sentral_store::kpn::items;

use super::catalogue::Catalogue;
use super::rules;
use crate::kpn::{
    Customer, KpnError, KpnFailure, KpnResult, Tree, invalid, item_not_found, privileges,
};
use crate::{Platform, Principal};

pub(crate) fn not_found(id: i64) -> KpnError {
    KpnFailure::ContextObjectNotFound(format!(
        "template {id} does not exist or is not visible to you"
    ))
    .into()
}

/// The characteristics a template keeps (not a person's own data).
const KEPT_CHARACTERISTICS: &[&str] = &["eSim"];

/// A template with what the catalogue says of it.
#[derive(Debug, Clone)]
pub struct TemplateView {
    pub template: Template,
    /// None: valid; else INVALID_PRODUCT_CONFIGURATION, HARDWARE_IN_TEMPLATE or NOT_SUPPORTED_PRODUCT.
    pub reason: Option<&'static str>,
    /// Its main product: (bsId, name, one-time price, private copying levy).
    pub product: Option<(i64, String, i64, i64)>,
}

/// `TemplateItem`: a product or group of the template's main product with its option.
#[derive(Debug, Clone)]
pub struct TemplateItemView {
    pub name_en: String,
    pub name_nl: String,
    /// NOT_AVAILABLE, AVAILABLE, DEFAULT_DESELECTED, DEFAULT_SELECTED or REQUIRED.
    pub option: &'static str,
    pub items: Vec<TemplateItemView>,
}

/// `TemplateDetailsWithLocations`.
#[derive(Debug, Clone)]
pub struct TemplateDetails {
    pub view: TemplateView,
    pub items: Vec<TemplateItemView>,
    /// The path of each location it is saved at, the customer first.
    pub locations: Vec<Vec<HierarchyItem>>,
}

fn state_of(content: &TemplateContent) -> BasketState {
    let mut state = BasketState::new(BasketMode::Empty);
    state.selected = content.selected.clone();
    state.characteristics = content.characteristics.clone();
    state
}

/// Why a template (or a basket about to become one) is not valid, if it is not.
fn reason(catalogue: &Catalogue, state: &BasketState) -> Option<&'static str> {
    if state.selected.keys().any(|id| catalogue.node(id).is_none()) {
        return Some("NOT_SUPPORTED_PRODUCT");
    }
    if state
        .selected
        .keys()
        .filter_map(|id| catalogue.node(id))
        .any(|node| node.hardware)
    {
        return Some("HARDWARE_IN_TEMPLATE");
    }
    if rules::subscription(catalogue, state).is_none()
        || !rules::node_errors(catalogue, state).is_empty()
    {
        return Some("INVALID_PRODUCT_CONFIGURATION");
    }
    None
}

fn view(catalogue: &Catalogue, template: Template) -> TemplateView {
    let state = state_of(&template.content);
    let product = rules::subscription(catalogue, &state).map(|node| {
        (
            node.bs_id,
            node.name_en.clone(),
            node.prices.one_time(),
            node.prices.private_copying_levy_in_cents,
        )
    });
    TemplateView {
        reason: reason(catalogue, &state),
        product,
        template,
    }
}

fn item_view(
    catalogue: &Catalogue,
    state: &BasketState,
    node: &CatalogueNode,
    in_required: bool,
) -> TemplateItemView {
    let items = catalogue
        .children(Some(&node.id))
        .map(|child| item_view(catalogue, state, child, node.required))
        .collect();
    let option = if node.is_folder() {
        if node.required {
            "REQUIRED"
        } else {
            "AVAILABLE"
        }
    } else if state.selected.contains_key(&node.id) {
        if in_required || node.subscription {
            "REQUIRED"
        } else {
            "DEFAULT_SELECTED"
        }
    } else if node.disabled {
        "NOT_AVAILABLE"
    } else if node.default_selected {
        "DEFAULT_DESELECTED"
    } else {
        "AVAILABLE"
    };
    TemplateItemView {
        name_en: node.name_en.clone(),
        name_nl: node.name_nl.clone(),
        option,
        items,
    }
}

/// The group ids a basket for `account` (a subscriber or a debtor) may use templates of.
async fn locations_of(
    conn: &mut Connection,
    customer: &Customer,
    account: i64,
) -> KpnResult<Vec<i64>> {
    let tree = Tree::new(items::groups(conn, &customer.org_number).await?);
    if tree.group(account).is_some() {
        return Ok(tree.chain(account).iter().map(|g| g.id).collect());
    }
    let item = items::item(conn, &customer.org_number, account)
        .await?
        .ok_or_else(|| item_not_found(account))?;
    Ok(tree.path_of(item.parent_id).iter().map(|g| g.id).collect())
}

fn usable_at(template: &Template, locations: &[i64]) -> bool {
    template.customer_level || locations.contains(&template.group_id)
}

/// Puts a template's selections in the basket (templateId): it must be usable at the basket's
/// account and valid.
pub(crate) async fn apply(
    conn: &mut Connection,
    customer: &Customer,
    catalogue: &Catalogue,
    state: &mut BasketState,
    template: &Template,
) -> KpnResult<()> {
    if let Some(account) = account_of(&state.mode) {
        let locations = locations_of(conn, customer, account).await?;
        if !usable_at(template, &locations) {
            return Err(not_found(template.id));
        }
    }
    let checked = state_of(&template.content);
    if let Some(reason) = reason(catalogue, &checked) {
        return Err(KpnFailure::InvalidProductConfiguration(format!(
            "template {} ({}) is not valid: {reason}",
            template.id, template.name
        ))
        .into());
    }
    state.selected = template.content.selected.clone();
    for (name, value) in &template.content.characteristics {
        state
            .characteristics
            .entry(name.clone())
            .or_insert_with(|| value.clone());
    }
    state.template_id = Some(template.id);
    Ok(())
}

fn account_of(mode: &BasketMode) -> Option<i64> {
    match mode {
        BasketMode::New { account_id } | BasketMode::Reactivate { account_id, .. } => {
            Some(*account_id)
        }
        BasketMode::Modify { owner_id, .. } => Some(*owner_id),
        BasketMode::Empty | BasketMode::Template { .. } => None,
    }
}

/// What a basket saves as a template: refused unless it is valid and holds no hardware.
fn content_of(catalogue: &Catalogue, state: &BasketState) -> KpnResult<(String, TemplateContent)> {
    if let Some(why) = rules::incomplete(catalogue, state) {
        return Err(KpnFailure::BasketInvalid(why).into());
    }
    if let Some(node) = state
        .selected
        .keys()
        .filter_map(|id| catalogue.node(id))
        .find(|n| n.hardware)
    {
        return Err(KpnFailure::InvalidProductConfiguration(format!(
            "a template holds no hardware; remove {} ({}) first",
            node.id, node.name_en
        ))
        .into());
    }
    let main = rules::subscription(catalogue, state).ok_or_else(|| {
        KpnFailure::InvalidProductConfiguration("a template needs a mobile subscription".into())
    })?;
    let content = TemplateContent {
        selected: state.selected.clone(),
        characteristics: state
            .characteristics
            .iter()
            .filter(|(name, _)| KEPT_CHARACTERISTICS.contains(&name.as_str()))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect(),
    };
    Ok((main.category.clone(), content))
}

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
