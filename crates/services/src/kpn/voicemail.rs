//! Business voicemail (`rest-business-voice-mail-controller`): availability, and the order of a
//! voicemail box for the subscriptions of a CSV file, every row validated.

use sentral_domain::Timestamp;
use sentral_domain::corporate::Order;
use sentral_domain::kpn::KpnOrderRecord;
use sentral_domain::kpn::voicemail::VoicemailChange;
use sentral_store::Connection;

use crate::ServiceError;

/// Makes the change of a finished business-voicemail order.
pub(crate) async fn apply(
    _conn: &mut Connection,
    _order: &Order,
    _record: &KpnOrderRecord,
    _change: &VoicemailChange,
    _at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    Ok(Err("business voicemail orders are not built yet".into()))
}
