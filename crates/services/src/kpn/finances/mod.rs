//! Finances (`rest-invoice-controller`): invoices with their lines, the PDF of an invoice, and
//! the billing retention period.

mod demo;
mod invoice_pdf;
pub mod pdf;

use sentral_domain::Timestamp;
use sentral_domain::corporate::{Order, OrderSubject, OrderType};
use sentral_domain::kpn::finances::BillingPeriodChange;
use sentral_domain::kpn::{
    ItemKind, KpnChange, KpnOrderRecord, Page, Privilege, Receiver, RequestKind, SortOrder,
};
use sentral_store::Connection;
use sentral_store::kpn::finances::{self as repo, Invoice, InvoiceFilter};
use sentral_store::kpn::orders as order_repo;

use super::engine::{NewOrder, status_of};
use super::query::{parse_order, parse_sort};
use super::track::BlockingOrder;
use super::{Customer, KpnFailure, KpnResult, OrderSummary, invalid, privileges, reference_number};
use crate::{Platform, Principal, ServiceError};

pub(crate) use demo::seed_demo_finances;

/// `Invoice.type`.
pub const INVOICE_TYPES: &[&str] = &[
    "CREDIT_NOTE",
    "HARDWARE_ADJUSTMENT",
    "HARDWARE_INVOICE",
    "HARDWARE_INVOICE_ADJUSTMENT",
    "SERVICE_ADJUSTMENT",
    "SERVICE_INVOICE",
    "SERVICE_INVOICE_ADJUSTMENT",
];

/// `sortBy` of `getInvoicesUsingGET`.
pub const INVOICE_SORTS: &[&str] = &[
    "NUMBER",
    "DEBTOR_NAME",
    "TYPE",
    "DATE",
    "PAY_BEFORE_DATE",
    "TOTAL_AMOUNT",
];

/// `ChangeBillingPeriodRequestParams.period`: months the invoices are kept.
pub const BILLING_PERIODS: &[&str] = &["6", "25"];

/// VAT on an invoice, in percent.
pub const VAT_PERCENT: i64 = 21;

/// Seconds a billing-period change takes on the sandbox clock.
pub const BILLING_PERIOD_ORDER_SECONDS: i64 = 60;

/// `getInvoicesUsingGET`'s query as sent.
#[derive(Debug, Clone, Default)]
pub struct InvoiceQuery {
    pub debtor_id: Option<i64>,
    pub page: Page,
    pub order: Option<String>,
    pub pattern: Option<String>,
    pub search_from: Option<String>,
    pub search_to: Option<String>,
    pub sort_by: Option<String>,
    pub invoice_type: Option<String>,
}

/// Whether the customer can change its billing period now (`OperationAvailability`).
#[derive(Debug, Clone)]
pub struct BillingPeriodAvailability {
    pub enabled: bool,
    pub visible: bool,
    pub blocking: Vec<BlockingOrder>,
}

/// A downloaded invoice: its file name and PDF bytes.
#[derive(Debug, Clone)]
pub struct InvoiceFile {
    pub file_name: String,
    pub pdf: Vec<u8>,
}

/// VAT in cents on `subtotal` cents, rounded half away from zero.
pub fn vat_of(subtotal: i64) -> i64 {
    let scaled = subtotal * VAT_PERCENT;
    (scaled + scaled.signum() * 50) / 100
}

/// A `searchFrom`/`searchTo` date-time, also a plain date (`2000-10-31`, as the spec's
/// examples): `end_of_day` takes a plain date's last millisecond, so `searchTo` includes it.
fn search_date(field: &str, given: Option<&str>, end_of_day: bool) -> KpnResult<Option<Timestamp>> {
    let Some(text) = given.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Some(at) = Timestamp::parse_rfc3339(text) {
        return Ok(Some(at));
    }
    match Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")) {
        Some(day) if end_of_day => Ok(Some(Timestamp::from_millis(day.millis() + 86_399_999))),
        Some(day) => Ok(Some(day)),
        None => Err(invalid(
            field,
            format!(
                "{text:?} is not a date such as 2025-10-31 or a date-time such as 2025-10-31T00:00:00Z"
            ),
        )),
    }
}

fn sorted(
    mut invoices: Vec<Invoice>,
    sort: Option<&str>,
    order: Option<SortOrder>,
) -> Vec<Invoice> {
    // Without sortBy the newest come first; sortBy alone sorts ascending.
    let (sort, order) = match (sort, order) {
        (None, order) => ("DATE", order.unwrap_or(SortOrder::Desc)),
        (Some(sort), order) => (sort, order.unwrap_or(SortOrder::Asc)),
    };
    invoices.sort_by(|a, b| {
        let by = match sort {
            "NUMBER" => a.number.cmp(&b.number),
            "DEBTOR_NAME" => a
                .debtor_name
                .to_lowercase()
                .cmp(&b.debtor_name.to_lowercase()),
            "TYPE" => a.invoice_type.cmp(&b.invoice_type),
            "PAY_BEFORE_DATE" => a.pay_before.cmp(&b.pay_before),
            "TOTAL_AMOUNT" => a.total_cents.cmp(&b.total_cents),
            _ => a.issued_at.cmp(&b.issued_at),
        }
        .then(a.id.cmp(&b.id));
        match order {
            SortOrder::Asc => by,
            SortOrder::Desc => by.reverse(),
        }
    });
    invoices
}

impl Platform {
    /// `getInvoicesUsingGET`: the customer's invoices, of one debtor when `debtorId` is given
    /// (404 DEBTOR_NOT_FOUND when it is no debtor of the customer's); `pattern` is contained
    /// in the number or debtor name (case-insensitive).
    pub async fn kpn_invoices(
        &self,
        principal: &Principal,
        query: InvoiceQuery,
    ) -> KpnResult<(Vec<Invoice>, i64)> {
        let customer = self.kpn_customer(principal, privileges::FINANCES).await?;
        let order = query
            .order
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| parse_order(Some(t)))
            .transpose()?;
        let sort = parse_sort(query.sort_by.as_deref(), INVOICE_SORTS)?;
        let invoice_type =
            parse_sort(query.invoice_type.as_deref(), INVOICE_TYPES).map_err(|_| {
                invalid(
                    "type",
                    format!(
                        "must be one of {}, got {:?}",
                        INVOICE_TYPES.join(", "),
                        query.invoice_type.clone().unwrap_or_default()
                    ),
                )
            })?;
        let issued_from = search_date("searchFrom", query.search_from.as_deref(), false)?;
        let issued_to = search_date("searchTo", query.search_to.as_deref(), true)?;
        let mut conn = self.store.read().await?;
        if let Some(debtor) = query.debtor_id {
            let item =
                sentral_store::kpn::items::item(&mut conn, &customer.org_number, debtor).await?;
            if item.is_none_or(|item| item.kind != ItemKind::Debtor) {
                return Err(KpnFailure::DebtorNotFound(format!(
                    "debtor {debtor} does not exist or is not visible to you"
                ))
                .into());
            }
        }
        let filter = InvoiceFilter {
            debtor_id: query.debtor_id,
            invoice_type,
            issued_from,
            issued_to,
        };
        let mut invoices = repo::invoices(&mut conn, &customer.org_number, &filter).await?;
        if let Some(pattern) = query
            .pattern
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let pattern = pattern.to_lowercase();
            invoices.retain(|invoice| {
                invoice.number.to_lowercase().contains(&pattern)
                    || invoice.debtor_name.to_lowercase().contains(&pattern)
            });
        }
        let invoices = sorted(invoices, sort.as_deref(), order);
        let total = i64::try_from(invoices.len()).unwrap_or(i64::MAX);
        Ok((query.page.slice(&invoices), total))
    }

    /// `downloadInvoiceUsingGET`: the invoice as a PDF drawn from its stored lines (404
    /// INVOICE_NOT_FOUND when it is none of the customer's).
    pub async fn kpn_invoice_pdf(&self, principal: &Principal, id: i64) -> KpnResult<InvoiceFile> {
        let customer = self.kpn_customer(principal, privileges::FINANCES).await?;
        let mut conn = self.store.read().await?;
        let invoice = repo::invoice(&mut conn, &customer.org_number, id)
            .await?
            .ok_or_else(|| {
                KpnFailure::InvoiceNotFound(format!(
                    "invoice {id} does not exist or is not visible to you"
                ))
            })?;
        let lines = repo::invoice_lines(&mut conn, id).await?;
        Ok(InvoiceFile {
            file_name: format!("{}.pdf", invoice.number),
            pdf: invoice_pdf::render(&customer.name, &invoice, &lines),
        })
    }

    /// The caller's customer for the billing-period operations: one of the hierarchy
    /// privileges and also `privileges_billing_retention_portlet` (the spec's "and").
    async fn billing_customer(&self, principal: &Principal) -> KpnResult<Customer> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_VIEW)
            .await?;
        let mut conn = self.store.read().await?;
        let held =
            sentral_store::kpn::customers::privileges(&mut conn, principal.app.id.as_str()).await?;
        let needed = Privilege::BillingRetentionPortlet;
        if held.is_some_and(|held| !held.iter().any(|h| h == needed.as_str())) {
            return Err(KpnFailure::ForbiddenForUser(format!(
                "this operation also needs the privilege {}",
                needed.as_str()
            ))
            .into());
        }
        Ok(customer)
    }

    /// The open billing-period changes of `customer`.
    async fn billing_changes_open(
        &self,
        conn: &mut Connection,
        customer: &Customer,
    ) -> KpnResult<Vec<BlockingOrder>> {
        let now = self.now();
        Ok(
            order_repo::open_on(conn, "kpn-item", customer.settings.item_id)
                .await?
                .into_iter()
                .filter(|(order, _)| order.order_type == OrderType::ChangeBillingPeriod)
                .map(|(order, record)| BlockingOrder {
                    id: order.id.as_str().parse().unwrap_or_default(),
                    kpn_reference: record.kpn_reference.clone(),
                    status: status_of(&order, &record, now).track(),
                    kind: record.kind,
                })
                .collect(),
        )
    }

    /// `getBillingPeriodChangingAvailabilityUsingGET`: enabled unless the customer is frozen
    /// or a change is open; while one is open the operation is blocked and not visible.
    pub async fn kpn_billing_period_availability(
        &self,
        principal: &Principal,
    ) -> KpnResult<BillingPeriodAvailability> {
        let customer = self.billing_customer(principal).await?;
        let mut conn = self.store.read().await?;
        let blocking = self.billing_changes_open(&mut conn, &customer).await?;
        Ok(BillingPeriodAvailability {
            enabled: blocking.is_empty() && !customer.settings.order_frozen,
            visible: blocking.is_empty(),
            blocking,
        })
    }

    /// `changeBillingPeriodUsingPOST`: a service request on the customer; when it finishes
    /// the customer's billing retention period is `period`. 404 OPERATION_BLOCKED while a
    /// change is open or when the period is already the customer's.
    pub async fn kpn_change_billing_period(
        &self,
        principal: &Principal,
        period: Option<String>,
        reference: Option<String>,
    ) -> KpnResult<OrderSummary> {
        let customer = self.billing_customer(principal).await?;
        Self::check_not_frozen(&customer)?;
        let period = period.map(|p| p.trim().to_owned()).unwrap_or_default();
        if period.is_empty() {
            return Err(invalid("period", "is required: 6 or 25 (months)"));
        }
        if !BILLING_PERIODS.contains(&period.as_str()) {
            return Err(invalid(
                "period",
                format!("must be 6 or 25, got {period:?}"),
            ));
        }
        let reference = reference_number(reference.as_deref())?;
        let mut tx = self.store.write().await?;
        if let Some(open) = self.billing_changes_open(&mut tx, &customer).await?.first() {
            return Err(KpnFailure::OperationBlocked(format!(
                "changing the billing period is blocked: order {} ({}) is changing it",
                open.id, open.kpn_reference
            ))
            .into());
        }
        // Read in the transaction: the period a change finished meanwhile set.
        let current = sentral_store::kpn::customers::customer(&mut tx, &customer.org_number)
            .await?
            .map(|c| c.billing_retention_period)
            .unwrap_or_else(|| customer.settings.billing_retention_period.clone());
        if current == period {
            return Err(KpnFailure::OperationBlocked(format!(
                "the billing period of {} is already {period} months",
                customer.name
            ))
            .into());
        }
        let new = NewOrder {
            subject: OrderSubject::KpnItem(customer.settings.item_id),
            operation: OrderType::ChangeBillingPeriod,
            kind: RequestKind::ServiceRequest,
            change: KpnChange::BillingPeriod(BillingPeriodChange { period }),
            reference_number: reference,
            context_name: customer.name.clone(),
            receiver: Receiver {
                id: Some(customer.settings.item_id),
                company_name: Some(customer.name.clone()),
                ..Receiver::default()
            },
            msisdn: None,
            sim: None,
            starts_at: self.now(),
            seconds: BILLING_PERIOD_ORDER_SECONDS,
        };
        self.commit_kpn_order(tx, principal, &customer, new).await
    }
}

/// Makes the change of a finished billing-period order.
pub(crate) async fn apply(
    conn: &mut Connection,
    order: &Order,
    _record: &KpnOrderRecord,
    change: &BillingPeriodChange,
    _at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    if !BILLING_PERIODS.contains(&change.period.as_str()) {
        return Ok(Err(format!("{:?} is no billing period", change.period)));
    }
    Ok(
        if repo::set_billing_retention_period(conn, &order.org_number, &change.period).await? {
            Ok(None)
        } else {
            Err(format!("customer {} no longer exists", order.org_number))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_rounds_half_away_from_zero() {
        assert_eq!(vat_of(10_000), 2_100);
        assert_eq!(vat_of(250), 53);
        assert_eq!(vat_of(-250), -53);
        assert_eq!(vat_of(0), 0);
    }

    #[test]
    fn search_dates_take_plain_dates_and_date_times() {
        let day = search_date("searchTo", Some("2025-10-31"), true)
            .unwrap()
            .unwrap();
        assert_eq!(day.to_rfc3339(), "2025-10-31T23:59:59.999Z");
        let from = search_date("searchFrom", Some("2025-10-31"), false)
            .unwrap()
            .unwrap();
        assert_eq!(from.to_rfc3339(), "2025-10-31T00:00:00.000Z");
        assert!(
            search_date("searchFrom", Some("2025-10-31T08:00:00Z"), false)
                .unwrap()
                .is_some()
        );
        assert!(search_date("searchFrom", Some("31-10-2025"), false).is_err());
        assert!(search_date("searchFrom", None, false).unwrap().is_none());
    }
}
