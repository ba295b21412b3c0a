//! `findSubscribersUsingGET`: a customer's subscribers by the filters, patterns and sort of the
//! spec. Filters with few candidates in an index (the EMPLOYEE_NUMBER suffix table, the trigram
//! index) start from them; the exact `LIKE` predicates always decide, so the answers are those of
//! a scan (store conformance `kpn_search`). Pages are keys first.

use sentral_domain::OrgNumber;
use sentral_domain::kpn::{Filters, HierarchyItem, ItemKind, Page, SortOrder};

use super::items::item_from;
use crate::corporate::{Bind, Filter};
use crate::json_sql::JsonSql;
use crate::rows::{int, opt_text};
use crate::{Connection, StoreError};

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
    /// Only the subscribers directly in these groups (a portal user's scope).
    pub within: Option<Vec<i64>>,
    /// Only the subscribers that are portal users (`userOnly`).
    pub users_only: bool,
}

const IS_USER: &str =
    "(CASE WHEN EXISTS (SELECT 1 FROM kpn_users u WHERE u.subscriber_id = i.id) THEN 1 ELSE 0 END)";

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
    if let Some(groups) = &query.within {
        if groups.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let placeholders: Vec<String> = groups
            .iter()
            .map(|id| filter.bind(Bind::Int(*id)))
            .collect();
        filter.push(format!("i.parent_id IN ({})", placeholders.join(", ")));
    }
    if query.users_only {
        filter.push(format!("{IS_USER} = 1"));
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
    let unfiltered = query.filters.columns.is_empty()
        && query.patterns.iter().all(|p| p.trim().is_empty())
        && query.within.is_none()
        && !query.users_only;
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
        Some("IS_USER") => Some(IS_USER),
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
