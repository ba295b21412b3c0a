//! Small helpers to read typed values out of Any rows.

use sentral_domain::{EntityId, OrgNumber, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::StoreError;

pub fn text(row: &AnyRow, column: &str) -> Result<String, StoreError> {
    Ok(row.try_get::<String, _>(column)?)
}

pub fn opt_text(row: &AnyRow, column: &str) -> Result<Option<String>, StoreError> {
    Ok(row.try_get::<Option<String>, _>(column)?)
}

pub fn int(row: &AnyRow, column: &str) -> Result<i64, StoreError> {
    Ok(row.try_get::<i64, _>(column)?)
}

pub fn opt_int(row: &AnyRow, column: &str) -> Result<Option<i64>, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(column)?)
}

pub fn flag(row: &AnyRow, column: &str) -> Result<bool, StoreError> {
    Ok(int(row, column)? != 0)
}

pub fn at(row: &AnyRow, column: &str) -> Result<Timestamp, StoreError> {
    Ok(Timestamp::from_millis(int(row, column)?))
}

pub fn id(row: &AnyRow, column: &str) -> Result<EntityId, StoreError> {
    Ok(EntityId::new(text(row, column)?))
}

pub fn org(row: &AnyRow, column: &str) -> Result<OrgNumber, StoreError> {
    Ok(OrgNumber::parse(&text(row, column)?)?)
}

pub fn opt_org(row: &AnyRow, column: &str) -> Result<Option<OrgNumber>, StoreError> {
    opt_text(row, column)?
        .map(|value| OrgNumber::parse(&value))
        .transpose()
        .map_err(Into::into)
}

/// `$first, $first+1, …` for an `IN (…)` list of `count` values.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `text` with `\`, `%` and `_` escaped for `LIKE … ESCAPE '\'`, so they match literally.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A stored value the domain does not accept.
pub fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}
