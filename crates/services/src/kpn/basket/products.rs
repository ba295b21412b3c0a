//! The catalogue's main products (`getMainProductsUsingGET`: subscriptions, handsets,
//! accessories, SIM cards) and its categories.

use sentral_domain::kpn::contracting::CatalogueNode;
use sentral_domain::kpn::{Page, SortOrder};

use crate::kpn::query::{parse_filters, parse_order, parse_sort};
use crate::kpn::{KpnResult, invalid, privileges};
use crate::{Platform, Principal};

const FILTERS: &[&str] = &[
    "PRODUCT_NAME",
    "PRICE_IN_CENTS",
    "PRIVATE_COPYING_LEVY_IN_CENTS",
];
const SORTS: &[&str] = &[
    "PRODUCT_NAME",
    "CATEGORY",
    "FOLDER_NAME",
    "PRICE_IN_CENTS",
    "PRIVATE_COPYING_LEVY_IN_CENTS",
];
const CATEGORIES: &[&str] = &[
    "MOBILE",
    "SIM CARDS",
    "FIXED",
    "HARDWARE",
    "SOFTWARE",
    "OTHER",
];

/// The main products' parameters as sent.
#[derive(Debug, Clone, Default)]
pub struct MainProductQuery {
    pub category: Option<String>,
    pub filters: Option<String>,
    pub patterns: Vec<String>,
    pub sort_by: Option<String>,
    pub order: Option<String>,
    pub page: Page,
}

/// `Product1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductView {
    pub id: String,
    pub name_en: String,
    pub name_nl: String,
    pub category: String,
    pub subcategory: String,
    pub folder_name: String,
    /// The monthly fee of a subscription, the one-time price of hardware.
    pub price_in_cents: i64,
    pub private_copying_levy_in_cents: i64,
}

fn product(catalogue: &super::catalogue::Catalogue, node: &CatalogueNode) -> ProductView {
    let price = if node.subscription {
        node.prices.monthly_fee_in_cents
    } else {
        node.prices.activation_fee_in_cents + node.prices.hardware_fee_in_cents
    };
    ProductView {
        id: node.id.clone(),
        name_en: node.name_en.clone(),
        name_nl: node.name_nl.clone(),
        category: node.category.clone(),
        subcategory: node.subcategory.clone(),
        folder_name: catalogue
            .parent(node)
            .map(|p| p.name_en.clone())
            .unwrap_or_default(),
        price_in_cents: price,
        private_copying_levy_in_cents: node.prices.private_copying_levy_in_cents,
    }
}

impl Platform {
    pub async fn kpn_main_products(
        &self,
        principal: &Principal,
        query: MainProductQuery,
    ) -> KpnResult<(Vec<ProductView>, i64)> {
        self.kpn_customer(principal, privileges::ORDERING).await?;
        let category = match query
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(text) => {
                let upper = text.to_ascii_uppercase().replace('_', " ");
                if !CATEGORIES.contains(&upper.as_str()) {
                    return Err(invalid(
                        "category",
                        format!("must be one of {}, got {text:?}", CATEGORIES.join(", ")),
                    ));
                }
                Some(upper)
            }
            None => None,
        };
        let filters = parse_filters(query.filters.as_deref(), FILTERS)?;
        let sort = parse_sort(query.sort_by.as_deref(), SORTS)?;
        let order = parse_order(query.order.as_deref())?;
        let patterns: Vec<String> = query
            .patterns
            .iter()
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
            .collect();
        let catalogue = self.kpn_catalogue().await?;
        let mut found: Vec<ProductView> = catalogue
            .nodes
            .iter()
            .filter(|node| node.main && !node.disabled)
            .filter(|node| match category.as_deref() {
                None => true,
                Some("SIM CARDS") => node.subcategory == "sim cards",
                Some(category) => node.category == category,
            })
            .map(|node| product(&catalogue, node))
            .filter(|p| {
                filters.columns.iter().all(|column| {
                    let text = match column.column {
                        "PRODUCT_NAME" => format!("{} {}", p.name_en, p.name_nl).to_lowercase(),
                        "PRICE_IN_CENTS" => p.price_in_cents.to_string(),
                        _ => p.private_copying_levy_in_cents.to_string(),
                    };
                    column.values.iter().any(|v| text.contains(v.as_str()))
                })
            })
            .filter(|p| {
                let text = format!("{} {}", p.name_en, p.name_nl).to_lowercase();
                patterns
                    .iter()
                    .all(|pattern| text.contains(pattern.as_str()))
            })
            .collect();
        match sort.as_deref() {
            Some("PRODUCT_NAME") => found.sort_by_key(|p| p.name_en.to_lowercase()),
            Some("CATEGORY") => found
                .sort_by(|a, b| (&a.category, &a.subcategory).cmp(&(&b.category, &b.subcategory))),
            Some("FOLDER_NAME") => found.sort_by(|a, b| a.folder_name.cmp(&b.folder_name)),
            Some("PRICE_IN_CENTS") => found.sort_by_key(|p| p.price_in_cents),
            Some("PRIVATE_COPYING_LEVY_IN_CENTS") => {
                found.sort_by_key(|p| p.private_copying_levy_in_cents)
            }
            _ => {}
        }
        if order == SortOrder::Desc {
            found.reverse();
        }
        let total = found.len() as i64;
        Ok((query.page.slice(&found), total))
    }

    /// `getAvailableCategoriesUsingGET`: the catalogue's product categories, lower case.
    pub async fn kpn_contracting_categories(
        &self,
        principal: &Principal,
    ) -> KpnResult<Vec<String>> {
        self.kpn_customer(principal, privileges::ORDERING).await?;
        let catalogue = self.kpn_catalogue().await?;
        let mut categories: Vec<String> = Vec::new();
        for node in &catalogue.nodes {
            let category = node.category.to_lowercase();
            if !categories.contains(&category) {
                categories.push(category);
            }
        }
        Ok(categories)
    }

    /// `getHardwareCategoriesUsingGET`: the hardware subcategories.
    pub async fn kpn_hardware_categories(&self, principal: &Principal) -> KpnResult<Vec<String>> {
        self.kpn_customer(principal, privileges::ORDERING).await?;
        let catalogue = self.kpn_catalogue().await?;
        let mut categories: Vec<String> = Vec::new();
        for node in catalogue.nodes.iter().filter(|n| n.hardware) {
            if !categories.contains(&node.subcategory) {
                categories.push(node.subcategory.clone());
            }
        }
        Ok(categories)
    }
}
