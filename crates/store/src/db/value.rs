//! Bound values going in and column values coming out, the same on both backends.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::StoreError;
use crate::db::DbError;

/// A value bound to a statement. NULLs keep their type: PostgreSQL needs one for every
/// parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    NullInt,
    NullReal,
    NullText,
}

/// A Rust value that can be bound.
pub trait Encode {
    fn encode(self) -> Arg;
    /// The typed NULL an `Option::None` of this type binds.
    fn null() -> Arg;
}

macro_rules! encode_int {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(self) -> Arg {
                Arg::Int(i64::from(self))
            }
            fn null() -> Arg {
                Arg::NullInt
            }
        }
    )*};
}
encode_int!(i64, i32, i16, u32, u16, u8);

impl Encode for bool {
    fn encode(self) -> Arg {
        Arg::Int(i64::from(self))
    }
    fn null() -> Arg {
        Arg::NullInt
    }
}

impl Encode for f64 {
    fn encode(self) -> Arg {
        Arg::Real(self)
    }
    fn null() -> Arg {
        Arg::NullReal
    }
}

impl Encode for String {
    fn encode(self) -> Arg {
        Arg::Text(self)
    }
    fn null() -> Arg {
        Arg::NullText
    }
}

impl Encode for &str {
    fn encode(self) -> Arg {
        Arg::Text(self.to_owned())
    }
    fn null() -> Arg {
        Arg::NullText
    }
}

impl Encode for &String {
    fn encode(self) -> Arg {
        Arg::Text(self.clone())
    }
    fn null() -> Arg {
        Arg::NullText
    }
}

impl Encode for Vec<u8> {
    fn encode(self) -> Arg {
        Arg::Blob(self)
    }
    fn null() -> Arg {
        Arg::NullText
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(self) -> Arg {
        match self {
            Some(value) => value.encode(),
            None => T::null(),
        }
    }
    fn null() -> Arg {
        T::null()
    }
}

impl Encode for Arg {
    fn encode(self) -> Arg {
        self
    }
    fn null() -> Arg {
        Arg::NullText
    }
}

/// A column's value as the database returned it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    /// Moved out of its row by [`Row::take`]: reading it again is an error, never a NULL.
    Taken,
}

/// One result row: its values by position, the statement's column names shared by its rows.
#[derive(Debug)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
    /// Where the next column by name is looked for first: repositories read a row's columns
    /// mostly in the order the query lists them, so a lookup is usually one comparison.
    next: AtomicUsize,
}

/// A column named or numbered.
pub trait ColumnIndex {
    /// Its position among `columns`; a name is looked for from `hint` on, then wrapping round.
    fn position(&self, columns: &[String], hint: usize) -> Option<usize>;
    fn describe(&self) -> String;
}

impl ColumnIndex for &str {
    fn position(&self, columns: &[String], hint: usize) -> Option<usize> {
        let start = hint.min(columns.len());
        let (before, after) = columns.split_at(start);
        after
            .iter()
            .position(|column| column == self)
            .map(|at| start + at)
            .or_else(|| before.iter().position(|column| column == self))
    }
    fn describe(&self) -> String {
        (*self).to_owned()
    }
}

impl ColumnIndex for usize {
    fn position(&self, columns: &[String], _hint: usize) -> Option<usize> {
        (*self < columns.len()).then_some(*self)
    }
    fn describe(&self) -> String {
        format!("#{self}")
    }
}

impl Clone for Row {
    fn clone(&self) -> Self {
        Self::new(self.columns.clone(), self.values.clone())
    }
}

impl Row {
    pub(crate) fn new(columns: Arc<[String]>, values: Vec<Value>) -> Self {
        Self {
            columns,
            values,
            next: AtomicUsize::new(0),
        }
    }

    fn position<I: ColumnIndex>(&self, index: &I) -> Option<usize> {
        let position = index.position(&self.columns, self.next.load(Ordering::Relaxed))?;
        self.next.store(position + 1, Ordering::Relaxed);
        Some(position)
    }

    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The column's value as `T`; a missing column or another type is an error naming it.
    pub fn try_get<T: Decode, I: ColumnIndex>(&self, index: I) -> Result<T, StoreError> {
        let decode_error = |message: String| {
            StoreError::Database(DbError::Decode {
                column: index.describe(),
                message,
            })
        };
        let position = self
            .position(&index)
            .ok_or_else(|| decode_error("no such column".to_owned()))?;
        T::decode(&self.values[position]).map_err(decode_error)
    }

    /// The column's value as `T`, moved out of the row instead of copied (a text's or a blob's
    /// allocation goes with it); reading the column again afterwards is an error.
    pub fn take<T: Decode, I: ColumnIndex>(&mut self, index: I) -> Result<T, StoreError> {
        let position = self
            .position(&index)
            .ok_or_else(|| decode_error(&index, "no such column".to_owned()))?;
        let value = std::mem::replace(&mut self.values[position], Value::Taken);
        T::decode_owned(value).map_err(|message| decode_error(&index, message))
    }

    /// The column's text, borrowed from the row (for a value parsed, not kept).
    pub fn text<I: ColumnIndex>(&self, index: I) -> Result<&str, StoreError> {
        match self.value(&index) {
            Some(Value::Text(text)) => Ok(text),
            Some(other) => Err(decode_error(&index, mismatch("text", other))),
            None => Err(decode_error(&index, "no such column".to_owned())),
        }
    }

    /// The column's text or NULL, borrowed from the row.
    pub fn opt_text<I: ColumnIndex>(&self, index: I) -> Result<Option<&str>, StoreError> {
        match self.value(&index) {
            Some(Value::Text(text)) => Ok(Some(text)),
            Some(Value::Null) => Ok(None),
            Some(other) => Err(decode_error(&index, mismatch("text", other))),
            None => Err(decode_error(&index, "no such column".to_owned())),
        }
    }

    pub fn value<I: ColumnIndex>(&self, index: I) -> Option<&Value> {
        self.position(&index).map(|position| &self.values[position])
    }
}

/// A row's values by position, borrowed: a [`Row`], or SQLite's current row
/// ([`crate::db::Query::for_each_row`]).
pub trait Columns {
    /// The column's text or NULL.
    fn opt_text(&self, index: usize) -> Result<Option<&str>, StoreError>;
    /// The column's integer or NULL.
    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError>;

    /// The column's text; NULL is an error.
    fn text(&self, index: usize) -> Result<&str, StoreError> {
        self.opt_text(index)?
            .ok_or_else(|| decode_error(&index, "expected text, found NULL".to_owned()))
    }

    /// The column's integer; NULL is an error.
    fn int(&self, index: usize) -> Result<i64, StoreError> {
        self.opt_int(index)?
            .ok_or_else(|| decode_error(&index, "expected an integer, found NULL".to_owned()))
    }
}

impl Columns for Row {
    fn opt_text(&self, index: usize) -> Result<Option<&str>, StoreError> {
        match self.values.get(index) {
            Some(Value::Text(text)) => Ok(Some(text)),
            Some(Value::Null) => Ok(None),
            Some(other) => Err(decode_error(&index, mismatch("text", other))),
            None => Err(decode_error(&index, "no such column".to_owned())),
        }
    }

    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        match self.values.get(index) {
            Some(Value::Int(number)) => Ok(Some(*number)),
            Some(Value::Null) => Ok(None),
            Some(other) => Err(decode_error(&index, mismatch("an integer", other))),
            None => Err(decode_error(&index, "no such column".to_owned())),
        }
    }
}

pub(crate) fn decode_error<I: ColumnIndex>(index: &I, message: String) -> StoreError {
    StoreError::Database(DbError::Decode {
        column: index.describe(),
        message,
    })
}

impl<I: ColumnIndex> ColumnIndex for &I {
    fn position(&self, columns: &[String], hint: usize) -> Option<usize> {
        (**self).position(columns, hint)
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// A Rust type a column value can be read as.
pub trait Decode: Sized {
    fn decode(value: &Value) -> Result<Self, String>;

    /// The same, from a value the caller gives up (no copy of a text or a blob).
    fn decode_owned(value: Value) -> Result<Self, String> {
        Self::decode(&value)
    }
}

fn mismatch(expected: &str, value: &Value) -> String {
    let found = match value {
        Value::Null => "NULL",
        Value::Int(_) => "an integer",
        Value::Real(_) => "a real number",
        Value::Text(_) => "text",
        Value::Blob(_) => "a blob",
        Value::Taken => "a value already taken out of the row",
    };
    format!("expected {expected}, found {found}")
}

impl Decode for i64 {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Int(number) => Ok(*number),
            other => Err(mismatch("an integer", other)),
        }
    }
}

impl Decode for bool {
    fn decode(value: &Value) -> Result<Self, String> {
        i64::decode(value).map(|number| number != 0)
    }
}

impl Decode for f64 {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Real(number) => Ok(*number),
            // SQLite keeps an integral REAL as an integer in some expressions.
            Value::Int(number) => Ok(*number as f64),
            other => Err(mismatch("a real number", other)),
        }
    }
}

impl Decode for String {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Text(text) => Ok(text.clone()),
            other => Err(mismatch("text", other)),
        }
    }

    fn decode_owned(value: Value) -> Result<Self, String> {
        match value {
            Value::Text(text) => Ok(text),
            other => Err(mismatch("text", &other)),
        }
    }
}

impl Decode for Vec<u8> {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Blob(bytes) => Ok(bytes.clone()),
            other => Err(mismatch("a blob", other)),
        }
    }

    fn decode_owned(value: Value) -> Result<Self, String> {
        match value {
            Value::Blob(bytes) => Ok(bytes),
            other => Err(mismatch("a blob", &other)),
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::decode(other).map(Some),
        }
    }

    fn decode_owned(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::decode_owned(other).map(Some),
        }
    }
}
