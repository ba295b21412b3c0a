//! Products ordered on agreements.

use crate::db::Row;
use sentral_domain::Timestamp;
use sentral_domain::corporate::{AgreementProduct, AgreementProductStatus, ConfigurationValue};

use crate::rows::{at, int, opt_int, opt_text, text};
use crate::{Connection, StoreError};

fn configurations_from(json: &str) -> Result<Vec<ConfigurationValue>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("configurations: {e}")))
}

pub(crate) fn configurations_json(values: &[ConfigurationValue]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned())
}

fn product_from(row: &Row) -> Result<AgreementProduct, StoreError> {
    let status = text(row, "status")?;
    Ok(AgreementProduct {
        id: int(row, "id")?,
        agreement_id: text(row, "agreement_id")?,
        offer_id: int(row, "offer_id")?,
        name: text(row, "name")?,
        status: AgreementProductStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("agreement product status {status:?}")))?,
        billing_account_id: opt_text(row, "billing_account_id")?,
        parent_id: opt_int(row, "parent_id")?,
        configurations: configurations_from(&text(row, "configurations")?)?,
        created_at: at(row, "created_at")?,
        updated_at: at(row, "updated_at")?,
    })
}

pub async fn insert_product(
    conn: &mut Connection,
    product: &AgreementProduct,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO agreement_products (id, agreement_id, offer_id, name, status, \
         billing_account_id, parent_id, configurations, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(product.id)
    .bind(&product.agreement_id)
    .bind(product.offer_id)
    .bind(&product.name)
    .bind(product.status.as_str())
    .bind(product.billing_account_id.as_deref())
    .bind(product.parent_id)
    .bind(configurations_json(&product.configurations))
    .bind(product.created_at.millis())
    .bind(product.updated_at.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("agreement product {}", product.id)))?;
    Ok(())
}

pub async fn products_of(
    conn: &mut Connection,
    agreement_id: &str,
) -> Result<Vec<AgreementProduct>, StoreError> {
    crate::db::query("SELECT * FROM agreement_products WHERE agreement_id = $1 ORDER BY id")
        .bind(agreement_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(product_from)
        .collect()
}

pub async fn product(
    conn: &mut Connection,
    id: i64,
) -> Result<Option<AgreementProduct>, StoreError> {
    crate::db::query("SELECT * FROM agreement_products WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(product_from)
        .transpose()
}

pub async fn update_product(
    conn: &mut Connection,
    id: i64,
    status: AgreementProductStatus,
    configurations: &[ConfigurationValue],
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE agreement_products SET status = $2, configurations = $3, updated_at = $4 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(configurations_json(configurations))
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The agreements owned by any of `org_numbers`, by id.
pub async fn agreements_of(
    conn: &mut Connection,
    org_numbers: &[String],
) -> Result<Vec<sentral_domain::platform::Agreement>, StoreError> {
    let mut filter = super::Filter::default();
    let clause = filter.any_of("org_number", org_numbers.iter().cloned());
    filter.push(clause);
    let sql = format!("SELECT * FROM agreements{} ORDER BY id", filter.where_sql());
    // Only clauses built by the filter are interpolated; every value is bound.
    filter
        .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
        .fetch_all(conn)
        .await?
        .iter()
        .map(crate::platform::agreement_from)
        .collect()
}
