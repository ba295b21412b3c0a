//! The hierarchy of a KPN customer: the CUSTOMER item, groups and subscribers, one id space.
//! Every read names the organisation, so an id of another customer is simply not found.
//! The subscriber list with its filters is in `subscriber_search`.

use crate::db::Row;
use sentral_domain::kpn::{HierarchyItem, ItemKind, Page, SubscriberData};
use sentral_domain::{OrgNumber, Timestamp};

use crate::corporate::{Bind, Filter};
use crate::rows::{corrupt, flag, int, opt_int, opt_text, text};
use crate::{Connection, StoreError};

pub use super::subscriber_search::{SubscriberQuery, SubscriberRow, find_subscribers};

pub(crate) fn item_from(row: &Row) -> Result<HierarchyItem, StoreError> {
    let kind = text(row, "kind")?;
    let kind = ItemKind::parse(&kind).ok_or_else(|| corrupt("KPN item kind", &kind))?;
    let subscriber = if kind == ItemKind::Subscriber {
        Some(SubscriberData {
            first_name: opt_text(row, "first_name")?,
            surname_prefix: opt_text(row, "surname_prefix")?,
            surname: opt_text(row, "surname")?.unwrap_or_default(),
            email: opt_text(row, "email")?,
            vip: flag(row, "vip")?,
            employee_number: opt_text(row, "employee_number")?,
            gender: opt_text(row, "gender")?,
            preferred_language: opt_text(row, "preferred_language")?,
            comments: opt_text(row, "comments")?,
            mobile_number: opt_text(row, "mobile_number")?,
            fixed_number: opt_text(row, "fixed_number")?,
        })
    } else {
        None
    };
    Ok(HierarchyItem {
        id: int(row, "id")?,
        kind,
        parent_id: opt_int(row, "parent_id")?,
        name: text(row, "name")?,
        cost_center_number: opt_text(row, "cost_center_number")?,
        subscriber,
    })
}

/// Inserts an item; `debtor_id` is the debtor on its path. A cost-centre number already used
/// by the customer is a conflict.
pub async fn insert_item(
    conn: &mut Connection,
    org_number: &OrgNumber,
    item: &HierarchyItem,
    debtor_id: Option<i64>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let data = item.subscriber.clone().unwrap_or_default();
    crate::db::query(
        "INSERT INTO kpn_items (id, org_number, kind, parent_id, debtor_id, name, \
         cost_center_number, first_name, surname_prefix, surname, email, vip, employee_number, \
         gender, preferred_language, comments, mobile_number, fixed_number, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17, $18, $19, $19)",
    )
    .bind(item.id)
    .bind(org_number.as_str())
    .bind(item.kind.as_str())
    .bind(item.parent_id)
    .bind(debtor_id)
    .bind(&item.name)
    .bind(item.cost_center_number.as_deref())
    .bind(data.first_name.as_deref())
    .bind(data.surname_prefix.as_deref())
    .bind(item.subscriber.as_ref().map(|s| s.surname.as_str()))
    .bind(data.email.as_deref())
    .bind(i64::from(data.vip))
    .bind(data.employee_number.as_deref())
    .bind(data.gender.as_deref())
    .bind(data.preferred_language.as_deref())
    .bind(data.comments.as_deref())
    .bind(data.mobile_number.as_deref())
    .bind(data.fixed_number.as_deref())
    .bind(now.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as("costCenterNumber"))?;
    Ok(())
}

pub async fn item(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
) -> Result<Option<HierarchyItem>, StoreError> {
    crate::db::query("SELECT * FROM kpn_items WHERE id = $1 AND org_number = $2")
        .bind(id)
        .bind(org_number.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(item_from)
        .transpose()
}

/// Every item of the customer that is not a subscriber (the customer and its groups): few,
/// and enough to build any item's path.
pub async fn groups(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<HierarchyItem>, StoreError> {
    // The group kinds by name, so the index (org_number, kind, id) seeks them: `kind <> …` would
    // visit every subscriber of a large customer.
    crate::db::query(
        "SELECT * FROM kpn_items WHERE org_number = $1 \
         AND kind IN ($2, $3, $4, $5, $6) ORDER BY id",
    )
    .bind(org_number.as_str())
    .bind(ItemKind::Customer.as_str())
    .bind(ItemKind::Debtor.as_str())
    .bind(ItemKind::CostCenter.as_str())
    .bind(ItemKind::CustomGroup.as_str())
    .bind(ItemKind::BusinessLocation.as_str())
    .fetch_all(conn)
    .await?
    .iter()
    .map(item_from)
    .collect()
}

/// The direct children of `parent_id`, groups first then subscribers, each by name; `pattern`
/// is contained in the name (case-insensitive).
pub async fn children(
    conn: &mut Connection,
    org_number: &OrgNumber,
    parent_id: i64,
    include_groups: bool,
    pattern: Option<&str>,
    page: Page,
) -> Result<(Vec<HierarchyItem>, i64), StoreError> {
    let mut filter = Filter::default();
    let org = filter.bind(Bind::Text(org_number.as_str().to_owned()));
    let parent = filter.bind(Bind::Int(parent_id));
    filter.push(format!("org_number = {org} AND parent_id = {parent}"));
    if !include_groups {
        let subscriber = filter.bind(Bind::Text(ItemKind::Subscriber.as_str().to_owned()));
        filter.push(format!("kind = {subscriber}"));
    }
    if let Some(pattern) = pattern {
        super::add_patterns(&mut filter, &[pattern.to_owned()], &["LOWER(name)"]);
    }
    let total = filter.count(conn, "kpn_items").await?;
    if page.limit() == 0 || page.from >= total {
        return Ok((Vec::new(), total));
    }
    let order = format!(
        "CASE WHEN kind = '{}' THEN 1 ELSE 0 END, LOWER(name), id",
        ItemKind::Subscriber.as_str()
    );
    let rows = filter
        .page(conn, "kpn_items", &order, page.from, page.limit())
        .await?;
    let items = rows.iter().map(item_from).collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// How many items are directly below `id`.
pub async fn child_count(conn: &mut Connection, id: i64) -> Result<i64, StoreError> {
    let row = crate::db::query("SELECT COUNT(*) AS n FROM kpn_items WHERE parent_id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_get::<i64, _>("n")
}

/// Replaces a subscriber's data (its list name with it).
pub async fn update_subscriber(
    conn: &mut Connection,
    id: i64,
    data: &SubscriberData,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_items SET name = $2, first_name = $3, surname_prefix = $4, surname = $5, \
         email = $6, vip = $7, employee_number = $8, gender = $9, preferred_language = $10, \
         comments = $11, mobile_number = $12, fixed_number = $13, updated_at = $14 \
         WHERE id = $1 AND kind = $15",
    )
    .bind(id)
    .bind(data.display_name())
    .bind(data.first_name.as_deref())
    .bind(data.surname_prefix.as_deref())
    .bind(&data.surname)
    .bind(data.email.as_deref())
    .bind(i64::from(data.vip))
    .bind(data.employee_number.as_deref())
    .bind(data.gender.as_deref())
    .bind(data.preferred_language.as_deref())
    .bind(data.comments.as_deref())
    .bind(data.mobile_number.as_deref())
    .bind(data.fixed_number.as_deref())
    .bind(now.millis())
    .bind(ItemKind::Subscriber.as_str())
    .execute(&mut *conn)
    .await?;
    // A subscriber that is an MBN member changes as that member too: its surname always, its
    // first name and e-mail when given (the directory needs both).
    crate::db::query(
        "UPDATE members SET first_name = COALESCE($2, first_name), last_name = $3, \
         email = COALESCE($4, email), \
         updated_at = $5 WHERE id = (SELECT member_id FROM kpn_items WHERE id = $1)",
    )
    .bind(id)
    .bind(data.first_name.as_deref().filter(|name| !name.is_empty()))
    .bind(&data.surname)
    .bind(data.email.as_deref())
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    crate::directory::members::write_documents_of_subscriber(conn, id).await?;
    Ok(done.rows_affected() == 1)
}

/// Renames a group (and sets its cost-centre number); a number in use is a conflict.
pub async fn update_group(
    conn: &mut Connection,
    id: i64,
    name: &str,
    cost_center_number: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_items SET name = $2, cost_center_number = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(name)
    .bind(cost_center_number)
    .bind(now.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as("costCenterNumber"))?;
    Ok(done.rows_affected() == 1)
}

/// Puts an item under a new parent; `debtor_id` is the debtor on the new path, given to the
/// item and to everything below it (`subtree` holds their ids).
pub async fn set_parent(
    conn: &mut Connection,
    id: i64,
    parent_id: i64,
    debtor_id: Option<i64>,
    subtree: &[i64],
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query("UPDATE kpn_items SET parent_id = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(parent_id)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    for item in std::iter::once(&id).chain(subtree) {
        crate::db::query("UPDATE kpn_items SET debtor_id = $2 WHERE id = $1")
            .bind(*item)
            .bind(debtor_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The ids of every item below `id` (not `id` itself).
pub async fn descendants(conn: &mut Connection, id: i64) -> Result<Vec<i64>, StoreError> {
    let mut found = Vec::new();
    let mut level = vec![id];
    while !level.is_empty() {
        let mut next = Vec::new();
        for parent in level {
            let rows = crate::db::query("SELECT id FROM kpn_items WHERE parent_id = $1")
                .bind(parent)
                .fetch_all(&mut *conn)
                .await?;
            for row in rows {
                next.push(int(&row, "id")?);
            }
        }
        found.extend(next.iter().copied());
        level = next;
    }
    Ok(found)
}

pub async fn delete_item(conn: &mut Connection, id: i64) -> Result<bool, StoreError> {
    let done = crate::db::query("DELETE FROM kpn_items WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
