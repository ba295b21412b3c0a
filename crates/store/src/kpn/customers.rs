//! KPN customers (an organisation's KPN settings) and the privileges of KPN applications.

use sentral_domain::OrgNumber;

use crate::rows::{flag, int, opt_text, text};
use crate::{Connection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpnCustomer {
    pub org_number: OrgNumber,
    /// The CUSTOMER item at the top of the hierarchy.
    pub item_id: i64,
    pub order_frozen: bool,
    pub krn_number: Option<String>,
    pub ckr_number: Option<String>,
    pub billing_retention_period: String,
    /// The organisation got members or subscriptions since its tree was last linked to them
    /// (migration 0019's triggers set it).
    pub links_stale: bool,
}

pub async fn insert_customer(
    conn: &mut Connection,
    customer: &KpnCustomer,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO kpn_customers (org_number, item_id, order_frozen, krn_number, ckr_number, \
         billing_retention_period, links_stale) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(customer.org_number.as_str())
    .bind(customer.item_id)
    .bind(i64::from(customer.order_frozen))
    .bind(customer.krn_number.as_deref())
    .bind(customer.ckr_number.as_deref())
    .bind(&customer.billing_retention_period)
    .bind(i64::from(customer.links_stale))
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("KPN customer {}", customer.org_number)))?;
    Ok(())
}

pub async fn customer(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Option<KpnCustomer>, StoreError> {
    let Some(row) = crate::db::query("SELECT * FROM kpn_customers WHERE org_number = $1")
        .bind(org_number.as_str())
        .fetch_optional(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(KpnCustomer {
        org_number: org_number.clone(),
        item_id: int(&row, "item_id")?,
        order_frozen: flag(&row, "order_frozen")?,
        krn_number: opt_text(&row, "krn_number")?,
        ckr_number: opt_text(&row, "ckr_number")?,
        billing_retention_period: text(&row, "billing_retention_period")?,
        links_stale: flag(&row, "links_stale")?,
    }))
}

/// Marks the customer's tree as linked to every member and subscription its organisation has:
/// done first in the linking's transaction, so one added meanwhile marks it stale again.
pub async fn clear_links_stale(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<(), StoreError> {
    crate::db::query("UPDATE kpn_customers SET links_stale = 0 WHERE org_number = $1")
        .bind(org_number.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// The privileges stored for an application (`None`: it has every privilege).
pub async fn privileges(
    conn: &mut Connection,
    app_id: &str,
) -> Result<Option<Vec<String>>, StoreError> {
    let row = crate::db::query("SELECT privileges FROM kpn_privileges WHERE app_id = $1")
        .bind(app_id)
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        let stored = text(&row, "privileges")?;
        serde_json::from_str(&stored)
            .map_err(|e| StoreError::Corrupt(format!("KPN privileges of {app_id}: {e}")))
    })
    .transpose()
}

pub async fn set_privileges(
    conn: &mut Connection,
    app_id: &str,
    privileges: &[String],
) -> Result<(), StoreError> {
    let json = serde_json::to_string(privileges)
        .map_err(|e| StoreError::Corrupt(format!("KPN privileges: {e}")))?;
    crate::db::query(
        "INSERT INTO kpn_privileges (app_id, privileges) VALUES ($1, $2) \
         ON CONFLICT (app_id) DO UPDATE SET privileges = $2",
    )
    .bind(app_id)
    .bind(json)
    .execute(conn)
    .await?;
    Ok(())
}
