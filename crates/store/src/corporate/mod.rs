//! Repositories of the corporate customer's world: address cards, accounts, agreement products,
//! mobile subscriptions and orders.

pub mod accounts;
pub mod agreements;
pub mod orders;
pub mod subscriptions;

use crate::db::Query;
use crate::db::Row;

use crate::{Connection, StoreError};

/// Hands out the next number of the counter `name`, starting at `first`. Atomic on both
/// backends: the row is updated in the caller's transaction.
pub async fn next_number(conn: &mut Connection, name: &str, first: i64) -> Result<i64, StoreError> {
    let row = crate::db::query(
        "INSERT INTO counters (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
    )
    .bind(name)
    .bind(first)
    .fetch_one(conn)
    .await?;
    row.try_get::<i64, _>("value")
}

/// Hands out `count` consecutive numbers of the counter `name` (starting at `first`) and
/// answers the first of them.
pub async fn reserve_numbers(
    conn: &mut Connection,
    name: &str,
    first: i64,
    count: i64,
) -> Result<i64, StoreError> {
    let row = crate::db::query(
        "INSERT INTO counters (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET value = counters.value + $3 RETURNING value",
    )
    .bind(name)
    .bind(first + count - 1)
    .bind(count)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("value")? - count + 1)
}

/// A value bound to a dynamically built query.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    /// A NULL text value.
    NullText,
    /// A NULL integer value.
    NullInt,
}

/// A `WHERE` clause built from optional filters; every value is bound, never interpolated.
#[derive(Debug, Default, Clone)]
pub(crate) struct Filter {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Filter {
    /// The placeholder for the next bound value.
    pub fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    pub fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    /// `column IN (…)` over `values`; an empty list matches nothing.
    pub fn any_of(&mut self, column: &str, values: impl IntoIterator<Item = String>) -> String {
        let placeholders: Vec<String> = values
            .into_iter()
            .map(|value| self.bind(Bind::Text(value)))
            .collect();
        if placeholders.is_empty() {
            "1 = 0".to_owned()
        } else {
            format!("{column} IN ({})", placeholders.join(", "))
        }
    }

    pub fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    pub fn apply(&self, mut query: Query) -> Query {
        for bind in &self.binds {
            query = match bind {
                Bind::Text(text) => query.bind(text.clone()),
                Bind::Int(number) => query.bind(*number),
                Bind::NullText => query.bind(Option::<String>::None),
                Bind::NullInt => query.bind(Option::<i64>::None),
            };
        }
        query
    }

    /// Runs `SELECT COUNT(*)` over `from` with this filter.
    pub async fn count(&self, conn: &mut Connection, from: &str) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT(*) AS n FROM {from}{}", self.where_sql());
        // Only clauses built by this module are interpolated; every value is bound.
        let row = self
            .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
            .fetch_one(conn)
            .await?;
        row.try_get::<i64, _>("n")
    }

    /// Runs `SELECT * FROM from WHERE … ORDER BY … LIMIT … OFFSET …`.
    pub async fn page(
        &self,
        conn: &mut Connection,
        from: &str,
        order_by: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<Row>, StoreError> {
        self.select_page(conn, "*", from, order_by, offset, limit)
            .await
    }

    /// Runs `SELECT columns FROM from WHERE … ORDER BY … LIMIT … OFFSET …`.
    pub async fn select_page(
        &self,
        conn: &mut Connection,
        columns: &str,
        from: &str,
        order_by: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<Row>, StoreError> {
        self.page_query(columns, from, order_by, offset, limit)
            .fetch_all(conn)
            .await
    }

    /// `SELECT columns FROM from WHERE … ORDER BY … LIMIT … OFFSET …`, to run.
    pub fn page_query(
        &self,
        columns: &str,
        from: &str,
        order_by: &str,
        offset: i64,
        limit: i64,
    ) -> Query {
        let mut filter = self.clone();
        let limit_placeholder = filter.bind(Bind::Int(limit));
        let offset_placeholder = filter.bind(Bind::Int(offset));
        let sql = format!(
            "SELECT {columns} FROM {from}{} ORDER BY {order_by} LIMIT {limit_placeholder} OFFSET {offset_placeholder}",
            self.where_sql()
        );
        // Only clauses built by this module are interpolated; every value is bound.
        filter.apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
    }
}

/// One page of rows and the total that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Who may see what: companies (with their subsidiaries resolved already) and single accounts.
#[derive(Debug, Clone, Copy)]
pub struct Reach<'a> {
    pub companies: &'a [String],
    pub accounts: &'a [String],
}

impl<'a> Reach<'a> {
    /// What of the reach lies inside `company`: all of it when the company is in reach, else
    /// the single accounts (some may be the company's). Beside a filter on that company, it
    /// matches the same rows as the whole reach.
    pub(crate) fn within_company(self, company: &str) -> Reach<'a> {
        match self.companies.iter().position(|c| c == company) {
            Some(at) => Reach {
                companies: std::slice::from_ref(&self.companies[at]),
                accounts: &[],
            },
            None => Reach {
                companies: &[],
                accounts: self.accounts,
            },
        }
    }

    /// `(org_column IN companies OR account_column IN accounts)`, leaving out an empty side so
    /// that the planner can use the index on the other (an `OR` defeats it).
    pub(crate) fn clause(&self, filter: &mut Filter, org_column: &str, account_column: &str) {
        let clause = self.condition(filter, org_column, account_column);
        filter.push(clause);
    }

    /// [`Reach::clause`]'s condition, its values bound in `filter`, not pushed there.
    pub(crate) fn condition(
        &self,
        filter: &mut Filter,
        org_column: &str,
        account_column: &str,
    ) -> String {
        match (self.companies.is_empty(), self.accounts.is_empty()) {
            (true, true) => "1 = 0".to_owned(),
            (false, true) => filter.any_of(org_column, self.companies.iter().cloned()),
            (true, false) => filter.any_of(account_column, self.accounts.iter().cloned()),
            (false, false) => {
                let companies = filter.any_of(org_column, self.companies.iter().cloned());
                let accounts = filter.any_of(account_column, self.accounts.iter().cloned());
                format!("({companies} OR {accounts})")
            }
        }
    }
}
