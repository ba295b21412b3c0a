//! Finances (`rest-invoice-controller`): invoices with their lines, the PDF of an invoice, and
//! the billing retention period.

use sentral_domain::Timestamp;
use sentral_domain::corporate::Order;
use sentral_domain::kpn::KpnOrderRecord;
use sentral_domain::kpn::finances::BillingPeriodChange;
use sentral_store::Connection;

use crate::ServiceError;

/// Makes the change of a finished billing-period order.
pub(crate) async fn apply(
    _conn: &mut Connection,
    _order: &Order,
    _record: &KpnOrderRecord,
    _change: &BillingPeriodChange,
    _at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    Ok(Err("billing-period orders are not built yet".into()))
}

/// The demo customer's invoices: a year of monthly invoices per debtor.
pub(crate) async fn seed_demo_finances(
    _tx: &mut Connection,
    _org_number: &sentral_domain::OrgNumber,
    _root: i64,
    _places: &[i64],
    _subscribers: &[super::demo_orders::DemoSubscriber],
    _now: Timestamp,
) -> super::KpnResult<()> {
    Ok(())
}
