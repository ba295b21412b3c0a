//! Small helpers to read typed values out of Any rows.

use crate::db::Row;
use sentral_domain::{EntityId, OrgNumber, Timestamp};

use crate::StoreError;

pub fn text(row: &Row, column: &str) -> Result<String, StoreError> {
    row.try_get::<String, _>(column)
}

pub fn opt_text(row: &Row, column: &str) -> Result<Option<String>, StoreError> {
    row.try_get::<Option<String>, _>(column)
}

pub fn int(row: &Row, column: &str) -> Result<i64, StoreError> {
    row.try_get::<i64, _>(column)
}

pub fn opt_int(row: &Row, column: &str) -> Result<Option<i64>, StoreError> {
    row.try_get::<Option<i64>, _>(column)
}

pub fn flag(row: &Row, column: &str) -> Result<bool, StoreError> {
    Ok(int(row, column)? != 0)
}

pub fn at(row: &Row, column: &str) -> Result<Timestamp, StoreError> {
    Ok(Timestamp::from_millis(int(row, column)?))
}

pub fn id(row: &Row, column: &str) -> Result<EntityId, StoreError> {
    Ok(EntityId::new(text(row, column)?))
}

pub fn org(row: &Row, column: &str) -> Result<OrgNumber, StoreError> {
    Ok(OrgNumber::parse(row.text(column)?)?)
}

pub fn opt_org(row: &Row, column: &str) -> Result<Option<OrgNumber>, StoreError> {
    row.opt_text(column)?
        .map(OrgNumber::parse)
        .transpose()
        .map_err(Into::into)
}

/// [`text`], moved out of the row (see [`Row::take`]): for decoders that own their row and
/// read each column once.
pub fn take_text(row: &mut Row, column: &str) -> Result<String, StoreError> {
    row.take::<String, _>(column)
}

/// [`opt_text`], moved out of the row.
pub fn take_opt_text(row: &mut Row, column: &str) -> Result<Option<String>, StoreError> {
    row.take::<Option<String>, _>(column)
}

/// [`id`], moved out of the row.
pub fn take_id(row: &mut Row, column: &str) -> Result<EntityId, StoreError> {
    Ok(EntityId::new(take_text(row, column)?))
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
