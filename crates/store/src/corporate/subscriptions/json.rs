//! Subscriptions written as the API's JSON straight from the database's rows (borrowed values,
//! no row, domain value or `String` per value built): byte for byte what the Telenor dialect's
//! serde structs `SubscriptionSummaryBody` and `SubscriptionBody` write for the same rows, which
//! the API's tests hold them to on both backends.

use std::sync::LazyLock;

use sentral_domain::corporate::{AccountId, ProductOffer, SubscriptionStatus};
use sentral_domain::{Msisdn, OrgNumber, Timestamp};

use super::SUMMARY_COLUMNS;
use crate::db::Columns;
use crate::json_sql::{json_text, write_field, write_nullable};
use crate::{Connection, StoreError};

/// A subscription row of [`SUMMARY_COLUMNS`] as the API's `SubscriptionSummaryBody`, without
/// its closing brace (the whole subscription goes on after it).
fn write_summary_fields(out: &mut Vec<u8>, row: &dyn Columns) -> Result<(), StoreError> {
    let msisdn = Msisdn::parse(row.text(0)?)?;
    write_field(out, b"{\"msisdn\":", msisdn.as_str());
    write_field(out, b",\"accountId\":", row.text(1)?);
    write_field(out, b",\"organizationNumber\":", row.text(2)?);
    let status = row.text(3)?;
    let status = SubscriptionStatus::parse(status)
        .ok_or_else(|| StoreError::Corrupt(format!("subscription status {status:?}")))?;
    write_field(out, b",\"status\":", status.as_str());
    let plan = ProductOffer::find(row.int(4)?);
    write_field(
        out,
        b",\"subscriptionType\":",
        plan.map_or("", |offer| offer.name),
    );
    write_nullable(out, b",\"userReference1\":", row.opt_text(5)?);
    write_nullable(out, b",\"userReference2\":", row.opt_text(6)?);
    write_nullable(out, b",\"userReference3\":", row.opt_text(7)?);
    let updated_at = Timestamp::from_millis(row.int(8)?).rfc3339();
    write_field(out, b",\"updatedAt\":", updated_at.as_str());
    Ok(())
}

/// A subscription row of [`SUMMARY_COLUMNS`] as the API's `SubscriptionSummaryBody`.
pub(super) fn write_summary(out: &mut Vec<u8>, row: &dyn Columns) -> Result<(), StoreError> {
    write_summary_fields(out, row)?;
    out.push(b'}');
    Ok(())
}

/// A subscription written as the API's JSON (`SubscriptionBody`), and its owners, which decide
/// who may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionJson {
    pub org_number: OrgNumber,
    pub account_id: AccountId,
    pub json: String,
}

/// `super::subscription` as the API's JSON: one query, the subscription's row once per add-on
/// (in product order, through the add-ons' primary key), or once with no product when it has
/// none.
pub async fn subscription_json(
    conn: &mut Connection,
    msisdn: &Msisdn,
) -> Result<Option<SubscriptionJson>, StoreError> {
    // Columns 0–8 are SUMMARY_COLUMNS (qualified), then the rest of the subscription's.
    static SQL: LazyLock<String> = LazyLock::new(|| {
        let summary = SUMMARY_COLUMNS
            .split(", ")
            .map(|column| format!("s.{column}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "SELECT {summary}, s.first_name, s.middle_name, s.last_name, s.iccid, \
             s.activated_at, p.product_id, p.added_at FROM mobile_subscriptions s \
             LEFT JOIN subscription_products p ON p.msisdn = s.msisdn WHERE s.msisdn = $1 \
             ORDER BY p.product_id"
        )
    });
    let mut json = Vec::new();
    let mut owners = None;
    let mut activated_at = 0;
    // A constant query text; the number is bound.
    crate::db::query(SQL.as_str())
        .bind(msisdn.as_str())
        .for_each_row(conn, &mut |row| {
            if owners.is_none() {
                json.reserve(1024);
                write_head(&mut json, row)?;
                owners = Some((OrgNumber::parse(row.text(2)?)?, row.text(1)?.to_owned()));
                activated_at = row.int(13)?;
            } else {
                json.push(b',');
            }
            write_product(&mut json, row)
        })
        .await?;
    let Some((org_number, account_id)) = owners else {
        return Ok(None);
    };
    json.extend_from_slice(b"],\"activatedAt\":");
    sentral_json::write_str(
        &mut json,
        Timestamp::from_millis(activated_at).rfc3339().as_str(),
    );
    json.push(b'}');
    Ok(Some(SubscriptionJson {
        org_number,
        account_id: AccountId::parse(&account_id)?,
        json: json_text(json)?,
    }))
}

/// The subscription's fields before its add-ons, up to and including `"products":[`.
fn write_head(out: &mut Vec<u8>, row: &dyn Columns) -> Result<(), StoreError> {
    write_summary_fields(out, row)?;
    out.extend_from_slice(b",\"subscriptionTypeId\":");
    sentral_json::write(out, &row.int(4)?)
        .map_err(|error| StoreError::Corrupt(format!("plan id: {error}")))?;
    out.extend_from_slice(b",\"user\":");
    match (row.opt_text(9)?, row.opt_text(11)?) {
        (Some(first_name), Some(last_name)) => {
            write_field(out, b"{\"firstName\":", first_name);
            if let Some(middle_name) = row.opt_text(10)? {
                write_field(out, b",\"middleName\":", middle_name);
            }
            write_field(out, b",\"lastName\":", last_name);
            out.push(b'}');
        }
        _ => out.extend_from_slice(b"null"),
    }
    write_field(out, b",\"simCard\":{\"iccid\":", row.text(12)?);
    out.extend_from_slice(b"},\"products\":[");
    Ok(())
}

/// The row's add-on as the API's `SubscriptionProductBody`, or nothing for a row without one.
fn write_product(out: &mut Vec<u8>, row: &dyn Columns) -> Result<(), StoreError> {
    let Some(product_id) = row.opt_int(14)? else {
        return Ok(());
    };
    let offer = ProductOffer::find(product_id);
    out.extend_from_slice(b"{\"productId\":");
    sentral_json::write(out, &product_id)
        .map_err(|error| StoreError::Corrupt(format!("product id: {error}")))?;
    write_field(out, b",\"name\":", offer.map_or("", |offer| offer.name));
    out.extend_from_slice(if offer.is_some_and(|offer| offer.removable) {
        b",\"removable\":true"
    } else {
        b",\"removable\":false"
    });
    let added_at = Timestamp::from_millis(row.int(15)?).rfc3339();
    write_field(out, b",\"addedAt\":", added_at.as_str());
    out.push(b'}');
    Ok(())
}
