//! The PDF of an invoice: its header, the lines it was computed from (monthly fees, one-time
//! prices), subtotal, VAT and total.

use sentral_store::kpn::finances::{Invoice, InvoiceLine};

use super::VAT_PERCENT;
use super::pdf::{Line, euros, text_pdf};

/// `2026-03-01` of a timestamp.
pub(crate) fn day(at: sentral_domain::Timestamp) -> String {
    at.to_rfc3339().chars().take(10).collect()
}

fn title_of(invoice_type: &str) -> &'static str {
    match invoice_type {
        "CREDIT_NOTE" => "Credit note",
        "HARDWARE_INVOICE" => "Hardware invoice",
        "HARDWARE_ADJUSTMENT" | "HARDWARE_INVOICE_ADJUSTMENT" => "Hardware invoice adjustment",
        "SERVICE_ADJUSTMENT" | "SERVICE_INVOICE_ADJUSTMENT" => "Service invoice adjustment",
        _ => "Invoice",
    }
}

/// Amount column: the description padded so amounts line up in a proportional font well
/// enough, the amount after a tab of spaces.
fn row(description: &str, amount: i64) -> Line {
    Line::plain(format!("{description}    {}", euros(amount)))
}

pub(crate) fn render(customer_name: &str, invoice: &Invoice, lines: &[InvoiceLine]) -> Vec<u8> {
    let title = title_of(&invoice.invoice_type);
    let mut page = vec![
        Line::bold(format!("KPN B.V. - {title} {}", invoice.number)),
        Line::plain(""),
        Line::plain(format!("Customer: {customer_name}")),
        Line::plain(format!(
            "Debtor: {} ({})",
            invoice.debtor_name, invoice.debtor_id
        )),
        Line::plain(format!("Invoice number: {}", invoice.number)),
        Line::plain(format!("Invoice date: {}", day(invoice.issued_at))),
        Line::plain(format!("Pay before: {}", day(invoice.pay_before))),
        Line::plain(format!(
            "Period: {} to {}",
            day(invoice.period_from),
            day(invoice.period_to)
        )),
        Line::plain(""),
    ];
    let monthly: Vec<&InvoiceLine> = lines.iter().filter(|l| l.price_kind == "MONTHLY").collect();
    let one_time: Vec<&InvoiceLine> = lines.iter().filter(|l| l.price_kind != "MONTHLY").collect();
    if !monthly.is_empty() {
        page.push(Line::bold("Recurring charges (monthly fee)"));
        page.extend(monthly.iter().map(|l| row(&l.description, l.amount_cents)));
        page.push(Line::plain(""));
    }
    if !one_time.is_empty() {
        page.push(Line::bold("One-time charges"));
        page.extend(one_time.iter().map(|l| row(&l.description, l.amount_cents)));
        page.push(Line::plain(""));
    }
    page.push(row("Subtotal (excl. VAT)", invoice.subtotal_cents));
    page.push(row(&format!("VAT {VAT_PERCENT} %"), invoice.vat_cents));
    page.push(Line::bold(format!(
        "Total to pay: {}",
        euros(invoice.total_cents)
    )));
    text_pdf(&format!("{title} {}", invoice.number), &page)
}
