//! Repositories of the KPN Mobile Service Management world: customers, the hierarchy with its
//! subscribers, contracts and the KPN side of orders (the orders themselves are the shared
//! engine's, in `corporate::orders`).

pub mod contracts;
pub mod customers;
pub mod items;
pub mod orders;
pub mod shared;

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
