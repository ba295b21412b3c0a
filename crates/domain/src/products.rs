//! The API products an application can hold. A token reaches an API family only if its
//! application holds the family's product.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ApiProduct {
    MobileSubscriptionInfo,
    MobileSubscriptionOrder,
    MbnCatalog,
    MbnUser,
    MbnQueue,
    MbnStatusPush,
    KpnMsm,
}

impl ApiProduct {
    pub const ALL: [ApiProduct; 7] = [
        ApiProduct::MobileSubscriptionInfo,
        ApiProduct::MobileSubscriptionOrder,
        ApiProduct::MbnCatalog,
        ApiProduct::MbnUser,
        ApiProduct::MbnQueue,
        ApiProduct::MbnStatusPush,
        ApiProduct::KpnMsm,
    ];

    pub const fn id(self) -> &'static str {
        match self {
            ApiProduct::MobileSubscriptionInfo => "mobile-subscription-info",
            ApiProduct::MobileSubscriptionOrder => "mobile-subscription-order",
            ApiProduct::MbnCatalog => "mbn-catalog",
            ApiProduct::MbnUser => "mbn-user",
            ApiProduct::MbnQueue => "mbn-queue",
            ApiProduct::MbnStatusPush => "mbn-status-push",
            ApiProduct::KpnMsm => "kpn-msm",
        }
    }

    /// Production price per month and establishment price, in NOK, shown on the verification page.
    pub const fn production_prices_nok(self) -> (u32, u32) {
        match self {
            ApiProduct::MobileSubscriptionInfo | ApiProduct::MobileSubscriptionOrder => {
                (2_000, 10_000)
            }
            ApiProduct::MbnCatalog | ApiProduct::MbnUser => (3_000, 10_000),
            ApiProduct::MbnQueue | ApiProduct::MbnStatusPush => (6_000, 20_000),
            ApiProduct::KpnMsm => (4_000, 15_000),
        }
    }

    pub fn ids() -> Vec<&'static str> {
        Self::ALL.iter().map(|product| product.id()).collect()
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|product| product.id() == text)
            .ok_or_else(|| DomainError::UnknownApiProduct(text.to_owned()))
    }

    /// Parses a comma- or space-separated list; an empty list is an error.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, DomainError> {
        let mut products = text
            .split([',', ' '])
            .filter(|part| !part.is_empty())
            .map(Self::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if products.is_empty() {
            return Err(DomainError::Empty {
                field: "API products",
            });
        }
        products.sort();
        products.dedup();
        Ok(products)
    }

    pub fn join(products: &[ApiProduct], separator: &str) -> String {
        products
            .iter()
            .map(|product| product.id())
            .collect::<Vec<_>>()
            .join(separator)
    }
}

impl fmt::Display for ApiProduct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_product_parses_from_its_id() {
        for product in ApiProduct::ALL {
            assert_eq!(ApiProduct::parse(product.id()), Ok(product));
        }
        assert!(ApiProduct::parse("mbn-everything").is_err());
    }

    #[test]
    fn lists_are_sorted_and_deduplicated() {
        let products = ApiProduct::parse_list("mbn-user, kpn-msm mbn-user").unwrap();
        assert_eq!(products, vec![ApiProduct::MbnUser, ApiProduct::KpnMsm]);
        assert!(ApiProduct::parse_list(" , ").is_err());
    }
}
