//! Repositories of the KPN Mobile Service Management world: customers, the hierarchy with its
//! subscribers, contracts and the KPN side of orders (the orders themselves are the shared
//! engine's, in `corporate::orders`).

pub mod addresses;
pub mod bulk;
pub mod contract_orders;
pub mod contracting;
pub mod contracts;
pub mod customers;
pub mod finances;
pub mod hardware;
pub mod items;
pub mod orders;
pub mod shared;
pub mod subscriber_search;
pub mod thresholds;
pub mod users;
pub mod voicemail;

use crate::corporate::{Bind, Filter};
use crate::rows::escape_like;
use sentral_domain::kpn::Filters;

/// Adds `filters` to `filter`: per column `expr LIKE %v% OR …`, all columns AND; `column_sql`
/// gives the lower-cased SQL expression of a column (None: not a column of this list).
pub(crate) fn add_filters(
    filter: &mut Filter,
    filters: &Filters,
    column_sql: impl Fn(&str) -> Option<&'static str>,
) -> Result<(), crate::StoreError> {
    for column in &filters.columns {
        let expr = column_sql(column.column).ok_or_else(|| {
            crate::StoreError::Corrupt(format!("filter column {}", column.column))
        })?;
        let alternatives: Vec<String> = column
            .values
            .iter()
            .map(|value| {
                let placeholder = filter.bind(Bind::Text(format!("%{}%", escape_like(value))));
                format!("{expr} LIKE {placeholder} ESCAPE '\\'")
            })
            .collect();
        filter.push(format!("({})", alternatives.join(" OR ")));
    }
    Ok(())
}

/// Adds free-text `patterns`: each must be contained in one of `exprs` (lower-cased SQL).
pub(crate) fn add_patterns(filter: &mut Filter, patterns: &[String], exprs: &[&str]) {
    for pattern in patterns {
        let pattern = pattern.trim().to_lowercase();
        if pattern.is_empty() {
            continue;
        }
        let placeholder = filter.bind(Bind::Text(format!("%{}%", escape_like(&pattern))));
        let alternatives: Vec<String> = exprs
            .iter()
            .map(|expr| format!("{expr} LIKE {placeholder} ESCAPE '\\'"))
            .collect();
        filter.push(format!("({})", alternatives.join(" OR ")));
    }
}

/// The rows of `table` whose `key` (answered as column `id`) is one of `ids`, in that order: the second
/// step of a keys-first page, which reads only the page's rows.
pub(crate) async fn rows_in_order(
    conn: &mut crate::Connection,
    columns: &str,
    table: &str,
    key: &str,
    ids: &[i64],
) -> Result<Vec<crate::db::Row>, crate::StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut filter = Filter::default();
    let placeholders: Vec<String> = ids.iter().map(|id| filter.bind(Bind::Int(*id))).collect();
    let sql = format!(
        "SELECT {columns} FROM {table} WHERE {key} IN ({})",
        placeholders.join(", ")
    );
    // Only the caller's constant columns and table and placeholders are interpolated.
    let rows = filter
        .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
        .fetch_all(conn)
        .await?;
    let mut by_id = std::collections::HashMap::with_capacity(rows.len());
    for row in rows {
        by_id.insert(crate::rows::int(&row, "id")?, row);
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// The ids of one page of `filter`'s matches, in `order`.
pub(crate) async fn page_keys(
    conn: &mut crate::Connection,
    filter: &Filter,
    key: &str,
    from: &str,
    order: &str,
    page: sentral_domain::kpn::Page,
) -> Result<Vec<i64>, crate::StoreError> {
    let rows = filter
        .select_page(
            conn,
            &format!("{key} AS id"),
            from,
            order,
            page.from,
            page.limit(),
        )
        .await?;
    rows.iter().map(|row| crate::rows::int(row, "id")).collect()
}
