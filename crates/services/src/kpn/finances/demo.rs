//! The demo customer's invoices: per debtor a year of monthly service invoices computed from
//! the contracts billed to it, a hardware invoice and a credit note; each invoice's total is
//! the sum of its stored lines plus VAT.

use sentral_domain::kpn::ItemKind;
use sentral_domain::{OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::kpn::finances::{self as repo, Invoice, InvoiceLine};

use super::vat_of;
use crate::kpn::KpnResult;
use crate::kpn::contract_orders::plus_months;
use crate::kpn::demo_orders::DemoSubscriber;

const DAY_SECONDS: i64 = 86_400;

/// The first instant of the month of `at` (UTC).
fn month_start(at: Timestamp) -> Timestamp {
    let month: String = at.to_rfc3339().chars().take(7).collect();
    Timestamp::parse_rfc3339(&format!("{month}-01T00:00:00Z")).unwrap_or(at)
}

/// The next invoice id and number (`F2026-000123`, the year of `issued_at`).
async fn next_invoice(conn: &mut Connection, issued_at: Timestamp) -> KpnResult<(i64, String)> {
    let n = sentral_store::corporate::next_number(conn, "kpn-invoice", 1).await?;
    let year: String = issued_at.to_rfc3339().chars().take(4).collect();
    Ok((8_000_000 + n, format!("F{year}-{n:06}")))
}

#[allow(clippy::too_many_arguments)]
async fn issue(
    conn: &mut Connection,
    org_number: &OrgNumber,
    debtor: (i64, &str),
    invoice_type: &str,
    issued_at: Timestamp,
    period: (Timestamp, Timestamp),
    lines: Vec<InvoiceLine>,
) -> KpnResult<()> {
    let (id, number) = next_invoice(conn, issued_at).await?;
    let subtotal: i64 = lines.iter().map(|l| l.amount_cents).sum();
    let vat = vat_of(subtotal);
    let invoice = Invoice {
        id,
        debtor_id: debtor.0,
        debtor_name: debtor.1.to_owned(),
        number,
        invoice_type: invoice_type.to_owned(),
        issued_at,
        pay_before: issued_at.plus_seconds(30 * DAY_SECONDS),
        period_from: period.0,
        period_to: period.1,
        subtotal_cents: subtotal,
        vat_cents: vat,
        total_cents: subtotal + vat,
    };
    repo::insert_invoice(conn, org_number, &invoice, &lines).await?;
    Ok(())
}

/// Seeds the invoices of every debtor of the demo customer.
pub(crate) async fn seed_demo_finances(
    tx: &mut Connection,
    org_number: &OrgNumber,
    _root: i64,
    _places: &[i64],
    _subscribers: &[DemoSubscriber],
    now: Timestamp,
) -> KpnResult<()> {
    let debtors: Vec<_> = sentral_store::kpn::items::groups(tx, org_number)
        .await?
        .into_iter()
        .filter(|item| item.kind == ItemKind::Debtor)
        .collect();
    crate::kpn::hardware::seed_demo_enrolment_ids(tx, org_number).await?;
    let this_month = month_start(now);
    for debtor in &debtors {
        let contracts = repo::debtor_contracts(tx, debtor.id).await?;
        let who = (debtor.id, debtor.name.as_str());
        // Oldest first, so numbers rise with the dates.
        for back in (1..=12).rev() {
            let from = plus_months(this_month, -back);
            let to = plus_months(this_month, 1 - back);
            let lines = contracts
                .iter()
                .filter(|c| c.monthly_fee_cents > 0)
                .map(|c| InvoiceLine {
                    description: format!(
                        "{} {} (contract {})",
                        c.product_en,
                        c.mobile_number.as_deref().unwrap_or_default(),
                        c.id
                    ),
                    price_kind: "MONTHLY".into(),
                    amount_cents: c.monthly_fee_cents,
                })
                .collect();
            issue(
                tx,
                org_number,
                who,
                "SERVICE_INVOICE",
                to,
                (from, to),
                lines,
            )
            .await?;
        }
        let from = plus_months(this_month, -2);
        let to = plus_months(this_month, -1);
        let handsets = vec![
            InvoiceLine {
                description: "Apple iPhone 15 128GB (hardware fee)".into(),
                price_kind: "ONE_TIME".into(),
                amount_cents: 79_900,
            },
            InvoiceLine {
                description: "Activation fee".into(),
                price_kind: "ONE_TIME".into(),
                amount_cents: 2_500,
            },
        ];
        let issued = from.plus_seconds(14 * DAY_SECONDS);
        issue(
            tx,
            org_number,
            who,
            "HARDWARE_INVOICE",
            issued,
            (from, to),
            handsets,
        )
        .await?;
        if let Some(first) = contracts.iter().find(|c| c.monthly_fee_cents > 0) {
            let credit = vec![InvoiceLine {
                description: format!("Credit: monthly fee billed twice (contract {})", first.id),
                price_kind: "ONE_TIME".into(),
                amount_cents: -first.monthly_fee_cents,
            }];
            let issued = to.plus_seconds(10 * DAY_SECONDS);
            issue(
                tx,
                org_number,
                who,
                "CREDIT_NOTE",
                issued,
                (from, to),
                credit,
            )
            .await?;
        }
    }
    Ok(())
}
