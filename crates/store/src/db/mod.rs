//! The store's executor: one small interface that every repository uses with the same portable
//! SQL (`$1`, `$2` … placeholders) on either backend.
//!
//! - SQLite runs through `rusqlite` **on the calling task's thread**: a read is a few
//!   microseconds of SQLite work, cheaper than any hand-off to a worker thread (sqlx's SQLite
//!   driver spent ~40 % of the server's CPU in those hand-offs). Reads take a pooled connection;
//!   writes share one writer connection and commit in groups ([`sqlite`]).
//! - PostgreSQL runs through `sqlx`'s native PostgreSQL driver (async network I/O, no worker
//!   threads).
//!
//! The shape (`query(sql).bind(v).fetch_all(conn)`, `row.try_get::<T, _>("column")`) is the one
//! the repositories were written in.

pub(crate) mod postgres;
pub(crate) mod sqlite;
mod value;

use std::borrow::Cow;

pub use value::{Columns, Decode, Encode, Row, Value};

use crate::{Backend, StoreError};
pub(crate) use value::Arg;

/// Marks a dynamically built SQL text as safe: only SQL written by the store is interpolated,
/// every value is bound.
pub struct AssertSqlSafe<T>(pub T);

/// A statement's text: a constant, or one built by the store.
#[derive(Debug, Clone)]
pub struct Sql(Cow<'static, str>);

impl Sql {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&'static str> for Sql {
    fn from(sql: &'static str) -> Self {
        Self(Cow::Borrowed(sql))
    }
}

impl From<AssertSqlSafe<String>> for Sql {
    fn from(sql: AssertSqlSafe<String>) -> Self {
        Self(Cow::Owned(sql.0))
    }
}

impl From<AssertSqlSafe<&str>> for Sql {
    fn from(sql: AssertSqlSafe<&str>) -> Self {
        Self(Cow::Owned(sql.0.to_owned()))
    }
}

impl From<AssertSqlSafe<&String>> for Sql {
    fn from(sql: AssertSqlSafe<&String>) -> Self {
        Self(Cow::Owned(sql.0.clone()))
    }
}

/// One statement with its bound values.
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is fetched or executed"]
pub struct Query {
    sql: Sql,
    args: Vec<Arg>,
}

/// A statement's text, to run with [`Query`]'s methods.
pub fn query(sql: impl Into<Sql>) -> Query {
    Query {
        sql: sql.into(),
        args: Vec::new(),
    }
}

/// A script of several statements without bound values (migrations, test set-up).
pub fn raw_sql(sql: impl Into<Sql>) -> RawSql {
    RawSql(sql.into())
}

/// What a statement that returns no rows did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// What a statement is run for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Rows,
    /// Stop after the first row.
    FirstRow,
    Nothing,
}

/// A statement's result: its rows (as asked) and the rows it changed.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub rows: Vec<Row>,
    pub rows_affected: u64,
}

impl Query {
    /// Binds the next value: `$n` is the n-th bound value.
    pub fn bind(mut self, value: impl Encode) -> Self {
        self.args.push(value.encode());
        self
    }

    pub async fn fetch_all(self, conn: &mut Connection) -> Result<Vec<Row>, StoreError> {
        Ok(conn.run(self, Want::Rows).await?.rows)
    }

    /// The first row; no row is an error ([`DbError::RowNotFound`]).
    pub async fn fetch_one(self, conn: &mut Connection) -> Result<Row, StoreError> {
        self.fetch_optional(conn)
            .await?
            .ok_or(StoreError::Database(DbError::RowNotFound))
    }

    pub async fn fetch_optional(self, conn: &mut Connection) -> Result<Option<Row>, StoreError> {
        Ok(conn
            .run(self, Want::FirstRow)
            .await?
            .rows
            .into_iter()
            .next())
    }

    /// Runs the query and hands each row to `each` with its values borrowed from the database
    /// (on SQLite straight from the statement: no row and no `String` per value is built).
    pub async fn for_each_row(
        self,
        conn: &mut Connection,
        each: &mut (dyn FnMut(&dyn Columns) -> Result<(), StoreError> + Send),
    ) -> Result<(), StoreError> {
        conn.run_each(self, each).await
    }

    pub async fn execute(self, conn: &mut Connection) -> Result<Done, StoreError> {
        let outcome = conn.run(self, Want::Nothing).await?;
        Ok(Done {
            rows_affected: outcome.rows_affected,
        })
    }
}

/// A script of statements, see [`raw_sql`].
pub struct RawSql(Sql);

impl RawSql {
    pub async fn execute(self, conn: &mut Connection) -> Result<(), StoreError> {
        conn.run_script(self.0.as_str()).await
    }
}

/// A connection of either backend: a pooled one for reads ([`crate::Store::read`]) or the inside
/// of a write transaction ([`crate::Store::write`]).
pub struct Connection {
    inner: Inner,
}

enum Inner {
    Sqlite(sqlite::SqliteConn),
    Postgres(postgres::PgConn),
}

impl Connection {
    pub(crate) fn sqlite(conn: sqlite::SqliteConn) -> Self {
        Self {
            inner: Inner::Sqlite(conn),
        }
    }

    pub(crate) fn postgres(conn: postgres::PgConn) -> Self {
        Self {
            inner: Inner::Postgres(conn),
        }
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) fn into_sqlite(self) -> Option<sqlite::SqliteConn> {
        match self.inner {
            Inner::Sqlite(conn) => Some(conn),
            Inner::Postgres(_) => None,
        }
    }

    pub(crate) fn into_postgres(self) -> Option<postgres::PgConn> {
        match self.inner {
            Inner::Postgres(conn) => Some(conn),
            Inner::Sqlite(_) => None,
        }
    }

    async fn run(&mut self, query: Query, want: Want) -> Result<Outcome, StoreError> {
        let result = match &mut self.inner {
            Inner::Sqlite(conn) => conn.run(&query, want).await,
            // Boxed: sqlx's future is several times the size of the SQLite path's, and inline it
            // would make every caller's future that large (axum copies each request's future into
            // its box). One allocation is nothing beside a round trip to the server.
            Inner::Postgres(conn) => Box::pin(conn.run(&query, want)).await,
        };
        result.map_err(|error| {
            tracing::debug!(sql = query.sql.as_str(), %error, "statement failed");
            StoreError::Database(error)
        })
    }

    async fn run_each(
        &mut self,
        query: Query,
        each: &mut (dyn FnMut(&dyn Columns) -> Result<(), StoreError> + Send),
    ) -> Result<(), StoreError> {
        match &mut self.inner {
            Inner::Sqlite(conn) => conn.run_each(&query, each).await,
            Inner::Postgres(_) => {
                for row in self.run(query, Want::Rows).await?.rows {
                    each(&row)?;
                }
                Ok(())
            }
        }
    }

    async fn run_script(&mut self, sql: &str) -> Result<(), StoreError> {
        let result = match &mut self.inner {
            Inner::Sqlite(conn) => conn.run_script(sql).await,
            Inner::Postgres(conn) => conn.run_script(sql).await,
        };
        result.map_err(StoreError::Database)
    }
}

/// Writes and the commits that made them durable (SQLite, where writes share commits).
#[derive(Debug, Default)]
pub struct CommitStats {
    writes: std::sync::atomic::AtomicU64,
    commits: std::sync::atomic::AtomicU64,
}

impl CommitStats {
    pub(crate) fn record(&self, writes: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        self.writes.fetch_add(writes, Relaxed);
        self.commits.fetch_add(1, Relaxed);
    }

    /// `(writes, commits)` so far.
    pub fn snapshot(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.writes.load(Relaxed), self.commits.load(Relaxed))
    }
}

/// An error of the database or of reading its rows.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Postgres(#[from] sqlx::Error),
    #[error("column {column}: {message}")]
    Decode { column: String, message: String },
    #[error("no row returned")]
    RowNotFound,
    #[error("the statement has no value bound for ${0}")]
    MissingBind(usize),
    #[error("no write could start within {0} s: the store's writer is held")]
    WriterBusy(u64),
    #[error("the store is closed")]
    Closed,
    /// The write transaction this write was part of did not commit.
    #[error("the write was not committed: {0}")]
    NotCommitted(String),
}

impl DbError {
    /// The database cannot be reached now (down, restarting, every connection busy): the same
    /// request may succeed in a moment, so callers answer 503 rather than 500.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Postgres(error) => match error {
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                // SQLSTATE class 08 (connection exception), 57P01-57P03 (the server shutting
                // down or starting).
                sqlx::Error::Database(database) => database
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P0")),
                _ => false,
            },
            DbError::WriterBusy(_) => true,
            _ => false,
        }
    }

    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(error, _)) => matches!(
                error.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            DbError::Postgres(sqlx::Error::Database(error)) => error.is_unique_violation(),
            _ => false,
        }
    }
}
