//! Invoices, their lines, the contracts an invoice is computed from, and the billing retention
//! period.

use sentral_domain::{OrgNumber, Timestamp};

use crate::rows::{at, int, opt_text, text};
use crate::{Connection, StoreError};

/// An invoice as listed (`Invoice`), with the period it bills and its amounts in cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub id: i64,
    pub debtor_id: i64,
    pub debtor_name: String,
    pub number: String,
    /// `Invoice.type`, e.g. `SERVICE_INVOICE`.
    pub invoice_type: String,
    pub issued_at: Timestamp,
    pub pay_before: Timestamp,
    pub period_from: Timestamp,
    pub period_to: Timestamp,
    pub subtotal_cents: i64,
    pub vat_cents: i64,
    pub total_cents: i64,
}

/// A line of an invoice: `price_kind` MONTHLY or ONE_TIME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    pub description: String,
    pub price_kind: String,
    pub amount_cents: i64,
}

/// Which invoices of a customer a list reads: of one debtor, of one type, issued in
/// `[issued_from, issued_to]`.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub debtor_id: Option<i64>,
    pub invoice_type: Option<String>,
    pub issued_from: Option<Timestamp>,
    pub issued_to: Option<Timestamp>,
}

/// Stores `invoice` with its `lines` (in order).
pub async fn insert_invoice(
    conn: &mut Connection,
    org_number: &OrgNumber,
    invoice: &Invoice,
    lines: &[InvoiceLine],
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO kpn_invoices (id, org_number, debtor_id, debtor_name, number, invoice_type, \
         issued_at, pay_before, period_from, period_to, subtotal_cents, vat_cents, total_cents) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(invoice.id)
    .bind(org_number.as_str())
    .bind(invoice.debtor_id)
    .bind(&invoice.debtor_name)
    .bind(&invoice.number)
    .bind(&invoice.invoice_type)
    .bind(invoice.issued_at.millis())
    .bind(invoice.pay_before.millis())
    .bind(invoice.period_from.millis())
    .bind(invoice.period_to.millis())
    .bind(invoice.subtotal_cents)
    .bind(invoice.vat_cents)
    .bind(invoice.total_cents)
    .execute(&mut *conn)
    .await
    .map_err(|e| e.conflict_as(format!("invoice {}", invoice.number)))?;
    for (position, line) in lines.iter().enumerate() {
        crate::db::query(
            "INSERT INTO kpn_invoice_lines (invoice_id, position, description, price_kind, \
             amount_cents) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(invoice.id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(&line.description)
        .bind(&line.price_kind)
        .bind(line.amount_cents)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn invoice_from(row: &crate::db::Row) -> Result<Invoice, StoreError> {
    Ok(Invoice {
        id: int(row, "id")?,
        debtor_id: int(row, "debtor_id")?,
        debtor_name: text(row, "debtor_name")?,
        number: text(row, "number")?,
        invoice_type: text(row, "invoice_type")?,
        issued_at: at(row, "issued_at")?,
        pay_before: at(row, "pay_before")?,
        period_from: at(row, "period_from")?,
        period_to: at(row, "period_to")?,
        subtotal_cents: int(row, "subtotal_cents")?,
        vat_cents: int(row, "vat_cents")?,
        total_cents: int(row, "total_cents")?,
    })
}

/// The customer's invoices that `filter` keeps, newest first.
pub async fn invoices(
    conn: &mut Connection,
    org_number: &OrgNumber,
    filter: &InvoiceFilter,
) -> Result<Vec<Invoice>, StoreError> {
    // Only the conditions asked for, so every parameter has a column to take its type from.
    let mut sql = String::from("SELECT * FROM kpn_invoices WHERE org_number = $1");
    let mut n = 1;
    let mut condition = |sql: &mut String, clause: &str| {
        n += 1;
        sql.push_str(&format!(" AND {clause} ${n}"));
    };
    if filter.debtor_id.is_some() {
        condition(&mut sql, "debtor_id =");
    }
    if filter.invoice_type.is_some() {
        condition(&mut sql, "invoice_type =");
    }
    if filter.issued_from.is_some() {
        condition(&mut sql, "issued_at >=");
    }
    if filter.issued_to.is_some() {
        condition(&mut sql, "issued_at <=");
    }
    sql.push_str(" ORDER BY issued_at DESC, id DESC");
    let mut query = crate::db::query(crate::db::AssertSqlSafe(sql)).bind(org_number.as_str());
    if let Some(debtor) = filter.debtor_id {
        query = query.bind(debtor);
    }
    if let Some(kind) = &filter.invoice_type {
        query = query.bind(kind.clone());
    }
    if let Some(from) = filter.issued_from {
        query = query.bind(from.millis());
    }
    if let Some(to) = filter.issued_to {
        query = query.bind(to.millis());
    }
    query
        .fetch_all(conn)
        .await?
        .iter()
        .map(invoice_from)
        .collect()
}

/// The customer's invoice `id` (none when it is another customer's).
pub async fn invoice(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
) -> Result<Option<Invoice>, StoreError> {
    crate::db::query("SELECT * FROM kpn_invoices WHERE org_number = $1 AND id = $2")
        .bind(org_number.as_str())
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(invoice_from)
        .transpose()
}

/// The lines of invoice `id`, in order.
pub async fn invoice_lines(conn: &mut Connection, id: i64) -> Result<Vec<InvoiceLine>, StoreError> {
    crate::db::query(
        "SELECT description, price_kind, amount_cents FROM kpn_invoice_lines \
         WHERE invoice_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(InvoiceLine {
            description: text(row, "description")?,
            price_kind: text(row, "price_kind")?,
            amount_cents: int(row, "amount_cents")?,
        })
    })
    .collect()
}

/// A contract billed to a debtor: held by the debtor or by an item below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledContract {
    pub id: i64,
    pub product_en: String,
    pub mobile_number: Option<String>,
    pub state: String,
    pub monthly_fee_cents: i64,
}

/// The contracts billed to `debtor_id`, by id.
pub async fn debtor_contracts(
    conn: &mut Connection,
    debtor_id: i64,
) -> Result<Vec<BilledContract>, StoreError> {
    crate::db::query(
        "SELECT c.id, c.product_en, c.mobile_number, c.state, c.monthly_fee_cents \
         FROM kpn_contracts c JOIN kpn_items i ON i.id = c.owner_id \
         WHERE i.debtor_id = $1 ORDER BY c.id",
    )
    .bind(debtor_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(BilledContract {
            id: int(row, "id")?,
            product_en: text(row, "product_en")?,
            mobile_number: opt_text(row, "mobile_number")?,
            state: text(row, "state")?,
            monthly_fee_cents: int(row, "monthly_fee_cents")?,
        })
    })
    .collect()
}

/// Sets the customer's billing retention period (`"6"` or `"25"` months); false when the
/// customer has no KPN settings.
pub async fn set_billing_retention_period(
    conn: &mut Connection,
    org_number: &OrgNumber,
    period: &str,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_customers SET billing_retention_period = $2 WHERE org_number = $1",
    )
    .bind(org_number.as_str())
    .bind(period)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
