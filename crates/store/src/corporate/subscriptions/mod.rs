//! Mobile subscriptions and their add-ons.

mod json;
mod search;

pub(crate) use json::write_document_of_contract;
pub use json::{SubscriptionJson, subscription_json, write_missing_documents};
pub use search::{SubscriptionSearch, search, search_json};

use std::collections::HashMap;

use crate::db::Row;
use sentral_domain::corporate::{
    AccountId, MobileSubscription, PersonName, SubscriptionProduct, SubscriptionStatus,
    SubscriptionSummary, UserReference, UserReferences,
};
use sentral_domain::{Msisdn, Timestamp};

use crate::rows::{at, int, org, placeholders, take_opt_text, take_text, text};
use crate::{Connection, StoreError};

pub async fn insert_subscription(
    conn: &mut Connection,
    subscription: &MobileSubscription,
) -> Result<(), StoreError> {
    let user = subscription.user.as_ref();
    let references = &subscription.references;
    crate::db::query(
        "INSERT INTO mobile_subscriptions (msisdn, org_number, account_id, plan_id, status, \
         first_name, middle_name, last_name, reference1, reference2, reference3, iccid, \
         activated_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(subscription.msisdn.as_str())
    .bind(subscription.org_number.as_str())
    .bind(subscription.account_id.as_str())
    .bind(subscription.plan_id)
    .bind(subscription.status.as_str())
    .bind(user.map(|u| u.first_name.as_str()))
    .bind(user.and_then(|u| u.middle_name.as_deref()))
    .bind(user.map(|u| u.last_name.as_str()))
    .bind(references.reference1.as_ref().map(UserReference::as_str))
    .bind(references.reference2.as_ref().map(UserReference::as_str))
    .bind(references.reference3.as_ref().map(UserReference::as_str))
    .bind(&subscription.iccid)
    .bind(subscription.activated_at.millis())
    .bind(subscription.updated_at.millis())
    .execute(&mut *conn)
    .await
    .map_err(|e| e.conflict_as(format!("subscription {}", subscription.msisdn)))?;
    json::write_document(conn, subscription.msisdn.as_str()).await?;
    for product in &subscription.products {
        insert_product(
            conn,
            &subscription.msisdn,
            product,
            Some((
                subscription.org_number.as_str(),
                subscription.account_id.as_str(),
            )),
        )
        .await?;
    }
    Ok(())
}

fn reference(row: &Row, column: &'static str) -> Result<Option<UserReference>, StoreError> {
    row.opt_text(column)?
        .map(|value| UserReference::parse(column, value))
        .transpose()
        .map_err(Into::into)
}

fn status(row: &Row) -> Result<SubscriptionStatus, StoreError> {
    let status = row.text("status")?;
    SubscriptionStatus::parse(status)
        .ok_or_else(|| StoreError::Corrupt(format!("subscription status {status:?}")))
}

fn references(row: &Row) -> Result<UserReferences, StoreError> {
    Ok(UserReferences {
        reference1: reference(row, "reference1")?,
        reference2: reference(row, "reference2")?,
        reference3: reference(row, "reference3")?,
    })
}

/// The columns [`summary_from`] reads by name and `json::write_summary` by position.
const SUMMARY_COLUMNS: &str = "msisdn, account_id, org_number, status, plan_id, reference1, \
     reference2, reference3, updated_at";

fn summary_from(row: &Row) -> Result<SubscriptionSummary, StoreError> {
    Ok(SubscriptionSummary {
        msisdn: Msisdn::parse(row.text("msisdn")?)?,
        org_number: org(row, "org_number")?,
        account_id: AccountId::parse(row.text("account_id")?)?,
        plan_id: int(row, "plan_id")?,
        status: status(row)?,
        references: references(row)?,
        updated_at: at(row, "updated_at")?,
    })
}

/// The subscription of a row, its texts moved out of the row.
fn subscription_from(mut row: Row) -> Result<MobileSubscription, StoreError> {
    let names = (
        take_opt_text(&mut row, "first_name")?,
        take_opt_text(&mut row, "last_name")?,
    );
    let user = match names {
        (Some(first_name), Some(last_name)) => Some(PersonName {
            first_name,
            middle_name: take_opt_text(&mut row, "middle_name")?,
            last_name,
        }),
        _ => None,
    };
    Ok(MobileSubscription {
        msisdn: Msisdn::parse(row.text("msisdn")?)?,
        org_number: org(&row, "org_number")?,
        account_id: AccountId::parse(row.text("account_id")?)?,
        plan_id: int(&row, "plan_id")?,
        status: status(&row)?,
        user,
        references: references(&row)?,
        iccid: take_text(&mut row, "iccid")?,
        activated_at: at(&row, "activated_at")?,
        updated_at: at(&row, "updated_at")?,
        products: Vec::new(),
    })
}

/// Fills in the add-ons of `subscriptions` with one query.
async fn with_products(
    conn: &mut Connection,
    mut subscriptions: Vec<MobileSubscription>,
) -> Result<Vec<MobileSubscription>, StoreError> {
    if subscriptions.is_empty() {
        return Ok(subscriptions);
    }
    let sql = format!(
        "SELECT msisdn, product_id, added_at FROM subscription_products WHERE msisdn IN ({}) \
         ORDER BY product_id",
        placeholders(1, subscriptions.len())
    );
    // Only placeholders are interpolated; every value is bound.
    let mut query = crate::db::query(crate::db::AssertSqlSafe(sql));
    for subscription in &subscriptions {
        query = query.bind(subscription.msisdn.as_str().to_owned());
    }
    let mut by_msisdn: HashMap<String, Vec<SubscriptionProduct>> = HashMap::new();
    for row in query.fetch_all(conn).await? {
        by_msisdn
            .entry(text(&row, "msisdn")?)
            .or_default()
            .push(SubscriptionProduct {
                product_id: int(&row, "product_id")?,
                added_at: at(&row, "added_at")?,
            });
    }
    for subscription in &mut subscriptions {
        subscription.products = by_msisdn
            .remove(subscription.msisdn.as_str())
            .unwrap_or_default();
    }
    Ok(subscriptions)
}

pub async fn subscription(
    conn: &mut Connection,
    msisdn: &Msisdn,
) -> Result<Option<MobileSubscription>, StoreError> {
    let Some(row) = crate::db::query("SELECT * FROM mobile_subscriptions WHERE msisdn = $1")
        .bind(msisdn.as_str())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let found = subscription_from(row)?;
    Ok(with_products(conn, vec![found]).await?.pop())
}

pub async fn update_references(
    conn: &mut Connection,
    msisdn: &Msisdn,
    references: &UserReferences,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE mobile_subscriptions SET reference1 = $2, reference2 = $3, reference3 = $4, \
         updated_at = $5 WHERE msisdn = $1",
    )
    .bind(msisdn.as_str())
    .bind(references.reference1.as_ref().map(UserReference::as_str))
    .bind(references.reference2.as_ref().map(UserReference::as_str))
    .bind(references.reference3.as_ref().map(UserReference::as_str))
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    json::write_document(conn, msisdn.as_str()).await
}

pub async fn add_product(
    conn: &mut Connection,
    msisdn: &Msisdn,
    product: &SubscriptionProduct,
) -> Result<(), StoreError> {
    insert_product(conn, msisdn, product, None).await
}

/// Inserts an add-on with a copy of its subscription's organisation and account (`owner`, or
/// read from the subscription), which product searches and their counters read.
async fn insert_product(
    conn: &mut Connection,
    msisdn: &Msisdn,
    product: &SubscriptionProduct,
    owner: Option<(&str, &str)>,
) -> Result<(), StoreError> {
    let query = match owner {
        Some((org_number, account_id)) => crate::db::query(
            "INSERT INTO subscription_products (msisdn, product_id, added_at, org_number, \
             account_id) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(msisdn.as_str())
        .bind(product.product_id)
        .bind(product.added_at.millis())
        .bind(org_number)
        .bind(account_id),
        // An unknown number leaves the copies NULL, which the table refuses.
        None => crate::db::query(
            "INSERT INTO subscription_products (msisdn, product_id, added_at, org_number, \
             account_id) VALUES ($1, $2, $3, \
             (SELECT org_number FROM mobile_subscriptions WHERE msisdn = $1), \
             (SELECT account_id FROM mobile_subscriptions WHERE msisdn = $1))",
        )
        .bind(msisdn.as_str())
        .bind(product.product_id)
        .bind(product.added_at.millis()),
    };
    query
        .execute(conn)
        .await
        .map_err(|e| e.conflict_as(format!("product {} on {msisdn}", product.product_id)))?;
    Ok(())
}

pub async fn remove_product(
    conn: &mut Connection,
    msisdn: &Msisdn,
    product_id: i64,
) -> Result<bool, StoreError> {
    let done =
        crate::db::query("DELETE FROM subscription_products WHERE msisdn = $1 AND product_id = $2")
            .bind(msisdn.as_str())
            .bind(product_id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn touch(
    conn: &mut Connection,
    msisdn: &Msisdn,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query("UPDATE mobile_subscriptions SET updated_at = $2 WHERE msisdn = $1")
        .bind(msisdn.as_str())
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    json::write_document(conn, msisdn.as_str()).await
}
