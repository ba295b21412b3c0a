//! Repositories of the sentral platform on embedded SQLite (WAL) or PostgreSQL, with the same
//! portable SQL and the same migrations, through the executor in [`db`].
//!
//! Reads take a connection ([`Store::read`]); writes take a transaction ([`Store::write`])
//! that is atomic and durable once committed. Repository functions take `&mut Connection` so
//! they run inside either.

pub mod corporate;
pub mod csta_sessions;
pub mod db;
pub mod directory;
mod error;
mod json_sql;
pub mod kpn;
pub mod leases;
mod migrate;
pub mod outbox;
pub mod platform;
pub mod portal;
pub mod records;
mod rows;
pub mod telephony;
pub mod telephony_journal;
pub mod testing;
pub mod tokens;
mod trigram;

use std::fs::File;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use db::postgres::PgConn;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

pub use db::{Connection, DbError};
pub use error::StoreError;
pub use json_sql::{JsonPage, PageJson};
pub use migrate::{ALL_TABLES, CONSTANT_TABLES};

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// Embedded SQLite in `dir/sentral.db`; one process at a time (a lock file guards it).
    SqliteDir(PathBuf),
    /// A PostgreSQL URL; any number of processes may share it.
    Postgres(String),
}

impl StoreLocation {
    /// A printable description that never shows a password in the URL.
    pub fn describe(&self) -> String {
        match self {
            StoreLocation::SqliteDir(dir) => format!("SQLite in {}", dir.display()),
            StoreLocation::Postgres(url) => format!("PostgreSQL at {}", redact_url(url)),
        }
    }
}

fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How long opening the store, its migrations and every later use wait for a PostgreSQL
/// connection, unless [`Store::set_acquire_timeout`] shortens it: a server starting up, or a
/// command line run during a restart, gets time to answer.
pub const TOLERANT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The wait of a request served to a client (`sentral serve`): long enough for a busy pool,
/// short enough that a request while the database is down answers 503 at once, not after
/// the pool gave up reconnecting.
pub const REQUEST_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

pub struct Store {
    engine: Engine,
    /// The wait for a PostgreSQL connection, in milliseconds (at most the pool's own bound).
    acquire_timeout_ms: AtomicU64,
    /// Set by [`Store::close`]: every later request for a connection fails.
    closed: AtomicBool,
    /// Held for the life of the store so no second process opens the same SQLite file.
    _data_dir_lock: Option<File>,
}

enum Engine {
    Sqlite(Arc<db::sqlite::SqliteShared>),
    Postgres(PgPool),
}

impl Store {
    pub async fn open(location: &StoreLocation) -> Result<Self, StoreError> {
        let store = match location {
            StoreLocation::SqliteDir(dir) => {
                let lock = lock_data_dir(dir)?;
                let shared = db::sqlite::open(&dir.join("sentral.db"))?;
                Self {
                    engine: Engine::Sqlite(shared),
                    acquire_timeout_ms: AtomicU64::new(millis(TOLERANT_ACQUIRE_TIMEOUT)),
                    closed: AtomicBool::new(false),
                    _data_dir_lock: Some(lock),
                }
            }
            StoreLocation::Postgres(url) => Self {
                engine: Engine::Postgres(open_postgres(url).await?),
                acquire_timeout_ms: AtomicU64::new(millis(TOLERANT_ACQUIRE_TIMEOUT)),
                closed: AtomicBool::new(false),
                _data_dir_lock: None,
            },
        };
        migrate::run(&store).await?;
        // Accounts stored before migration 10 (or by an older node) get their JSON now.
        let mut tx = store.write().await?;
        let written = corporate::accounts::write_missing_documents(&mut tx).await?;
        tx.commit().await?;
        if written > 0 {
            tracing::info!(
                accounts = written,
                "wrote the stored JSON of accounts without it"
            );
        }
        // Contacts, members and subscriptions stored before migrations 39–41 (or by an older
        // node) likewise.
        let mut tx = store.write().await?;
        let contacts = directory::contacts::write_missing_documents(&mut tx).await?;
        let members = directory::members::write_missing_documents(&mut tx).await?;
        let subscriptions = corporate::subscriptions::write_missing_documents(&mut tx).await?;
        tx.commit().await?;
        if contacts + members + subscriptions > 0 {
            tracing::info!(
                contacts,
                members,
                subscriptions,
                "wrote the stored JSON of contacts, members and subscriptions without it"
            );
        }
        Ok(store)
    }

    /// From now on a read or a write waits at most `timeout` for a PostgreSQL connection, then
    /// fails as unavailable ([`StoreError::is_unavailable`]); at most
    /// [`TOLERANT_ACQUIRE_TIMEOUT`]. Nothing was written when it fails so: a commit is never
    /// cut short.
    pub fn set_acquire_timeout(&self, timeout: Duration) {
        let timeout = timeout.min(TOLERANT_ACQUIRE_TIMEOUT);
        self.acquire_timeout_ms
            .store(millis(timeout), Ordering::Relaxed);
    }

    fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.acquire_timeout_ms.load(Ordering::Relaxed))
    }

    pub fn backend(&self) -> Backend {
        match self.engine {
            Engine::Sqlite(_) => Backend::Sqlite,
            Engine::Postgres(_) => Backend::Postgres,
        }
    }

    /// A connection for reads (a statement that writes runs as a write of its own).
    pub async fn read(&self) -> Result<ReadConn, StoreError> {
        self.check_open()?;
        let conn = match &self.engine {
            Engine::Sqlite(shared) => Connection::sqlite(shared.reader()?),
            // Boxed, as in `Connection::run`: the pool's future would make every read's large.
            Engine::Postgres(pool) => {
                let conn = Box::pin(within(self.acquire_timeout(), pool.acquire())).await?;
                Connection::postgres(PgConn::Pooled(conn))
            }
        };
        Ok(ReadConn {
            conn: Some(conn),
            home: match &self.engine {
                Engine::Sqlite(shared) => Some(shared.clone()),
                Engine::Postgres(_) => None,
            },
        })
    }

    /// A write transaction: everything done through it commits together or not at all, and
    /// [`WriteTx::commit`] returns once it is durable.
    pub async fn write(&self) -> Result<WriteTx<'_>, StoreError> {
        self.check_open()?;
        let (conn, session) = match &self.engine {
            Engine::Sqlite(shared) => {
                let (conn, session) = shared.clone().begin().await?;
                (Connection::sqlite(conn), Session::Sqlite(session))
            }
            Engine::Postgres(pool) => {
                let tx = Box::pin(within(self.acquire_timeout(), pool.begin())).await?;
                (Connection::postgres(PgConn::Tx(tx)), Session::Postgres)
            }
        };
        Ok(WriteTx {
            conn: Some(conn),
            session: Some(session),
            _store: std::marker::PhantomData,
        })
    }

    /// `SELECT 1`: is the store reachable?
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.read().await?;
        db::query("SELECT 1 AS one").fetch_one(&mut conn).await?;
        Ok(())
    }

    /// `(writes, commits)` committed so far when writes share commits (SQLite), else `None`.
    pub fn commit_stats(&self) -> Option<(u64, u64)> {
        match &self.engine {
            Engine::Sqlite(shared) => Some(shared.stats().snapshot()),
            Engine::Postgres(_) => None,
        }
    }

    fn check_open(&self) -> Result<(), StoreError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Database(DbError::Closed));
        }
        Ok(())
    }

    /// Waits for running queries and closes every connection; later requests fail.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        match &self.engine {
            Engine::Sqlite(shared) => shared.close_readers(),
            Engine::Postgres(pool) => pool.close().await,
        }
    }
}

/// A read connection; goes back to its pool when dropped.
pub struct ReadConn {
    conn: Option<Connection>,
    home: Option<Arc<db::sqlite::SqliteShared>>,
}

impl Drop for ReadConn {
    fn drop(&mut self) {
        if let (Some(conn), Some(home)) = (self.conn.take(), &self.home)
            && let Some(conn) = conn.into_sqlite()
        {
            home.give_back(conn);
        }
    }
}

impl Deref for ReadConn {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a read connection is present until dropped")
    }
}

impl DerefMut for ReadConn {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .expect("a read connection is present until dropped")
    }
}

enum Session {
    Sqlite(db::sqlite::WriteSession),
    Postgres,
}

/// A write transaction; rolls back when dropped without [`WriteTx::commit`].
pub struct WriteTx<'a> {
    conn: Option<Connection>,
    session: Option<Session>,
    _store: std::marker::PhantomData<&'a Store>,
}

impl WriteTx<'_> {
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let (Some(conn), Some(session)) = (self.conn.take(), self.session.take()) else {
            return Err(StoreError::Database(DbError::NotCommitted(
                "the transaction was already finished".into(),
            )));
        };
        match session {
            Session::Sqlite(session) => match conn.into_sqlite() {
                Some(conn) => session.commit(conn.conn).await?,
                None => unreachable_backend(),
            },
            Session::Postgres => match conn.into_postgres() {
                Some(PgConn::Tx(tx)) => tx.commit().await.map_err(DbError::from)?,
                _ => unreachable_backend(),
            },
        }
        Ok(())
    }
}

#[cold]
fn unreachable_backend() {
    tracing::error!("a write transaction's connection is of the other backend");
}

impl Drop for WriteTx<'_> {
    fn drop(&mut self) {
        // PostgreSQL's transaction rolls back when dropped; SQLite's savepoint is undone here.
        if let (Some(conn), Some(Session::Sqlite(session))) =
            (self.conn.take(), self.session.take())
            && let Some(conn) = conn.into_sqlite()
        {
            session.rollback(conn.conn);
        }
    }
}

impl Deref for WriteTx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a transaction's connection is present until it ends")
    }
}

impl DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .expect("a transaction's connection is present until it ends")
    }
}

fn lock_data_dir(dir: &Path) -> Result<File, StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
        dir: dir.to_owned(),
        source,
    })?;
    let path = dir.join("sentral.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| StoreError::DataDir {
            dir: dir.to_owned(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::DataDirInUse(dir.to_owned())),
        Err(std::fs::TryLockError::Error(source)) => Err(StoreError::DataDir {
            dir: dir.to_owned(),
            source,
        }),
    }
}

/// A connection (or a transaction begun on one) within `timeout`; a pool still retrying a
/// refused connection when it runs out answers as the pool's own timeout would.
async fn within<T>(
    timeout: Duration,
    acquire: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, DbError> {
    match tokio::time::timeout(timeout, acquire).await {
        Ok(acquired) => acquired.map_err(DbError::from),
        Err(_) => Err(DbError::Postgres(sqlx::Error::PoolTimedOut)),
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

async fn open_postgres(url: &str) -> Result<PgPool, StoreError> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(TOLERANT_ACQUIRE_TIMEOUT)
        .connect(url)
        .await
        .map_err(DbError::from)?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_not_had_within_the_timeout_is_unavailable_not_a_failure() {
        let never = std::future::pending::<Result<(), sqlx::Error>>();
        let error = within(Duration::from_millis(10), never)
            .await
            .expect_err("timed out");
        assert!(error.is_unavailable(), "{error}");
        assert!(StoreError::Database(error).is_unavailable());
    }

    #[test]
    fn postgres_url_is_printed_without_password() {
        let location = StoreLocation::Postgres("postgres://app:s3cret@db:5432/sentral".into());
        let text = location.describe();
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("app:***@db:5432"), "{text}");
    }
}
