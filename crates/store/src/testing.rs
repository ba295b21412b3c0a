//! Helpers for test suites that run against PostgreSQL: each test gets a schema of its own.

use sentral_domain::Secret;
use sqlx::{Connection as _, PgConnection};

use crate::StoreError;

/// The PostgreSQL URL tests should use, from `SENTRAL_TEST_DATABASE_URL`, if set and non-empty.
pub fn postgres_test_url() -> Option<String> {
    std::env::var("SENTRAL_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A fresh schema in the database at `base_url`; dropped by [`PgTestSchema::drop_schema`].
#[derive(Debug, Clone)]
pub struct PgTestSchema {
    base_url: String,
    schema: String,
    /// `base_url` with `search_path` set to the schema: give this to the store.
    pub url: String,
}

impl PgTestSchema {
    pub async fn create(base_url: &str) -> Result<Self, StoreError> {
        let schema = format!("sentral_test_{}", Secret::random_hex(6).expose());
        let mut pool = PgConnection::connect(base_url)
            .await
            .map_err(crate::DbError::from)?;
        // pg_trgm once for the database, outside the test schemas: migration 0009 would create it
        // in the first test's schema, and dropping that schema would drop the others' indexes.
        // Without it (not available, or a test creating it at the same moment) searches scan.
        let _ = sqlx::raw_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
            .execute(&mut pool)
            .await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut pool)
            .await
            .map_err(crate::DbError::from)?;
        let _ = pool.close().await;
        let separator = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{separator}options=-c%20search_path%3D{schema}");
        Ok(Self {
            base_url: base_url.to_owned(),
            schema,
            url,
        })
    }

    pub async fn drop_schema(&self) -> Result<(), StoreError> {
        let mut pool = PgConnection::connect(&self.base_url)
            .await
            .map_err(crate::DbError::from)?;
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema);
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut pool)
            .await
            .map_err(crate::DbError::from)?;
        let _ = pool.close().await;
        Ok(())
    }
}

/// Forgets every account's stored JSON, as rows written before migration 10 (or by an older
/// node) are: pages build those objects whole until `accounts::write_missing_documents` runs.
pub async fn forget_account_documents(conn: &mut crate::Connection) -> Result<u64, StoreError> {
    let done = crate::db::query("UPDATE corporate_accounts SET json_head = NULL, json_tail = NULL")
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Forgets every contact's stored JSON, as rows written before migration 39 (or by an older node)
/// are: reads write those objects from the columns until `contacts::write_missing_documents` runs.
pub async fn forget_contact_documents(conn: &mut crate::Connection) -> Result<u64, StoreError> {
    let done = crate::db::query("UPDATE contacts SET doc = NULL")
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Forgets every member's stored JSON, as rows written before migration 40 (or by an older node)
/// are: reads write those objects from the columns until `members::write_missing_documents` runs.
pub async fn forget_member_documents(conn: &mut crate::Connection) -> Result<u64, StoreError> {
    let done = crate::db::query("UPDATE members SET doc_head = NULL, doc_tail = NULL")
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Forgets every subscription's stored summary, as rows written before migration 41 (or by an
/// older node) are: reads write them from the columns until
/// `subscriptions::write_missing_documents` runs.
pub async fn forget_subscription_documents(
    conn: &mut crate::Connection,
) -> Result<u64, StoreError> {
    let done = crate::db::query("UPDATE mobile_subscriptions SET summary_doc = NULL")
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
