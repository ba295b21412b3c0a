//! `sentral seed --scale N`'s KPN customer: *Schaal Klant B.V.* with two debtors, ten cost
//! centres and N subscribers (employee numbers 2000001 …), each holding one mobile contract;
//! `demo-kpn-scale-client` acts in it. Deterministic, written many rows per statement.

use sentral_domain::kpn::{
    Contract, ContractCategory, ContractState, HierarchyItem, ItemKind, SubscriberData,
};
use sentral_domain::platform::Organization;
use sentral_domain::{ApiProduct, ClientId, OrgNumber, Secret, Timestamp};
use sentral_store::corporate::reserve_numbers;
use sentral_store::kpn::{bulk, items};

use super::demo::{FIRST_NAMES, PRODUCT_EN, PRODUCT_NL, SURNAMES, mobile_items};
use super::{FIRST_CONTRACT_ID, FIRST_ITEM_ID, KpnError};
use crate::admin::NewApplication;
use crate::platform::Actor;
use crate::{Platform, ServiceError, demo};

pub const SCALE_KVK: &str = "NL77000001";
pub const SCALE_NAME: &str = "Schaal Klant B.V.";
pub const SCALE_CLIENT_ID: &str = "demo-kpn-scale-client";
pub const SCALE_CLIENT_SECRET: &str = "demo-kpn-scale-secret";
/// The `index`th subscriber's employee number.
pub fn employee_number(index: usize) -> String {
    (2_000_001 + index).to_string()
}
/// Subscribers per transaction: bounded transactions, progress as they commit.
const CHUNK: usize = 5_000;

fn service(error: KpnError) -> ServiceError {
    match error {
        KpnError::Service(e) => e,
        KpnError::Rule(rule) => ServiceError::internal(rule),
    }
}

impl Platform {
    /// The scale KPN customer with `count` subscribers and contracts, and its client.
    pub(crate) async fn seed_scale_kpn(
        &self,
        count: usize,
        progress: &mut impl FnMut(&str, usize, usize),
    ) -> Result<OrgNumber, ServiceError> {
        let org_number = OrgNumber::parse(SCALE_KVK).map_err(ServiceError::internal)?;
        let organization = Organization {
            org_number: org_number.clone(),
            name: SCALE_NAME.into(),
            parent: None,
        };
        let now = self.now();
        let mut tx = self.store.write().await?;
        sentral_store::platform::insert_organization(&mut tx, &organization, now).await?;
        tx.commit().await?;
        let customer = self
            .open_kpn_customer(&organization, false)
            .await
            .map_err(service)?;
        let mut tx = self.store.write().await?;
        let mut places = Vec::new();
        for (d, debtor_name) in ["Schaal Klant Noord", "Schaal Klant Zuid"]
            .iter()
            .enumerate()
        {
            let debtor = super::next_item_id(&mut tx).await.map_err(service)?;
            let item = group(
                debtor,
                ItemKind::Debtor,
                customer.item_id,
                debtor_name,
                None,
            );
            items::insert_item(&mut tx, &org_number, &item, Some(debtor), now).await?;
            for c in 0..5 {
                let id = super::next_item_id(&mut tx).await.map_err(service)?;
                let number = format!("SC-{}{c}", d + 1);
                let name = format!("Afdeling {}{c}", d + 1);
                let item = group(id, ItemKind::CostCenter, debtor, &name, Some(number));
                items::insert_item(&mut tx, &org_number, &item, Some(debtor), now).await?;
                places.push((id, debtor));
            }
        }
        tx.commit().await?;
        let mut done = 0;
        while done < count {
            let end = (done + CHUNK).min(count);
            let size = i64::try_from(end - done).map_err(ServiceError::internal)?;
            let mut tx = self.store.write().await?;
            let first_item = reserve_numbers(&mut tx, "kpn-item", FIRST_ITEM_ID, size).await?;
            let first_contract =
                reserve_numbers(&mut tx, "kpn-contract", FIRST_CONTRACT_ID, size).await?;
            let mut subscribers = Vec::with_capacity(end - done);
            let mut contracts = Vec::with_capacity(end - done);
            for (offset, index) in (done..end).enumerate() {
                let offset = i64::try_from(offset).map_err(ServiceError::internal)?;
                let (parent, debtor) = places[index % places.len()];
                let (item, contract) =
                    subscriber(index, first_item + offset, first_contract + offset, parent);
                subscribers.push((item, Some(debtor)));
                contracts.push(contract);
            }
            bulk::insert_items(&mut tx, &org_number, &subscribers, now).await?;
            bulk::insert_contracts(&mut tx, &org_number, &contracts).await?;
            tx.commit().await?;
            done = end;
            progress("KPN subscribers and contracts", done, count);
        }
        let client = NewApplication {
            partner: OrgNumber::parse(demo::PARTNER_ORG).map_err(ServiceError::internal)?,
            name: "Scale Fleet Manager (KPN)".into(),
            products: vec![ApiProduct::KpnMsm],
            billing_account: Some("55000001".into()),
            owner: "Per Partner".into(),
            created_by: "seed".into(),
            kpn_customer: Some(org_number.clone()),
            client_id: Some(ClientId::parse(SCALE_CLIENT_ID).map_err(ServiceError::internal)?),
            client_secret: Some(Secret::new(SCALE_CLIENT_SECRET)),
            redirect_uris: Vec::new(),
        };
        self.create_application(&Actor("seed".into()), client)
            .await?;
        Ok(org_number)
    }
}

fn group(
    id: i64,
    kind: ItemKind,
    parent: i64,
    name: &str,
    number: Option<String>,
) -> HierarchyItem {
    HierarchyItem {
        id,
        kind,
        parent_id: Some(parent),
        name: name.into(),
        cost_center_number: number,
        subscriber: None,
    }
}

/// The `index`th subscriber (item `id`) and its contract (`contract_id`).
fn subscriber(index: usize, id: i64, contract_id: i64, parent: i64) -> (HierarchyItem, Contract) {
    let first = FIRST_NAMES[index % FIRST_NAMES.len()];
    let (prefix, surname) = SURNAMES[(index / FIRST_NAMES.len() + index) % SURNAMES.len()];
    let mobile = format!("3162{:07}", index);
    let data = SubscriberData {
        first_name: Some(first.into()),
        surname_prefix: prefix.map(str::to_owned),
        surname: surname.into(),
        email: Some(format!(
            "{}.{}{}@schaalklant.nl",
            first.to_lowercase(),
            surname.to_lowercase(),
            index + 1
        )),
        vip: index.is_multiple_of(50),
        employee_number: Some(employee_number(index)),
        gender: Some(
            if index.is_multiple_of(2) {
                "MALE"
            } else {
                "FEMALE"
            }
            .into(),
        ),
        preferred_language: Some("NL".into()),
        comments: None,
        mobile_number: Some(mobile.clone()),
        fixed_number: index.is_multiple_of(5).then(|| format!("3130{:07}", index)),
    };
    let item = HierarchyItem {
        id,
        kind: ItemKind::Subscriber,
        parent_id: Some(parent),
        name: data.display_name(),
        cost_center_number: None,
        subscriber: Some(data),
    };
    let started = Timestamp::from_millis(1_704_067_200_000);
    let contract = Contract {
        id: contract_id,
        owner_id: id,
        category: ContractCategory::Mobile,
        product_category: "Mobile subscriptions".into(),
        product_en: PRODUCT_EN.into(),
        product_nl: PRODUCT_NL.into(),
        state: if index % 25 == 24 {
            ContractState::Blocked
        } else {
            ContractState::Active
        },
        mobile_number: Some(mobile),
        fixed_number: None,
        sim_card_number: Some(format!("893162{:013}", index)),
        imei: Some(format!("35{:013}", 8_800_000 + index)),
        extension: None,
        sip_account: None,
        tariff_plan: Some("Smartphone EU - Unlimited".into()),
        pin: Some(format!("{:04}", index % 10_000)),
        puk: Some(format!("{:08}", 40_000_000 + index)),
        start_at: started,
        status_changed_at: started,
        items: mobile_items(contract_id),
    };
    (item, contract)
}
