//! Repositories of the sentral platform over one `sqlx` Any pool that runs on embedded SQLite
//! (WAL) or PostgreSQL with the same portable SQL and the same migrations.
//!
//! Reads take a pooled connection ([`Store::read`]); writes take a transaction ([`Store::write`])
//! that is atomic and durable once committed. Repository functions take `&mut AnyConnection` so
//! they run inside either.

pub mod corporate;
pub mod directory;
mod error;
mod json_sql;
pub mod kpn;
mod migrate;
pub mod platform;
pub mod records;
mod rows;
pub mod telephony;
pub mod testing;
pub mod tokens;
mod trigram;

use std::fs::File;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{Mutex, MutexGuard};

pub use error::StoreError;
pub use json_sql::JsonPage;
pub use migrate::ALL_TABLES;
pub use sqlx::AnyConnection;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer; taking it in-process avoids lock-upgrade deadlocks (SQLITE_BUSY).
    sqlite_writer: Mutex<()>,
    /// Held for the life of the store so no second process opens the same SQLite file.
    _data_dir_lock: Option<File>,
}

impl Store {
    pub async fn open(location: &StoreLocation) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (pool, backend, lock) = match location {
            StoreLocation::SqliteDir(dir) => {
                let lock = lock_data_dir(dir)?;
                (open_sqlite(dir).await?, Backend::Sqlite, Some(lock))
            }
            StoreLocation::Postgres(url) => (open_postgres(url).await?, Backend::Postgres, None),
        };
        migrate::run(&pool, backend).await?;
        // Accounts stored before migration 10 (or by an older node) get their JSON now.
        let mut conn = pool.acquire().await?;
        let written = corporate::accounts::write_missing_documents(&mut conn).await?;
        drop(conn);
        if written > 0 {
            tracing::info!(
                accounts = written,
                "wrote the stored JSON of accounts without it"
            );
        }
        Ok(Self {
            pool,
            backend,
            sqlite_writer: Mutex::new(()),
            _data_dir_lock: lock,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for reads (and single-statement writes that need no transaction).
    pub async fn read(&self) -> Result<PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// A write transaction: everything done through it commits together or not at all.
    pub async fn write(&self) -> Result<WriteTx<'_>, StoreError> {
        let (gate, tx) = match self.backend {
            // IMMEDIATE takes the write lock at once: a deferred transaction that read first
            // would fail with "database is locked" (SQLITE_BUSY_SNAPSHOT) when a single-statement
            // write on another connection or process committed before its first write.
            Backend::Sqlite => (
                Some(self.sqlite_writer.lock().await),
                self.pool.begin_with("BEGIN IMMEDIATE").await?,
            ),
            Backend::Postgres => (None, self.pool.begin().await?),
        };
        Ok(WriteTx { tx, _gate: gate })
    }

    /// `SELECT 1`: is the store reachable?
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Waits for running queries and closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A write transaction; rolls back when dropped without [`WriteTx::commit`].
pub struct WriteTx<'a> {
    tx: Transaction<'static, Any>,
    _gate: Option<MutexGuard<'a, ()>>,
}

impl WriteTx<'_> {
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for WriteTx<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
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

async fn open_sqlite(dir: &Path) -> Result<AnyPool, StoreError> {
    let url = format!("sqlite://{}?mode=rwc", dir.join("sentral.db").display());
    let options: AnyConnectOptions = url.parse()?;
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(|connection, _| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; FULL makes every commit durable.
                sqlx::raw_sql(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .execute(connection)
                .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    Ok(pool)
}

async fn open_postgres(url: &str) -> Result<AnyPool, StoreError> {
    let options: AnyConnectOptions = url.parse()?;
    let pool = AnyPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_url_is_printed_without_password() {
        let location = StoreLocation::Postgres("postgres://app:s3cret@db:5432/sentral".into());
        let text = location.describe();
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("app:***@db:5432"), "{text}");
    }
}
