//! Portal users of a KPN customer: GRIP identities, user roles and managed groups, and the
//! portal user a KPN application acts for. Every read names the organisation.

use sentral_domain::OrgNumber;
use sentral_domain::kpn::Privilege;
use sentral_domain::kpn::users::{GripEntity, PortalUser, Role};

use crate::db::{AssertSqlSafe, Row};
use crate::rows::{int, opt_text, text};
use crate::{Connection, StoreError};

fn role_from(row: &Row) -> Result<Role, StoreError> {
    let stored = text(row, "privileges")?;
    let names: Vec<String> = serde_json::from_str(&stored)
        .map_err(|e| StoreError::Corrupt(format!("KPN role privileges: {e}")))?;
    Ok(Role {
        id: int(row, "id")?,
        name: text(row, "name")?,
        privileges: names.iter().filter_map(|n| Privilege::parse(n)).collect(),
    })
}

pub async fn insert_role(
    conn: &mut Connection,
    org_number: &OrgNumber,
    role: &Role,
) -> Result<(), StoreError> {
    let names: Vec<&str> = role.privileges.iter().map(|p| p.as_str()).collect();
    let json = serde_json::to_string(&names)
        .map_err(|e| StoreError::Corrupt(format!("KPN role privileges: {e}")))?;
    crate::db::query(
        "INSERT INTO kpn_roles (id, org_number, name, privileges) VALUES ($1, $2, $3, $4)",
    )
    .bind(role.id)
    .bind(org_number.as_str())
    .bind(&role.name)
    .bind(json)
    .execute(conn)
    .await?;
    Ok(())
}

/// The customer's roles, by id.
pub async fn roles(conn: &mut Connection, org_number: &OrgNumber) -> Result<Vec<Role>, StoreError> {
    crate::db::query("SELECT * FROM kpn_roles WHERE org_number = $1 ORDER BY id")
        .bind(org_number.as_str())
        .fetch_all(conn)
        .await?
        .iter()
        .map(role_from)
        .collect()
}

fn grip_from(row: &Row) -> Result<GripEntity, StoreError> {
    Ok(GripEntity {
        id: int(row, "id")?,
        user_name: text(row, "user_name")?,
        first_name: opt_text(row, "first_name")?,
        surname: text(row, "surname")?,
        email: opt_text(row, "email")?,
        employee_number: opt_text(row, "employee_number")?,
        gender: opt_text(row, "gender")?,
        preferred_language: opt_text(row, "preferred_language")?,
        mobile_number: opt_text(row, "mobile_number")?,
        fixed_number: opt_text(row, "fixed_number")?,
    })
}

pub async fn insert_grip_entity(
    conn: &mut Connection,
    org_number: &OrgNumber,
    entity: &GripEntity,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO kpn_grip_entities (id, org_number, user_name, first_name, surname, email, \
         employee_number, gender, preferred_language, mobile_number, fixed_number) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(entity.id)
    .bind(org_number.as_str())
    .bind(&entity.user_name)
    .bind(entity.first_name.as_deref())
    .bind(&entity.surname)
    .bind(entity.email.as_deref())
    .bind(entity.employee_number.as_deref())
    .bind(entity.gender.as_deref())
    .bind(entity.preferred_language.as_deref())
    .bind(entity.mobile_number.as_deref())
    .bind(entity.fixed_number.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

/// Linked to a subscriber that still exists (a deleted subscriber's link frees its identity).
const LINKED: &str = "EXISTS (SELECT 1 FROM kpn_users u JOIN kpn_items s ON s.id = u.subscriber_id \
                      WHERE u.grip_entity_id = g.id)";

/// The customer's GRIP identities that are no subscriber's user yet, by id.
pub async fn free_grip_entities(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<GripEntity>, StoreError> {
    crate::db::query(AssertSqlSafe(format!(
        "SELECT g.* FROM kpn_grip_entities g WHERE g.org_number = $1 AND NOT {LINKED} ORDER BY g.id"
    )))
    .bind(org_number.as_str())
    .fetch_all(conn)
    .await?
    .iter()
    .map(grip_from)
    .collect()
}

/// A GRIP identity of the customer, and whether it is already a subscriber's user.
pub async fn grip_entity(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
) -> Result<Option<(GripEntity, bool)>, StoreError> {
    let row = crate::db::query(AssertSqlSafe(format!(
        "SELECT g.*, CASE WHEN {LINKED} THEN 1 ELSE 0 END AS linked FROM kpn_grip_entities g \
         WHERE g.id = $1 AND g.org_number = $2"
    )))
    .bind(id)
    .bind(org_number.as_str())
    .fetch_optional(conn)
    .await?;
    row.map(|row| Ok((grip_from(&row)?, int(&row, "linked")? != 0)))
        .transpose()
}

async fn ids(conn: &mut Connection, sql: &'static str, id: i64) -> Result<Vec<i64>, StoreError> {
    crate::db::query(sql)
        .bind(id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| int(row, "id"))
        .collect()
}

/// Subscriber `subscriber_id` as a portal user of the customer (None: it is no user).
pub async fn user(
    conn: &mut Connection,
    org_number: &OrgNumber,
    subscriber_id: i64,
) -> Result<Option<PortalUser>, StoreError> {
    let Some(row) = crate::db::query(
        "SELECT grip_entity_id FROM kpn_users WHERE subscriber_id = $1 AND org_number = $2",
    )
    .bind(subscriber_id)
    .bind(org_number.as_str())
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let grip_entity_id = int(&row, "grip_entity_id")?;
    let roles = ids(
        conn,
        "SELECT role_id AS id FROM kpn_user_roles WHERE subscriber_id = $1 ORDER BY role_id",
        subscriber_id,
    )
    .await?;
    let managed_groups = ids(
        conn,
        "SELECT m.group_id AS id FROM kpn_managed_groups m JOIN kpn_items g ON g.id = m.group_id \
         WHERE m.subscriber_id = $1 ORDER BY m.group_id",
        subscriber_id,
    )
    .await?;
    Ok(Some(PortalUser {
        subscriber_id,
        grip_entity_id,
        roles,
        managed_groups,
    }))
}

/// Which of `subscriber_ids` are portal users.
pub async fn users_among(
    conn: &mut Connection,
    subscriber_ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    if subscriber_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT subscriber_id AS id FROM kpn_users WHERE subscriber_id IN ({})",
        crate::rows::placeholders(1, subscriber_ids.len())
    );
    let mut query = crate::db::query(AssertSqlSafe(sql));
    for id in subscriber_ids {
        query = query.bind(*id);
    }
    query
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| int(row, "id"))
        .collect()
}

/// Makes subscriber `subscriber_id` the user of GRIP identity `grip_entity_id`; a link left by
/// a deleted subscriber is dropped first.
pub async fn insert_user(
    conn: &mut Connection,
    org_number: &OrgNumber,
    subscriber_id: i64,
    grip_entity_id: i64,
) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM kpn_user_roles WHERE subscriber_id IN (SELECT u.subscriber_id FROM kpn_users u \
         WHERE u.grip_entity_id = $1 AND NOT EXISTS (SELECT 1 FROM kpn_items s WHERE s.id = u.subscriber_id))",
        "DELETE FROM kpn_managed_groups WHERE subscriber_id IN (SELECT u.subscriber_id FROM kpn_users u \
         WHERE u.grip_entity_id = $1 AND NOT EXISTS (SELECT 1 FROM kpn_items s WHERE s.id = u.subscriber_id))",
        "DELETE FROM kpn_users WHERE grip_entity_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM kpn_items s WHERE s.id = kpn_users.subscriber_id)",
    ] {
        crate::db::query(sql)
            .bind(grip_entity_id)
            .execute(&mut *conn)
            .await?;
    }
    crate::db::query(
        "INSERT INTO kpn_users (subscriber_id, org_number, grip_entity_id) VALUES ($1, $2, $3)",
    )
    .bind(subscriber_id)
    .bind(org_number.as_str())
    .bind(grip_entity_id)
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("GRIP identity {grip_entity_id}")))?;
    Ok(())
}

/// Gives the user `add` and takes `remove` (roles or managed groups: `groups`).
pub async fn edit_links(
    conn: &mut Connection,
    subscriber_id: i64,
    groups: bool,
    add: &[i64],
    remove: &[i64],
) -> Result<(), StoreError> {
    let (table, column) = if groups {
        ("kpn_managed_groups", "group_id")
    } else {
        ("kpn_user_roles", "role_id")
    };
    for id in remove {
        crate::db::query(AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE subscriber_id = $1 AND {column} = $2"
        )))
        .bind(subscriber_id)
        .bind(*id)
        .execute(&mut *conn)
        .await?;
    }
    for id in add {
        crate::db::query(AssertSqlSafe(format!(
            "INSERT INTO {table} (subscriber_id, {column}) VALUES ($1, $2) \
             ON CONFLICT (subscriber_id, {column}) DO NOTHING"
        )))
        .bind(subscriber_id)
        .bind(*id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The portal user (a subscriber) an application acts for.
pub async fn acting_user(conn: &mut Connection, app_id: &str) -> Result<Option<i64>, StoreError> {
    crate::db::query("SELECT subscriber_id FROM kpn_acting_users WHERE app_id = $1")
        .bind(app_id)
        .fetch_optional(conn)
        .await?
        .map(|row| int(&row, "subscriber_id"))
        .transpose()
}

pub async fn set_acting_user(
    conn: &mut Connection,
    app_id: &str,
    subscriber_id: Option<i64>,
) -> Result<(), StoreError> {
    match subscriber_id {
        Some(id) => {
            crate::db::query(
                "INSERT INTO kpn_acting_users (app_id, subscriber_id) VALUES ($1, $2) \
                 ON CONFLICT (app_id) DO UPDATE SET subscriber_id = $2",
            )
            .bind(app_id)
            .bind(id)
            .execute(conn)
            .await?;
        }
        None => {
            crate::db::query("DELETE FROM kpn_acting_users WHERE app_id = $1")
                .bind(app_id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}
