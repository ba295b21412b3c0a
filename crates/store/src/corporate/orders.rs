//! Orders on subscriptions and agreements.

use crate::db::Row;
use sentral_domain::Msisdn;
use sentral_domain::Timestamp;
use sentral_domain::corporate::{Order, OrderId, OrderStatus, OrderSubject, OrderType};

use super::agreements::configurations_json;
use crate::rows::{at, corrupt, opt_int, opt_text, org, text};
use crate::{Connection, StoreError};

/// The subject's kind and value as stored.
pub fn subject_parts(subject: &OrderSubject) -> (&'static str, String) {
    match subject {
        OrderSubject::Subscription(msisdn) => ("subscription", msisdn.as_str().to_owned()),
        OrderSubject::Agreement(id) => ("agreement", id.clone()),
        OrderSubject::KpnItem(id) => ("kpn-item", id.to_string()),
        OrderSubject::KpnContract(id) => ("kpn-contract", id.to_string()),
    }
}

fn kpn_id(subject: &str) -> Result<i64, StoreError> {
    subject
        .parse()
        .map_err(|_| corrupt("KPN order subject", subject))
}

pub async fn insert_order(conn: &mut Connection, order: &Order) -> Result<(), StoreError> {
    let (kind, subject) = subject_parts(&order.subject);
    crate::db::query(
        "INSERT INTO corporate_orders (id, subject_kind, subject, org_number, order_type, \
         product_offer_id, product_id, billing_account_id, configurations, status, failure, \
         created_at, due_at, completed_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(order.id.as_str())
    .bind(kind)
    .bind(subject)
    .bind(order.org_number.as_str())
    .bind(order.order_type.as_str())
    .bind(order.product_offer_id)
    .bind(order.product_id)
    .bind(order.billing_account_id.as_deref())
    .bind(configurations_json(&order.configurations))
    .bind(order.status.as_str())
    .bind(order.failure.as_deref())
    .bind(order.created_at.millis())
    .bind(order.due_at.millis())
    .bind(order.completed_at.map(Timestamp::millis))
    .bind(&order.created_by)
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("order {}", order.id)))?;
    Ok(())
}

pub(crate) fn order_from(row: &Row) -> Result<Order, StoreError> {
    let kind = text(row, "subject_kind")?;
    let subject = text(row, "subject")?;
    let subject = match kind.as_str() {
        "subscription" => OrderSubject::Subscription(Msisdn::parse(&subject)?),
        "agreement" => OrderSubject::Agreement(subject),
        "kpn-item" => OrderSubject::KpnItem(kpn_id(&subject)?),
        "kpn-contract" => OrderSubject::KpnContract(kpn_id(&subject)?),
        other => return Err(corrupt("order subject kind", other)),
    };
    let order_type = text(row, "order_type")?;
    let status = text(row, "status")?;
    let configurations = serde_json::from_str(&text(row, "configurations")?)
        .map_err(|e| StoreError::Corrupt(format!("order configurations: {e}")))?;
    Ok(Order {
        id: OrderId::parse(&text(row, "id")?)?,
        subject,
        org_number: org(row, "org_number")?,
        order_type: OrderType::parse(&order_type)
            .ok_or_else(|| corrupt("order type", &order_type))?,
        product_offer_id: opt_int(row, "product_offer_id")?,
        product_id: opt_int(row, "product_id")?,
        billing_account_id: opt_text(row, "billing_account_id")?,
        configurations,
        status: OrderStatus::parse(&status).ok_or_else(|| corrupt("order status", &status))?,
        failure: opt_text(row, "failure")?,
        created_at: at(row, "created_at")?,
        due_at: at(row, "due_at")?,
        completed_at: opt_int(row, "completed_at")?.map(Timestamp::from_millis),
        created_by: text(row, "created_by")?,
    })
}

pub async fn order(conn: &mut Connection, id: &OrderId) -> Result<Option<Order>, StoreError> {
    crate::db::query("SELECT * FROM corporate_orders WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(order_from)
        .transpose()
}

/// Orders in progress on `subject`, oldest first.
pub async fn open_orders_on(
    conn: &mut Connection,
    subject: &OrderSubject,
) -> Result<Vec<Order>, StoreError> {
    let (kind, subject) = subject_parts(subject);
    crate::db::query(
        "SELECT * FROM corporate_orders WHERE subject_kind = $1 AND subject = $2 \
         AND status = $3 ORDER BY created_at, id",
    )
    .bind(kind)
    .bind(subject)
    .bind(OrderStatus::InProgress.as_str())
    .fetch_all(conn)
    .await?
    .iter()
    .map(order_from)
    .collect()
}

/// Orders in progress whose time has come, oldest first.
pub async fn due_orders(
    conn: &mut Connection,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<Order>, StoreError> {
    crate::db::query(
        "SELECT * FROM corporate_orders WHERE status = $1 AND due_at <= $2 \
         ORDER BY due_at, id LIMIT $3",
    )
    .bind(OrderStatus::InProgress.as_str())
    .bind(now.millis())
    .bind(limit)
    .fetch_all(conn)
    .await?
    .iter()
    .map(order_from)
    .collect()
}

/// The earliest due time of an order in progress.
pub async fn next_due(conn: &mut Connection) -> Result<Option<Timestamp>, StoreError> {
    let row = crate::db::query("SELECT MIN(due_at) AS due FROM corporate_orders WHERE status = $1")
        .bind(OrderStatus::InProgress.as_str())
        .fetch_one(conn)
        .await?;
    Ok(row
        .try_get::<Option<i64>, _>("due")?
        .map(Timestamp::from_millis))
}

/// Finishes an order still in progress; false when another node finished it first.
pub async fn finish_order(
    conn: &mut Connection,
    id: &OrderId,
    status: OrderStatus,
    failure: Option<&str>,
    product_id: Option<i64>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE corporate_orders SET status = $2, failure = $3, completed_at = $4, \
         product_id = COALESCE($5, product_id) WHERE id = $1 AND status = $6",
    )
    .bind(id.as_str())
    .bind(status.as_str())
    .bind(failure)
    .bind(now.millis())
    .bind(product_id)
    .bind(OrderStatus::InProgress.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
