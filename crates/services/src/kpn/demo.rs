//! The KPN demo world (KPN.md): *Demo Klant B.V.* with two debtors, their cost centres and
//! custom groups, ~40 subscribers with Dutch names and contracts, orders and service requests in
//! every track-and-trace status (`demo_orders`); and a second customer whose ordering is frozen. Deterministic: the same ids and values on every reset.

use sentral_domain::kpn::{
    Contract, ContractCategory, ContractItemNode, ContractState, HierarchyItem, ItemKind,
    SubscriberData,
};
use sentral_domain::platform::Organization;
use sentral_domain::{OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::kpn::{contracts, items};

use super::demo_orders::{DemoSubscriber, seed_demo_orders};
use super::{KpnResult, Tree, next_contract_id, next_item_id};
use crate::{Platform, ServiceError};

pub const CUSTOMER_KVK: &str = "NL69599084";
pub const CUSTOMER_NAME: &str = "Demo Klant B.V.";
pub const FROZEN_KVK: &str = "NL70427135";
pub const FROZEN_NAME: &str = "Bevroren Klant B.V.";
/// The product every demo mobile contract has.
pub const PRODUCT_EN: &str = "Smartphone Subscription";
pub const PRODUCT_NL: &str = "Smartphone Abonnement";
/// The monthly fee of every demo mobile contract (€ 25.00).
pub const DEMO_MONTHLY_FEE_CENTS: i64 = 2_500;

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Jan", "Sanne", "Pieter", "Lotte", "Daan", "Emma", "Sem", "Julia", "Bram", "Fleur", "Thijs",
    "Anouk", "Lucas", "Eva", "Ruben", "Lisa", "Jesse", "Noor", "Milan", "Sophie",
];
pub(crate) const SURNAMES: &[(Option<&str>, &str)] = &[
    (Some("de"), "Vries"),
    (Some("van"), "Dijk"),
    (None, "Bakker"),
    (Some("van der"), "Berg"),
    (None, "Jansen"),
    (Some("de"), "Boer"),
    (None, "Visser"),
    (Some("van den"), "Heuvel"),
    (None, "Smit"),
    (Some("de"), "Graaf"),
    (None, "Mulder"),
    (Some("van"), "Leeuwen"),
    (None, "Meijer"),
    (Some("de"), "Jong"),
];

pub fn org(number: &str) -> Result<OrgNumber, ServiceError> {
    OrgNumber::parse(number).map_err(ServiceError::internal)
}

#[allow(clippy::too_many_arguments)]
async fn group(
    conn: &mut Connection,
    org_number: &OrgNumber,
    kind: ItemKind,
    parent: i64,
    debtor: Option<i64>,
    name: &str,
    number: Option<&str>,
    now: Timestamp,
) -> KpnResult<i64> {
    let id = next_item_id(conn).await?;
    let item = HierarchyItem {
        id,
        kind,
        parent_id: Some(parent),
        name: name.into(),
        cost_center_number: number.map(str::to_owned),
        subscriber: None,
    };
    items::insert_item(
        conn,
        org_number,
        &item,
        debtor
            .or(Some(id))
            .filter(|_| debtor.is_some() || kind == ItemKind::Debtor),
        now,
    )
    .await?;
    Ok(id)
}

/// A mobile contract's item tree: the subscription with its voice, data and SIM items.
pub(crate) fn mobile_items(contract_id: i64) -> Vec<ContractItemNode> {
    let base = contract_id * 10;
    let node = |offset: i64, bs: i64, en: &str, nl: &str, children| ContractItemNode {
        id: base + offset,
        citem_bs_id: 880_000 + base + offset,
        product_bs_id: bs,
        tariff_plan_variant_bs_id: Some(41_000 + bs % 100),
        name_en: en.into(),
        name_nl: nl.into(),
        children,
    };
    vec![node(
        1,
        2001,
        PRODUCT_EN,
        PRODUCT_NL,
        vec![
            node(
                2,
                2101,
                "Unlimited calling NL",
                "Onbeperkt bellen NL",
                Vec::new(),
            ),
            node(3, 2102, "Data EU 20 GB", "Data EU 20 GB", Vec::new()),
            node(4, 2103, "SIM card", "Simkaart", Vec::new()),
        ],
    )]
}

impl Platform {
    /// Seeds both KPN demo customers (their organisations included).
    pub(crate) async fn seed_demo_kpn(&self, now: Timestamp) -> KpnResult<()> {
        for (number, name, frozen) in [
            (CUSTOMER_KVK, CUSTOMER_NAME, false),
            (FROZEN_KVK, FROZEN_NAME, true),
        ] {
            let organization = Organization {
                org_number: org(number)?,
                name: name.into(),
                parent: None,
            };
            let mut tx = self.store.write().await?;
            sentral_store::platform::insert_organization(&mut tx, &organization, now).await?;
            tx.commit().await?;
            self.open_kpn_customer(&organization, frozen).await?;
        }
        let org_number = org(CUSTOMER_KVK)?;
        let mut tx = self.store.write().await?;
        let customer = sentral_store::kpn::customers::customer(&mut tx, &org_number)
            .await?
            .ok_or_else(|| ServiceError::internal("demo KPN customer"))?;
        let root = customer.item_id;
        let mut places = Vec::new();
        for (debtor_name, centres, custom) in [
            (
                "Demo Klant Noord",
                [("Verkoop", "CC-100"), ("Marketing", "CC-110")],
                "Directie",
            ),
            (
                "Demo Klant Zuid",
                [("Logistiek", "CC-200"), ("ICT", "CC-210")],
                "Projecten",
            ),
        ] {
            let debtor = group(
                &mut tx,
                &org_number,
                ItemKind::Debtor,
                root,
                None,
                debtor_name,
                None,
                now,
            )
            .await?;
            for (name, number) in centres {
                let id = group(
                    &mut tx,
                    &org_number,
                    ItemKind::CostCenter,
                    debtor,
                    Some(debtor),
                    name,
                    Some(number),
                    now,
                )
                .await?;
                places.push(id);
            }
            let id = group(
                &mut tx,
                &org_number,
                ItemKind::CustomGroup,
                debtor,
                Some(debtor),
                custom,
                None,
                now,
            )
            .await?;
            places.push(id);
        }
        let tree = Tree::new(items::groups(&mut tx, &org_number).await?);
        let terms_start = demo_terms_start(now);
        let mut seeded = Vec::new();
        for index in 0..40usize {
            let first = FIRST_NAMES[index % FIRST_NAMES.len()];
            let (prefix, surname) = SURNAMES[(index * 3) % SURNAMES.len()];
            let mobile = format!("3161{:07}", 1000 + index);
            let data = SubscriberData {
                first_name: Some(first.into()),
                surname_prefix: prefix.map(str::to_owned),
                surname: surname.into(),
                email: Some(format!(
                    "{}.{}{}@demoklant.nl",
                    first.to_lowercase(),
                    prefix.map(|p| p.replace(' ', "")).unwrap_or_default(),
                    surname.to_lowercase()
                )),
                vip: index % 10 == 0,
                employee_number: Some(format!("{}", 1001 + index)),
                gender: Some(if index % 2 == 0 { "MALE" } else { "FEMALE" }.into()),
                preferred_language: Some(if index % 4 == 0 { "EN" } else { "NL" }.into()),
                comments: None,
                mobile_number: Some(mobile.clone()),
                fixed_number: (index % 5 == 0).then(|| format!("3120{:07}", 5000 + index)),
            };
            let parent = places[index % places.len()];
            let id = next_item_id(&mut tx).await?;
            let item = HierarchyItem {
                id,
                kind: ItemKind::Subscriber,
                parent_id: Some(parent),
                name: data.display_name(),
                cost_center_number: None,
                subscriber: Some(data.clone()),
            };
            items::insert_item(&mut tx, &org_number, &item, tree.debtor_of(parent), now).await?;
            let mut subscriber = DemoSubscriber {
                id,
                parent_id: parent,
                data,
                contract: None,
            };
            // The last five hold no contract, so they can be deleted right away.
            if index < 35 {
                let contract_id = next_contract_id(&mut tx).await?;
                let contract = Contract {
                    id: contract_id,
                    owner_id: id,
                    category: ContractCategory::Mobile,
                    product_category: "Mobile subscriptions".into(),
                    product_en: PRODUCT_EN.into(),
                    product_nl: PRODUCT_NL.into(),
                    state: if index == 7 {
                        ContractState::Blocked
                    } else {
                        ContractState::Active
                    },
                    mobile_number: Some(mobile),
                    fixed_number: None,
                    sim_card_number: Some(format!("893116{:013}", 4_000_000 + index)),
                    imei: Some(format!("35{:013}", 7_700_000 + index)),
                    extension: None,
                    sip_account: None,
                    tariff_plan: Some("Smartphone EU - Unlimited".into()),
                    pin: Some(format!("{:04}", 1000 + index)),
                    puk: Some(format!("{:08}", 12_340_000 + index)),
                    start_at: terms_start,
                    status_changed_at: terms_start,
                    items: mobile_items(contract_id),
                };
                contracts::insert_contract(&mut tx, &org_number, &contract).await?;
                // Terms of 24, 36 and 48 months: ended, ending next 1 January, the one after.
                let term_months = [24, 36, 48][index % 3];
                sentral_store::kpn::contract_orders::set_contract_terms(
                    &mut tx,
                    contract_id,
                    term_months,
                    DEMO_MONTHLY_FEE_CENTS,
                )
                .await?;
                subscriber.contract = Some((
                    contract_id,
                    contract.mobile_number.clone().unwrap_or_default(),
                    contract.sim_card_number.clone().unwrap_or_default(),
                ));
            }
            seeded.push(subscriber);
        }
        seed_demo_orders(&mut tx, &org_number, &seeded, &places, now).await?;
        super::basket::seed::seed_demo_contracting(&mut tx, &org_number, root, &places, now)
            .await?;
        super::addresses::seed_demo_addresses(&mut tx, &org_number, now).await?;
        super::users::seed_demo_users(&mut tx, &org_number, root, &places, &seeded, now).await?;
        super::thresholds::seed_demo_thresholds(&mut tx, &org_number, root, &places, &seeded, now)
            .await?;
        super::finances::seed_demo_finances(&mut tx, &org_number, root, &places, &seeded, now)
            .await?;
        tx.commit().await?;
        // The catalogue was seeded anew: read it again.
        self.kpn_catalogue.forget();
        Ok(())
    }
}

/// 1 January two years before `now`: the demo contracts' start, so that their terms (24, 36, 48
/// months) have ended, end next 1 January and the one after, whatever the year.
pub(crate) fn demo_terms_start(now: Timestamp) -> Timestamp {
    let year: i32 = now.to_rfc3339()[..4].parse().unwrap_or(2026);
    Timestamp::parse_rfc3339(&format!("{}-01-01T00:00:00Z", year - 2)).unwrap_or(now)
}
