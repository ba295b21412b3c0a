//! Hardware of delivered orders (`rest-hardware-enrollment-controller`, return hardware): Apple
//! DEP and Samsung Knox enrolment, returns as service requests with their attachments.

use sentral_domain::Timestamp;
use sentral_domain::corporate::Order;
use sentral_domain::kpn::KpnOrderRecord;
use sentral_domain::kpn::hardware::HardwareChange;
use sentral_store::Connection;

use crate::ServiceError;

/// Makes the change of a finished hardware order.
pub(crate) async fn apply(
    _conn: &mut Connection,
    _order: &Order,
    _record: &KpnOrderRecord,
    _change: &HardwareChange,
    _at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    Ok(Err("hardware orders are not built yet".into()))
}
