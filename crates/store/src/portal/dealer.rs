//! The dealer ordering system: finding a business customer, what its customer page counts, and
//! the Connect products on its agreements.

use sentral_domain::{EntityId, Msisdn, OrgNumber, SystemUserName, Timestamp};

use crate::corporate::{Bind, Filter};
use crate::rows::{at, int, opt_text, org, text};
use crate::{Connection, StoreError};

/// *Søk bedriftskunde*: every given field must match. The subscription fields (IMEI, phone
/// number, first name, last name, birth date) must match one and the same subscription.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerSearch {
    pub imei: Option<String>,
    pub agreement_id: Option<String>,
    pub org_number: Option<OrgNumber>,
    pub account_id: Option<String>,
    pub msisdn: Option<Msisdn>,
    /// Compared without regard to case.
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// ISO `yyyy-mm-dd`.
    pub birth_date: Option<String>,
}

impl CustomerSearch {
    pub fn is_empty(&self) -> bool {
        *self == CustomerSearch::default()
    }
}

/// A customer found: the organisation and how many subscriptions it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerHit {
    pub org_number: OrgNumber,
    pub name: String,
    pub subscriptions: i64,
}

/// At most `limit` customers matching `search`, by name; none for an empty search.
pub async fn search_customers(
    conn: &mut Connection,
    search: &CustomerSearch,
    limit: i64,
) -> Result<Vec<CustomerHit>, StoreError> {
    if search.is_empty() {
        return Ok(Vec::new());
    }
    let mut filter = Filter::default();
    if let Some(number) = &search.org_number {
        let p = filter.bind(Bind::Text(number.as_str().to_owned()));
        filter.push(format!("o.org_number = {p}"));
    }
    if let Some(agreement) = &search.agreement_id {
        let p = filter.bind(Bind::Text(agreement.clone()));
        filter.push(format!(
            "o.org_number IN (SELECT org_number FROM agreements WHERE id = {p})"
        ));
    }
    if let Some(account) = &search.account_id {
        let p = filter.bind(Bind::Text(account.clone()));
        filter.push(format!(
            "o.org_number IN (SELECT owner_org FROM corporate_accounts WHERE id = {p})"
        ));
    }
    let mut on_subscription = Vec::new();
    if let Some(imei) = &search.imei {
        let p = filter.bind(Bind::Text(imei.clone()));
        on_subscription.push(format!("imei = {p}"));
    }
    if let Some(msisdn) = &search.msisdn {
        let p = filter.bind(Bind::Text(msisdn.as_str().to_owned()));
        on_subscription.push(format!("msisdn = {p}"));
    }
    if let Some(first) = &search.first_name {
        let p = filter.bind(Bind::Text(first.to_lowercase()));
        on_subscription.push(format!("LOWER(first_name) = {p}"));
    }
    if let Some(last) = &search.last_name {
        let p = filter.bind(Bind::Text(last.to_lowercase()));
        on_subscription.push(format!("LOWER(last_name) = {p}"));
    }
    if let Some(birth_date) = &search.birth_date {
        let p = filter.bind(Bind::Text(birth_date.clone()));
        on_subscription.push(format!("birth_date = {p}"));
    }
    if !on_subscription.is_empty() {
        filter.push(format!(
            "o.org_number IN (SELECT org_number FROM mobile_subscriptions WHERE {})",
            on_subscription.join(" AND ")
        ));
    }
    let rows = filter
        .select_page(
            conn,
            "o.org_number, o.name, (SELECT COUNT(*) FROM mobile_subscriptions s \
             WHERE s.org_number = o.org_number) AS subscriptions",
            "organizations o",
            "o.name, o.org_number",
            0,
            limit,
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(CustomerHit {
                org_number: org(row, "org_number")?,
                name: text(row, "name")?,
                subscriptions: int(row, "subscriptions")?,
            })
        })
        .collect()
}

/// A business customer's segment and the operator's account manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerProfile {
    pub org_number: OrgNumber,
    pub segment: String,
    pub account_manager_name: Option<String>,
    pub account_manager_email: Option<String>,
    pub account_manager_phone: Option<String>,
}

pub async fn upsert_customer_profile(
    conn: &mut Connection,
    profile: &CustomerProfile,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO customer_profiles (org_number, segment, account_manager_name, \
         account_manager_email, account_manager_phone) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (org_number) DO UPDATE SET segment = excluded.segment, \
         account_manager_name = excluded.account_manager_name, \
         account_manager_email = excluded.account_manager_email, \
         account_manager_phone = excluded.account_manager_phone",
    )
    .bind(profile.org_number.as_str())
    .bind(&profile.segment)
    .bind(profile.account_manager_name.as_deref())
    .bind(profile.account_manager_email.as_deref())
    .bind(profile.account_manager_phone.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn customer_profile(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Option<CustomerProfile>, StoreError> {
    let row = crate::db::query("SELECT * FROM customer_profiles WHERE org_number = $1")
        .bind(org_number.as_str())
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        Ok(CustomerProfile {
            org_number: org(&row, "org_number")?,
            segment: text(&row, "segment")?,
            account_manager_name: opt_text(&row, "account_manager_name")?,
            account_manager_email: opt_text(&row, "account_manager_email")?,
            account_manager_phone: opt_text(&row, "account_manager_phone")?,
        })
    })
    .transpose()
}

/// Prepaid or postpaid, as stored in `mobile_subscriptions.payment`.
pub const POSTPAID: &str = "POSTPAID";
pub const PREPAID: &str = "PREPAID";

/// What migration 0036 added to a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionDetails {
    pub imei: Option<String>,
    /// ISO `yyyy-mm-dd`.
    pub birth_date: Option<String>,
    /// The last day of the binding period (ISO), if bound.
    pub binding_until: Option<String>,
    /// [`POSTPAID`] or [`PREPAID`].
    pub payment: String,
    pub in_order: bool,
}

pub async fn set_subscription_details(
    conn: &mut Connection,
    msisdn: &Msisdn,
    details: &SubscriptionDetails,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE mobile_subscriptions SET imei = $2, birth_date = $3, binding_until = $4, \
         payment = $5, in_order = $6 WHERE msisdn = $1",
    )
    .bind(msisdn.as_str())
    .bind(details.imei.as_deref())
    .bind(details.birth_date.as_deref())
    .bind(details.binding_until.as_deref())
    .bind(&details.payment)
    .bind(i64::from(details.in_order))
    .execute(conn)
    .await?;
    Ok(())
}

/// The *Abonnement* box of the customer page; terminated subscriptions are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubscriptionCounts {
    pub total: i64,
    /// Bound until `today` or later.
    pub with_binding: i64,
    pub postpaid: i64,
    pub prepaid: i64,
    pub in_order: i64,
}

/// `today` is an ISO date (`yyyy-mm-dd`).
pub async fn subscription_counts(
    conn: &mut Connection,
    org_number: &OrgNumber,
    today: &str,
) -> Result<SubscriptionCounts, StoreError> {
    let row = crate::db::query(
        "SELECT COUNT(*) AS total, \
         CAST(COALESCE(SUM(CASE WHEN binding_until >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         AS with_binding, \
         CAST(COALESCE(SUM(CASE WHEN payment = $3 THEN 1 ELSE 0 END), 0) AS BIGINT) AS postpaid, \
         CAST(COALESCE(SUM(CASE WHEN payment = $4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS prepaid, \
         CAST(COALESCE(SUM(in_order), 0) AS BIGINT) AS in_order \
         FROM mobile_subscriptions WHERE org_number = $1 AND status <> 'TERMINATED'",
    )
    .bind(org_number.as_str())
    .bind(today)
    .bind(POSTPAID)
    .bind(PREPAID)
    .fetch_one(conn)
    .await?;
    Ok(SubscriptionCounts {
        total: int(&row, "total")?,
        with_binding: int(&row, "with_binding")?,
        postpaid: int(&row, "postpaid")?,
        prepaid: int(&row, "prepaid")?,
        in_order: int(&row, "in_order")?,
    })
}

/// A Connect product on an agreement (its *Tjenester*).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementService {
    pub product: String,
    pub partner_id: EntityId,
    pub connect_service_id: Option<EntityId>,
    pub added_at: Timestamp,
}

pub async fn agreement_services(
    conn: &mut Connection,
    agreement_id: &str,
) -> Result<Vec<AgreementService>, StoreError> {
    crate::db::query(
        "SELECT * FROM agreement_connect_products WHERE agreement_id = $1 ORDER BY product",
    )
    .bind(agreement_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(AgreementService {
            product: text(row, "product")?,
            partner_id: EntityId::new(text(row, "partner_id")?),
            connect_service_id: opt_text(row, "connect_service_id")?.map(EntityId::new),
            added_at: at(row, "added_at")?,
        })
    })
    .collect()
}

/// The system users a partner has on an agreement, oldest first.
pub async fn system_users_on_agreement(
    conn: &mut Connection,
    partner_id: &EntityId,
    agreement_id: &str,
) -> Result<Vec<SystemUserName>, StoreError> {
    crate::db::query(
        "SELECT username FROM system_users WHERE partner_id = $1 AND agreement_id = $2 \
         ORDER BY created_at, username",
    )
    .bind(partner_id.as_str())
    .bind(agreement_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| Ok(SystemUserName::parse(&text(row, "username")?)?))
    .collect()
}
