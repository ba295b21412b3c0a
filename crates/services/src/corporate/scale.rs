//! `sentral seed --scale N`: a large, deterministic customer for benchmarks, reachable with the
//! demo credentials: its own organisation and MBN agreement (carrying the demo partner's test
//! product), granted to the demo system user, with N subscriptions on N/50 accounts.

use sentral_domain::platform::{Agreement, CONNECT_TEST_PRODUCT};
use sentral_domain::{OrgNumber, SystemUserName};
use sentral_store::platform as platform_repo;
use sentral_store::records;

use sentral_domain::directory::Enterprise;

use super::demo::{CustomerPlan, generate_accounts, generate_subscriptions};
use crate::admin::GrantTarget;
use crate::directory::demo::{MemberPlan, create_enterprise, generate_members};
use crate::platform::Actor;
use crate::{Platform, ServiceError, demo};

/// The scale customer's organisation: the first valid number from 94000000.
pub fn scale_org() -> OrgNumber {
    (94_000_000..)
        .find_map(OrgNumber::from_first_eight)
        .unwrap_or_else(|| unreachable!("a check digit exists for some number"))
}
pub const SCALE_AGREEMENT_ID: &str = "30000001";
/// The scale customer's MBN enterprise: a 4-digit plan, N members (the first 9 000 with short
/// numbers) whose numbers are the subscriptions'.
pub const SCALE_ENTERPRISE_ID: &str = "300001";
pub const SCALE_NAME: &str = "Skala Kunde AS";
const SCALE_SETTING: &str = "seed.scale";
/// Subscriptions per transaction: bounded transactions, progress as they commit.
const CHUNK: usize = 5_000;

/// What `seed_scale` made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleSeed {
    pub org_number: OrgNumber,
    pub agreement_id: String,
    pub enterprise_id: String,
    pub accounts: usize,
    pub subscriptions: usize,
    /// The KPN customer with as many subscribers and contracts.
    pub kpn_customer: OrgNumber,
}

impl Platform {
    /// Seeds the demo world if needed, then the scale customer. `progress` is told what is being
    /// made and how far it is. Refuses a store that has a scale customer already.
    pub async fn seed_scale(
        &self,
        subscriptions: usize,
        mut progress: impl FnMut(&str, usize, usize),
    ) -> Result<ScaleSeed, ServiceError> {
        if !(1..=9_000_000).contains(&subscriptions) {
            return Err(ServiceError::invalid("scale", "must be from 1 to 9000000"));
        }
        self.ensure_demo_world().await?;
        let org_number = scale_org();
        {
            let mut conn = self.store.read().await?;
            if records::setting(&mut conn, SCALE_SETTING).await?.is_some()
                || platform_repo::organization(&mut conn, &org_number)
                    .await?
                    .is_some()
            {
                return Err(ServiceError::NotAllowed(format!(
                    "this store has a scale customer ({org_number}) already; seed into a fresh \
                     --data-dir or an empty database"
                )));
            }
        }
        let actor = Actor("seed".into());
        let agreement = Agreement {
            id: SCALE_AGREEMENT_ID.into(),
            org_number: org_number.clone(),
            category: "Mobilt Bedriftsnett avtale".into(),
            valid_from: "2025-01-01".into(),
            valid_to: None,
            status: "ACTIVE".into(),
            internal_number_length: 4,
        };
        self.create_agreement(&actor, agreement, SCALE_NAME).await?;
        let now = self.now();
        let plan = CustomerPlan {
            org_number: org_number.clone(),
            address_card_prefix: 940,
            address_cards: 10,
            accounts: (subscriptions / 50).max(1),
            subscriptions,
            first_mobile: 40_000_000,
            varied_accounts: false,
        };
        let mut tx = self.store.write().await?;
        let partner = platform_repo::partner_by_org(
            &mut tx,
            &OrgNumber::parse(demo::PARTNER_ORG).map_err(ServiceError::internal)?,
        )
        .await?
        .ok_or_else(|| ServiceError::Internal("the demo partner is missing".into()))?;
        platform_repo::add_connect_product(
            &mut tx,
            SCALE_AGREEMENT_ID,
            &partner.id,
            CONNECT_TEST_PRODUCT,
            None,
            now,
        )
        .await?;
        let accounts = generate_accounts(&mut tx, &plan, now).await?;
        tx.commit().await?;
        let mut done = 0;
        while done < subscriptions {
            let end = (done + CHUNK).min(subscriptions);
            let mut tx = self.store.write().await?;
            generate_subscriptions(&mut tx, &plan, &accounts, done..end, now).await?;
            tx.commit().await?;
            done = end;
            progress("subscriptions", done, subscriptions);
        }
        self.seed_scale_members(&plan, subscriptions, &mut progress)
            .await?;
        self.seed_scale_contacts(SCALE_ENTERPRISE_ID, 2 * subscriptions, |done, total| {
            progress("contacts", done, total)
        })
        .await?;
        let kpn_customer = self.seed_scale_kpn(subscriptions, &mut progress).await?;
        let username = SystemUserName::parse(demo::SYSTEM_USER).map_err(ServiceError::internal)?;
        self.grant_system_user(&actor, &username, GrantTarget::Company, org_number.as_str())
            .await?;
        let mut conn = self.store.read().await?;
        records::set_setting(&mut conn, SCALE_SETTING, &subscriptions.to_string()).await?;
        Ok(ScaleSeed {
            org_number,
            agreement_id: SCALE_AGREEMENT_ID.into(),
            enterprise_id: SCALE_ENTERPRISE_ID.into(),
            accounts: accounts.len(),
            subscriptions,
            kpn_customer,
        })
    }
}

impl Platform {
    /// The scale customer's enterprise and one member per subscription, in chunks.
    async fn seed_scale_members(
        &self,
        customer: &CustomerPlan,
        count: usize,
        progress: &mut impl FnMut(&str, usize, usize),
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let enterprise = Enterprise {
            id: SCALE_ENTERPRISE_ID.into(),
            agreement_id: SCALE_AGREEMENT_ID.into(),
            org_number: customer.org_number.clone(),
            name: SCALE_NAME.into(),
            internal_number_length: 4,
            switchboard_number: Some("4721000000".into()),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.write().await?;
        let groups = create_enterprise(&mut tx, &enterprise, 300_001, &[("1000", "9999")]).await?;
        tx.commit().await?;
        self.invalidate_enterprises();
        let plan = MemberPlan {
            enterprise: &enterprise,
            org_number: customer.org_number.clone(),
            company: SCALE_NAME,
            groups: &groups,
            first_mobile: customer.first_mobile,
            id_prefix: "mem_sk_",
            first_short_number: 1000,
            last_short_number: 9999,
            email_domain: "skalakunde.no",
        };
        let mut done = 0;
        while done < count {
            let end = (done + CHUNK).min(count);
            let mut tx = self.store.write().await?;
            generate_members(&mut tx, &plan, done..end, now).await?;
            tx.commit().await?;
            done = end;
            progress("members", done, count);
        }
        Ok(())
    }
}
