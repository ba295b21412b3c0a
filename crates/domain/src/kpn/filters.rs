//! The KPN list conventions, parsed once for every list: the `filters` DSL
//! (`COL:"v1","v2";COL2:"v3"`: `,` is OR within a column, `;` AND across columns, matching is
//! case-insensitive *contains*), the `from`/`to` pager (`from` inclusive, `to` exclusive) and
//! `order`.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FilterError {
    #[error("unknown filter column {column:?}; valid columns are {valid}")]
    UnknownColumn { column: String, valid: String },
    #[error("filters: {0}")]
    Malformed(String),
}

/// One column's condition: the value contains one of `values` (lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnFilter {
    pub column: &'static str,
    pub values: Vec<String>,
}

/// Every condition of a `filters` parameter; all must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub columns: Vec<ColumnFilter>,
}

impl Filters {
    /// Parses `text` against the endpoint's `valid` columns (upper case; a column is matched
    /// without regard to case).
    pub fn parse(text: &str, valid: &[&'static str]) -> Result<Self, FilterError> {
        let mut columns = Vec::new();
        for clause in split_outside_quotes(text, ';')? {
            let clause = clause.trim();
            if clause.is_empty() {
                continue;
            }
            let (name, values) = clause.split_once(':').ok_or_else(|| {
                FilterError::Malformed(format!(
                    "{clause:?} has no ':'; write COLUMN:\"value\", e.g. {}:\"x\"",
                    valid.first().copied().unwrap_or("NAME")
                ))
            })?;
            let name = name.trim().to_ascii_uppercase();
            let column = valid
                .iter()
                .copied()
                .find(|candidate| *candidate == name)
                .ok_or_else(|| FilterError::UnknownColumn {
                    column: name.clone(),
                    valid: valid.join(", "),
                })?;
            let mut parsed = Vec::new();
            for value in split_outside_quotes(values, ',')? {
                let value = value.trim();
                let unquoted = match value.strip_prefix('"') {
                    Some(rest) => rest.strip_suffix('"').ok_or_else(|| {
                        FilterError::Malformed(format!("unterminated quote in {value:?}"))
                    })?,
                    None => value,
                };
                if !unquoted.is_empty() {
                    parsed.push(unquoted.to_lowercase());
                }
            }
            if parsed.is_empty() {
                return Err(FilterError::Malformed(format!(
                    "column {column} has no value; write {column}:\"value\""
                )));
            }
            columns.push(ColumnFilter {
                column,
                values: parsed,
            });
        }
        Ok(Self { columns })
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
}

fn split_outside_quotes(text: &str, separator: char) -> Result<Vec<&str>, FilterError> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (index, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            parts.push(&text[start..index]);
            start = index + c.len_utf8();
        }
    }
    if quoted {
        return Err(FilterError::Malformed(format!(
            "unterminated quote in {text:?}"
        )));
    }
    parts.push(&text[start..]);
    Ok(parts)
}

/// `from` (inclusive, default 0) and `to` (exclusive, default 20) of a list; `to=0` is a
/// legal empty page that still reports the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub from: i64,
    pub to: i64,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            from: 0,
            to: Self::DEFAULT_SIZE,
        }
    }
}

impl Page {
    pub const DEFAULT_SIZE: i64 = 20;
    /// The largest page one request may ask for.
    pub const MAX_SIZE: i64 = 100_000;

    pub fn new(from: Option<i64>, to: Option<i64>) -> Result<Self, String> {
        let from = from.unwrap_or(0);
        if from < 0 {
            return Err(format!("from must be 0 or more, got {from}"));
        }
        let to = to.unwrap_or(from + Self::DEFAULT_SIZE);
        if to < 0 {
            return Err(format!("to must be 0 or more, got {to}"));
        }
        let to = to.max(from);
        if to - from > Self::MAX_SIZE {
            return Err(format!(
                "a page holds at most {} items (to - from), got {}",
                Self::MAX_SIZE,
                to - from
            ));
        }
        Ok(Self { from, to })
    }

    pub fn limit(self) -> i64 {
        self.to - self.from
    }

    /// The page's part of a whole list.
    pub fn slice<T: Clone>(self, all: &[T]) -> Vec<T> {
        let from = usize::try_from(self.from)
            .unwrap_or(usize::MAX)
            .min(all.len());
        let to = usize::try_from(self.to)
            .unwrap_or(usize::MAX)
            .min(all.len());
        all[from..to].to_vec()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

impl SortOrder {
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "ASC" => Some(Self::Asc),
            "DESC" => Some(Self::Desc),
            _ => None,
        }
    }

    pub fn sql(self) -> &'static str {
        match self {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[&str] = &["FIRSTNAME", "EMPLOYEE_NUMBER"];

    #[test]
    fn or_within_a_column_and_across_columns() {
        let filters =
            Filters::parse(r#"EMPLOYEE_NUMBER: "12", "34";firstname:"Jan""#, COLUMNS).unwrap();
        assert_eq!(filters.columns.len(), 2);
        assert_eq!(filters.columns[0].column, "EMPLOYEE_NUMBER");
        assert_eq!(filters.columns[0].values, vec!["12", "34"]);
        assert_eq!(filters.columns[1].values, vec!["jan"]);
    }

    #[test]
    fn quoted_separators_are_values() {
        let filters = Filters::parse(r#"FIRSTNAME:"a;b","c,d""#, COLUMNS).unwrap();
        assert_eq!(filters.columns[0].values, vec!["a;b", "c,d"]);
    }

    #[test]
    fn an_unknown_column_lists_the_valid_ones() {
        let error = Filters::parse(r#"SHOE_SIZE:"42""#, COLUMNS).unwrap_err();
        assert!(
            error.to_string().contains("FIRSTNAME, EMPLOYEE_NUMBER"),
            "{error}"
        );
        assert!(Filters::parse(r#"FIRSTNAME:"x"#, COLUMNS).is_err());
        assert!(Filters::parse("FIRSTNAME", COLUMNS).is_err());
        assert!(Filters::parse("", COLUMNS).unwrap().is_empty());
    }

    #[test]
    fn pages_are_from_inclusive_to_exclusive() {
        assert_eq!(Page::new(None, None).unwrap(), Page { from: 0, to: 20 });
        assert_eq!(Page::new(Some(0), Some(0)).unwrap().limit(), 0);
        assert_eq!(Page::new(Some(5), Some(2)).unwrap().limit(), 0);
        assert!(Page::new(Some(-1), None).is_err());
        assert_eq!(Page { from: 1, to: 9 }.slice(&[1, 2, 3]), vec![2, 3]);
    }
}
