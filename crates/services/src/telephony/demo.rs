//! The demo enterprise's PBX memberlines: one whose status its application sets (290), one
//! whose status comes from the network (291).

use sentral_domain::directory::{PlanDevice, PlanEntry, ShortNumber, StatusSource, Terminal};
use sentral_domain::{EntityId, Timestamp};
use sentral_store::Connection;
use sentral_store::directory as repo;
use sentral_store::telephony as store;

use crate::ServiceError;

/// `(short number, number, status source)` of the demo memberlines.
pub const DEMO_MEMBERLINES: [(&str, &str, StatusSource); 2] = [
    ("290", "4722990290", StatusSource::Application),
    ("291", "4722990291", StatusSource::Network),
];

pub(crate) async fn seed_demo_memberlines(
    conn: &mut Connection,
    enterprise_id: &str,
    now: Timestamp,
) -> Result<(), ServiceError> {
    for (short, number, source) in DEMO_MEMBERLINES {
        let entry = PlanEntry {
            short_number: ShortNumber::parse(short, 3).map_err(ServiceError::internal)?,
            device: PlanDevice::Memberline(number.into()),
        };
        repo::insert_entry(conn, enterprise_id, &entry).await?;
        let terminal = Terminal {
            number: number.into(),
            enterprise_id: enterprise_id.into(),
            member_id: Some(EntityId::new("mem_demo_001")),
            status_source: source,
            status: None,
            updated_at: now,
        };
        store::save_terminal(conn, &terminal).await?;
    }
    Ok(())
}
