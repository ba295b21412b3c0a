//! The dealer's demo world: segments and account managers of the demo customers, the dealer's
//! fields on their subscriptions (IMEI, birth date, binding, prepaid/postpaid, in order), and a
//! second customer, Demo Kunde To AS, with an MBN agreement that no application reaches at
//! first — the journey "the production application cannot read it, a dealer adds the Connect
//! service, now it can".

use sentral_domain::platform::{Agreement, Organization};
use sentral_domain::{Msisdn, OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::platform as repo;
use sentral_store::portal::dealer::{
    self as store, CustomerProfile, POSTPAID, PREPAID, SubscriptionDetails,
};

use crate::corporate::demo::{CustomerPlan, generate_customer};
use crate::platform::Actor;
use crate::{Platform, ServiceError};

pub const SECOND_CUSTOMER_ORG: &str = "930000027";
pub const SECOND_CUSTOMER_NAME: &str = "Demo Kunde To AS";
pub const SECOND_MBN_AGREEMENT_ID: &str = "10000002";
pub const SECOND_PRICE_AGREEMENT_ID: &str = "20000002";
/// The second customer's first mobile number (national); five more follow it.
pub const SECOND_FIRST_MOBILE: u32 = 92_000_001;
pub const SECOND_SUBSCRIPTIONS: usize = 6;

/// The demo IMEI of the subscription with national number `national`: `35` and 13 digits.
pub fn demo_imei(national: u32) -> String {
    format!("35{national:013}")
}

/// The demo birth date (ISO) of the `index`th subscription of a customer.
pub fn demo_birth_date(index: usize) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        1960 + index % 40,
        1 + index % 12,
        1 + index % 28
    )
}

fn org(number: &str) -> Result<OrgNumber, ServiceError> {
    OrgNumber::parse(number).map_err(ServiceError::internal)
}

/// Fills the dealer's fields of a customer's demo subscriptions `first_mobile ..+count`: every
/// seventh bound until 2030, every twentieth prepaid, the sixth still being ordered.
async fn fill_subscription_details(
    conn: &mut Connection,
    first_mobile: u32,
    count: usize,
) -> Result<(), ServiceError> {
    for index in 0..count {
        let national = first_mobile + u32::try_from(index).map_err(ServiceError::internal)?;
        let msisdn = Msisdn::parse(&format!("{national:08}")).map_err(ServiceError::internal)?;
        let details = SubscriptionDetails {
            imei: Some(demo_imei(national)),
            birth_date: Some(demo_birth_date(index)),
            binding_until: index.is_multiple_of(7).then(|| "2030-12-31".to_owned()),
            payment: if index % 20 == 19 { PREPAID } else { POSTPAID }.to_owned(),
            in_order: index == 5,
        };
        store::set_subscription_details(conn, &msisdn, &details).await?;
    }
    Ok(())
}

impl Platform {
    /// Seeds the dealer's demo world; the first customer's corporate data exists already.
    pub(crate) async fn seed_demo_dealer(
        &self,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let second = org(SECOND_CUSTOMER_ORG)?;
        let mut tx = self.store.write().await?;
        repo::insert_organization(
            &mut tx,
            &Organization {
                org_number: second.clone(),
                name: SECOND_CUSTOMER_NAME.into(),
                parent: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        for (id, category, valid_from) in [
            (
                SECOND_MBN_AGREEMENT_ID,
                super::dealer::MBN_CATEGORY,
                "2023-10-16",
            ),
            (SECOND_PRICE_AGREEMENT_ID, "Prisavtale", "2024-07-14"),
        ] {
            let agreement = Agreement {
                id: id.into(),
                org_number: second.clone(),
                category: category.into(),
                valid_from: valid_from.into(),
                valid_to: None,
                status: "ACTIVE".into(),
                internal_number_length: 3,
            };
            self.create_agreement(actor, agreement, SECOND_CUSTOMER_NAME)
                .await?;
        }
        let mut tx = self.store.write().await?;
        let plan = CustomerPlan {
            org_number: second.clone(),
            address_card_prefix: 666,
            address_cards: 1,
            accounts: 2,
            subscriptions: SECOND_SUBSCRIPTIONS,
            first_mobile: SECOND_FIRST_MOBILE,
            varied_accounts: false,
        };
        generate_customer(&mut tx, &plan, now).await?;
        for (first_mobile, count) in [
            (91_000_001, 48),
            (91_000_101, 12),
            (SECOND_FIRST_MOBILE, SECOND_SUBSCRIPTIONS),
        ] {
            fill_subscription_details(&mut tx, first_mobile, count).await?;
        }
        for (number, segment, manager, email, phone) in [
            (
                crate::demo::CUSTOMER_ORG,
                "Småbedrift Plus",
                "Torill Kundeansvarlig",
                "torill.kundeansvarlig@operator.example",
                "90000030",
            ),
            (
                crate::demo::SUBSIDIARY_ORG,
                "Småbedrift",
                "Torill Kundeansvarlig",
                "torill.kundeansvarlig@operator.example",
                "90000030",
            ),
            (
                SECOND_CUSTOMER_ORG,
                "Bedrift",
                "Knut Kundeansvarlig",
                "knut.kundeansvarlig@operator.example",
                "90000031",
            ),
        ] {
            let profile = CustomerProfile {
                org_number: org(number)?,
                segment: segment.into(),
                account_manager_name: Some(manager.into()),
                account_manager_email: Some(email.into()),
                account_manager_phone: Some(phone.into()),
            };
            store::upsert_customer_profile(&mut tx, &profile).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
