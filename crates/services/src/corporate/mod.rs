//! Use cases of the corporate Info/Order APIs: address cards, accounts, agreements and their
//! products, mobile subscriptions, and orders that complete by the clock.

pub mod accounts;
pub mod agreements;
pub mod demo;
pub mod orders;
pub mod scale;
pub mod subscriptions;

use std::sync::atomic::{AtomicI64, Ordering};

use sentral_domain::OrgNumber;
use sentral_domain::platform::Organization;
use sentral_store::corporate::Reach;
use sentral_store::platform as repo;
use sentral_store::{Connection, JsonPage};

use crate::{Principal, ServiceError};

/// How long the operator takes for asynchronous changes, in (injected-clock) seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorporateTimings {
    /// A new account is PASSIVE and unlisted for this long, then OPEN ("expect a minute").
    pub account_activation_seconds: u32,
    /// REMOVE_PRODUCT on a subscription completes after this long.
    pub product_removal_seconds: u32,
    /// ADD_PRODUCT on a subscription completes after this long.
    pub product_addition_seconds: u32,
    /// Orders on agreements complete after this long.
    pub agreement_order_seconds: u32,
}

impl Default for CorporateTimings {
    fn default() -> Self {
        Self {
            account_activation_seconds: 60,
            product_removal_seconds: 5,
            product_addition_seconds: 60,
            agreement_order_seconds: 120,
        }
    }
}

/// The earliest due time of an order in progress that this node knows of (epoch millis);
/// `i64::MIN` means "unknown: look in the store". Reads that depend on orders complete the due
/// ones first, so a completed order and its effect are visible together.
pub(crate) struct DueOrders(AtomicI64);

impl Default for DueOrders {
    fn default() -> Self {
        Self(AtomicI64::new(i64::MIN))
    }
}

impl DueOrders {
    pub fn is_due(&self, now_millis: i64) -> bool {
        self.0.load(Ordering::Acquire) <= now_millis
    }

    pub fn note_due(&self, due_millis: i64) {
        self.0.fetch_min(due_millis, Ordering::AcqRel);
    }

    pub fn set(&self, due_millis: i64) {
        self.0.store(due_millis, Ordering::Release);
    }

    pub fn forget(&self) {
        self.0.store(i64::MIN, Ordering::Release);
    }
}

/// The corporate APIs act for a system user ("access is limited to the system user used"):
/// client-credentials and end-user tokens are refused with 40101.
pub(crate) fn require_system_user(principal: &Principal) -> Result<(), ServiceError> {
    match principal.system_user {
        Some(_) => Ok(()),
        None => Err(crate::AuthFailure::SystemUserRequired.into()),
    }
}

/// The caller's reach as store filter lists.
pub(crate) struct ReachLists {
    companies: Vec<String>,
    accounts: Vec<String>,
}

impl ReachLists {
    pub fn of(principal: &Principal) -> Self {
        let visibility = &principal.visibility;
        Self {
            companies: visibility
                .companies
                .iter()
                .map(|org| org.as_str().to_owned())
                .collect(),
            accounts: visibility.accounts.iter().cloned().collect(),
        }
    }

    pub fn reach(&self) -> Reach<'_> {
        Reach {
            companies: &self.companies,
            accounts: &self.accounts,
        }
    }
}

/// Whether the principal sees `org_number` (a company granted and reached).
pub(crate) fn sees_company(principal: &Principal, org_number: &OrgNumber) -> bool {
    principal.visibility.sees_company(org_number)
}

/// Whether the principal sees things of `org_number` on `account_id`.
pub(crate) fn sees(principal: &Principal, org_number: &OrgNumber, account_id: &str) -> bool {
    sees_company(principal, org_number) || principal.visibility.accounts.contains(account_id)
}

/// The organisations among `numbers`, for names in responses.
pub(crate) async fn organizations_named(
    conn: &mut Connection,
    numbers: impl IntoIterator<Item = OrgNumber>,
) -> Result<std::collections::BTreeMap<OrgNumber, Organization>, ServiceError> {
    let mut wanted: Vec<OrgNumber> = numbers.into_iter().collect();
    wanted.sort();
    wanted.dedup();
    Ok(repo::organizations_among(conn, &wanted)
        .await?
        .into_iter()
        .map(|organization| (organization.org_number.clone(), organization))
        .collect())
}

/// A page request: `page` from 0, `page_size` 1–1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub page_size: u32,
}

impl PageRequest {
    pub const MAX_PAGE_SIZE: u32 = 1000;

    pub fn new(
        page: Option<i64>,
        page_size: Option<i64>,
        default_size: u32,
    ) -> Result<Self, ServiceError> {
        let page = page.unwrap_or(0);
        if !(0..=i64::from(u32::MAX / 2)).contains(&page) {
            return Err(ServiceError::invalid("page", "must be a number from 0"));
        }
        let page_size = page_size.unwrap_or(i64::from(default_size));
        if !(1..=i64::from(Self::MAX_PAGE_SIZE)).contains(&page_size) {
            return Err(ServiceError::invalid(
                "pageSize",
                "must be a number from 1 to 1000",
            ));
        }
        Ok(Self {
            page: page as u32,
            page_size: page_size as u32,
        })
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page) * i64::from(self.page_size)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.page_size)
    }

    /// How many pages of this size `total` entries fill.
    pub fn pages_for(&self, total: i64) -> i64 {
        let size = i64::from(self.page_size);
        (total + size - 1) / size
    }
}

/// One page of results and how many there are in all.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub request: PageRequest,
    pub total: i64,
}

impl<T> Paged<T> {
    pub fn total_pages(&self) -> i64 {
        self.request.pages_for(self.total)
    }
}

/// One page whose entries the store wrote as JSON (the API's objects), and how many there are.
#[derive(Debug, Clone)]
pub struct JsonPaged {
    pub content: JsonPage,
    pub request: PageRequest,
    pub total: i64,
}

impl JsonPaged {
    pub fn total_pages(&self) -> i64 {
        self.request.pages_for(self.total)
    }
}
