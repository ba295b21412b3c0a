//! The demo customer's corporate data, and the generator behind `sentral seed --scale N`: address
//! cards, accounts in every status and type, agreement products and mobile subscriptions with
//! user references and add-ons. Deterministic: the same input gives the same data.

use sentral_domain::corporate::{
    AccountId, AccountReference, AccountStatus, AccountType, AddressCard, AddressCardId,
    AgreementProduct, AgreementProductStatus, ConfigurationValue, CorporateAccount, InvoiceFormat,
    MobileSubscription, Payer, PersonName, PostalAddress, SubscriptionProduct, SubscriptionStatus,
    UserReference, UserReferences,
};
use sentral_domain::{Msisdn, OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::corporate::{self as corporate_repo, accounts, agreements, subscriptions};

use super::accounts::FIRST_ACCOUNT_NUMBER;
use super::orders::FIRST_AGREEMENT_PRODUCT;
use crate::{Platform, ServiceError};

pub const FIRST_NAMES: &[&str] = &[
    "Kari", "Ola", "Ingrid", "Per", "Sofie", "Lars", "Nora", "Jonas", "Emma", "Henrik", "Thea",
    "Magnus", "Ida", "Sander", "Maja", "Eirik", "Sara", "Sindre", "Hanne", "Kristian",
];
pub const LAST_NAMES: &[&str] = &[
    "Nordmann",
    "Hansen",
    "Berg",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Dahl",
    "Haugen",
    "Solberg",
    "Bakke",
    "Lie",
    "Strand",
];
const STREETS: &[(&str, &str, &str)] = &[
    ("Karl Johans gate", "0154", "Oslo"),
    ("Bryggen", "5003", "Bergen"),
    ("Munkegata", "7011", "Trondheim"),
    ("Kirkegata", "4006", "Stavanger"),
    ("Storgata", "9008", "Tromsø"),
];
const DEPARTMENTS: &[&str] = &["Salg", "Service", "Økonomi", "IT", "Ledelse", "Lager"];
/// The add-ons every demo subscription has, and those some have.
const BASE_ADD_ONS: &[i64] = &[300101, 300105];
const OPTIONAL_ADD_ONS: &[i64] = &[300102, 300103, 300104, 300106, 300107];
const PLANS: &[i64] = &[100101, 100102, 100103, 100104];

fn address(index: usize, street_number: usize) -> PostalAddress {
    let (street, postal_code, place) = STREETS[index % STREETS.len()];
    PostalAddress {
        street_name: street.into(),
        street_address: street_number.to_string(),
        entrance_code: index
            .is_multiple_of(3)
            .then(|| format!("H0{}01", 1 + index % 4)),
        postal_code: postal_code.into(),
        postal_place: place.into(),
    }
}

/// What to generate for one customer organisation.
#[derive(Debug, Clone)]
pub struct CustomerPlan {
    pub org_number: OrgNumber,
    /// Address card ids are this prefix and a running number.
    pub address_card_prefix: u32,
    pub address_cards: usize,
    pub accounts: usize,
    pub subscriptions: usize,
    /// The first mobile number (national, 8 digits); the others follow it.
    pub first_mobile: u32,
    /// Personal payers and every status and type appear among the accounts.
    pub varied_accounts: bool,
}

/// Generates a customer's address cards, accounts and subscriptions in the caller's
/// transaction. Returns the accounts made.
pub async fn generate_customer(
    conn: &mut Connection,
    plan: &CustomerPlan,
    now: Timestamp,
) -> Result<Vec<AccountId>, ServiceError> {
    let accounts = generate_accounts(conn, plan, now).await?;
    generate_subscriptions(conn, plan, &accounts, 0..plan.subscriptions, now).await?;
    Ok(accounts)
}

/// The customer's address cards and accounts.
pub async fn generate_accounts(
    conn: &mut Connection,
    plan: &CustomerPlan,
    now: Timestamp,
) -> Result<Vec<AccountId>, ServiceError> {
    let mut cards = Vec::new();
    for index in 0..plan.address_cards.max(1) {
        let card = AddressCard {
            id: AddressCardId::parse(&format!("{}{:03}", plan.address_card_prefix, index + 1))
                .map_err(ServiceError::internal)?,
            org_number: plan.org_number.clone(),
            address: address(index, 1 + index * 7),
            invoice_format: if index == 2 {
                InvoiceFormat::Paper
            } else {
                InvoiceFormat::Ehf
            },
        };
        accounts::insert_address_card(conn, &card).await?;
        cards.push(card);
    }
    let mut account_ids = Vec::new();
    for index in 0..plan.accounts.max(1) {
        let number = corporate_repo::next_number(conn, "account", FIRST_ACCOUNT_NUMBER).await?;
        let id = AccountId::from_number(u32::try_from(number).map_err(ServiceError::internal)?);
        let card = &cards[index % cards.len()];
        let department = DEPARTMENTS[index % DEPARTMENTS.len()];
        let (status, account_type, payer) = if plan.varied_accounts {
            match index % 12 {
                9 => (
                    AccountStatus::Passive,
                    AccountType::Normal,
                    Payer::Company(plan.org_number.clone()),
                ),
                10 => (
                    AccountStatus::Cancelled,
                    AccountType::Reserved,
                    Payer::Company(plan.org_number.clone()),
                ),
                11 => (
                    AccountStatus::Open,
                    AccountType::RingKontant,
                    Payer::Person(PersonName {
                        first_name: "Ola".into(),
                        middle_name: Some("Roger".into()),
                        last_name: "Nordmann".into(),
                    }),
                ),
                7 | 8 => (
                    AccountStatus::Open,
                    AccountType::Reserved,
                    Payer::Company(plan.org_number.clone()),
                ),
                _ => (
                    AccountStatus::Open,
                    AccountType::Normal,
                    Payer::Company(plan.org_number.clone()),
                ),
            }
        } else {
            (
                AccountStatus::Open,
                AccountType::Normal,
                Payer::Company(plan.org_number.clone()),
            )
        };
        let reference = |field, text: String| {
            AccountReference::parse(field, &text).map_err(ServiceError::internal)
        };
        let account = CorporateAccount {
            id: id.clone(),
            references: [
                Some(reference(
                    "accountReference1",
                    format!("{department} {}", index + 1),
                )?),
                Some(reference(
                    "accountReference2",
                    format!("Kostnadssted {}", 100 + index),
                )?),
                index
                    .is_multiple_of(2)
                    .then(|| reference("accountReference3", format!("Prosjekt {}", index + 1)))
                    .transpose()?,
            ],
            owner: plan.org_number.clone(),
            invoice_format: if matches!(payer, Payer::Person(_)) {
                InvoiceFormat::Paper
            } else {
                card.invoice_format
            },
            payer,
            address_card: Some(card.id.clone()),
            invoice_address: card.address.clone(),
            stored_status: status,
            account_type,
            created_at: now,
            activates_at: None,
            listed_from: now,
        };
        accounts::insert_account(conn, &account).await?;
        account_ids.push(id);
    }
    Ok(account_ids)
}

/// Subscriptions number `range` of the customer (so a large one can be made in chunks).
pub async fn generate_subscriptions(
    conn: &mut Connection,
    plan: &CustomerPlan,
    account_ids: &[AccountId],
    range: std::ops::Range<usize>,
    now: Timestamp,
) -> Result<(), ServiceError> {
    // Subscriptions go on open accounts that take many (NORMAL) or, once, a RESERVED one.
    let usable: Vec<&AccountId> = account_ids
        .iter()
        .enumerate()
        .filter(|(index, _)| !plan.varied_accounts || !matches!(index % 12, 8..=11))
        .map(|(_, id)| id)
        .collect();
    for index in range {
        let national = plan.first_mobile + u32::try_from(index).map_err(ServiceError::internal)?;
        let msisdn = Msisdn::parse(&format!("{national:08}")).map_err(ServiceError::internal)?;
        let first = FIRST_NAMES[index % FIRST_NAMES.len()];
        let last = LAST_NAMES[(index / FIRST_NAMES.len() + index) % LAST_NAMES.len()];
        let user_reference = |field, text: String| {
            UserReference::parse(field, &text).map_err(ServiceError::internal)
        };
        let mut products: Vec<SubscriptionProduct> = BASE_ADD_ONS
            .iter()
            .map(|&product_id| SubscriptionProduct {
                product_id,
                added_at: now,
            })
            .collect();
        for (position, &product_id) in OPTIONAL_ADD_ONS.iter().enumerate() {
            if (index + position) % (position + 2) == 0 {
                products.push(SubscriptionProduct {
                    product_id,
                    added_at: now,
                });
            }
        }
        let subscription = MobileSubscription {
            msisdn,
            org_number: plan.org_number.clone(),
            account_id: usable[index % usable.len()].clone(),
            plan_id: PLANS[index % PLANS.len()],
            status: if index % 25 == 24 {
                SubscriptionStatus::Suspended
            } else {
                SubscriptionStatus::Active
            },
            user: Some(PersonName {
                first_name: first.into(),
                middle_name: None,
                last_name: last.into(),
            }),
            references: UserReferences {
                reference1: Some(user_reference("userReference1", format!("{first} {last}"))?),
                reference2: Some(user_reference(
                    "userReference2",
                    format!("Avd {}", DEPARTMENTS[index % DEPARTMENTS.len()]),
                )?),
                reference3: index
                    .is_multiple_of(3)
                    .then(|| user_reference("userReference3", format!("A{:05}", index + 1)))
                    .transpose()?,
            },
            iccid: format!("894700{:013}", u64::from(national)),
            activated_at: now,
            updated_at: now,
            products,
        };
        subscriptions::insert_subscription(conn, &subscription).await?;
    }
    Ok(())
}

/// Products ordered on the demo MBN agreement: a queue with its main number and Office licences.
pub async fn demo_agreement_products(
    conn: &mut Connection,
    agreement_id: &str,
    billing_account: &AccountId,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let value = |id: &str, value: &str| ConfigurationValue {
        id: id.into(),
        value: value.into(),
    };
    let queue_id =
        corporate_repo::next_number(conn, "agreement-product", FIRST_AGREEMENT_PRODUCT).await?;
    let licences_id =
        corporate_repo::next_number(conn, "agreement-product", FIRST_AGREEMENT_PRODUCT).await?;
    let products = [
        AgreementProduct {
            id: queue_id,
            agreement_id: agreement_id.into(),
            offer_id: 404333,
            name: "Kø hoved nr".into(),
            status: AgreementProductStatus::Active,
            billing_account_id: Some(billing_account.as_str().into()),
            parent_id: None,
            configurations: vec![
                value("queueName", "Kø hoved nr"),
                value("queueNumber", "22990000"),
                value("strategy", "LONGEST_IDLE"),
            ],
            created_at: now,
            updated_at: now,
        },
        AgreementProduct {
            id: licences_id,
            agreement_id: agreement_id.into(),
            offer_id: 405,
            name: "Office 365 Business Basic".into(),
            status: AgreementProductStatus::Active,
            billing_account_id: Some(billing_account.as_str().into()),
            parent_id: None,
            configurations: vec![value("licences", "25")],
            created_at: now,
            updated_at: now,
        },
    ];
    for product in &products {
        agreements::insert_product(conn, product).await?;
    }
    Ok(())
}

impl Platform {
    /// The demo customer's corporate data: two organisations' address cards, a dozen accounts in
    /// every status and type, the MBN agreement's products and 60 subscriptions.
    pub(crate) async fn seed_demo_corporate(&self, now: Timestamp) -> Result<(), ServiceError> {
        let org = |number: &str| OrgNumber::parse(number).map_err(ServiceError::internal);
        let mut tx = self.store.write().await?;
        let parent = CustomerPlan {
            org_number: org(crate::demo::CUSTOMER_ORG)?,
            address_card_prefix: 664,
            address_cards: 3,
            accounts: 12,
            subscriptions: 48,
            first_mobile: 91_000_001,
            varied_accounts: true,
        };
        let accounts = generate_customer(&mut tx, &parent, now).await?;
        let subsidiary = CustomerPlan {
            org_number: org(crate::demo::SUBSIDIARY_ORG)?,
            address_card_prefix: 665,
            address_cards: 1,
            accounts: 2,
            subscriptions: 12,
            first_mobile: 91_000_101,
            varied_accounts: false,
        };
        generate_customer(&mut tx, &subsidiary, now).await?;
        demo_agreement_products(&mut tx, crate::demo::MBN_AGREEMENT_ID, &accounts[0], now).await?;
        tx.commit().await?;
        Ok(())
    }
}
