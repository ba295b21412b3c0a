//! Who a token acts as, and what it may see.

use std::collections::BTreeSet;
use std::sync::Arc;

use sentral_domain::platform::{Application, SystemUser};
use sentral_domain::{ApiProduct, EntityId, OrgNumber, Timestamp};

use crate::AuthFailure;
use crate::cache::OrganizationLookup;

/// What a token may reach: companies (organisation numbers) and single accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visibility {
    pub companies: BTreeSet<OrgNumber>,
    pub accounts: BTreeSet<String>,
}

impl Visibility {
    pub fn sees_company(&self, org_number: &OrgNumber) -> bool {
        self.companies.contains(org_number)
    }
}

/// The end user an authorisation-code token acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndUser {
    pub member_id: EntityId,
    pub org_number: OrgNumber,
    pub name: String,
}

/// The authenticated caller of a resource API.
#[derive(Debug, Clone)]
pub struct Principal {
    pub app: Arc<Application>,
    pub client_id: String,
    /// The API products this token was issued for (a subset of the application's).
    pub scope: Vec<ApiProduct>,
    pub system_user: Option<Arc<SystemUser>>,
    pub end_user: Option<EndUser>,
    pub visibility: Arc<Visibility>,
    pub expires_at: Timestamp,
}

impl Principal {
    /// The one authorisation check for an API family: the application must hold the product
    /// (else 40103) and the token's scope must include it (else 40301).
    pub fn require(&self, product: ApiProduct) -> Result<(), AuthFailure> {
        if !self.app.holds(product) {
            return Err(AuthFailure::NoApiProduct {
                product: product.id(),
            });
        }
        if !self.scope.contains(&product) {
            return Err(AuthFailure::InvalidScope {
                product: product.id(),
            });
        }
        Ok(())
    }

    /// Requires one of several products (an API reachable through either).
    pub fn require_any(&self, products: &[ApiProduct]) -> Result<(), AuthFailure> {
        let mut first_failure = None;
        for &product in products {
            match self.require(product) {
                Ok(()) => return Ok(()),
                Err(failure) => {
                    first_failure.get_or_insert(failure);
                }
            }
        }
        Err(first_failure.unwrap_or(AuthFailure::InvalidToken))
    }

    /// A readable description for the audit log: the client and who it acts for.
    pub fn actor(&self) -> crate::platform::Actor {
        let on_behalf = match (&self.system_user, &self.end_user) {
            (Some(user), _) => format!(" as {}", user.username),
            (None, Some(end_user)) => format!(" as member {}", end_user.member_id),
            (None, None) => String::new(),
        };
        crate::platform::Actor(format!("client:{}{on_behalf}", self.client_id))
    }
}

impl crate::Platform {
    /// The organisations the principal may see, ordered by number. Served from the organisation
    /// cache (see `cache.rs` for its staleness bound) and read from the store on a miss.
    pub async fn visible_organizations(
        &self,
        principal: &Principal,
    ) -> Result<Vec<sentral_domain::platform::Organization>, crate::ServiceError> {
        let now = self.now();
        let recheck = i64::from(self.config.token_recheck_seconds) * 1000;
        let companies = &principal.visibility.companies;
        let generation = match self.organizations.lookup(companies, now, recheck) {
            OrganizationLookup::Hit(organizations) => return Ok(organizations),
            OrganizationLookup::Miss { generation } => generation,
        };
        let numbers: Vec<OrgNumber> = companies.iter().cloned().collect();
        let mut conn = self.store.read().await?;
        let organizations =
            sentral_store::platform::organizations_among(&mut conn, &numbers).await?;
        self.organizations
            .put(generation, &numbers, &organizations, now);
        Ok(organizations)
    }
}

#[cfg(test)]
mod tests {
    use sentral_store::Store;

    use crate::{Platform, demo};

    async fn rename_in_store(store: &Store, org_number: &str, name: &str) {
        let mut conn = store.read().await.unwrap();
        sentral_store::db::query("UPDATE organizations SET name = $1 WHERE org_number = $2")
            .bind(name)
            .bind(org_number)
            .execute(&mut conn)
            .await
            .unwrap();
    }

    async fn names(platform: &Platform, principal: &crate::Principal) -> Vec<String> {
        let organizations = platform.visible_organizations(principal).await.unwrap();
        organizations.into_iter().map(|org| org.name).collect()
    }

    /// A change that bypasses this node (another node, or SQL) shows within the recheck bound,
    /// measured by the platform's clock; a local reset shows at once.
    #[tokio::test]
    async fn organisations_are_cached_with_a_bounded_staleness_and_invalidated_by_reset() {
        let crate::test_world::TestWorld {
            store,
            platform,
            principal,
            recheck_seconds: recheck,
            ..
        } = crate::test_world::TestWorld::demo().await;
        let demo_names = vec![demo::CUSTOMER_NAME, demo::SUBSIDIARY_NAME];
        assert_eq!(names(&platform, &principal).await, demo_names);

        rename_in_store(&store, demo::CUSTOMER_ORG, "Renamed Elsewhere AS").await;
        assert_eq!(names(&platform, &principal).await, demo_names, "cached");
        platform.advance_clock(recheck).await.unwrap();
        assert_eq!(
            names(&platform, &principal).await,
            vec!["Renamed Elsewhere AS", demo::SUBSIDIARY_NAME],
            "re-read once the recheck bound has passed"
        );

        platform.reset_sandbox().await.unwrap();
        assert_eq!(
            names(&platform, &principal).await,
            demo_names,
            "reset invalidates"
        );
    }
}
