//! Pages of JSON written by the database: one row back instead of one per item.
//!
//! Fetching a page of 1 000 rows costs an allocation per value and a row per item; asking the database for the page's JSON as one text value does not. The
//! JSON must be byte for byte what the API's serde structs write (field order, left-out fields,
//! string escapes, times as `2026-11-22T10:00:00.000Z`), so each backend gets one serializer here
//! and the conformance tests compare both with the Rust serializer.

use crate::db::{Columns, Query, Row};
use crate::{Connection, StoreError};

/// A JSON array (or object) serialized by the store, passed to the response as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPage(String);

impl JsonPage {
    pub(crate) fn new(json: String) -> Self {
        Self(json)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The array of the objects in `column` of `rows`, in the rows' order. A page read as rows
    /// of objects keeps SQLite from sorting its objects into an aggregate (a temporary b-tree per
    /// execution) when the rows come in page order already.
    pub(crate) fn of_rows(rows: &[Row], column: &str) -> Result<Self, StoreError> {
        let mut objects = Vec::with_capacity(rows.len());
        let mut length = 2;
        for row in rows {
            let object = row.text(column)?;
            length += object.len() + 1;
            objects.push(object);
        }
        let mut json = String::with_capacity(length);
        json.push('[');
        for (at, object) in objects.into_iter().enumerate() {
            if at > 0 {
                json.push(',');
            }
            json.push_str(object);
        }
        json.push(']');
        Ok(Self(json))
    }
}

/// One page written as the API's JSON objects, and how many entries there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageJson {
    /// The array of the page's objects.
    pub content: JsonPage,
    pub total: i64,
}

/// Writes one row's object for [`page_of_rows`].
pub(crate) type RowWriter<'a> =
    &'a mut (dyn FnMut(&mut Vec<u8>, &dyn Columns) -> Result<(), StoreError> + Send);

/// The rows of `page` (entries `offset…` of `total`) as a JSON array, each object written by
/// `write` straight from the row's borrowed values; `object_bytes` sizes the buffer.
pub(crate) async fn page_of_rows(
    conn: &mut Connection,
    page: Query,
    (total, offset, limit): (i64, i64, i64),
    object_bytes: usize,
    write: RowWriter<'_>,
) -> Result<PageJson, StoreError> {
    let rows = usize::try_from(limit.min(total - offset)).unwrap_or(0);
    let mut json = Vec::with_capacity(2 + rows * object_bytes);
    json.push(b'[');
    if offset < total {
        let mut first = true;
        page.for_each_row(conn, &mut |row| {
            if !std::mem::take(&mut first) {
                json.push(b',');
            }
            write(&mut json, row)
        })
        .await?;
    }
    json.push(b']');
    Ok(PageJson {
        content: JsonPage(json_text(json)?),
        total,
    })
}

/// Logs the progress of writing the stored objects of older rows at start (a sandbox of 100 000
/// contacts has as many to write once): a line per 10 000 of them.
pub(crate) fn note_written(what: &str, before: u64, written: u64) {
    if written / 10_000 > before / 10_000 {
        tracing::info!(written, "writing the stored JSON of {what} without it");
    }
}

/// JSON written by this crate's writers as text (always UTF-8: every piece is a `&str` or ASCII).
pub(crate) fn json_text(json: Vec<u8>) -> Result<String, StoreError> {
    String::from_utf8(json).map_err(|error| StoreError::Corrupt(format!("written JSON: {error}")))
}

/// `key` (`,"name":`, with its punctuation) and `value` as a JSON string.
pub(crate) fn write_field(out: &mut Vec<u8>, key: &[u8], value: &str) {
    out.extend_from_slice(key);
    sentral_json::write_str(out, value);
}

/// [`write_field`], or `key` and `null` for no value.
pub(crate) fn write_nullable(out: &mut Vec<u8>, key: &[u8], value: Option<&str>) {
    match value {
        Some(value) => write_field(out, key, value),
        None => {
            out.extend_from_slice(key);
            out.extend_from_slice(b"null");
        }
    }
}

/// SQL built once per backend and kept: the object of a row is the same text on every request
/// (building the account object's took ~60 000 instructions a page).
pub(crate) struct PerBackend<T> {
    sqlite: std::sync::OnceLock<T>,
    postgres: std::sync::OnceLock<T>,
}

impl<T> PerBackend<T> {
    pub const fn new() -> Self {
        Self {
            sqlite: std::sync::OnceLock::new(),
            postgres: std::sync::OnceLock::new(),
        }
    }

    /// `build(json)`'s value for `json`'s backend, built the first time.
    pub fn get(&self, json: JsonSql, build: impl FnOnce(JsonSql) -> T) -> &T {
        let cell = match json {
            JsonSql::Sqlite => &self.sqlite,
            JsonSql::Postgres => &self.postgres,
        };
        cell.get_or_init(|| build(json))
    }
}

/// The SQL that writes JSON on one backend. Every method takes and returns SQL expressions;
/// callers pass only column names and constants, never values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonSql {
    Sqlite,
    Postgres,
}

impl JsonSql {
    pub fn of(conn: &Connection) -> Self {
        match conn.backend() {
            crate::Backend::Postgres => JsonSql::Postgres,
            crate::Backend::Sqlite => JsonSql::Sqlite,
        }
    }

    /// The JSON string of a non-NULL text expression (escaped as serde_json does: `"`, `\` and
    /// control characters only).
    pub fn string(self, expr: &str) -> String {
        match self {
            JsonSql::Sqlite => format!("json_quote({expr})"),
            JsonSql::Postgres => format!("to_json(({expr})::text)::text"),
        }
    }

    /// The JSON string (RFC 3339 in UTC with milliseconds, as `Timestamp::to_rfc3339`) of a
    /// non-NULL time in epoch milliseconds.
    pub fn timestamp(self, millis: &str) -> String {
        match self {
            JsonSql::Sqlite => format!("{}({millis})", crate::db::sqlite::JSON_TIME),
            JsonSql::Postgres => format!(
                "('\"' || to_char(to_timestamp({millis} / 1000) AT TIME ZONE 'UTC', \
                 'YYYY-MM-DD\"T\"HH24:MI:SS') || '.' || lpad(({millis} % 1000)::text, 3, '0') \
                 || 'Z\"')"
            ),
        }
    }

    /// Stored JSON text, checked and passed through as it is (compact, as serde_json wrote it).
    pub fn stored(self, expr: &str) -> String {
        match self {
            JsonSql::Sqlite => format!("json({expr})"),
            JsonSql::Postgres => format!("({expr})::json::text"),
        }
    }

    /// `[` the values of `element` over the group, in `order_by` order, joined by `,` `]`.
    pub fn array(self, element: &str, order_by: &str, filter: Option<&str>) -> String {
        let filter = filter.map_or_else(String::new, |f| format!(" FILTER (WHERE {f})"));
        let joined = match self {
            JsonSql::Sqlite => format!("group_concat({element}, ',' ORDER BY {order_by}){filter}"),
            JsonSql::Postgres => format!("string_agg({element}, ',' ORDER BY {order_by}){filter}"),
        };
        format!("('[' || COALESCE({joined}, '') || ']')")
    }
}

/// An object's SQL expression, one field at a time, in the order the serde struct writes them.
pub(crate) struct ObjectSql {
    json: JsonSql,
    fields: Vec<FieldSql>,
}

struct FieldSql {
    name: String,
    /// `'"name":'`, with the comma before it unless it is the first field.
    key: String,
    /// The value's JSON expression; `None` for the field [`ObjectSql::build_around`] leaves open.
    value: Option<String>,
    /// The condition for writing the field at all; `None` when it is always written.
    present: Option<String>,
}

impl FieldSql {
    fn sql(&self) -> String {
        let value = self
            .value
            .as_deref()
            .unwrap_or_else(|| panic!("the value of {} is left open", self.name));
        match &self.present {
            None => format!("{} || {value}", self.key),
            Some(present) => format!(
                "CASE WHEN {present} THEN {} || {value} ELSE '' END",
                self.key
            ),
        }
    }
}

/// An object's JSON as the SQL of the text before and after one field's value, which the caller
/// writes between them (see [`ObjectSql::build_around`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectAround {
    /// Up to and including the open field's key.
    pub head: String,
    /// From the end of the open field's value to the closing brace.
    pub tail: String,
}

impl ObjectAround {
    /// The whole object with `value` (a non-NULL JSON expression) in the open field.
    pub fn with_value(&self, value: &str) -> String {
        format!("({} || {value} || {})", self.head, self.tail)
    }
}

impl ObjectSql {
    pub fn new(json: JsonSql) -> Self {
        Self {
            json,
            fields: Vec::new(),
        }
    }

    fn push(mut self, name: &str, value: Option<String>, present: Option<String>) -> Self {
        let comma = if self.fields.is_empty() { "" } else { "," };
        self.fields.push(FieldSql {
            name: name.to_owned(),
            key: format!("'{comma}\"{name}\":'"),
            value,
            present,
        });
        self
    }

    /// A field always written; `value` is a non-NULL JSON expression.
    pub fn field(self, name: &str, value: String) -> Self {
        self.push(name, Some(value), None)
    }

    /// A field always written whose value the caller writes: see [`ObjectSql::build_around`].
    pub fn open_field(self, name: &str) -> Self {
        self.push(name, None, None)
    }

    /// A text column written as a string, or `null` (`Option` without `skip_serializing_if`).
    pub fn text_or_null(self, name: &str, column: &str) -> Self {
        let value = format!(
            "CASE WHEN {column} IS NULL THEN 'null' ELSE {} END",
            self.json.string(column)
        );
        self.field(name, value)
    }

    /// A text column written as a string.
    pub fn text(self, name: &str, column: &str) -> Self {
        let value = self.json.string(column);
        self.field(name, value)
    }

    /// A field left out unless `present` holds. Never the first field (its comma is fixed).
    pub fn field_when(self, name: &str, present: &str, value: String) -> Self {
        assert!(!self.fields.is_empty(), "the first field is always written");
        self.push(name, Some(value), Some(present.to_owned()))
    }

    /// A text column left out when NULL (`skip_serializing_if = "Option::is_none"`).
    pub fn text_unless_null(self, name: &str, column: &str) -> Self {
        let value = self.json.string(column);
        self.field_when(name, &format!("{column} IS NOT NULL"), value)
    }

    /// A time column (epoch milliseconds) as an RFC 3339 string.
    pub fn time(self, name: &str, column: &str) -> Self {
        let value = self.json.timestamp(column);
        self.field(name, value)
    }

    /// The object's JSON text. On SQLite through one `concat(…)`: a chain of `||` copies the
    /// growing text once per field (a page of five contacts spent ~30 000 instructions in those
    /// copies and their allocations). `concat` skips a NULL where `||` would give NULL, which
    /// no field's value is (each is a non-NULL JSON expression).
    pub fn build(self) -> String {
        if self.fields.is_empty() {
            return "'{}'".to_owned();
        }
        let fields: Vec<String> = self.fields.iter().map(FieldSql::sql).collect();
        match self.json {
            JsonSql::Sqlite => format!("concat('{{', {}, '}}')", fields.join(", ")),
            JsonSql::Postgres => format!("('{{' || {} || '}}')", fields.join(" || ")),
        }
    }

    /// The object's JSON around the value of its one [`ObjectSql::open_field`].
    pub fn build_around(self) -> ObjectAround {
        let open = self
            .fields
            .iter()
            .position(|field| field.value.is_none())
            .expect("an open field");
        let mut head = vec!["'{'".to_owned()];
        head.extend(self.fields[..open].iter().map(FieldSql::sql));
        head.push(self.fields[open].key.clone());
        let mut tail: Vec<String> = self.fields[open + 1..].iter().map(FieldSql::sql).collect();
        tail.push("'}'".to_owned());
        ObjectAround {
            head: format!("({})", head.join(" || ")),
            tail: format!("({})", tail.join(" || ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Value;
    use std::sync::Arc;

    fn rows(objects: &[&str]) -> Vec<Row> {
        let columns: Arc<[String]> = Arc::from(vec!["doc".to_owned()]);
        objects
            .iter()
            .map(|object| Row::new(columns.clone(), vec![Value::Text((*object).to_owned())]))
            .collect()
    }

    #[test]
    fn an_array_of_rows_is_their_objects_in_order() {
        let page = |objects: &[&str]| JsonPage::of_rows(&rows(objects), "doc").unwrap();
        assert_eq!(page(&[]).as_str(), "[]");
        assert_eq!(page(&[r#"{"a":1}"#]).as_str(), r#"[{"a":1}]"#);
        assert_eq!(
            page(&[r#"{"a":2}"#, r#"{"a":1}"#, "{}"]).as_str(),
            r#"[{"a":2},{"a":1},{}]"#
        );
        assert!(JsonPage::of_rows(&rows(&["{}"]), "other").is_err());
    }
}
