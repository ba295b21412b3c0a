//! The demo customer's thresholds, with contracts assigned; and its fixed and fixed-mobile
//! contracts (seeded first, so the thresholds' lists show every category).

use sentral_domain::kpn::thresholds::{Threshold, ThresholdType};
use sentral_domain::{OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::kpn::thresholds as repo;

use super::super::demo_orders::DemoSubscriber;
use super::FIRST_THRESHOLD_ID;

/// The demo thresholds: name, type, daily value and the demo contracts (by subscriber index)
/// assigned. The last has none, so its type may change and it may be removed.
const DEMO_THRESHOLDS: &[(&str, ThresholdType, f64, &[usize])] = &[
    (
        "Data NL 2 GB per dag",
        ThresholdType::DataNationalMb,
        2048.0,
        &[0, 1, 2, 3, 4, 5],
    ),
    (
        "Data buitenland 500 MB",
        ThresholdType::DataRoamingMb,
        500.0,
        &[0, 1, 2],
    ),
    (
        "Bellen NL 3 uur",
        ThresholdType::VoiceNationalMin,
        180.0,
        &[3, 4],
    ),
    (
        "Bellen buitenland EUR 25",
        ThresholdType::VoiceRoamingEur,
        25.0,
        &[],
    ),
];

/// The demo customer's thresholds and their contracts.
pub(crate) async fn seed_demo_thresholds(
    tx: &mut Connection,
    org_number: &OrgNumber,
    _root: i64,
    _places: &[i64],
    subscribers: &[DemoSubscriber],
    now: Timestamp,
) -> super::KpnResult<()> {
    super::super::fixed_mobile::seed_demo_fixed_mobile(tx, org_number, subscribers).await?;
    for (name, kind, daily_value, holders) in DEMO_THRESHOLDS {
        let id =
            sentral_store::corporate::next_number(tx, "kpn-threshold", FIRST_THRESHOLD_ID).await?;
        let threshold = Threshold {
            id,
            name: (*name).into(),
            kind: *kind,
            daily_value: *daily_value,
        };
        repo::insert_threshold(tx, org_number, &threshold, now).await?;
        for index in *holders {
            if let Some((contract_id, _, _)) =
                subscribers.get(*index).and_then(|s| s.contract.clone())
            {
                repo::assign(tx, &threshold, contract_id, now).await?;
            }
        }
    }
    Ok(())
}
