//! The shared domain under a KPN customer's tree: an organisation's MBN members are its
//! subscribers and its mobile subscriptions its contracts. A linked subscriber's names and
//! e-mail are written to the member and the item in one transaction, whichever dialect writes
//! (`items::update_subscriber`, `directory::members::update_member`).

use sentral_domain::OrgNumber;

use crate::rows::{int, opt_text, text};
use crate::{Connection, StoreError};

/// A member of the organisation that no subscriber stands for yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlinkedMember {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub mobile: String,
    pub external_id: Option<String>,
    /// The member's directory group (its department).
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    /// The account of the subscription behind the member's mobile number.
    pub account_id: Option<String>,
}

pub async fn unlinked_members(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<UnlinkedMember>, StoreError> {
    let rows = crate::db::query(
        "SELECT m.id, m.first_name, m.last_name, m.email, m.mobile, m.external_id, \
         g.id AS group_id, g.name AS group_name, s.account_id \
         FROM members m LEFT JOIN enterprise_groups g ON g.id = m.group_id \
         LEFT JOIN mobile_subscriptions s ON s.msisdn = m.mobile AND s.org_number = m.org_number \
         WHERE m.org_number = $1 AND NOT EXISTS (SELECT 1 FROM kpn_items k WHERE k.member_id = m.id) \
         ORDER BY m.id",
    )
    .bind(org_number.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(UnlinkedMember {
                id: text(row, "id")?,
                first_name: text(row, "first_name")?,
                last_name: text(row, "last_name")?,
                email: text(row, "email")?,
                mobile: text(row, "mobile")?,
                external_id: opt_text(row, "external_id")?,
                group_id: opt_text(row, "group_id")?,
                group_name: opt_text(row, "group_name")?,
                account_id: opt_text(row, "account_id")?,
            })
        })
        .collect()
}

/// A mobile subscription of the organisation that no contract stands for yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlinkedSubscription {
    pub msisdn: String,
    pub account_id: String,
    pub status: String,
    pub iccid: String,
    pub activated_at: i64,
}

pub async fn unlinked_subscriptions(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<UnlinkedSubscription>, StoreError> {
    let rows = crate::db::query(
        "SELECT s.msisdn, s.account_id, s.status, s.iccid, s.activated_at \
         FROM mobile_subscriptions s WHERE s.org_number = $1 AND NOT EXISTS \
         (SELECT 1 FROM kpn_contracts c WHERE c.subscription_msisdn = s.msisdn) ORDER BY s.msisdn",
    )
    .bind(org_number.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(UnlinkedSubscription {
                msisdn: text(row, "msisdn")?,
                account_id: text(row, "account_id")?,
                status: text(row, "status")?,
                iccid: text(row, "iccid")?,
                activated_at: int(row, "activated_at")?,
            })
        })
        .collect()
}

/// The ids of the organisation's own billing accounts.
pub async fn accounts_of(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<String>, StoreError> {
    let rows =
        crate::db::query("SELECT id FROM corporate_accounts WHERE owner_org = $1 ORDER BY id")
            .bind(org_number.as_str())
            .fetch_all(conn)
            .await?;
    rows.iter().map(|row| text(row, "id")).collect()
}

/// Makes subscriber `item_id` stand for member `member_id`.
pub async fn link_member(
    conn: &mut Connection,
    item_id: i64,
    member_id: &str,
) -> Result<(), StoreError> {
    crate::db::query("UPDATE kpn_items SET member_id = $2 WHERE id = $1")
        .bind(item_id)
        .bind(member_id)
        .execute(conn)
        .await
        .map_err(|e| e.conflict_as(format!("a subscriber of member {member_id}")))?;
    Ok(())
}

/// Makes contract `contract_id` stand for the subscription of `msisdn`.
pub async fn link_subscription(
    conn: &mut Connection,
    contract_id: i64,
    msisdn: &str,
) -> Result<(), StoreError> {
    crate::db::query("UPDATE kpn_contracts SET subscription_msisdn = $2 WHERE id = $1")
        .bind(contract_id)
        .bind(msisdn)
        .execute(conn)
        .await
        .map_err(|e| e.conflict_as(format!("a contract of {msisdn}")))?;
    Ok(())
}

/// The subscriber that stands for member `member_id`, if any.
pub async fn subscriber_of_member(
    conn: &mut Connection,
    member_id: &str,
) -> Result<Option<i64>, StoreError> {
    let row = crate::db::query("SELECT id FROM kpn_items WHERE member_id = $1")
        .bind(member_id)
        .fetch_optional(conn)
        .await?;
    row.map(|row| int(&row, "id")).transpose()
}

/// The linked subscriber whose member has mobile `msisdn`.
pub async fn subscriber_of_mobile(
    conn: &mut Connection,
    org_number: &OrgNumber,
    msisdn: &str,
) -> Result<Option<i64>, StoreError> {
    let row = crate::db::query(
        "SELECT k.id FROM kpn_items k JOIN members m ON m.id = k.member_id \
         WHERE m.mobile = $1 AND k.org_number = $2",
    )
    .bind(msisdn)
    .bind(org_number.as_str())
    .fetch_optional(conn)
    .await?;
    row.map(|row| int(&row, "id")).transpose()
}

/// The debtor that stands for billing account `account_id`.
pub async fn debtor_of_account(
    conn: &mut Connection,
    org_number: &OrgNumber,
    account_id: &str,
) -> Result<Option<i64>, StoreError> {
    let row = crate::db::query(
        "SELECT MIN(id) AS id FROM kpn_items WHERE org_number = $1 AND kind = 'DEBTOR' \
         AND account_id = $2",
    )
    .bind(org_number.as_str())
    .bind(account_id)
    .fetch_one(conn)
    .await?;
    crate::rows::opt_int(&row, "id")
}

/// The customer's first debtor (where a member without a subscription goes).
pub async fn first_debtor(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Option<i64>, StoreError> {
    let row = crate::db::query(
        "SELECT MIN(id) AS id FROM kpn_items WHERE org_number = $1 AND kind = 'DEBTOR'",
    )
    .bind(org_number.as_str())
    .fetch_one(conn)
    .await?;
    crate::rows::opt_int(&row, "id")
}

/// The cost centre below `debtor_id` that stands for directory group `group_id`.
pub async fn cost_center_of_group(
    conn: &mut Connection,
    debtor_id: i64,
    group_id: &str,
) -> Result<Option<i64>, StoreError> {
    let row = crate::db::query(
        "SELECT MIN(id) AS id FROM kpn_items WHERE debtor_id = $1 AND kind = 'COST_CENTER' \
         AND directory_group_id = $2",
    )
    .bind(debtor_id)
    .bind(group_id)
    .fetch_one(conn)
    .await?;
    crate::rows::opt_int(&row, "id")
}

/// Makes debtor `item_id` stand for billing account `account_id`.
pub async fn link_account(
    conn: &mut Connection,
    item_id: i64,
    account_id: &str,
) -> Result<(), StoreError> {
    crate::db::query("UPDATE kpn_items SET account_id = $2 WHERE id = $1")
        .bind(item_id)
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes cost centre `item_id` stand for directory group `group_id`.
pub async fn link_group(
    conn: &mut Connection,
    item_id: i64,
    group_id: &str,
) -> Result<(), StoreError> {
    crate::db::query("UPDATE kpn_items SET directory_group_id = $2 WHERE id = $1")
        .bind(item_id)
        .bind(group_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The member that subscriber `item_id` stands for, if any.
pub async fn member_of_subscriber(
    conn: &mut Connection,
    item_id: i64,
) -> Result<Option<String>, StoreError> {
    let row = crate::db::query("SELECT member_id FROM kpn_items WHERE id = $1")
        .bind(item_id)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => opt_text(&row, "member_id")?,
        None => None,
    })
}

/// Writes what a KPN order changed on contract `contract_id` to the mobile subscription it
/// stands for, if any: the status (BLOCKED → SUSPENDED, CLOSED → TERMINATED), the SIM, the
/// billing account of its owner's debtor and its owner's names — so the Telenor corporate APIs
/// read the same change. A contract of no subscription changes nothing.
pub async fn mirror_contract(
    conn: &mut Connection,
    contract_id: i64,
    at: sentral_domain::Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE mobile_subscriptions SET \
         status = COALESCE((SELECT CASE c.state WHEN 'ACTIVE' THEN 'ACTIVE' \
           WHEN 'BLOCKED' THEN 'SUSPENDED' WHEN 'CLOSED' THEN 'TERMINATED' END \
           FROM kpn_contracts c WHERE c.id = $1), status), \
         iccid = COALESCE((SELECT c.sim_card_number FROM kpn_contracts c WHERE c.id = $1), iccid), \
         account_id = COALESCE((SELECT d.account_id FROM kpn_contracts c \
           JOIN kpn_items o ON o.id = c.owner_id JOIN kpn_items d ON d.id = o.debtor_id \
           WHERE c.id = $1), account_id), \
         first_name = COALESCE((SELECT o.first_name FROM kpn_contracts c \
           JOIN kpn_items o ON o.id = c.owner_id WHERE c.id = $1 AND o.kind = 'SUBSCRIBER'), \
           first_name), \
         last_name = COALESCE((SELECT o.surname FROM kpn_contracts c \
           JOIN kpn_items o ON o.id = c.owner_id WHERE c.id = $1 AND o.kind = 'SUBSCRIBER'), \
           last_name), \
         updated_at = $2 \
         WHERE msisdn = (SELECT subscription_msisdn FROM kpn_contracts WHERE id = $1)",
    )
    .bind(contract_id)
    .bind(at.millis())
    .execute(&mut *conn)
    .await
    .map_err(|e| e.conflict_as(format!("the SIM of contract {contract_id}")))?;
    crate::corporate::subscriptions::write_document_of_contract(conn, contract_id).await
}
