//! Fixed-mobile integration (`rest-separate-fixed-mobile-controller`, `/contract/id/{id}/vamo/…`).

use sentral_domain::Timestamp;
use sentral_domain::corporate::Order;
use sentral_domain::kpn::KpnOrderRecord;
use sentral_domain::kpn::fixed_mobile::FixedMobileChange;
use sentral_store::Connection;

use crate::ServiceError;

/// Makes the change of a finished separate-fixed-mobile order.
pub(crate) async fn apply(
    _conn: &mut Connection,
    _order: &Order,
    _record: &KpnOrderRecord,
    _change: &FixedMobileChange,
    _at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    Ok(Err("separate fixed-mobile orders are not built yet".into()))
}
