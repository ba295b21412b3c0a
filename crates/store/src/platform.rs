//! Organisations, partners, administrators, applications, client credentials, agreements,
//! Connect services, system users and members.

use crate::db::Row;
use sentral_domain::platform::{
    AdminRight, Administrator, Agreement, AppKind, Application, ClientCredential, ConnectService,
    ContactPerson, Grants, Organization, Partner, SystemUser, VerificationStatus,
};
use sentral_domain::{
    ApiProduct, ClientId, EntityId, Msisdn, OrgNumber, SystemUserName, Timestamp,
};

use crate::rows::{at, flag, id, int, opt_int, opt_org, opt_text, org, placeholders, text};
use crate::{Connection, StoreError};

// ---- organisations -------------------------------------------------------------------------

pub async fn insert_organization(
    conn: &mut Connection,
    organization: &Organization,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO organizations (org_number, name, parent_org_number, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(organization.org_number.as_str())
    .bind(&organization.name)
    .bind(organization.parent.as_ref().map(OrgNumber::as_str))
    .bind(now.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("organisation {}", organization.org_number)))?;
    Ok(())
}

fn organization_from(row: &Row) -> Result<Organization, StoreError> {
    Ok(Organization {
        org_number: org(row, "org_number")?,
        name: text(row, "name")?,
        parent: opt_org(row, "parent_org_number")?,
    })
}

pub async fn organization(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Option<Organization>, StoreError> {
    crate::db::query("SELECT * FROM organizations WHERE org_number = $1")
        .bind(org_number.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(organization_from)
        .transpose()
}

/// The organisations among `org_numbers`, ordered by number.
pub async fn organizations_among(
    conn: &mut Connection,
    org_numbers: &[OrgNumber],
) -> Result<Vec<Organization>, StoreError> {
    if org_numbers.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT * FROM organizations WHERE org_number IN ({}) ORDER BY org_number",
        placeholders(1, org_numbers.len())
    );
    // Only placeholders are interpolated; every value is bound.
    let mut query = crate::db::query(crate::db::AssertSqlSafe(sql));
    for number in org_numbers {
        query = query.bind(number.as_str());
    }
    query
        .fetch_all(conn)
        .await?
        .iter()
        .map(organization_from)
        .collect()
}

/// The organisations owned by or below `parents` (one level of subsidiaries), `parents` included.
pub async fn organizations_with_subsidiaries(
    conn: &mut Connection,
    parents: &[OrgNumber],
) -> Result<Vec<OrgNumber>, StoreError> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let list = placeholders(1, parents.len());
    let sql = format!(
        "SELECT org_number FROM organizations WHERE org_number IN ({list}) \
         OR parent_org_number IN ({list}) ORDER BY org_number"
    );
    // Only placeholders are interpolated; every value is bound.
    let mut query = crate::db::query(crate::db::AssertSqlSafe(sql));
    for number in parents {
        query = query.bind(number.as_str());
    }
    query
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| org(row, "org_number"))
        .collect()
}

// ---- partners and administrators -----------------------------------------------------------

pub async fn insert_partner(conn: &mut Connection, partner: &Partner) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO partners (id, org_number, name, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(partner.id.as_str())
    .bind(partner.org_number.as_str())
    .bind(&partner.name)
    .bind(partner.created_at.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("partner for {}", partner.org_number)))?;
    Ok(())
}

fn partner_from(row: &Row) -> Result<Partner, StoreError> {
    Ok(Partner {
        id: id(row, "id")?,
        org_number: org(row, "org_number")?,
        name: text(row, "name")?,
        created_at: at(row, "created_at")?,
    })
}

pub async fn partner(
    conn: &mut Connection,
    partner_id: &EntityId,
) -> Result<Option<Partner>, StoreError> {
    crate::db::query("SELECT * FROM partners WHERE id = $1")
        .bind(partner_id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(partner_from)
        .transpose()
}

pub async fn partner_by_org(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Option<Partner>, StoreError> {
    crate::db::query("SELECT * FROM partners WHERE org_number = $1")
        .bind(org_number.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(partner_from)
        .transpose()
}

pub async fn insert_administrator(
    conn: &mut Connection,
    admin: &Administrator,
    now: Timestamp,
) -> Result<(), StoreError> {
    let rights: Vec<&str> = admin.rights.iter().map(|right| right.as_str()).collect();
    crate::db::query(
        "INSERT INTO administrators (id, org_number, name, email, super_admin, rights, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(admin.id.as_str())
    .bind(admin.org_number.as_str())
    .bind(&admin.name)
    .bind(&admin.email)
    .bind(i64::from(admin.super_admin))
    .bind(rights.join(","))
    .bind(now.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("administrator {}", admin.email)))?;
    Ok(())
}

pub async fn administrators(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<Administrator>, StoreError> {
    let rows = crate::db::query("SELECT * FROM administrators WHERE org_number = $1 ORDER BY name")
        .bind(org_number.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(administrator_from).collect()
}

fn administrator_from(row: &Row) -> Result<Administrator, StoreError> {
    let rights = text(row, "rights")?
        .split(',')
        .filter(|part| !part.is_empty())
        .map(AdminRight::parse)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Administrator {
        id: id(row, "id")?,
        org_number: org(row, "org_number")?,
        name: text(row, "name")?,
        email: text(row, "email")?,
        super_admin: flag(row, "super_admin")?,
        rights,
    })
}

pub async fn administrator(
    conn: &mut Connection,
    administrator_id: &EntityId,
) -> Result<Option<Administrator>, StoreError> {
    crate::db::query("SELECT * FROM administrators WHERE id = $1")
        .bind(administrator_id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(administrator_from)
        .transpose()
}

// ---- applications and client credentials --------------------------------------------------

pub async fn insert_application(
    conn: &mut Connection,
    app: &Application,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO applications (id, partner_id, name, kind, products, billing_account, owner, \
         created_by, created_at, verification, pilot_id, kpn_customer, basic_auth_allowed, \
         redirect_uris) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(app.id.as_str())
    .bind(app.partner_id.as_str())
    .bind(&app.name)
    .bind(app.kind.as_str())
    .bind(ApiProduct::join(&app.products, ","))
    .bind(app.billing_account.as_deref())
    .bind(&app.owner)
    .bind(&app.created_by)
    .bind(app.created_at.millis())
    .bind(app.verification.as_str())
    .bind(app.pilot_id.as_ref().map(EntityId::as_str))
    .bind(app.kpn_customer.as_ref().map(OrgNumber::as_str))
    .bind(i64::from(app.basic_auth_allowed))
    .bind(app.redirect_uris.join(" "))
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the application's registered redirect URIs.
pub async fn set_redirect_uris(
    conn: &mut Connection,
    app_id: &EntityId,
    uris: &[String],
) -> Result<(), StoreError> {
    crate::db::query("UPDATE applications SET redirect_uris = $2 WHERE id = $1")
        .bind(app_id.as_str())
        .bind(uris.join(" "))
        .execute(conn)
        .await?;
    Ok(())
}

fn application_from(row: &Row) -> Result<Application, StoreError> {
    let verification = text(row, "verification")?;
    Ok(Application {
        id: id(row, "id")?,
        partner_id: id(row, "partner_id")?,
        name: text(row, "name")?,
        kind: AppKind::parse(&text(row, "kind")?)?,
        products: ApiProduct::parse_list(&text(row, "products")?)?,
        billing_account: opt_text(row, "billing_account")?,
        owner: text(row, "owner")?,
        created_by: text(row, "created_by")?,
        created_at: at(row, "created_at")?,
        verification: VerificationStatus::parse(&verification)
            .ok_or_else(|| StoreError::Corrupt(format!("verification status {verification:?}")))?,
        pilot_id: opt_text(row, "pilot_id")?.map(EntityId::new),
        kpn_customer: opt_org(row, "kpn_customer")?,
        basic_auth_allowed: flag(row, "basic_auth_allowed")?,
        redirect_uris: text(row, "redirect_uris")?
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    })
}

/// An application that has not been deleted.
pub async fn application(
    conn: &mut Connection,
    app_id: &EntityId,
) -> Result<Option<Application>, StoreError> {
    crate::db::query("SELECT * FROM applications WHERE id = $1 AND deleted_at IS NULL")
        .bind(app_id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(application_from)
        .transpose()
}

pub async fn applications_of_partner(
    conn: &mut Connection,
    partner_id: &EntityId,
) -> Result<Vec<Application>, StoreError> {
    crate::db::query(
        "SELECT * FROM applications WHERE partner_id = $1 AND deleted_at IS NULL \
         ORDER BY created_at, id",
    )
    .bind(partner_id.as_str())
    .fetch_all(conn)
    .await?
    .iter()
    .map(application_from)
    .collect()
}

pub async fn all_applications(conn: &mut Connection) -> Result<Vec<Application>, StoreError> {
    crate::db::query("SELECT * FROM applications WHERE deleted_at IS NULL ORDER BY created_at, id")
        .fetch_all(conn)
        .await?
        .iter()
        .map(application_from)
        .collect()
}

pub async fn set_verification(
    conn: &mut Connection,
    app_id: &EntityId,
    status: VerificationStatus,
) -> Result<(), StoreError> {
    crate::db::query("UPDATE applications SET verification = $1 WHERE id = $2")
        .bind(status.as_str())
        .bind(app_id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_client_credential(
    conn: &mut Connection,
    credential: &ClientCredential,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO client_credentials (client_id, app_id, secret_hash, created_at, \
         sealed_secret, previous_secret_hash, previous_valid_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(credential.client_id.as_str())
    .bind(credential.app_id.as_str())
    .bind(&credential.secret_hash)
    .bind(credential.created_at.millis())
    .bind(credential.sealed_secret.as_deref())
    .bind(credential.previous_secret_hash.as_deref())
    .bind(credential.previous_valid_until.map(Timestamp::millis))
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("client id {}", credential.client_id)))?;
    Ok(())
}

fn credential_from(row: &Row) -> Result<ClientCredential, StoreError> {
    Ok(ClientCredential {
        client_id: ClientId::parse(&text(row, "client_id")?)?,
        app_id: id(row, "app_id")?,
        secret_hash: text(row, "secret_hash")?,
        created_at: at(row, "created_at")?,
        sealed_secret: opt_text(row, "sealed_secret")?,
        previous_secret_hash: opt_text(row, "previous_secret_hash")?,
        previous_valid_until: opt_int(row, "previous_valid_until")?.map(Timestamp::from_millis),
    })
}

pub async fn client_credential(
    conn: &mut Connection,
    client_id: &ClientId,
) -> Result<Option<ClientCredential>, StoreError> {
    crate::db::query("SELECT * FROM client_credentials WHERE client_id = $1")
        .bind(client_id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(credential_from)
        .transpose()
}

pub async fn credentials_of_app(
    conn: &mut Connection,
    app_id: &EntityId,
) -> Result<Vec<ClientCredential>, StoreError> {
    crate::db::query("SELECT * FROM client_credentials WHERE app_id = $1 ORDER BY created_at")
        .bind(app_id.as_str())
        .fetch_all(conn)
        .await?
        .iter()
        .map(credential_from)
        .collect()
}

/// The credentials of every live application of a partner, in one query (the Developer
/// Portal's list), ordered by application and creation.
pub async fn credentials_of_partner(
    conn: &mut Connection,
    partner_id: &EntityId,
) -> Result<Vec<ClientCredential>, StoreError> {
    crate::db::query(
        "SELECT c.* FROM client_credentials c JOIN applications a ON a.id = c.app_id \
         WHERE a.partner_id = $1 AND a.deleted_at IS NULL ORDER BY c.app_id, c.created_at",
    )
    .bind(partner_id.as_str())
    .fetch_all(conn)
    .await?
    .iter()
    .map(credential_from)
    .collect()
}

/// A rotated secret: its hash and sealed copy replace the current ones; the previous hash stays
/// valid until `previous_valid_until` when given (an overlap), else it stops working at once.
#[derive(Debug, Clone)]
pub struct RotatedSecret<'a> {
    pub secret_hash: &'a str,
    pub sealed_secret: Option<&'a str>,
    pub previous_valid_until: Option<Timestamp>,
}

pub async fn replace_client_secret(
    conn: &mut Connection,
    client_id: &ClientId,
    rotated: &RotatedSecret<'_>,
) -> Result<bool, StoreError> {
    // Without an overlap no previous hash is kept (nor one of an earlier rotation).
    let result = crate::db::query(
        "UPDATE client_credentials SET \
         previous_secret_hash = CASE WHEN $3 IS NULL THEN NULL ELSE secret_hash END, \
         previous_valid_until = $3, secret_hash = $1, sealed_secret = $4 WHERE client_id = $2",
    )
    .bind(rotated.secret_hash)
    .bind(client_id.as_str())
    .bind(rotated.previous_valid_until.map(Timestamp::millis))
    .bind(rotated.sealed_secret)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

// ---- agreements and Connect services -------------------------------------------------------

pub async fn insert_agreement(
    conn: &mut Connection,
    agreement: &Agreement,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO agreements (id, org_number, category, valid_from, valid_to, status, \
         internal_number_length) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&agreement.id)
    .bind(agreement.org_number.as_str())
    .bind(&agreement.category)
    .bind(&agreement.valid_from)
    .bind(agreement.valid_to.as_deref())
    .bind(&agreement.status)
    .bind(i64::from(agreement.internal_number_length))
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("agreement {}", agreement.id)))?;
    Ok(())
}

pub(crate) fn agreement_from(row: &Row) -> Result<Agreement, StoreError> {
    let length = int(row, "internal_number_length")?;
    Ok(Agreement {
        id: text(row, "id")?,
        org_number: org(row, "org_number")?,
        category: text(row, "category")?,
        valid_from: text(row, "valid_from")?,
        valid_to: opt_text(row, "valid_to")?,
        status: text(row, "status")?,
        internal_number_length: u8::try_from(length)
            .map_err(|_| StoreError::Corrupt(format!("internal number length {length}")))?,
    })
}

pub async fn agreement(
    conn: &mut Connection,
    agreement_id: &str,
) -> Result<Option<Agreement>, StoreError> {
    crate::db::query("SELECT * FROM agreements WHERE id = $1")
        .bind(agreement_id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(agreement_from)
        .transpose()
}

pub async fn insert_connect_service(
    conn: &mut Connection,
    service: &ConnectService,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO connect_services (id, name, partner_id, app_id, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(service.id.as_str())
    .bind(&service.name)
    .bind(service.partner_id.as_str())
    .bind(service.app_id.as_str())
    .bind(service.created_at.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("Connect service {}", service.name)))?;
    Ok(())
}

pub async fn connect_service_by_name(
    conn: &mut Connection,
    name: &str,
) -> Result<Option<ConnectService>, StoreError> {
    let row = crate::db::query("SELECT * FROM connect_services WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        Ok(ConnectService {
            id: id(&row, "id")?,
            name: text(&row, "name")?,
            partner_id: id(&row, "partner_id")?,
            app_id: id(&row, "app_id")?,
            created_at: at(&row, "created_at")?,
        })
    })
    .transpose()
}

/// Puts a Connect product (the test product, or a Connect service) on an agreement.
pub async fn add_connect_product(
    conn: &mut Connection,
    agreement_id: &str,
    partner_id: &EntityId,
    product: &str,
    connect_service_id: Option<&EntityId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO agreement_connect_products \
         (agreement_id, partner_id, product, connect_service_id, added_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(agreement_id)
    .bind(partner_id.as_str())
    .bind(product)
    .bind(connect_service_id.map(EntityId::as_str))
    .bind(now.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("{product} on agreement {agreement_id}")))?;
    Ok(())
}

/// Organisations owning agreements that carry `product` of `partner_id`: the reach of a pilot.
pub async fn orgs_with_connect_product(
    conn: &mut Connection,
    partner_id: &EntityId,
    product: &str,
) -> Result<Vec<OrgNumber>, StoreError> {
    crate::db::query(
        "SELECT DISTINCT a.org_number FROM agreement_connect_products p \
         JOIN agreements a ON a.id = p.agreement_id \
         WHERE p.partner_id = $1 AND p.product = $2 ORDER BY a.org_number",
    )
    .bind(partner_id.as_str())
    .bind(product)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| org(row, "org_number"))
    .collect()
}

/// Organisations owning agreements that carry a Connect service of the production `app_id`.
pub async fn orgs_with_connect_service_of(
    conn: &mut Connection,
    app_id: &EntityId,
) -> Result<Vec<OrgNumber>, StoreError> {
    crate::db::query(
        "SELECT DISTINCT a.org_number FROM agreement_connect_products p \
         JOIN agreements a ON a.id = p.agreement_id \
         JOIN connect_services s ON s.id = p.connect_service_id \
         WHERE s.app_id = $1 ORDER BY a.org_number",
    )
    .bind(app_id.as_str())
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| org(row, "org_number"))
    .collect()
}

// ---- system users --------------------------------------------------------------------------

pub async fn insert_system_user(
    conn: &mut Connection,
    user: &SystemUser,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO system_users (id, username, partner_id, agreement_id, contact_name, \
         contact_mobile, contact_email, password_hash, password_set_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(user.id.as_str())
    .bind(user.username.as_str())
    .bind(user.partner_id.as_str())
    .bind(&user.agreement_id)
    .bind(&user.contact.name)
    .bind(user.contact.mobile.as_str())
    .bind(&user.contact.email)
    .bind(&user.password_hash)
    .bind(user.password_set_at.millis())
    .bind(user.created_at.millis())
    .execute(&mut *conn)
    .await
    .map_err(|e| e.conflict_as(format!("system user {}", user.username)))?;
    for company in &user.grants.companies {
        add_grant(conn, &user.id, GrantKind::Company, company.as_str()).await?;
    }
    for account in &user.grants.accounts {
        add_grant(conn, &user.id, GrantKind::Account, account).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    Company,
    Account,
}

impl GrantKind {
    const fn as_str(self) -> &'static str {
        match self {
            GrantKind::Company => "company",
            GrantKind::Account => "account",
        }
    }
}

/// Adds a grant; adding one that exists already is not an error.
pub async fn add_grant(
    conn: &mut Connection,
    system_user_id: &EntityId,
    kind: GrantKind,
    value: &str,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO system_user_grants (system_user_id, kind, value) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(system_user_id.as_str())
    .bind(kind.as_str())
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
}

async fn grants_of(conn: &mut Connection, system_user_id: &EntityId) -> Result<Grants, StoreError> {
    let rows = crate::db::query(
        "SELECT kind, value FROM system_user_grants WHERE system_user_id = $1 ORDER BY kind, value",
    )
    .bind(system_user_id.as_str())
    .fetch_all(conn)
    .await?;
    let mut grants = Grants::default();
    for row in &rows {
        let value = text(row, "value")?;
        match text(row, "kind")?.as_str() {
            "company" => grants.companies.push(OrgNumber::parse(&value)?),
            "account" => grants.accounts.push(value),
            other => return Err(StoreError::Corrupt(format!("grant kind {other:?}"))),
        }
    }
    Ok(grants)
}

async fn system_user_from(conn: &mut Connection, row: Row) -> Result<SystemUser, StoreError> {
    let user_id = id(&row, "id")?;
    let grants = grants_of(conn, &user_id).await?;
    Ok(SystemUser {
        id: user_id,
        username: SystemUserName::parse(&text(&row, "username")?)?,
        partner_id: id(&row, "partner_id")?,
        agreement_id: text(&row, "agreement_id")?,
        contact: ContactPerson {
            name: text(&row, "contact_name")?,
            mobile: Msisdn::parse(&text(&row, "contact_mobile")?)?,
            email: text(&row, "contact_email")?,
        },
        grants,
        password_hash: text(&row, "password_hash")?,
        password_set_at: at(&row, "password_set_at")?,
        created_at: at(&row, "created_at")?,
    })
}

pub async fn system_user_by_name(
    conn: &mut Connection,
    username: &SystemUserName,
) -> Result<Option<SystemUser>, StoreError> {
    let row = crate::db::query("SELECT * FROM system_users WHERE username = $1")
        .bind(username.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(Some(system_user_from(conn, row).await?)),
        None => Ok(None),
    }
}

pub async fn system_user(
    conn: &mut Connection,
    system_user_id: &EntityId,
) -> Result<Option<SystemUser>, StoreError> {
    let row = crate::db::query("SELECT * FROM system_users WHERE id = $1")
        .bind(system_user_id.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(Some(system_user_from(conn, row).await?)),
        None => Ok(None),
    }
}

/// The highest number used in a system user name (`api` + digits), 0 when there is none.
pub async fn highest_system_user_number(conn: &mut Connection) -> Result<u64, StoreError> {
    let row = crate::db::query("SELECT MAX(username) AS name FROM system_users")
        .fetch_one(conn)
        .await?;
    let highest = opt_text(&row, "name")?
        .and_then(|name| {
            name.strip_prefix("api")
                .and_then(|digits| digits.parse().ok())
        })
        .unwrap_or(0);
    Ok(highest)
}

pub async fn set_system_user_password(
    conn: &mut Connection,
    system_user_id: &EntityId,
    password_hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE system_users SET password_hash = $1, password_set_at = $2 WHERE id = $3",
    )
    .bind(password_hash)
    .bind(now.millis())
    .bind(system_user_id.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

// ---- members (end users) -------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLogin {
    pub id: EntityId,
    pub org_number: OrgNumber,
    pub first_name: String,
    pub last_name: String,
    pub mobile: Msisdn,
    pub email: String,
    pub password_hash: Option<String>,
}

pub async fn insert_member(
    conn: &mut Connection,
    member: &MemberLogin,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO members (id, org_number, first_name, last_name, mobile, email, password_hash, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(member.id.as_str())
    .bind(member.org_number.as_str())
    .bind(&member.first_name)
    .bind(&member.last_name)
    .bind(member.mobile.as_str())
    .bind(&member.email)
    .bind(member.password_hash.as_deref())
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(|e| e.conflict_as(format!("member with mobile {}", member.mobile)))?;
    crate::directory::members::write_document(conn, member.id.as_str()).await
}

fn member_from(row: &Row) -> Result<MemberLogin, StoreError> {
    Ok(MemberLogin {
        id: id(row, "id")?,
        org_number: org(row, "org_number")?,
        first_name: text(row, "first_name")?,
        last_name: text(row, "last_name")?,
        mobile: Msisdn::parse(&text(row, "mobile")?)?,
        email: text(row, "email")?,
        password_hash: opt_text(row, "password_hash")?,
    })
}

pub async fn member_by_mobile(
    conn: &mut Connection,
    mobile: &Msisdn,
) -> Result<Option<MemberLogin>, StoreError> {
    crate::db::query("SELECT * FROM members WHERE mobile = $1")
        .bind(mobile.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(member_from)
        .transpose()
}

pub async fn member(
    conn: &mut Connection,
    member_id: &EntityId,
) -> Result<Option<MemberLogin>, StoreError> {
    crate::db::query("SELECT * FROM members WHERE id = $1")
        .bind(member_id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(member_from)
        .transpose()
}
