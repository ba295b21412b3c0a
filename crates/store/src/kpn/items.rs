//! The hierarchy of a KPN customer: the CUSTOMER item, groups and subscribers, one id space.
//! Every read names the organisation, so an id of another customer is simply not found.

use crate::db::Row;
use sentral_domain::kpn::{Filters, HierarchyItem, ItemKind, Page, SortOrder, SubscriberData};
use sentral_domain::{OrgNumber, Timestamp};

use crate::corporate::{Bind, Filter};
use crate::json_sql::JsonSql;
use crate::rows::{corrupt, flag, int, opt_int, opt_text, text};
use crate::{Connection, StoreError};

fn item_from(row: &Row) -> Result<HierarchyItem, StoreError> {
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

/// A subscriber in a list, with what the list shows beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberRow {
    pub item: HierarchyItem,
    pub contracts: i64,
    pub first_phone_number: Option<String>,
}

/// `findSubscribersUsingGET`'s query.
#[derive(Debug, Clone, Default)]
pub struct SubscriberQuery {
    pub filters: Filters,
    pub patterns: Vec<String>,
    /// A `sortBy` value of the spec.
    pub sort_by: Option<String>,
    pub order: SortOrder,
}

fn subscriber_column(column: &str) -> Option<&'static str> {
    Some(match column {
        "FIRSTNAME" => "LOWER(COALESCE(i.first_name, ''))",
        "LASTNAME" => "LOWER(COALESCE(i.surname, ''))",
        "SURNAME_PREFIX" => "LOWER(COALESCE(i.surname_prefix, ''))",
        "EMPLOYEE_NUMBER" => "LOWER(COALESCE(i.employee_number, ''))",
        "FIXED_NUMBER" => "LOWER(COALESCE(i.fixed_number, ''))",
        "DEBTORNAME" => {
            "LOWER(COALESCE((SELECT d.name FROM kpn_items d WHERE d.id = i.debtor_id), ''))"
        }
        "CONTRACTS" => {
            "LOWER(COALESCE((SELECT MIN(c.mobile_number) FROM kpn_contracts c \
             WHERE c.owner_id = i.id), ''))"
        }
        _ => return None,
    })
}

const FIRST_PHONE: &str =
    "(SELECT MIN(c.mobile_number) FROM kpn_contracts c WHERE c.owner_id = i.id)";

/// The trigram index's column of a filter column (migration 0015).
fn trigram_column(column: &str) -> Option<&'static str> {
    Some(match column {
        "FIRSTNAME" => "first_name",
        "LASTNAME" => "surname",
        "SURNAME_PREFIX" => "surname_prefix",
        "FIXED_NUMBER" => "fixed_number",
        // EMPLOYEE_NUMBER has its suffix table (migration 0016): digits make weak trigrams.
        _ => return None,
    })
}

/// The FTS5 query that finds the candidates of `filters` in `kpn_items_trigram`: every column
/// whose values all have a trigram, AND-ed (None: no such column, the filters scan).
fn trigram_match(filters: &Filters) -> Option<String> {
    let parts: Vec<String> = filters
        .columns
        .iter()
        .filter_map(|column| {
            let fts_column = trigram_column(column.column)?;
            let phrases = column
                .values
                .iter()
                .map(|value| crate::trigram::phrase(value))
                .collect::<Option<Vec<_>>>()?;
            (!phrases.is_empty()).then(|| format!("{fts_column} : ({})", phrases.join(" OR ")))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// Up to this many candidates, the page starts from their ids; past it the filters scan the
/// customer's subscribers (as `crate::trigram` measured: beyond ~1 000 the scan is cheaper).
const FEW_CANDIDATES: i64 = 1_000;

/// The ids of the subscribers that may match an EMPLOYEE_NUMBER filter (every value of the
/// column OR-ed), from the suffix table of migration 0016, or None when they are not few.
async fn employee_number_candidates(
    conn: &mut Connection,
    filters: &Filters,
) -> Result<Option<Vec<i64>>, StoreError> {
    let Some(column) = filters
        .columns
        .iter()
        .find(|column| column.column == "EMPLOYEE_NUMBER")
    else {
        return Ok(None);
    };
    let mut ids = std::collections::BTreeSet::new();
    for value in &column.values {
        if value.is_empty() {
            return Ok(None);
        }
        // Every suffix that starts with `value` sorts in [value, value + U+10FFFF); '' marks a
        // number too long to have all its suffixes listed.
        let rows = crate::db::query(
            "SELECT item_id FROM kpn_employee_number_suffixes WHERE suffix >= $1 AND suffix < $2 \
             UNION SELECT item_id FROM kpn_employee_number_suffixes WHERE suffix = '' LIMIT $3",
        )
        .bind(value.as_str())
        .bind(format!("{value}\u{10FFFF}"))
        .bind(FEW_CANDIDATES)
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            ids.insert(int(row, "item_id")?);
        }
        if ids.len() >= FEW_CANDIDATES as usize {
            return Ok(None);
        }
    }
    Ok(Some(ids.into_iter().collect()))
}

/// The ids of the subscribers that may match the trigram-indexed filters (SQLite), or None
/// when there are no such filters or their candidates are not few. One FTS5 lookup.
async fn trigram_candidates(
    conn: &mut Connection,
    filters: &Filters,
) -> Result<Option<Vec<i64>>, StoreError> {
    if JsonSql::of(conn) != JsonSql::Sqlite {
        return Ok(None);
    }
    let Some(expr) = trigram_match(filters) else {
        return Ok(None);
    };
    let rows = crate::db::query(
        "SELECT id FROM kpn_items WHERE rowid IN \
         (SELECT rowid FROM kpn_items_trigram WHERE kpn_items_trigram MATCH $1 LIMIT $2)",
    )
    .bind(expr)
    .bind(FEW_CANDIDATES)
    .fetch_all(&mut *conn)
    .await?;
    if rows.len() >= FEW_CANDIDATES as usize {
        return Ok(None);
    }
    rows.iter()
        .map(|row| int(row, "id"))
        .collect::<Result<_, _>>()
        .map(Some)
}

/// A superset of the subscribers that match `filters`, when an index finds few: the exact
/// predicates then only test these instead of the customer's every subscriber.
async fn candidates(
    conn: &mut Connection,
    filters: &Filters,
) -> Result<Option<Vec<i64>>, StoreError> {
    if let Some(ids) = employee_number_candidates(conn, filters).await? {
        return Ok(Some(ids));
    }
    trigram_candidates(conn, filters).await
}

/// The customer's subscriber count, kept by triggers (migration 0016).
async fn subscriber_count(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<i64, StoreError> {
    crate::db::query("SELECT n FROM kpn_subscriber_counts WHERE org_number = $1")
        .bind(org_number.as_str())
        .fetch_optional(conn)
        .await?
        .map(|row| int(&row, "n"))
        .transpose()
        .map(Option::unwrap_or_default)
}

pub async fn find_subscribers(
    conn: &mut Connection,
    org_number: &OrgNumber,
    query: &SubscriberQuery,
    page: Page,
) -> Result<(Vec<SubscriberRow>, i64), StoreError> {
    // Filters with few candidates in an index start from them; the exact predicates stay, so
    // the answers are those of the scan. On SQLite `+` keeps the planner from walking the
    // customer's index entries instead of the candidates' primary keys.
    let candidates = candidates(conn, &query.filters).await?;
    let unindexed = if candidates.is_some() && JsonSql::of(conn) == JsonSql::Sqlite {
        "+"
    } else {
        ""
    };
    let mut filter = Filter::default();
    let org = filter.bind(Bind::Text(org_number.as_str().to_owned()));
    let kind = filter.bind(Bind::Text(ItemKind::Subscriber.as_str().to_owned()));
    filter.push(format!(
        "{unindexed}i.org_number = {org} AND {unindexed}i.kind = {kind}"
    ));
    if let Some(ids) = &candidates {
        if ids.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let placeholders: Vec<String> = ids.iter().map(|id| filter.bind(Bind::Int(*id))).collect();
        filter.push(format!("i.id IN ({})", placeholders.join(", ")));
    }
    super::add_filters(&mut filter, &query.filters, subscriber_column)?;
    super::add_patterns(
        &mut filter,
        &query.patterns,
        &[
            "LOWER(i.name)",
            "LOWER(COALESCE(i.employee_number, ''))",
            "LOWER(COALESCE(i.email, ''))",
        ],
    );
    let unfiltered =
        query.filters.columns.is_empty() && query.patterns.iter().all(|p| p.trim().is_empty());
    let total = if unfiltered {
        subscriber_count(conn, org_number).await?
    } else {
        filter.count(conn, "kpn_items i").await?
    };
    if page.limit() == 0 || page.from >= total {
        return Ok((Vec::new(), total));
    }
    let direction = query.order.sql();
    let key = match query.sort_by.as_deref() {
        Some("FIRSTNAME") => subscriber_column("FIRSTNAME"),
        Some("DEBTORNAME") => subscriber_column("DEBTORNAME"),
        Some("FIXED_NUMBER") => subscriber_column("FIXED_NUMBER"),
        Some("EMPLOYEE_NUMBER") => subscriber_column("EMPLOYEE_NUMBER"),
        Some("LASTNAME") => subscriber_column("LASTNAME"),
        _ => None,
    };
    let order = match key {
        Some(key) => format!("{key} {direction}, i.id {direction}"),
        None => format!("i.id {direction}"),
    };
    // Keys first: the page's ids from the index, then only those rows with their contracts.
    let ids = super::page_keys(conn, &filter, "i.id", "kpn_items i", &order, page).await?;
    let columns = format!(
        "i.*, (SELECT COUNT(*) FROM kpn_contracts c WHERE c.owner_id = i.id) AS contract_count, \
         {FIRST_PHONE} AS first_phone"
    );
    let rows = super::rows_in_order(conn, &columns, "kpn_items i", "i.id", &ids).await?;
    let subscribers = rows
        .iter()
        .map(|row| {
            Ok(SubscriberRow {
                item: item_from(row)?,
                contracts: int(row, "contract_count")?,
                first_phone_number: opt_text(row, "first_phone")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok((subscribers, total))
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
    .execute(conn)
    .await?;
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
