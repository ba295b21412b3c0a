//! Subscriptions written as the API's JSON straight from the database's rows (borrowed values,
//! no row, domain value or `String` per value built): byte for byte what the Telenor dialect's
//! serde structs `SubscriptionSummaryBody` and `SubscriptionBody` write for the same rows, which
//! the API's tests hold them to on both backends.

use std::sync::LazyLock;

use sentral_domain::corporate::{AccountId, ProductOffer, SubscriptionStatus};
use sentral_domain::{Msisdn, OrgNumber, Timestamp};

use super::SUMMARY_COLUMNS;
use crate::corporate::{Bind, Filter};
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

/// Writes the stored summary (`summary_doc`, migration 41) of the subscriptions `condition` (its
/// one placeholder `$1` bound to `value`) matches from their rows as they are now, in the
/// caller's transaction: every write of a subscription's row calls this after it. Returns how
/// many it wrote; a row whose summary cannot be written (a corrupt value) is left without one.
async fn write_documents(
    conn: &mut Connection,
    condition: &str,
    value: Bind,
) -> Result<u64, StoreError> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM mobile_subscriptions WHERE {condition} \
         ORDER BY msisdn LIMIT 500"
    );
    let mut bound = Filter::default();
    bound.bind(value);
    // Only a condition of this module's callers is interpolated; the value is bound.
    let rows = bound
        .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
        .fetch_all(&mut *conn)
        .await?;
    let mut written = 0;
    for row in &rows {
        let mut json = Vec::with_capacity(320);
        if let Err(error) = write_summary(&mut json, row) {
            tracing::warn!(msisdn = row.text("msisdn")?, %error, "subscription left without its stored summary");
            continue;
        }
        crate::db::query("UPDATE mobile_subscriptions SET summary_doc = $2 WHERE msisdn = $1")
            .bind(row.text("msisdn")?.to_owned())
            .bind(json_text(json)?)
            .execute(&mut *conn)
            .await?;
        written += 1;
    }
    Ok(written)
}

/// Writes the subscription's stored summary from its row as it is now (see [`write_documents`]).
pub(crate) async fn write_document(conn: &mut Connection, msisdn: &str) -> Result<(), StoreError> {
    let msisdn = Bind::Text(msisdn.to_owned());
    write_documents(conn, "msisdn = $1", msisdn)
        .await
        .map(|_| ())
}

/// Writes the stored summary of the subscription KPN contract `contract_id` stands for, if any.
pub(crate) async fn write_document_of_contract(
    conn: &mut Connection,
    contract_id: i64,
) -> Result<(), StoreError> {
    let condition = "msisdn = (SELECT subscription_msisdn FROM kpn_contracts WHERE id = $1)";
    write_documents(conn, condition, Bind::Int(contract_id))
        .await
        .map(|_| ())
}

/// Writes the stored summary of every subscription without one (rows from before migration 41,
/// or written by an older node); run at start. Returns how many there were.
pub async fn write_missing_documents(conn: &mut Connection) -> Result<u64, StoreError> {
    let (mut written, mut after) = (0, String::new());
    loop {
        let next = crate::db::query(
            "SELECT MAX(msisdn) AS msisdn FROM (SELECT msisdn FROM mobile_subscriptions \
             WHERE summary_doc IS NULL AND msisdn > $1 ORDER BY msisdn LIMIT 500) batch",
        )
        .bind(after.clone())
        .fetch_one(&mut *conn)
        .await?;
        let Some(last) = next.opt_text("msisdn")?.map(str::to_owned) else {
            return Ok(written);
        };
        let condition = "summary_doc IS NULL AND msisdn > $1";
        let before = written;
        written += write_documents(conn, condition, Bind::Text(after)).await?;
        crate::json_sql::note_written("subscriptions", before, written);
        after = last;
    }
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
        format!("SELECT {summary}, {REST} WHERE s.msisdn = $1 ORDER BY p.product_id")
    });
    // The stored summary, then the same columns as SQL's from the plan id on.
    static STORED: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT s.summary_doc, s.account_id, s.org_number, NULL, s.plan_id, NULL, NULL, NULL, \
             NULL, {REST} WHERE s.msisdn = $1 ORDER BY p.product_id"
        )
    });
    let mut read = Read::default();
    read.rows(conn, STORED.as_str(), msisdn, write_stored_summary)
        .await?;
    if read.missing {
        // Stored without its summary: written from the columns.
        read = Read::default();
        read.rows(conn, SQL.as_str(), msisdn, write_summary_columns)
            .await?;
    }
    let Read {
        mut json,
        owners,
        activated_at,
        ..
    } = read;
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

/// What a point read gathers from its rows.
#[derive(Default)]
struct Read {
    json: Vec<u8>,
    /// The organisation and the account, from the first row.
    owners: Option<(OrgNumber, String)>,
    activated_at: i64,
    /// The first row had no stored summary.
    missing: bool,
}

/// Writes the summary of a point read's first row (up to its last field); false when it has
/// none to write.
type SummaryWriter = fn(&mut Vec<u8>, &dyn Columns) -> Result<bool, StoreError>;

impl Read {
    /// Reads the subscription's rows (one per add-on) of `sql`, its summary by `summary`.
    async fn rows(
        &mut self,
        conn: &mut Connection,
        sql: &'static str,
        msisdn: &Msisdn,
        summary: SummaryWriter,
    ) -> Result<(), StoreError> {
        // A constant query text; the number is bound.
        crate::db::query(sql)
            .bind(msisdn.as_str())
            .for_each_row(conn, &mut |row| {
                if self.owners.is_none() {
                    self.json.reserve(1024);
                    if !summary(&mut self.json, row)? {
                        self.missing = true;
                        return Ok(());
                    }
                    write_rest(&mut self.json, row)?;
                    self.owners = Some((OrgNumber::parse(row.text(2)?)?, row.text(1)?.to_owned()));
                    self.activated_at = row.int(13)?;
                } else {
                    self.json.push(b',');
                }
                write_product(&mut self.json, row)
            })
            .await
    }
}

/// The stored summary's object, open for the rest of the subscription's fields.
fn write_stored_summary(out: &mut Vec<u8>, row: &dyn Columns) -> Result<bool, StoreError> {
    let Some(summary) = row.opt_text(0)? else {
        return Ok(false);
    };
    out.extend_from_slice(summary.strip_suffix('}').unwrap_or(summary).as_bytes());
    Ok(true)
}

/// The summary written from its columns, open for the rest of the subscription's fields.
fn write_summary_columns(out: &mut Vec<u8>, row: &dyn Columns) -> Result<bool, StoreError> {
    write_summary_fields(out, row).map(|()| true)
}

/// The columns of a point read after the summary's (9–15) and what they are read from.
const REST: &str = "s.first_name, s.middle_name, s.last_name, s.iccid, s.activated_at, \
     p.product_id, p.added_at FROM mobile_subscriptions s \
     LEFT JOIN subscription_products p ON p.msisdn = s.msisdn";

/// The subscription's fields after its summary's, up to and including `"products":[`.
fn write_rest(out: &mut Vec<u8>, row: &dyn Columns) -> Result<(), StoreError> {
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
