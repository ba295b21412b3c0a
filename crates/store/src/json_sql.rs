//! Pages of JSON written by the database: one row back instead of one per item.
//!
//! Fetching a page of 1 000 rows through sqlx's Any driver costs a thread hand-off and an
//! allocation per value; asking the database for the page's JSON as one text value does not. The
//! JSON must be byte for byte what the API's serde structs write (field order, left-out fields,
//! string escapes, times as `2026-11-22T10:00:00.000Z`), so each backend gets one serializer here
//! and the conformance tests compare both with the Rust serializer.

use crate::AnyConnection;

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
}

/// The SQL that writes JSON on one backend. Every method takes and returns SQL expressions;
/// callers pass only column names and constants, never values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonSql {
    Sqlite,
    Postgres,
}

impl JsonSql {
    pub fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            JsonSql::Postgres
        } else {
            JsonSql::Sqlite
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
            JsonSql::Sqlite => format!(
                "(strftime('\"%Y-%m-%dT%H:%M:%S', {millis} / 1000, 'unixepoch') \
                 || printf('.%03dZ\"', {millis} % 1000))"
            ),
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
    parts: Vec<String>,
}

impl ObjectSql {
    pub fn new(json: JsonSql) -> Self {
        Self {
            json,
            parts: Vec::new(),
        }
    }

    fn key(&self, name: &str) -> String {
        let comma = if self.parts.is_empty() { "" } else { "," };
        format!("'{comma}\"{name}\":'")
    }

    /// A field always written; `value` is a non-NULL JSON expression.
    pub fn field(mut self, name: &str, value: String) -> Self {
        let key = self.key(name);
        self.parts.push(format!("{key} || {value}"));
        self
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
    pub fn field_when(mut self, name: &str, present: &str, value: String) -> Self {
        assert!(!self.parts.is_empty(), "the first field is always written");
        let key = self.key(name);
        self.parts.push(format!(
            "CASE WHEN {present} THEN {key} || {value} ELSE '' END"
        ));
        self
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

    /// The object's JSON text.
    pub fn build(self) -> String {
        if self.parts.is_empty() {
            return "'{}'".to_owned();
        }
        format!("('{{' || {} || '}}')", self.parts.join(" || "))
    }
}
