//! SQLite through `rusqlite`, on the calling task's thread.
//!
//! - **Reads** take a connection from a small pool and run there and then: no thread hand-off,
//!   statements prepared once per connection. A statement on a read connection that writes
//!   (settings, the sandbox clock …) goes through the writer instead, so there is one writer.
//! - **Writes** share one writer connection, taken in turn (a fair queue). Each write runs inside
//!   a savepoint of an open transaction; at its commit it releases the savepoint and lets the
//!   writers queued behind it run in the same transaction, then queues again and commits the
//!   whole group with one `COMMIT` (one fsync) unless a writer of the group already did. A
//!   writer is acknowledged only after the `COMMIT` that holds its changes (group commit).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustc_hash::FxHashMap;

use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{CachedStatement, OpenFlags};
use tokio::sync::OwnedMutexGuard;

use crate::StoreError;
use crate::db::value::decode_error;
use crate::db::{Arg, Columns, CommitStats, DbError, Outcome, Query, Row, Value, Want};

/// How long a write waits for the writer before it fails.
const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
/// Idle read connections kept open.
const IDLE_READERS: usize = 8;
/// Prepared statements kept per connection (the repositories have about 300 distinct ones).
const STATEMENT_CACHE: usize = 512;

/// One SQLite database file: its read connections and its writer.
pub(crate) struct SqliteShared {
    path: PathBuf,
    stats: CommitStats,
    readers: Mutex<Vec<Conn>>,
    writer: Arc<tokio::sync::Mutex<WriterState>>,
}

struct WriterState {
    /// Out of here only while a writer holds the lock.
    conn: Option<Conn>,
    /// The open transaction and the writers whose released savepoints it holds.
    batch: Option<Arc<Batch>>,
    members: usize,
}

/// One transaction shared by a group of writers.
#[derive(Default)]
struct Batch {
    outcome: OnceLock<Result<(), String>>,
}

impl Batch {
    fn fail(&self, why: &str) {
        let _ = self.outcome.set(Err(why.to_owned()));
    }
}

pub(crate) fn open(path: &Path) -> Result<Arc<SqliteShared>, DbError> {
    let writer = open_connection(path)?;
    Ok(Arc::new(SqliteShared {
        path: path.to_owned(),
        stats: CommitStats::default(),
        readers: Mutex::new(Vec::new()),
        writer: Arc::new(tokio::sync::Mutex::new(WriterState {
            conn: Some(writer),
            batch: None,
            members: 0,
        })),
    }))
}

/// A SQLite connection and the column names of the statements it has run: read from SQLite once
/// per prepared statement, not on every query (the names' checks against a map by SQL text of
/// all connections were a tenth of a point read).
pub(crate) struct Conn {
    db: rusqlite::Connection,
    columns: FxHashMap<Box<str>, KnownColumns>,
}

struct KnownColumns {
    names: Arc<[String]>,
    /// The statement's re-preparations (a schema change) when the names were read.
    reprepared: i32,
    /// [`SCHEMA_CHANGES`] when the names were read.
    schema: u64,
}

impl std::ops::Deref for Conn {
    type Target = rusqlite::Connection;

    fn deref(&self) -> &rusqlite::Connection {
        &self.db
    }
}

fn open_connection(path: &Path) -> Result<Conn, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = rusqlite::Connection::open_with_flags(path, flags)?;
    // WAL lets readers run beside the writer; FULL makes every commit durable.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
    )?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    register_functions(&conn)?;
    Ok(Conn {
        db: conn,
        columns: FxHashMap::default(),
    })
}

/// The name of the SQL function [`register_functions`] adds: a time column (epoch milliseconds)
/// as the JSON string `Timestamp::to_rfc3339` writes; NULL for NULL.
pub(crate) const JSON_TIME: &str = "sentral_json_time";

/// Functions of ours that the store's SQL calls on SQLite. `strftime` with `printf` wrote a
/// time in ~4 700 instructions (a fifth of a page of five subscriptions); this is the Rust
/// formatter the API's serde answers use, so both write the same text for every time.
fn register_functions(conn: &rusqlite::Connection) -> Result<(), DbError> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function(JSON_TIME, 1, flags, |context| match context.get_raw(0) {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(millis) => {
            let text = sentral_domain::Timestamp::from_millis(millis).to_rfc3339();
            let mut json = String::with_capacity(text.len() + 2);
            json.push('"');
            json.push_str(&text);
            json.push('"');
            Ok(Some(json))
        }
        other => Err(rusqlite::Error::UserFunctionError(
            format!(
                "{JSON_TIME}: a time in milliseconds, not {:?}",
                other.data_type()
            )
            .into(),
        )),
    })?;
    Ok(())
}

/// A connection in use: a reader from the pool or the writer inside a write.
pub(crate) struct SqliteConn {
    pub(crate) conn: Conn,
    role: Role,
}

enum Role {
    Read(Arc<SqliteShared>),
    Write,
}

impl SqliteConn {
    pub(crate) async fn run(&mut self, query: &Query, want: Want) -> Result<Outcome, DbError> {
        let SqliteConn { conn, role } = self;
        match role {
            Role::Write => conn.run(query, want),
            Role::Read(shared) => match conn.run_if_readonly(query, want)? {
                Some(outcome) => Ok(outcome),
                // Boxed: inline, the writer's states (queueing, the group commit) would make
                // every read's future as large as a write's, and axum copies each request's
                // future into its box.
                None => Box::pin(shared.clone().write_one(query, want)).await,
            },
        }
    }

    /// [`crate::db::Query::for_each_row`]: each row straight from the statement.
    pub(crate) async fn run_each(
        &mut self,
        query: &Query,
        each: &mut (dyn FnMut(&dyn Columns) -> Result<(), StoreError> + Send),
    ) -> Result<(), StoreError> {
        let database = |error: DbError| StoreError::Database(error);
        if let Role::Read(shared) = &self.role {
            {
                let statement = self
                    .conn
                    .prepare_cached(query.sql.as_str())
                    .map_err(|error| database(error.into()))?;
                if statement.readonly() {
                    return each_row(statement, query, each);
                }
            }
            // Through the one writer, as [`SqliteConn::run`] does; its rows are owned.
            let outcome = Box::pin(shared.clone().write_one(query, Want::Rows))
                .await
                .map_err(database)?;
            return outcome.rows.iter().try_for_each(|row| each(row));
        }
        let statement = self
            .conn
            .prepare_cached(query.sql.as_str())
            .map_err(|error| database(error.into()))?;
        each_row(statement, query, each)
    }

    pub(crate) async fn run_script(&mut self, sql: &str) -> Result<(), DbError> {
        match &self.role {
            Role::Write => self.conn.run_script(sql),
            Role::Read(shared) => {
                let (conn, session) = shared.clone().begin().await?;
                match conn.conn.run_script(sql) {
                    Ok(()) => session.commit(conn.conn).await,
                    Err(error) => {
                        session.rollback(conn.conn);
                        Err(error)
                    }
                }
            }
        }
    }
}

impl SqliteShared {
    /// A read connection; give it back with [`SqliteShared::give_back`].
    pub(crate) fn reader(self: &Arc<Self>) -> Result<SqliteConn, DbError> {
        let idle = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open_connection(&self.path)?,
        };
        Ok(SqliteConn {
            conn,
            role: Role::Read(self.clone()),
        })
    }

    pub(crate) fn give_back(&self, conn: SqliteConn) {
        // A reader never holds a transaction open; one that does is dropped, not reused.
        if matches!(conn.role, Role::Read(_)) && conn.conn.is_autocommit() {
            let mut idle = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < IDLE_READERS {
                idle.push(conn.conn);
            }
        }
    }

    pub(crate) fn stats(&self) -> &CommitStats {
        &self.stats
    }

    /// Closes the idle read connections (the writer closes with the last reference).
    pub(crate) fn close_readers(&self) {
        self.readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Waits for the writer and opens this write's savepoint, in the group's open transaction
    /// or in a new one.
    pub(crate) async fn begin(self: Arc<Self>) -> Result<(SqliteConn, WriteSession), DbError> {
        // A write begun while the same task holds the writer would wait for ever; say so instead.
        let mut guard = tokio::time::timeout(WRITER_WAIT, self.writer.clone().lock_owned())
            .await
            .map_err(|_| DbError::WriterBusy(WRITER_WAIT.as_secs()))?;
        let conn = match guard.conn.take() {
            Some(conn) => conn,
            // Only after a commit task died with the connection: SQLite's own lock keeps
            // the new one from writing before that one finished.
            None => open_connection(&self.path)?,
        };
        let batch = match guard.batch.clone() {
            Some(batch) if !conn.is_autocommit() => batch,
            stale => {
                if let Some(batch) = stale {
                    batch.fail("the transaction was rolled back by the database");
                }
                // IMMEDIATE takes the write lock at once, so no statement of the group can
                // fail with SQLITE_BUSY_SNAPSHOT after it read.
                if let Err(error) = conn.execute_batch("BEGIN IMMEDIATE") {
                    guard.conn = Some(conn);
                    guard.batch = None;
                    return Err(error.into());
                }
                let batch = Arc::new(Batch::default());
                guard.batch = Some(batch.clone());
                guard.members = 0;
                batch
            }
        };
        if let Err(error) = conn.execute_batch("SAVEPOINT w") {
            rollback_locked(&mut guard, conn, &batch);
            return Err(error.into());
        }
        let session = WriteSession {
            shared: self.clone(),
            guard: Some(guard),
            batch,
        };
        Ok((
            SqliteConn {
                conn,
                role: Role::Write,
            },
            session,
        ))
    }

    /// A single write statement, as a write of its own.
    async fn write_one(self: Arc<Self>, query: &Query, want: Want) -> Result<Outcome, DbError> {
        let (mut conn, session) = self.begin().await?;
        match conn.conn.run(query, want) {
            Ok(outcome) => {
                session.commit(conn.conn).await?;
                Ok(outcome)
            }
            Err(error) => {
                session.rollback(conn.conn);
                Err(error)
            }
        }
    }
}

/// A write in progress: the writer's lock, and the transaction its savepoint lives in.
pub(crate) struct WriteSession {
    shared: Arc<SqliteShared>,
    guard: Option<OwnedMutexGuard<WriterState>>,
    batch: Arc<Batch>,
}

impl WriteSession {
    /// Releases the savepoint, lets the queued writers join the transaction, then waits until a
    /// `COMMIT` of it has succeeded (or failed).
    pub(crate) async fn commit(mut self, conn: Conn) -> Result<(), DbError> {
        let Some(mut guard) = self.guard.take() else {
            return Err(DbError::NotCommitted(
                "the write was already finished".into(),
            ));
        };
        if let Err(error) = conn.execute_batch("RELEASE w") {
            rollback_locked(&mut guard, conn, &self.batch);
            return Err(error.into());
        }
        guard.members += 1;
        guard.conn = Some(conn);
        drop(guard);
        let waiter = CommitWaiter {
            shared: self.shared.clone(),
            batch: Some(self.batch.clone()),
        };
        waiter.wait().await
    }

    /// Undoes this write's savepoint; the group's transaction goes on if others are in it.
    pub(crate) fn rollback(mut self, conn: Conn) {
        if let Some(mut guard) = self.guard.take() {
            rollback_locked(&mut guard, conn, &self.batch);
        }
    }
}

fn rollback_locked(guard: &mut WriterState, conn: Conn, batch: &Arc<Batch>) {
    let _ = conn.execute_batch("ROLLBACK TO w; RELEASE w");
    if conn.is_autocommit() {
        // SQLite ended the whole transaction (an I/O or full-disk error): the group is lost.
        batch.fail("the transaction was rolled back by the database");
        guard.batch = None;
        guard.members = 0;
    } else if guard.members == 0 {
        let _ = conn.execute_batch("ROLLBACK");
        batch.fail("rolled back");
        guard.batch = None;
    }
    guard.conn = Some(conn);
}

/// A writer waiting for its group's `COMMIT`. Dropped while waiting (a cancelled request), it
/// leaves the commit to a task, so the group still commits.
struct CommitWaiter {
    shared: Arc<SqliteShared>,
    batch: Option<Arc<Batch>>,
}

impl CommitWaiter {
    async fn wait(mut self) -> Result<(), DbError> {
        let Some(batch) = self.batch.clone() else {
            return Err(DbError::NotCommitted("no transaction".into()));
        };
        let guard = self.shared.writer.clone().lock_owned().await;
        self.batch = None;
        if let Some(outcome) = batch.outcome.get() {
            return outcome.clone().map_err(DbError::NotCommitted);
        }
        // The commit runs in a task of its own so that cancelling this request cannot stop it
        // half-way with the writer's connection out of its place.
        let shared = self.shared.clone();
        let task = tokio::spawn(async move { commit_batch(&shared, guard, &batch).await });
        match task.await {
            Ok(result) => result,
            Err(error) => Err(DbError::NotCommitted(format!(
                "commit task failed: {error}"
            ))),
        }
    }
}

impl Drop for CommitWaiter {
    fn drop(&mut self) {
        let Some(batch) = self.batch.take() else {
            return;
        };
        if batch.outcome.get().is_some() {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let shared = self.shared.clone();
            runtime.spawn(async move {
                let guard = shared.writer.clone().lock_owned().await;
                let _ = commit_batch(&shared, guard, &batch).await;
            });
        }
    }
}

/// Commits the group's transaction unless that is done already; holds the writer throughout.
async fn commit_batch(
    shared: &SqliteShared,
    mut guard: OwnedMutexGuard<WriterState>,
    batch: &Arc<Batch>,
) -> Result<(), DbError> {
    if let Some(outcome) = batch.outcome.get() {
        return outcome.clone().map_err(DbError::NotCommitted);
    }
    let is_open = guard
        .batch
        .as_ref()
        .is_some_and(|open| Arc::ptr_eq(open, batch));
    let Some(conn) = guard.conn.take().filter(|_| is_open) else {
        batch.fail("the transaction was lost");
        return Err(DbError::NotCommitted("the transaction was lost".into()));
    };
    // COMMIT waits for the disk (fsync): off the async threads.
    let committed = tokio::task::spawn_blocking(move || {
        let result = conn.execute_batch("COMMIT");
        if result.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        (conn, result)
    })
    .await;
    let writes = guard.members as u64;
    let outcome = match committed {
        Ok((conn, result)) => {
            guard.conn = Some(conn);
            result.map_err(|error| error.to_string())
        }
        Err(error) => {
            guard.conn = open_connection(&shared.path).ok();
            Err(format!("commit task failed: {error}"))
        }
    };
    guard.batch = None;
    guard.members = 0;
    if outcome.is_ok() {
        shared.stats.record(writes);
    }
    let _ = batch.outcome.set(outcome.clone());
    outcome.map_err(DbError::NotCommitted)
}

impl Conn {
    /// Runs one statement, binding `$n` to the n-th value (prepared once per connection).
    fn run(&mut self, query: &Query, want: Want) -> Result<Outcome, DbError> {
        let Conn { db, columns } = self;
        let statement = db.prepare_cached(query.sql.as_str())?;
        let ddl = !statement.readonly() && changes_schema(query.sql.as_str());
        if ddl {
            SCHEMA_CHANGES.fetch_add(1, Ordering::Relaxed);
        }
        let outcome = run_prepared(db, columns, statement, query, want);
        if ddl {
            // Again after it: names read while it ran may be of the schema before it.
            SCHEMA_CHANGES.fetch_add(1, Ordering::Relaxed);
        }
        outcome
    }

    /// A script of statements (migrations, set-up): any of them may change the schema.
    fn run_script(&self, sql: &str) -> Result<(), DbError> {
        SCHEMA_CHANGES.fetch_add(1, Ordering::Relaxed);
        let result = self.db.execute_batch(sql);
        SCHEMA_CHANGES.fetch_add(1, Ordering::Relaxed);
        Ok(result?)
    }

    /// [`Conn::run`] for a statement that only reads; `None` for one that writes.
    fn run_if_readonly(&mut self, query: &Query, want: Want) -> Result<Option<Outcome>, DbError> {
        let Conn { db, columns } = self;
        let statement = db.prepare_cached(query.sql.as_str())?;
        if !statement.readonly() {
            return Ok(None);
        }
        run_prepared(db, columns, statement, query, want).map(Some)
    }
}

fn run_prepared(
    db: &rusqlite::Connection,
    known: &mut FxHashMap<Box<str>, KnownColumns>,
    mut statement: CachedStatement<'_>,
    query: &Query,
    want: Want,
) -> Result<Outcome, DbError> {
    bind_all(&mut statement, &query.args)?;
    let mut found = Vec::new();
    let mut columns: Option<Arc<[String]>> = None;
    let mut rows = statement.raw_query();
    while let Some(row) = rows.next()? {
        if want == Want::Nothing {
            continue;
        }
        // Read after the first step: a statement SQLite re-prepared has its new columns.
        let columns =
            columns.get_or_insert_with(|| column_names(known, row.as_ref(), query.sql.as_str()));
        let mut values = Vec::with_capacity(columns.len());
        for index in 0..columns.len() {
            values.push(value_of(row.get_ref(index)?, &columns[index])?);
        }
        found.push(Row::new(columns.clone(), values));
        if want == Want::FirstRow {
            break;
        }
    }
    drop(rows);
    Ok(Outcome {
        rows: found,
        rows_affected: db.changes(),
    })
}

/// Schema changes through this process's store (statements of DDL and scripts), counted: the
/// column names a connection knows are kept only while this stays the same.
static SCHEMA_CHANGES: AtomicU64 = AtomicU64::new(0);

/// Whether a statement that writes may change the schema (its text begins with DDL).
fn changes_schema(sql: &str) -> bool {
    let verb = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default();
    ["CREATE", "ALTER", "DROP"]
        .iter()
        .any(|ddl| verb.eq_ignore_ascii_case(ddl))
}

/// Binds `query`'s values and hands each row, borrowed from SQLite, to `each`.
fn each_row(
    mut statement: CachedStatement<'_>,
    query: &Query,
    each: &mut (dyn FnMut(&dyn Columns) -> Result<(), StoreError> + Send),
) -> Result<(), StoreError> {
    let database = |error: DbError| StoreError::Database(error);
    bind_all(&mut statement, &query.args).map_err(database)?;
    let mut rows = statement.raw_query();
    while let Some(row) = rows.next().map_err(|error| database(error.into()))? {
        each(&SqliteRow(row))?;
    }
    Ok(())
}

/// SQLite's current row, its values borrowed.
struct SqliteRow<'a, 'stmt>(&'a rusqlite::Row<'stmt>);

impl SqliteRow<'_, '_> {
    fn value(&self, index: usize) -> Result<ValueRef<'_>, StoreError> {
        self.0
            .get_ref(index)
            .map_err(|error| StoreError::Database(error.into()))
    }
}

impl Columns for SqliteRow<'_, '_> {
    fn opt_text(&self, index: usize) -> Result<Option<&str>, StoreError> {
        match self.value(index)? {
            ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                .map(Some)
                .map_err(|error| decode_error(&index, error.to_string())),
            ValueRef::Null => Ok(None),
            other => Err(decode_error(
                &index,
                format!("expected text, found {:?}", other.data_type()),
            )),
        }
    }

    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        match self.value(index)? {
            ValueRef::Integer(number) => Ok(Some(number)),
            ValueRef::Null => Ok(None),
            other => Err(decode_error(
                &index,
                format!("expected an integer, found {:?}", other.data_type()),
            )),
        }
    }
}

/// Distinct statements whose column names a connection keeps before it starts again (the
/// repositories have ~300).
const COLUMN_NAMES_KEPT: usize = 4 * STATEMENT_CACHE;

/// The column names of `statement` (the text `sql`) after its first step: the ones read before
/// for this text on this connection unless the schema has changed since, through this process
/// ([`SCHEMA_CHANGES`]) or another (SQLite re-prepared the statement).
fn column_names(
    known: &mut FxHashMap<Box<str>, KnownColumns>,
    statement: &rusqlite::Statement<'_>,
    sql: &str,
) -> Arc<[String]> {
    let reprepared = statement.get_status(rusqlite::StatementStatus::RePrepare);
    let schema = SCHEMA_CHANGES.load(Ordering::Relaxed);
    if let Some(columns) = known.get(sql)
        && columns.reprepared == reprepared
        && columns.schema == schema
    {
        return columns.names.clone();
    }
    let names: Arc<[String]> = statement.column_names().map(str::to_owned).collect();
    if known.len() >= COLUMN_NAMES_KEPT {
        known.clear();
    }
    known.insert(
        sql.into(),
        KnownColumns {
            names: names.clone(),
            reprepared,
            schema,
        },
    );
    names
}

fn bind_all(statement: &mut CachedStatement<'_>, args: &[Arg]) -> Result<(), DbError> {
    for index in 1..=statement.parameter_count() {
        // `$3` is the third value wherever it appears (SQLite numbers named parameters by
        // first appearance).
        let position = match statement.parameter_name(index) {
            Some(name) => name
                .get(1..)
                .and_then(|digits| digits.parse::<usize>().ok())
                .ok_or(DbError::MissingBind(index))?,
            None => index,
        };
        let arg = position
            .checked_sub(1)
            .and_then(|at| args.get(at))
            .ok_or(DbError::MissingBind(position))?;
        statement.raw_bind_parameter(index, arg)?;
    }
    Ok(())
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Arg::Int(number) => ValueRef::Integer(*number),
            Arg::Real(number) => ValueRef::Real(*number),
            Arg::Text(text) => ValueRef::Text(text.as_bytes()),
            Arg::Blob(bytes) => ValueRef::Blob(bytes),
            Arg::NullInt | Arg::NullReal | Arg::NullText => ValueRef::Null,
        }))
    }
}

fn value_of(value: ValueRef<'_>, column: &str) -> Result<Value, DbError> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(number) => Value::Int(number),
        ValueRef::Real(number) => Value::Real(number),
        ValueRef::Text(bytes) => Value::Text(
            std::str::from_utf8(bytes)
                .map_err(|error| DbError::Decode {
                    column: column.to_owned(),
                    message: error.to_string(),
                })?
                .to_owned(),
        ),
        ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::query;

    fn names(conn: &mut Conn, sql: &'static str) -> Vec<String> {
        let outcome = conn.run(&query(sql), Want::Rows).expect("the query runs");
        outcome.rows.first().expect("a row").columns().to_vec()
    }

    #[test]
    fn column_names_follow_the_schema_on_the_same_connection() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut conn = open_connection(&dir.path().join("t.db")).expect("a database");
        let mut other = open_connection(&dir.path().join("t.db")).expect("a second connection");
        let mut change = |sql: &'static str| {
            other.run(&query(sql), Want::Nothing).expect("changed");
        };
        change("CREATE TABLE t (a INTEGER)");
        change("INSERT INTO t VALUES (1)");
        let sql = "SELECT * FROM t";
        assert_eq!(names(&mut conn, sql), ["a"]);
        assert_eq!(names(&mut conn, sql), ["a"]);
        change("ALTER TABLE t RENAME COLUMN a TO b");
        assert_eq!(names(&mut conn, sql), ["b"]);
        // Prepared from scratch (out of the statement cache) after a change: as often
        // re-prepared as the statement before it.
        conn.flush_prepared_statement_cache();
        change("ALTER TABLE t RENAME COLUMN b TO d");
        assert_eq!(names(&mut conn, sql), ["d"]);
        change("alter table t add column c text");
        assert_eq!(names(&mut conn, sql), ["d", "c"]);
        assert_eq!(names(&mut conn, sql), ["d", "c"]);
        // A script.
        other
            .run_script("ALTER TABLE t RENAME COLUMN d TO e; SELECT 1")
            .expect("renamed");
        assert_eq!(names(&mut conn, sql), ["e", "c"]);
        // A change this process did not make: SQLite re-prepares the cached statement.
        rusqlite::Connection::open(dir.path().join("t.db"))
            .and_then(|outside| outside.execute_batch("ALTER TABLE t RENAME COLUMN e TO f"))
            .expect("renamed from outside");
        assert_eq!(names(&mut conn, sql), ["f", "c"]);
    }

    #[test]
    fn ddl_is_told_from_other_writes() {
        for ddl in [
            "CREATE TABLE x (a)",
            "  create index i",
            "ALTER TABLE x",
            "drop table x",
        ] {
            assert!(changes_schema(ddl), "{ddl}");
        }
        for other in [
            "INSERT INTO x",
            "UPDATE x",
            "DELETE FROM x",
            "DROPS",
            "",
            "ALTERED",
        ] {
            assert!(!changes_schema(other), "{other}");
        }
    }

    #[test]
    fn the_json_time_function_writes_what_the_api_writes() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let conn = open_connection(&dir.path().join("t.db")).expect("a database");
        let sql = format!("SELECT {JSON_TIME}(?1)");
        for millis in [
            0,
            1,
            999,
            1_796_430_771_483,
            -1,
            -62_167_219_200_000,
            -62_167_219_200_001,
            253_402_300_799_999,
            253_402_300_800_000,
            i64::MIN,
            i64::MAX,
        ] {
            let written: String = conn
                .query_row(&sql, [millis], |row| row.get(0))
                .expect("a time");
            let expected = format!(
                "\"{}\"",
                sentral_domain::Timestamp::from_millis(millis).to_rfc3339()
            );
            assert_eq!(written, expected, "{millis}");
        }
        let null: Option<String> = conn
            .query_row(&sql, [Option::<i64>::None], |row| row.get(0))
            .expect("NULL");
        assert_eq!(null, None);
        assert!(
            conn.query_row(&sql, ["2026"], |row| row.get::<_, String>(0))
                .is_err()
        );
    }
}
