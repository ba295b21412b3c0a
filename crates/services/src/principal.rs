//! Who a token acts as, and what it may see.

use std::collections::BTreeSet;
use std::sync::Arc;

use sentral_domain::platform::{Application, SystemUser};
use sentral_domain::{ApiProduct, EntityId, OrgNumber, Timestamp};

use crate::AuthFailure;

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
    /// The organisations the principal may see, ordered by number.
    pub async fn visible_organizations(
        &self,
        principal: &Principal,
    ) -> Result<Vec<sentral_domain::platform::Organization>, crate::ServiceError> {
        let numbers: Vec<OrgNumber> = principal.visibility.companies.iter().cloned().collect();
        let mut conn = self.store.read().await?;
        Ok(sentral_store::platform::organizations_among(&mut conn, &numbers).await?)
    }
}
