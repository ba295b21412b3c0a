//! The SMS outbox, the audit log, settings, quota counters and the sandbox reset.

use sentral_domain::platform::{AuditEntry, SmsMessage};
use sentral_domain::secret::random_id;
use sentral_domain::{Msisdn, Timestamp};

use crate::rows::{at, int, opt_text, text};
use crate::{ALL_TABLES, Connection, StoreError};

pub async fn send_sms(conn: &mut Connection, message: &SmsMessage) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO sms_outbox (id, seq, recipient, text, sent_at) \
         VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sms_outbox), $2, $3, $4)",
    )
    .bind(random_id("sms"))
    .bind(message.to.as_str())
    .bind(&message.text)
    .bind(message.sent_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The newest `limit` messages, newest first.
pub async fn sms_outbox(conn: &mut Connection, limit: i64) -> Result<Vec<SmsMessage>, StoreError> {
    let rows =
        crate::db::query("SELECT * FROM sms_outbox ORDER BY sent_at DESC, seq DESC LIMIT $1")
            .bind(limit)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(SmsMessage {
                to: Msisdn::parse(&text(row, "recipient")?)?,
                text: text(row, "text")?,
                sent_at: at(row, "sent_at")?,
            })
        })
        .collect()
}

pub async fn audit(conn: &mut Connection, entry: &AuditEntry) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO audit_log (id, at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(random_id("aud"))
    .bind(entry.at.millis())
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// The newest `limit` audit entries, newest first.
pub async fn audit_log(conn: &mut Connection, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = crate::db::query("SELECT * FROM audit_log ORDER BY at DESC, id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(AuditEntry {
                at: at(row, "at")?,
                actor: text(row, "actor")?,
                action: text(row, "action")?,
                target: text(row, "target")?,
                detail: text(row, "detail")?,
            })
        })
        .collect()
}

pub async fn setting(conn: &mut Connection, key: &str) -> Result<Option<String>, StoreError> {
    let row = crate::db::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.map(|row| opt_text(&row, "value"))
        .transpose()
        .map(Option::flatten)
}

pub async fn set_setting(conn: &mut Connection, key: &str, value: &str) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes `amount` requests from an application's quota for the window starting at
/// `window_start`; returns `false` (and takes nothing) when that would pass `limit`.
pub async fn reserve_quota(
    conn: &mut Connection,
    app_id: &str,
    window_start: Timestamp,
    amount: i64,
    limit: i64,
) -> Result<bool, StoreError> {
    if amount > limit {
        return Ok(false);
    }
    let row = crate::db::query(
        "INSERT INTO quota_usage (app_id, window_start, used) VALUES ($1, $2, $3) \
         ON CONFLICT (app_id, window_start) DO UPDATE SET used = quota_usage.used + excluded.used \
         WHERE quota_usage.used + excluded.used <= $4 RETURNING used",
    )
    .bind(app_id)
    .bind(window_start.millis())
    .bind(amount)
    .bind(limit)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(row) => int(&row, "used")? <= limit,
        None => false,
    })
}

pub async fn purge_quota_before(
    conn: &mut Connection,
    cutoff: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query("DELETE FROM quota_usage WHERE window_start < $1")
        .bind(cutoff.millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// Empties every table (children first); the caller reseeds in the same transaction.
pub async fn delete_everything(conn: &mut Connection) -> Result<(), StoreError> {
    for table in ALL_TABLES {
        crate::db::query(crate::db::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Names returned by a catalogue query (used by the conformance suite).
pub async fn table_names_for_tests(
    conn: &mut Connection,
    catalogue_query: &'static str,
) -> Result<Vec<String>, StoreError> {
    let rows = crate::db::query(catalogue_query).fetch_all(conn).await?;
    rows.iter().map(|row| text(row, "name")).collect()
}
