//! Templates: a basket's selections saved at a hierarchy group, usable at and below it.

use sentral_domain::kpn::contracting::{Template, TemplateContent};
use sentral_domain::{OrgNumber, Timestamp};

use crate::db::Row;
use crate::rows::{flag, int, text};
use crate::{Connection, StoreError};

fn content_json(content: &TemplateContent) -> Result<String, StoreError> {
    serde_json::to_string(content)
        .map_err(|e| StoreError::Corrupt(format!("template content: {e}")))
}

fn template_from(row: &Row) -> Result<Template, StoreError> {
    let content: TemplateContent = serde_json::from_str(&text(row, "content")?)
        .map_err(|e| StoreError::Corrupt(format!("template content: {e}")))?;
    Ok(Template {
        id: int(row, "id")?,
        name: text(row, "name")?,
        main_category: text(row, "main_category")?,
        group_id: int(row, "group_id")?,
        customer_level: flag(row, "customer_level")?,
        content,
    })
}

pub async fn insert_template(
    conn: &mut Connection,
    org_number: &OrgNumber,
    template: &Template,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO kpn_templates (id, org_number, group_id, customer_level, name, \
         main_category, content, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(template.id)
    .bind(org_number.as_str())
    .bind(template.group_id)
    .bind(i64::from(template.customer_level))
    .bind(&template.name)
    .bind(&template.main_category)
    .bind(content_json(&template.content)?)
    .bind(now.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("template {}", template.id)))?;
    Ok(())
}

/// Replaces a template's selections and main category; false when it is not there.
pub async fn update_content(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
    main_category: &str,
    content: &TemplateContent,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_templates SET content = $3, main_category = $4, updated_at = $5 \
         WHERE id = $1 AND org_number = $2",
    )
    .bind(id)
    .bind(org_number.as_str())
    .bind(content_json(content)?)
    .bind(main_category)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn template(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
) -> Result<Option<Template>, StoreError> {
    crate::db::query("SELECT * FROM kpn_templates WHERE id = $1 AND org_number = $2")
        .bind(id)
        .bind(org_number.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(template_from)
        .transpose()
}

/// Every template of the customer, by id.
pub async fn templates_of(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<Template>, StoreError> {
    let rows = crate::db::query("SELECT * FROM kpn_templates WHERE org_number = $1 ORDER BY id")
        .bind(org_number.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(template_from).collect()
}

pub async fn delete_template(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
) -> Result<bool, StoreError> {
    let done = crate::db::query("DELETE FROM kpn_templates WHERE id = $1 AND org_number = $2")
        .bind(id)
        .bind(org_number.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
