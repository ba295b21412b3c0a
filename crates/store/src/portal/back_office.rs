//! The operator's back office: every partner, every Connect service, answers to verification
//! requests, and the audit log with filters.

use sentral_domain::platform::{AuditEntry, ConnectService, Partner};
use sentral_domain::{EntityId, Timestamp};

use crate::corporate::{Bind, Filter};
use crate::db::Row;
use crate::rows::{at, escape_like, id, int, org, text};
use crate::{Connection, StoreError};

/// Every partner, by name.
pub async fn all_partners(conn: &mut Connection) -> Result<Vec<Partner>, StoreError> {
    crate::db::query("SELECT * FROM partners ORDER BY name, id")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| {
            Ok(Partner {
                id: id(row, "id")?,
                org_number: org(row, "org_number")?,
                name: text(row, "name")?,
                created_at: at(row, "created_at")?,
            })
        })
        .collect()
}

fn connect_service_from(row: &Row) -> Result<ConnectService, StoreError> {
    Ok(ConnectService {
        id: id(row, "id")?,
        name: text(row, "name")?,
        partner_id: id(row, "partner_id")?,
        app_id: id(row, "app_id")?,
        created_at: at(row, "created_at")?,
    })
}

/// A Connect service and on how many agreements it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectServiceUse {
    pub service: ConnectService,
    pub agreements: i64,
}

/// Every Connect service, by name, with the number of agreements carrying it.
pub async fn all_connect_services(
    conn: &mut Connection,
) -> Result<Vec<ConnectServiceUse>, StoreError> {
    crate::db::query(
        "SELECT s.*, (SELECT COUNT(*) FROM agreement_connect_products p \
         WHERE p.connect_service_id = s.id) AS agreements \
         FROM connect_services s ORDER BY s.name",
    )
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(ConnectServiceUse {
            service: connect_service_from(row)?,
            agreements: int(row, "agreements")?,
        })
    })
    .collect()
}

/// The Connect service of a production application, if it has one.
pub async fn connect_service_of_app(
    conn: &mut Connection,
    app_id: &EntityId,
) -> Result<Option<ConnectService>, StoreError> {
    crate::db::query("SELECT * FROM connect_services WHERE app_id = $1 ORDER BY created_at")
        .bind(app_id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(connect_service_from)
        .transpose()
}

/// An answer of the operator to a verification request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationAnswerRecord {
    pub id: EntityId,
    pub app_id: EntityId,
    /// `documentation` or `meeting`.
    pub kind: String,
    pub message: String,
    pub answered_by: String,
    pub answered_at: Timestamp,
}

pub async fn insert_verification_answer(
    conn: &mut Connection,
    answer: &VerificationAnswerRecord,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO verification_answers (id, app_id, kind, message, answered_by, answered_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(answer.id.as_str())
    .bind(answer.app_id.as_str())
    .bind(&answer.kind)
    .bind(&answer.message)
    .bind(&answer.answered_by)
    .bind(answer.answered_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

fn answer_from(row: &Row) -> Result<VerificationAnswerRecord, StoreError> {
    Ok(VerificationAnswerRecord {
        id: id(row, "id")?,
        app_id: id(row, "app_id")?,
        kind: text(row, "kind")?,
        message: text(row, "message")?,
        answered_by: text(row, "answered_by")?,
        answered_at: at(row, "answered_at")?,
    })
}

/// The latest answer to an application's verification request.
pub async fn latest_verification_answer(
    conn: &mut Connection,
    app_id: &EntityId,
) -> Result<Option<VerificationAnswerRecord>, StoreError> {
    crate::db::query(
        "SELECT * FROM verification_answers WHERE app_id = $1 \
         ORDER BY answered_at DESC, id DESC LIMIT 1",
    )
    .bind(app_id.as_str())
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(answer_from)
    .transpose()
}

/// Every answer to an application's verification requests, newest first.
pub async fn verification_answers(
    conn: &mut Connection,
    app_id: &EntityId,
) -> Result<Vec<VerificationAnswerRecord>, StoreError> {
    crate::db::query(
        "SELECT * FROM verification_answers WHERE app_id = $1 ORDER BY answered_at DESC, id DESC",
    )
    .bind(app_id.as_str())
    .fetch_all(conn)
    .await?
    .iter()
    .map(answer_from)
    .collect()
}

/// Which audit entries to show; every given field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The actor exactly (`portal:olga@operator.example`, `cli`, `demo-seed`).
    pub actor: Option<String>,
    /// Actions starting with this (`application.` or `application.approve`).
    pub action_prefix: Option<String>,
    /// The target exactly (an application id, an agreement number).
    pub target: Option<String>,
    /// From this time on (inclusive).
    pub from: Option<Timestamp>,
    /// Before this time (exclusive).
    pub to: Option<Timestamp>,
}

impl AuditFilter {
    fn to_filter(&self) -> Filter {
        let mut filter = Filter::default();
        if let Some(actor) = &self.actor {
            let p = filter.bind(Bind::Text(actor.clone()));
            filter.push(format!("actor = {p}"));
        }
        if let Some(prefix) = &self.action_prefix {
            let p = filter.bind(Bind::Text(format!("{}%", escape_like(prefix))));
            filter.push(format!("action LIKE {p} ESCAPE '\\'"));
        }
        if let Some(target) = &self.target {
            let p = filter.bind(Bind::Text(target.clone()));
            filter.push(format!("target = {p}"));
        }
        if let Some(from) = self.from {
            let p = filter.bind(Bind::Int(from.millis()));
            filter.push(format!("at >= {p}"));
        }
        if let Some(to) = self.to {
            let p = filter.bind(Bind::Int(to.millis()));
            filter.push(format!("at < {p}"));
        }
        filter
    }
}

/// One page of the audit entries matching `filter`, newest first, and how many match in all.
pub async fn audit_page(
    conn: &mut Connection,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditEntry>, i64), StoreError> {
    let built = filter.to_filter();
    let total = built.count(&mut *conn, "audit_log").await?;
    let rows = built
        .page(conn, "audit_log", "at DESC, id DESC", offset, limit)
        .await?;
    let entries = rows
        .iter()
        .map(|row| {
            Ok(AuditEntry {
                at: at(row, "at")?,
                actor: text(row, "actor")?,
                action: text(row, "action")?,
                target: text(row, "target")?,
                detail: text(row, "detail")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((entries, total))
}
