//! The KPN Mobile Service Management use cases over the shared domain: who the caller acts for
//! (the application's bound customer), the privileges an operation needs (KPN.md decision 7),
//! the hierarchy's rules, and orders placed on the shared order engine.

pub mod addresses;
pub mod basket;
pub mod contract_orders;
pub mod contracting_orders;
pub mod contracts;
pub mod demo;
mod demo_orders;
pub(crate) mod engine;
pub mod finances;
pub mod fixed_mobile;
pub mod hardware;
pub mod hierarchy;
mod query;
mod rules;
pub mod scale;
pub mod shared;
pub mod subscribers;
pub mod thresholds;
pub mod track;
mod tree;
pub mod users;
pub mod voicemail;

use sentral_domain::kpn::{HierarchyItem, Privilege};
use sentral_domain::platform::Organization;
use sentral_domain::{OrgNumber, Timestamp};
use sentral_store::kpn::customers::{self as customer_repo, KpnCustomer};
use thiserror::Error;

use crate::{Platform, Principal, ServiceError};
pub use tree::Tree;

/// A rule of the KPN API with its own error name (`ErrorResponse.name`); the message names
/// the field or value at fault.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KpnFailure {
    #[error("{0}")]
    ItemNotFound(String),
    #[error("{0}")]
    ContractNotFound(String),
    #[error("{0}")]
    OrderNotFound(String),
    #[error("{0}")]
    OperationNotPossible(String),
    #[error("{0}")]
    WrongGroupType(String),
    #[error("{0}")]
    RequireDebtorInPath(String),
    #[error("{0}")]
    OnlySingleTypeAllowedInPath(String),
    #[error("{0}")]
    ValueNotUnique(String),
    #[error("{0}")]
    RemovingBlocked(String),
    #[error("{0}")]
    OrderingBlocked(String),
    #[error("{0}")]
    ForbiddenForUser(String),
    /// The basket is not complete or its tree is in error (the node is named).
    #[error("{0}")]
    BasketInvalid(String),
    /// A basket session, template, address or other context object that is not there.
    #[error("{0}")]
    ContextObjectNotFound(String),
    #[error("{0}")]
    InvalidWishDate(String),
    #[error("{0}")]
    InvalidCustomerName(String),
    #[error("{0}")]
    InvalidCustomerNumber(String),
    #[error("{0}")]
    InvalidNote(String),
    #[error("{0}")]
    InvalidMsisdnAlreadyExistsForACustomer(String),
    #[error("{0}")]
    InvalidMsisdnIsBlocked(String),
    #[error("{0}")]
    InvalidMsisdnFormatNotValid(String),
    #[error("{0}")]
    InvalidMsisdnLengthForThisProduct(String),
    #[error("{0}")]
    InvalidMsisdnForCustomerOffer(String),
    #[error("{0}")]
    InvalidProductConfiguration(String),
    #[error("{0}")]
    DebtorNotFound(String),
    // Part 3: users, thresholds, finances, business voicemail.
    #[error("{0}")]
    GripEntityNotFound(String),
    #[error("{0}")]
    MobileOrFixedNumberIsRequired(String),
    #[error("{0}")]
    RoleNotFound(String),
    #[error("{0}")]
    SubscriberIsAlreadyUser(String),
    #[error("{0}")]
    OperationBlocked(String),
    #[error("{0}")]
    InvoiceNotFound(String),
    #[error("{0}")]
    ThresholdNotFound(String),
    #[error("{0}")]
    TypeChangeNotAllowed(String),
    #[error("{0}")]
    ContractsAlreadyAssignedToGivenType(String),
    #[error("{0}")]
    NotValidProductForGivenThreshold(String),
    #[error("{0}")]
    InvalidBvmFile(String),
    #[error("{0}")]
    KggNumbersNotEqual(String),
    /// Beyond 2 000 rows (413 when the file itself is beyond 128 KB).
    #[error("{0}")]
    MaximumAmountOfRowsExceeded(String),
    #[error("{0}")]
    MissingHeaderInFile(String),
    #[error("{0}")]
    PhoneNumbersNotUnique(String),
    #[error("{0}")]
    RecordsNotValidInFile(String),
    #[error("{0}")]
    SubscriptionsNotFound(String),
    #[error("{0}")]
    WrongColumnSeparator(String),
    /// The subscriptions file is beyond 128 KB: 413.
    #[error("{0}")]
    FileTooLarge(String),
}

#[derive(Debug, Error)]
pub enum KpnError {
    #[error("{0}")]
    Rule(#[from] KpnFailure),
    #[error("{0}")]
    Service(#[from] ServiceError),
}

impl From<sentral_store::StoreError> for KpnError {
    fn from(error: sentral_store::StoreError) -> Self {
        KpnError::Service(error.into())
    }
}

impl From<crate::AuthFailure> for KpnError {
    fn from(error: crate::AuthFailure) -> Self {
        KpnError::Service(error.into())
    }
}

pub type KpnResult<T> = Result<T, KpnError>;

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> KpnError {
    KpnError::Service(ServiceError::invalid(field, message))
}

pub(crate) fn item_not_found(id: i64) -> KpnError {
    KpnFailure::ItemNotFound(format!(
        "hierarchy item {id} does not exist or is not visible to you"
    ))
    .into()
}

/// The privilege sets the spec names per operation ("one of").
pub mod privileges {
    use sentral_domain::kpn::Privilege::{self, *};

    pub const HIERARCHY_VIEW: &[Privilege] = &[
        UnauthorizedOrdersCreation,
        OrdersAuthorization,
        VirtualHierarchyView,
        VirtualHierarchyManagement,
        BulkUploadDataOfEndUser,
    ];
    pub const HIERARCHY_MANAGE: &[Privilege] = &[
        UnauthorizedOrdersCreation,
        OrdersAuthorization,
        VirtualHierarchyManagement,
        BulkUploadDataOfEndUser,
    ];
    pub const CONTRACT_VIEW: &[Privilege] = &[
        UnauthorizedOrdersCreation,
        OrdersAuthorization,
        VirtualHierarchyView,
        VirtualHierarchyManagement,
    ];
    pub const ORDERING: &[Privilege] = &[UnauthorizedOrdersCreation, OrdersAuthorization];
    pub const TRACK_AND_TRACE: &[Privilege] = &[OrdersTrackAndTrace, OrdersAuthorization];
    /// Invoices (`getInvoicesUsingGET`, `downloadInvoiceUsingGET`).
    pub const FINANCES: &[Privilege] = &[FinancialDocumentsView];
    /// Threshold reads, assign and unassign.
    pub const THRESHOLD_USE: &[Privilege] = &[
        ThresholdManagement,
        OrdersAuthorization,
        UnauthorizedOrdersCreation,
    ];
    /// Threshold create, details, update and remove.
    pub const THRESHOLD_MANAGE: &[Privilege] = &[ThresholdManagement];
    /// The portal users' operations (GRIP identities, user roles, managed groups).
    pub const USERS: &[Privilege] = HIERARCHY_MANAGE;
    /// None: the roles list and a role's privileges need no privilege.
    pub const NONE: &[Privilege] = &[];
}

/// The customer a KPN caller acts for.
#[derive(Debug, Clone)]
pub struct Customer {
    pub org_number: OrgNumber,
    pub name: String,
    pub settings: KpnCustomer,
    /// The application's name, shown as who ordered.
    pub ordered_by: String,
    /// The portal user the application acts for, whose managed groups bound what it sees and
    /// orders (None: it acts for the customer as a whole).
    pub scope: Option<Scope>,
    /// The privileges the caller's token holds (None: every one): the application's, or those
    /// of the portal user it acts for.
    pub privileges: Option<Vec<String>>,
}

/// What a token acting for a portal user is held to: the groups it manages, each with
/// everything below it.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The portal user (a subscriber).
    pub user_id: i64,
    pub managed_groups: Vec<i64>,
}

impl Customer {
    /// Whether the caller sees `item` (a group, subscriber or the customer): always, unless it
    /// acts for a portal user, who sees what lies in its managed groups.
    pub(crate) fn sees(&self, tree: &Tree, item: &HierarchyItem) -> bool {
        match &self.scope {
            None => true,
            Some(scope) => tree.lies_in(item, &scope.managed_groups),
        }
    }

    /// The groups the caller sees, each with everything below it (None: all of them).
    pub(crate) fn visible_groups(&self, tree: &Tree) -> Option<Vec<i64>> {
        self.scope
            .as_ref()
            .map(|scope| tree.groups_within(&scope.managed_groups))
    }
}

/// Seconds an order takes on the sandbox clock (KPN.md decision 1).
pub const SUBSCRIBER_ORDER_SECONDS: i64 = 2;
pub const SIM_ORDER_SECONDS: i64 = 5;

impl Platform {
    /// The caller's customer, once its token holds one of `needs` (else 403 FORBIDDEN_FOR_USER).
    /// Completes due orders first, so every read sees them.
    pub async fn kpn_customer(
        &self,
        principal: &Principal,
        needs: &[Privilege],
    ) -> KpnResult<Customer> {
        let org_number = principal
            .app
            .kpn_customer
            .clone()
            .filter(|org| principal.visibility.sees_company(org))
            .ok_or_else(|| {
                KpnFailure::ForbiddenForUser(format!(
                    "application {} is bound to no KPN customer",
                    principal.app.name
                ))
            })?;
        self.complete_due_orders().await?;
        let mut conn = self.store.read().await?;
        let held = customer_repo::privileges(&mut conn, principal.app.id.as_str()).await?;
        let (held, scope) =
            users::acting_for(&mut conn, principal.app.id.as_str(), &org_number, held).await?;
        if let Some(held) = &held
            && !needs.is_empty()
            && !needs
                .iter()
                .any(|need| held.iter().any(|h| h == need.as_str()))
        {
            let names: Vec<&str> = needs.iter().map(|p| p.as_str()).collect();
            return Err(KpnFailure::ForbiddenForUser(format!(
                "this operation needs one of the privileges {}",
                names.join(", ")
            ))
            .into());
        }
        let settings = customer_repo::customer(&mut conn, &org_number).await?;
        let organization = sentral_store::platform::organization(&mut conn, &org_number).await?;
        let unlinked = settings.as_ref().is_some_and(|s| s.links_stale);
        drop(conn);
        let organization = organization
            .ok_or_else(|| ServiceError::not_found(format!("organisation {org_number}")))?;
        let settings = match settings {
            Some(settings) => settings,
            None => self.open_kpn_customer(&organization, false).await?,
        };
        if unlinked {
            self.link_later_members(&organization, settings.item_id)
                .await?;
        }
        Ok(Customer {
            org_number,
            name: organization.name,
            settings,
            ordered_by: principal.app.name.clone(),
            scope,
            privileges: held,
        })
    }

    /// Makes an organisation a KPN customer: its CUSTOMER item and settings, and the tree of its
    /// members and subscriptions when it has them (idempotent).
    pub async fn open_kpn_customer(
        &self,
        organization: &Organization,
        order_frozen: bool,
    ) -> KpnResult<KpnCustomer> {
        let mut tx = self.store.write().await?;
        if let Some(existing) = customer_repo::customer(&mut tx, &organization.org_number).await? {
            return Ok(existing);
        }
        let item_id = next_item_id(&mut tx).await?;
        let item = sentral_domain::kpn::HierarchyItem {
            id: item_id,
            kind: sentral_domain::kpn::ItemKind::Customer,
            parent_id: None,
            name: organization.name.clone(),
            cost_center_number: None,
            subscriber: None,
        };
        let now = self.now();
        sentral_store::kpn::items::insert_item(&mut tx, &organization.org_number, &item, None, now)
            .await?;
        let settings = KpnCustomer {
            org_number: organization.org_number.clone(),
            item_id,
            order_frozen,
            krn_number: None,
            ckr_number: None,
            billing_retention_period: "6".into(),
            // Linked below, in the same transaction.
            links_stale: false,
        };
        customer_repo::insert_customer(&mut tx, &settings).await?;
        shared::link_shared_domain(
            &mut tx,
            &organization.org_number,
            &organization.name,
            item_id,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(settings)
    }

    /// Links the members and subscriptions the organisation got since its KPN tree was made
    /// (on the MBN or Telenor side) — lazily, when the KPN side reads the customer, so every way
    /// they are made is covered without the other dialects knowing KPN. Two requests racing to
    /// link the same member: the loser's conflict is dropped, the winner's links stand.
    async fn link_later_members(&self, organization: &Organization, root: i64) -> KpnResult<()> {
        let mut tx = self.store.write().await?;
        customer_repo::clear_links_stale(&mut tx, &organization.org_number).await?;
        let linked = shared::link_shared_domain(
            &mut tx,
            &organization.org_number,
            &organization.name,
            root,
            self.now(),
        )
        .await;
        match linked {
            Ok(()) => {
                tx.commit().await?;
                Ok(())
            }
            Err(KpnError::Service(ServiceError::Conflict { .. })) => Ok(()),
            Err(other) => Err(other),
        }
    }

    /// Makes a KPN application's tokens act for portal user `subscriber_id` (its roles'
    /// privileges, its managed groups), or for the customer as a whole (`None`).
    pub async fn set_kpn_acting_user(
        &self,
        app_id: &str,
        subscriber_id: Option<i64>,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.write().await?;
        sentral_store::kpn::users::set_acting_user(&mut tx, app_id, subscriber_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Limits a KPN application's tokens to `privileges` (by default it has them all).
    pub async fn set_kpn_privileges(
        &self,
        app_id: &str,
        privileges: &[Privilege],
    ) -> Result<(), ServiceError> {
        let names: Vec<String> = privileges.iter().map(|p| p.as_str().to_owned()).collect();
        let mut tx = self.store.write().await?;
        customer_repo::set_privileges(&mut tx, app_id, &names).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The first id of the hierarchy's shared id space.
pub(crate) const FIRST_ITEM_ID: i64 = 1_000_001;
/// The first contract id.
pub(crate) const FIRST_CONTRACT_ID: i64 = 5_000_001;

pub(crate) async fn next_item_id(conn: &mut sentral_store::Connection) -> KpnResult<i64> {
    Ok(sentral_store::corporate::next_number(conn, "kpn-item", FIRST_ITEM_ID).await?)
}

pub(crate) async fn next_contract_id(conn: &mut sentral_store::Connection) -> KpnResult<i64> {
    Ok(sentral_store::corporate::next_number(conn, "kpn-contract", FIRST_CONTRACT_ID).await?)
}

/// `OrderSummary`: what every KPN write answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    pub id: i64,
    pub operation: String,
    pub status: String,
    pub reference_number: String,
    pub context_name: String,
    pub creation_date: Timestamp,
}

/// Checks the caller's `referenceNumber` (≤ 25 characters).
pub(crate) fn reference_number(given: Option<&str>) -> KpnResult<Option<String>> {
    match given.map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) if text.chars().count() > 25 => Err(invalid(
            "referenceNumber",
            format!("is at most 25 characters, got {}", text.chars().count()),
        )),
        // A control character (a NUL would not even store on PostgreSQL) is refused.
        Some(text) if text.chars().any(char::is_control) => {
            Err(invalid("referenceNumber", "holds a control character"))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// The wish date of an order: RFC 3339 or a plain date; in the past means now; more than 90
/// days ahead is a 400 naming `wishDate`.
pub(crate) fn wish_date(given: Option<&str>, now: Timestamp) -> KpnResult<Timestamp> {
    wish_date_of("wishDate", given, now, |_| {
        invalid("wishDate", "is at most 90 days ahead")
    })
}

/// As [`wish_date`] for the contracting operations (a basket's order, a port-in's data), whose
/// spec names a date more than 90 days ahead `INVALID_WISH_DATE`.
pub(crate) fn contracting_wish_date(
    field: &str,
    given: Option<&str>,
    now: Timestamp,
) -> KpnResult<Timestamp> {
    wish_date_of(field, given, now, |text| {
        KpnFailure::InvalidWishDate(format!("{field} {text} is more than 90 days ahead")).into()
    })
}

fn wish_date_of(
    field: &str,
    given: Option<&str>,
    now: Timestamp,
    too_late: impl FnOnce(&str) -> KpnError,
) -> KpnResult<Timestamp> {
    let Some(text) = given.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(now);
    };
    let parsed = Timestamp::parse_rfc3339(text)
        .or_else(|| Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")))
        .ok_or_else(|| {
            invalid(
                field,
                format!("{text:?} is not a date-time such as 2025-03-01T09:00:00Z"),
            )
        })?;
    if parsed.millis() > now.plus_seconds(90 * 24 * 3600).millis() {
        return Err(too_late(text));
    }
    Ok(if parsed < now { now } else { parsed })
}
