//! Finances (`/finances/billing-period…`, `/finances/invoices…`: the invoice as a PDF).

use crate::json::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use sentral_services::kpn::finances::InvoiceQuery;
use sentral_store::kpn::finances::Invoice;
use serde::Serialize;
use utoipa::ToSchema;

use super::input::{KpnBody, KpnQuery};
use super::wire::{AvailabilityBody, BlockingOrderBody, OrderAnswer, Paged, date, ordered};
use super::{KpnCaller, KpnError, path_id};
use crate::AppState;
use crate::body::Path;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("GET", "/finances/invoices") => get(invoices),
        ("GET", "/finances/invoices/{id}") => get(download_invoice),
        ("POST", "/finances/billing-period") => post(change_billing_period),
        ("GET", "/finances/billing-period/availability") => get(billing_period_availability),
        _ => return None,
    })
}

/// `Invoice`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceBody {
    pub id: i64,
    pub number: String,
    pub date: String,
    pub pay_before_date: String,
    pub debtor_name: String,
    pub total_amount_to_pay_in_cents: i64,
    pub r#type: String,
}

impl From<Invoice> for InvoiceBody {
    fn from(invoice: Invoice) -> Self {
        Self {
            id: invoice.id,
            number: invoice.number,
            date: date(invoice.issued_at),
            pay_before_date: date(invoice.pay_before),
            debtor_name: invoice.debtor_name,
            total_amount_to_pay_in_cents: invoice.total_cents,
            r#type: invoice.invoice_type,
        }
    }
}

/// `PagedResult_Invoice_`.
async fn invoices(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Paged<InvoiceBody>>, KpnError> {
    let request = InvoiceQuery {
        debtor_id: query.int("debtorId")?,
        page: query.page()?,
        order: query.text("order"),
        pattern: query.text("pattern"),
        search_from: query.text("searchFrom"),
        search_to: query.text("searchTo"),
        sort_by: query.text("sortBy"),
        invoice_type: query.text("type"),
    };
    let (rows, total) = state.platform.kpn_invoices(&principal, request).await?;
    Ok(Json(Paged::of(rows, total)))
}

/// The invoice's PDF (`application/pdf`, named by its number).
async fn download_invoice(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Response, KpnError> {
    let file = state
        .platform
        .kpn_invoice_pdf(&principal, path_id("id", &id)?)
        .await?;
    Ok(pdf_response(&file.file_name, file.pdf))
}

/// A PDF answer, offered for download as `file_name`.
pub(super) fn pdf_response(file_name: &str, pdf: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        file_name.replace(['"', '\\', '\r', '\n'], "_")
    );
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response()
}

/// `ChangeBillingPeriodRequestParams` → `OrderSummary`.
async fn change_billing_period(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let summary = state
        .platform
        .kpn_change_billing_period(
            &principal,
            body.text("period")?,
            body.text("referenceNumber")?,
        )
        .await?;
    ordered(summary)
}

/// `OperationAvailability`.
async fn billing_period_availability(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> Result<Json<AvailabilityBody>, KpnError> {
    let availability = state
        .platform
        .kpn_billing_period_availability(&principal)
        .await?;
    Ok(Json(AvailabilityBody {
        enabled: availability.enabled,
        visible: Some(availability.visible),
        reason: None,
        blocking_orders: Some(
            availability
                .blocking
                .iter()
                .map(BlockingOrderBody::from)
                .collect(),
        ),
    }))
}
