//! KPN contracting: the stored product catalogue, basket sessions (KPN.md decision 5),
//! templates, and the order a committed basket becomes.

use sentral_domain::Timestamp;
use sentral_domain::corporate::Order;
use sentral_domain::kpn::KpnOrderRecord;
use sentral_domain::kpn::contracting::ContractingChange;
use sentral_store::Connection;

use crate::ServiceError;

/// Makes the change a committed basket asks for, in the completing transaction; `Err(reason)`
/// when it can no longer be made.
pub(crate) async fn apply(
    _conn: &mut Connection,
    _order: &Order,
    _record: &KpnOrderRecord,
    change: &ContractingChange,
    _at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    match change {
        ContractingChange::Unbuilt => Ok(Err("contracting is not built".into())),
    }
}
