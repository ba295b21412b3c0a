//! The customer's portal users (`rest-user-controller`): GRIP identities linked to subscribers,
//! their roles and privileges, the groups they manage — and the scope a token acting for such a
//! user is held to.

use sentral_domain::Timestamp;
use sentral_domain::corporate::Order;
use sentral_domain::kpn::KpnOrderRecord;
use sentral_domain::kpn::users::UserChange;
use sentral_store::Connection;

use crate::ServiceError;

/// Makes the change of a finished user order.
pub(crate) async fn apply(
    _conn: &mut Connection,
    _order: &Order,
    _record: &KpnOrderRecord,
    _change: &UserChange,
    _at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    Ok(Err("user orders are not built yet".into()))
}

/// The demo customer's GRIP identities, roles and users.
pub(crate) async fn seed_demo_users(
    _tx: &mut Connection,
    _org_number: &sentral_domain::OrgNumber,
    _root: i64,
    _places: &[i64],
    _subscribers: &[super::demo_orders::DemoSubscriber],
    _now: Timestamp,
) -> super::KpnResult<()> {
    Ok(())
}
