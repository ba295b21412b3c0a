//! Min Bedrift for business customers and partners: administrators' rights, the partner's
//! applications (billing account, soft delete), the company's MBN agreements and the system
//! user's contact person and access rights.

use sentral_domain::platform::{AdminRight, Agreement, ContactPerson, Grants};
use sentral_domain::{EntityId, OrgNumber, Timestamp};

use crate::platform::{GrantKind, add_grant, agreement_from};
use crate::rows::{id, text};
use crate::{Connection, StoreError};

/// Replaces an administrator's rights and super-administrator flag.
pub async fn set_administrator_rights(
    conn: &mut Connection,
    administrator_id: &EntityId,
    super_admin: bool,
    rights: &[AdminRight],
) -> Result<bool, StoreError> {
    let rights: Vec<&str> = rights.iter().map(|right| right.as_str()).collect();
    let result =
        crate::db::query("UPDATE administrators SET super_admin = $2, rights = $3 WHERE id = $1")
            .bind(administrator_id.as_str())
            .bind(i64::from(super_admin))
            .bind(rights.join(","))
            .execute(conn)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// The application's billing account (*Bytt konto*).
pub async fn set_billing_account(
    conn: &mut Connection,
    app_id: &EntityId,
    account: &str,
) -> Result<bool, StoreError> {
    let result = crate::db::query(
        "UPDATE applications SET billing_account = $2 WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(app_id.as_str())
    .bind(account)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Marks an application deleted: the store's lookups of applications skip it from now on, so its
/// client credentials stop authenticating.
pub async fn soft_delete_application(
    conn: &mut Connection,
    app_id: &EntityId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let result = crate::db::query(
        "UPDATE applications SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(app_id.as_str())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// The ids of the corporate accounts a company owns, in order.
pub async fn account_ids_of_org(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<String>, StoreError> {
    crate::db::query("SELECT id FROM corporate_accounts WHERE owner_org = $1 ORDER BY id")
        .bind(org_number.as_str())
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| text(row, "id"))
        .collect()
}

/// The MBN agreements a company owns or whose Connect products belong to the partner
/// `partner_id` (when the company is a partner), by number.
pub async fn agreements_of_company(
    conn: &mut Connection,
    org_number: &OrgNumber,
    partner_id: Option<&EntityId>,
    category: &str,
) -> Result<Vec<Agreement>, StoreError> {
    crate::db::query(
        "SELECT * FROM agreements a WHERE a.category = $3 AND (a.org_number = $1 OR EXISTS \
         (SELECT 1 FROM agreement_connect_products p WHERE p.agreement_id = a.id \
          AND p.partner_id = $2)) ORDER BY a.id",
    )
    .bind(org_number.as_str())
    .bind(partner_id.map_or("", EntityId::as_str))
    .bind(category)
    .fetch_all(conn)
    .await?
    .iter()
    .map(agreement_from)
    .collect()
}

/// A product on an agreement: (name, status), the corporate products first, then the Connect
/// products.
pub async fn agreement_product_names(
    conn: &mut Connection,
    agreement_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut names = Vec::new();
    for row in crate::db::query(
        "SELECT name, status FROM agreement_products WHERE agreement_id = $1 ORDER BY id",
    )
    .bind(agreement_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    {
        names.push((text(row, "name")?, text(row, "status")?));
    }
    for row in crate::db::query(
        "SELECT product FROM agreement_connect_products WHERE agreement_id = $1 ORDER BY product",
    )
    .bind(agreement_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    {
        names.push((text(row, "product")?, "ACTIVE".to_owned()));
    }
    Ok(names)
}

/// The system users on an agreement (of one partner, or of every partner), oldest first.
pub async fn system_user_ids_on_agreement(
    conn: &mut Connection,
    partner_id: Option<&EntityId>,
    agreement_id: &str,
) -> Result<Vec<EntityId>, StoreError> {
    crate::db::query(
        "SELECT id FROM system_users WHERE ($1 = '' OR partner_id = $1) AND agreement_id = $2 \
         ORDER BY created_at, username",
    )
    .bind(partner_id.map_or("", EntityId::as_str))
    .bind(agreement_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| id(row, "id"))
    .collect()
}

/// The system user's contact person, who gets its passwords by SMS.
pub async fn set_system_user_contact(
    conn: &mut Connection,
    system_user_id: &EntityId,
    contact: &ContactPerson,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE system_users SET contact_name = $2, contact_mobile = $3, contact_email = $4 \
         WHERE id = $1",
    )
    .bind(system_user_id.as_str())
    .bind(&contact.name)
    .bind(contact.mobile.as_str())
    .bind(&contact.email)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces every grant of a system user.
pub async fn replace_grants(
    conn: &mut Connection,
    system_user_id: &EntityId,
    grants: &Grants,
) -> Result<(), StoreError> {
    crate::db::query("DELETE FROM system_user_grants WHERE system_user_id = $1")
        .bind(system_user_id.as_str())
        .execute(&mut *conn)
        .await?;
    for company in &grants.companies {
        add_grant(conn, system_user_id, GrantKind::Company, company.as_str()).await?;
    }
    for account in &grants.accounts {
        add_grant(conn, system_user_id, GrantKind::Account, account).await?;
    }
    Ok(())
}
