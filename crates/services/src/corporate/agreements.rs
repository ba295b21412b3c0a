//! Agreements and the products ordered on them or available to order.

use sentral_domain::corporate::{AgreementProduct, ProductOffer, ProductScope};
use sentral_domain::platform::{Agreement, Organization};
use sentral_store::corporate::agreements as repo;
use sentral_store::platform as platform_repo;

use super::{ReachLists, organizations_named, sees_company};
use crate::{CorporateError, Platform, Principal, ServiceError};

#[derive(Debug, Clone)]
pub struct AgreementView {
    pub agreement: Agreement,
    pub owner: Organization,
}

#[derive(Debug, Clone)]
pub struct AgreementProducts {
    pub ordered: Vec<AgreementProduct>,
    pub available: Vec<&'static ProductOffer>,
}

impl Platform {
    /// The agreements of every organisation the caller may act for.
    pub async fn agreements(
        &self,
        principal: &Principal,
    ) -> Result<Vec<AgreementView>, ServiceError> {
        super::require_system_user(principal)?;
        let lists = ReachLists::of(principal);
        let mut conn = self.store.read().await?;
        let agreements = repo::agreements_of(&mut conn, lists.reach().companies).await?;
        let names =
            organizations_named(&mut conn, agreements.iter().map(|a| a.org_number.clone())).await?;
        Ok(agreements
            .into_iter()
            .map(|agreement| AgreementView {
                owner: names
                    .get(&agreement.org_number)
                    .cloned()
                    .unwrap_or(Organization {
                        org_number: agreement.org_number.clone(),
                        name: String::new(),
                        parent: None,
                    }),
                agreement,
            })
            .collect())
    }

    /// An agreement the caller sees: the id must be a number (400001) of a visible agreement
    /// (404001).
    pub(crate) async fn visible_agreement(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<Agreement, ServiceError> {
        let id = id.trim();
        if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CorporateError::InvalidAgreementId(id.to_owned()).into());
        }
        let mut conn = self.store.read().await?;
        match platform_repo::agreement(&mut conn, id).await? {
            Some(agreement) if sees_company(principal, &agreement.org_number) => Ok(agreement),
            _ => Err(CorporateError::AgreementNotFound(id.to_owned()).into()),
        }
    }

    pub async fn agreement_products(
        &self,
        principal: &Principal,
        agreement_id: &str,
    ) -> Result<AgreementProducts, ServiceError> {
        super::require_system_user(principal)?;
        let agreement = self.visible_agreement(principal, agreement_id).await?;
        self.complete_due_orders().await?;
        let mut conn = self.store.read().await?;
        Ok(AgreementProducts {
            ordered: repo::products_of(&mut conn, &agreement.id).await?,
            available: ProductOffer::in_scope(ProductScope::Agreement).collect(),
        })
    }
}
