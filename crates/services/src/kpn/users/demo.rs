//! The demo customer's portal: roles whose privileges are the spec's names, eight GRIP
//! identities of its people — three already users with roles and managed groups, five free
//! to link.

use sentral_domain::kpn::Privilege::{self, *};
use sentral_domain::kpn::users::{GripEntity, Role};
use sentral_domain::{OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::kpn::users as repo;

use crate::kpn::KpnResult;
use crate::kpn::demo_orders::DemoSubscriber;

/// The first id of the roles and of the GRIP identities.
const FIRST_ROLE_ID: i64 = 101;
const FIRST_GRIP_ID: i64 = 8_000_001;

const ROLES: &[(&str, &[Privilege])] = &[
    (
        "Administrator",
        &[
            UnauthorizedOrdersCreation,
            OrdersAuthorization,
            VirtualHierarchyView,
            VirtualHierarchyManagement,
            BulkUploadDataOfEndUser,
            OrdersTrackAndTrace,
            ThresholdManagement,
            FinancialDocumentsView,
            BillingRetentionPortlet,
            PortfolioAndProfilesManagement,
        ],
    ),
    ("Track and trace", &[OrdersTrackAndTrace]),
    (
        "Orders",
        &[UnauthorizedOrdersCreation, VirtualHierarchyView],
    ),
    ("Authoriser", &[OrdersAuthorization, OrdersTrackAndTrace]),
    ("Thresholds", &[ThresholdManagement]),
    (
        "Finance",
        &[FinancialDocumentsView, BillingRetentionPortlet],
    ),
    ("Hierarchy viewer", &[VirtualHierarchyView]),
    (
        "Hierarchy manager",
        &[VirtualHierarchyManagement, BulkUploadDataOfEndUser],
    ),
    ("Portfolio", &[PortfolioAndProfilesManagement]),
];

/// The demo customer's GRIP identities, roles and users.
pub(crate) async fn seed_demo_users(
    tx: &mut Connection,
    org_number: &OrgNumber,
    root: i64,
    places: &[i64],
    subscribers: &[DemoSubscriber],
    _now: Timestamp,
) -> KpnResult<()> {
    let mut role_ids = Vec::new();
    for (name, privileges) in ROLES {
        let id = sentral_store::corporate::next_number(tx, "kpn-role", FIRST_ROLE_ID).await?;
        repo::insert_role(
            tx,
            org_number,
            &Role {
                id,
                name: (*name).into(),
                privileges: privileges.to_vec(),
            },
        )
        .await?;
        role_ids.push(id);
    }
    // The first three people are users: an administrator of the whole customer, an orderer
    // with track & trace for the first place, a finance user for the second.
    let users: [(Vec<i64>, Vec<i64>); 3] = [
        (vec![role_ids[0]], vec![root]),
        (
            vec![role_ids[1], role_ids[2]],
            places.first().copied().into_iter().collect(),
        ),
        (
            vec![role_ids[5]],
            places.get(1).copied().into_iter().collect(),
        ),
    ];
    for (index, person) in subscribers.iter().take(8).enumerate() {
        let data = &person.data;
        let id = sentral_store::corporate::next_number(tx, "kpn-grip", FIRST_GRIP_ID).await?;
        let user_name = format!(
            "{}{}{}",
            data.first_name
                .as_deref()
                .and_then(|f| f.chars().next())
                .map(|c| c.to_ascii_lowercase().to_string())
                .unwrap_or_default(),
            data.surname_prefix
                .as_deref()
                .map(|p| p.replace(' ', "").to_lowercase())
                .unwrap_or_default(),
            data.surname.to_lowercase().replace(' ', "")
        );
        let entity = GripEntity {
            id,
            user_name,
            first_name: data.first_name.clone(),
            surname: match &data.surname_prefix {
                Some(prefix) => format!("{prefix} {}", data.surname),
                None => data.surname.clone(),
            },
            email: data.email.clone(),
            employee_number: data.employee_number.clone(),
            gender: data.gender.clone(),
            preferred_language: data.preferred_language.clone(),
            mobile_number: data.mobile_number.clone(),
            fixed_number: data.fixed_number.clone(),
        };
        repo::insert_grip_entity(tx, org_number, &entity).await?;
        if let Some((roles, groups)) = users.get(index) {
            repo::insert_user(tx, org_number, person.id, id).await?;
            repo::edit_links(tx, person.id, false, roles, &[]).await?;
            repo::edit_links(tx, person.id, true, groups, &[]).await?;
        }
    }
    Ok(())
}
