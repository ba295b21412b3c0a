//! Usage thresholds (`rest-threshold-controller`) and fixed-mobile numbers for merging.

use sentral_domain::Timestamp;
use sentral_store::Connection;

/// The demo customer's thresholds and their contracts.
pub(crate) async fn seed_demo_thresholds(
    _tx: &mut Connection,
    _org_number: &sentral_domain::OrgNumber,
    _root: i64,
    _places: &[i64],
    _subscribers: &[super::demo_orders::DemoSubscriber],
    _now: Timestamp,
) -> super::KpnResult<()> {
    Ok(())
}
