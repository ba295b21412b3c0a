//! The deterministic demo world of sandbox mode, with fixed, documented credentials.

use sentral_domain::platform::{Agreement, ContactPerson, Grants, Organization};
use sentral_domain::{ApiProduct, ClientId, EntityId, Msisdn, OrgNumber, Secret, SystemUserName};
use sentral_store::platform::{self as repo, MemberLogin};
use sentral_store::records;

use crate::admin::{NewApplication, NewPartner, NewSystemUser};
use crate::passwords::hash_secret;
use crate::platform::Actor;
use crate::{Platform, ServiceError};

pub const PARTNER_ORG: &str = "920000002";
pub const PARTNER_NAME: &str = "Demo Partner AS";
pub const CUSTOMER_ORG: &str = "930000000";
pub const CUSTOMER_NAME: &str = "Demo Kunde AS";
pub const SUBSIDIARY_ORG: &str = "930000019";
pub const SUBSIDIARY_NAME: &str = "Demo Kunde Datter AS";
pub const MBN_AGREEMENT_ID: &str = "10000001";
pub const CLIENT_ID: &str = "demo-client";
pub const CLIENT_SECRET: &str = "demo-secret";
pub const SYSTEM_USER: &str = "api0000000001";
pub const SYSTEM_USER_PASSWORD: &str = "demo-password";
pub const KPN_CLIENT_ID: &str = "demo-kpn-client";
pub const KPN_CLIENT_SECRET: &str = "demo-kpn-secret";
/// A KPN client bound to the Norwegian demo customer: its members as subscribers, its
/// subscriptions as contracts (KPN.md).
pub const KPN_NO_CLIENT_ID: &str = "demo-kpn-no-client";
pub const KPN_NO_CLIENT_SECRET: &str = "demo-kpn-no-secret";
/// End users of the demo enterprise who can log in on the authorisation page.
pub const END_USERS: &[(&str, &str, &str)] = &[
    ("Kari", "Nordmann", "91000001"),
    ("Ola", "Hansen", "91000002"),
    ("Ingrid", "Berg", "91000003"),
];
pub const END_USER_PASSWORD: &str = "demo-user-password";
/// The demo pilot's redirect URIs; a loopback one matches on any port.
pub const DEMO_REDIRECT_URIS: &[&str] = &[
    "http://localhost/callback",
    "http://127.0.0.1/callback",
    "https://oauth.pstmn.io/v1/callback",
];

const SEEDED_SETTING: &str = "demo.seeded";

fn org(number: &str) -> Result<OrgNumber, ServiceError> {
    OrgNumber::parse(number).map_err(ServiceError::internal)
}

fn msisdn(number: &str) -> Result<Msisdn, ServiceError> {
    Msisdn::parse(number).map_err(ServiceError::internal)
}

impl Platform {
    /// Seeds the demo world unless it is there already. A store with data but no completed seed
    /// (a crash while seeding) is emptied and seeded again. Returns whether it seeded.
    pub async fn ensure_demo_world(&self) -> Result<bool, ServiceError> {
        let mut conn = self.store.read().await?;
        if records::setting(&mut conn, SEEDED_SETTING).await?.is_some() {
            drop(conn);
            // A demo store seeded before the portal existed gets the portal's people.
            self.ensure_demo_portal().await?;
            return Ok(false);
        }
        drop(conn);
        let mut tx = self.store.write().await?;
        records::delete_everything(&mut tx).await?;
        tx.commit().await?;
        self.organizations.invalidate();
        self.enterprises.invalidate();
        let seeded = self.seed_demo_world().await;
        self.organizations.invalidate();
        self.enterprises.invalidate();
        seeded?;
        Ok(true)
    }

    async fn seed_demo_world(&self) -> Result<(), ServiceError> {
        let actor = Actor("demo-seed".into());
        let now = self.now();
        let mut tx = self.store.write().await?;
        for (number, name, parent) in [
            (CUSTOMER_ORG, CUSTOMER_NAME, None),
            (SUBSIDIARY_ORG, SUBSIDIARY_NAME, Some(org(CUSTOMER_ORG)?)),
        ] {
            let organization = Organization {
                org_number: org(number)?,
                name: name.into(),
                parent,
            };
            repo::insert_organization(&mut tx, &organization, now).await?;
        }
        let password_hash = hash_secret(END_USER_PASSWORD)?;
        for (index, (first, last, mobile)) in END_USERS.iter().enumerate() {
            let member = MemberLogin {
                id: EntityId::new(format!("mem_demo_{:03}", index + 1)),
                org_number: org(CUSTOMER_ORG)?,
                first_name: (*first).into(),
                last_name: (*last).into(),
                mobile: msisdn(mobile)?,
                email: format!(
                    "{}.{}@demokunde.no",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
                password_hash: Some(password_hash.clone()),
            };
            repo::insert_member(&mut tx, &member, now).await?;
        }
        tx.commit().await?;

        let agreement = Agreement {
            id: MBN_AGREEMENT_ID.into(),
            org_number: org(CUSTOMER_ORG)?,
            category: "Mobilt Bedriftsnett avtale".into(),
            valid_from: "2024-01-01".into(),
            valid_to: None,
            status: "ACTIVE".into(),
            internal_number_length: 3,
        };
        self.create_agreement(&actor, agreement, CUSTOMER_NAME)
            .await?;
        let partner = NewPartner {
            org_number: org(PARTNER_ORG)?,
            name: PARTNER_NAME.into(),
            admin_name: "Per Partner".into(),
            admin_email: "per@demopartner.no".into(),
        };
        self.create_partner(&actor, partner).await?;
        let pilot = NewApplication {
            partner: org(PARTNER_ORG)?,
            name: "Demo Switchboard".into(),
            products: ApiProduct::ALL.to_vec(),
            billing_account: Some("55000001".into()),
            owner: "Per Partner".into(),
            created_by: "per@demopartner.no".into(),
            kpn_customer: None,
            client_id: Some(ClientId::parse(CLIENT_ID).map_err(ServiceError::internal)?),
            client_secret: Some(Secret::new(CLIENT_SECRET)),
            redirect_uris: DEMO_REDIRECT_URIS
                .iter()
                .map(|uri| (*uri).to_owned())
                .collect(),
        };
        self.create_application(&actor, pilot).await?;
        self.seed_demo_kpn(now).await.map_err(|e| match e {
            crate::kpn::KpnError::Service(e) => e,
            crate::kpn::KpnError::Rule(rule) => ServiceError::internal(rule),
        })?;
        let kpn = NewApplication {
            name: "Demo Fleet Manager (KPN)".into(),
            products: vec![ApiProduct::KpnMsm],
            kpn_customer: Some(org(crate::kpn::demo::CUSTOMER_KVK)?),
            client_id: Some(ClientId::parse(KPN_CLIENT_ID).map_err(ServiceError::internal)?),
            client_secret: Some(Secret::new(KPN_CLIENT_SECRET)),
            ..NewApplication {
                partner: org(PARTNER_ORG)?,
                name: String::new(),
                products: Vec::new(),
                billing_account: Some("55000001".into()),
                owner: "Per Partner".into(),
                created_by: "per@demopartner.no".into(),
                kpn_customer: None,
                client_id: None,
                client_secret: None,
                redirect_uris: Vec::new(),
            }
        };
        self.create_application(&actor, kpn).await?;
        let system_user = NewSystemUser {
            partner: org(PARTNER_ORG)?,
            agreement_id: MBN_AGREEMENT_ID.into(),
            contact: ContactPerson {
                name: "Per Partner".into(),
                mobile: msisdn("99000001")?,
                email: "per@demopartner.no".into(),
            },
            grants: Grants {
                companies: vec![org(CUSTOMER_ORG)?, org(SUBSIDIARY_ORG)?],
                accounts: Vec::new(),
            },
            password: Some(Secret::new(SYSTEM_USER_PASSWORD)),
            username: Some(SystemUserName::parse(SYSTEM_USER).map_err(ServiceError::internal)?),
        };
        self.create_system_user(&actor, system_user).await?;

        self.seed_demo_corporate(now).await?;
        self.seed_demo_dealer(&actor, now).await?;
        self.seed_demo_directory(now).await?;
        self.seed_demo_kpn_no(&actor).await?;
        self.seed_demo_portal(&actor).await?;

        let mut conn = self.store.read().await?;
        records::set_setting(&mut conn, SEEDED_SETTING, &now.to_rfc3339()).await?;
        Ok(())
    }
}

impl Platform {
    /// The KPN view of the Norwegian demo customer, opened while seeding so its ids are the same
    /// on every reset, and the KPN client bound to it.
    async fn seed_demo_kpn_no(&self, actor: &Actor) -> Result<(), ServiceError> {
        let mut conn = self.store.read().await?;
        let organization = repo::organization(&mut conn, &org(CUSTOMER_ORG)?)
            .await?
            .ok_or_else(|| ServiceError::internal("demo customer"))?;
        drop(conn);
        self.open_kpn_customer(&organization, false)
            .await
            .map_err(|e| match e {
                crate::kpn::KpnError::Service(e) => e,
                crate::kpn::KpnError::Rule(rule) => ServiceError::internal(rule),
            })?;
        let client = NewApplication {
            partner: org(PARTNER_ORG)?,
            name: "Demo Fleet Manager (KPN, Demo Kunde AS)".into(),
            products: vec![ApiProduct::KpnMsm],
            billing_account: Some("55000001".into()),
            owner: "Per Partner".into(),
            created_by: "per@demopartner.no".into(),
            kpn_customer: Some(org(CUSTOMER_ORG)?),
            client_id: Some(ClientId::parse(KPN_NO_CLIENT_ID).map_err(ServiceError::internal)?),
            client_secret: Some(Secret::new(KPN_NO_CLIENT_SECRET)),
            redirect_uris: Vec::new(),
        };
        self.create_application(actor, client).await?;
        Ok(())
    }
}
