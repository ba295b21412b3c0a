//! The portal's people in the demo world: fixed, documented logins (README, `serve --demo`).

use sentral_domain::platform::{AdminRight, Administrator};
use sentral_domain::portal::PortalRole;
use sentral_domain::{EntityId, OrgNumber, Secret};
use sentral_store::platform as platform_repo;

use super::NewPortalLogin;
use crate::demo::PARTNER_ORG;
use crate::platform::Actor;
use crate::{Platform, ServiceError};

/// A demo login: name, e-mail, mobile, password.
#[derive(Debug, Clone, Copy)]
pub struct DemoLogin {
    pub name: &'static str,
    pub email: &'static str,
    pub mobile: &'static str,
    pub password: &'static str,
}

/// Demo Partner AS's super-administrator (the partner's administrator made with the partner).
pub const SUPER_ADMIN: DemoLogin = DemoLogin {
    name: "Per Partner",
    email: "per@demopartner.no",
    mobile: "99000001",
    password: "demo-super-password",
};
/// An administrator without *APIer*: the super-administrator grants it in the seed's journey.
pub const DEVELOPER_ADMIN: DemoLogin = DemoLogin {
    name: "Kari Utvikler",
    email: "kari@demopartner.no",
    mobile: "99000002",
    password: "demo-admin-password",
};
/// An administrator of mobile and fixed-line subscriptions only.
pub const LINE_ADMIN: DemoLogin = DemoLogin {
    name: "Ola Linje",
    email: "ola@demopartner.no",
    mobile: "99000003",
    password: "demo-admin-password",
};
/// The operator's back-office user.
pub const OPERATOR: DemoLogin = DemoLogin {
    name: "Olga Operatør",
    email: "olga@operator.example",
    mobile: "99000010",
    password: "demo-operator-password",
};
/// A dealer's user of the ordering system.
pub const DEALER: DemoLogin = DemoLogin {
    name: "Dag Forhandler",
    email: "dag@demoforhandler.no",
    mobile: "99000020",
    password: "demo-dealer-password",
};

impl Platform {
    /// Seeds the portal's people into a demo store seeded before they existed.
    pub(crate) async fn ensure_demo_portal(&self) -> Result<(), ServiceError> {
        let mut conn = self.store.read().await?;
        let present = sentral_store::portal::login_by_name(&mut conn, OPERATOR.email)
            .await?
            .is_some();
        let partner = platform_repo::partner_by_org(
            &mut conn,
            &OrgNumber::parse(PARTNER_ORG).map_err(ServiceError::internal)?,
        )
        .await?;
        drop(conn);
        if present || partner.is_none() {
            return Ok(());
        }
        self.seed_demo_portal(&Actor("demo-seed".into())).await
    }

    /// The portal's demo people; the partner and its super-administrator exist already.
    pub(crate) async fn seed_demo_portal(&self, actor: &Actor) -> Result<(), ServiceError> {
        let partner_org = OrgNumber::parse(PARTNER_ORG).map_err(ServiceError::internal)?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        for (index, (login, rights)) in [
            (DEVELOPER_ADMIN, vec![AdminRight::Mobile, AdminRight::Mbn]),
            (LINE_ADMIN, vec![AdminRight::Mobile, AdminRight::Fixed]),
        ]
        .into_iter()
        .enumerate()
        {
            let admin = Administrator {
                id: EntityId::new(format!("adm_demo_{:03}", index + 2)),
                org_number: partner_org.clone(),
                name: login.name.into(),
                email: login.email.into(),
                super_admin: false,
                rights,
            };
            platform_repo::insert_administrator(&mut tx, &admin, now).await?;
        }
        tx.commit().await?;
        let mut conn = self.store.read().await?;
        let administrators = platform_repo::administrators(&mut conn, &partner_org).await?;
        drop(conn);
        for login in [SUPER_ADMIN, DEVELOPER_ADMIN, LINE_ADMIN] {
            let administrator = administrators
                .iter()
                .find(|admin| admin.email == login.email)
                .ok_or_else(|| {
                    ServiceError::internal(format!("no administrator {}", login.email))
                })?;
            self.create_portal_login(
                actor,
                NewPortalLogin {
                    role: PortalRole::Administrator,
                    administrator_id: Some(administrator.id.clone()),
                    org_number: Some(partner_org.clone()),
                    ..demo_login(login)
                },
            )
            .await?;
        }
        self.create_portal_login(actor, demo_login(OPERATOR))
            .await?;
        self.create_portal_login(
            actor,
            NewPortalLogin {
                role: PortalRole::Dealer,
                ..demo_login(DEALER)
            },
        )
        .await?;
        Ok(())
    }
}

fn demo_login(login: DemoLogin) -> NewPortalLogin {
    NewPortalLogin {
        role: PortalRole::Operator,
        administrator_id: None,
        org_number: None,
        name: login.name.into(),
        email: login.email.into(),
        mobile: Some(login.mobile.into()),
        password: Secret::new(login.password),
    }
}
