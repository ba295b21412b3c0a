//! KPN contract orders: terminate (with its fee and first free date), replace SIM, move, port
//! out, authorisation of waiting orders, porting data, and the hardware of an order.

use sentral_domain::Timestamp;
use sentral_domain::corporate::Order;
use sentral_domain::kpn::KpnOrderRecord;
use sentral_domain::kpn::contract_orders::ContractOrderChange;
use sentral_store::Connection;

use crate::ServiceError;

/// Makes the change a contract order asks for, in the completing transaction; `Err(reason)`
/// when it can no longer be made.
pub(crate) async fn apply(
    _conn: &mut Connection,
    _order: &Order,
    _record: &KpnOrderRecord,
    change: &ContractOrderChange,
    _at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    match change {
        ContractOrderChange::Unbuilt => Ok(Err("contract orders are not built".into())),
    }
}
