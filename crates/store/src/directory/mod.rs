//! Repositories of the MBN directory: enterprises, groups, the numbering plan and members.

pub mod absences;
pub mod contacts;
pub mod forwarding;
pub mod members;
pub mod queues;

use crate::db::Row;
use sentral_domain::Timestamp;
use sentral_domain::directory::{
    Enterprise, Group, NumberRange, NumberingPlan, PlanDevice, PlanEntry, ShortNumber,
};

use crate::corporate::Filter;
use crate::rows::{at, int, opt_text, org, text};
use crate::{Connection, StoreError};

fn enterprise_from(row: &Row) -> Result<Enterprise, StoreError> {
    Ok(Enterprise {
        id: text(row, "id")?,
        agreement_id: text(row, "agreement_id")?,
        org_number: org(row, "org_number")?,
        name: text(row, "name")?,
        internal_number_length: u8::try_from(int(row, "internal_number_length")?)
            .map_err(|_| StoreError::Corrupt("internal number length".into()))?,
        switchboard_number: opt_text(row, "switchboard_number")?,
        created_at: at(row, "created_at")?,
        updated_at: at(row, "updated_at")?,
    })
}

pub async fn insert_enterprise(
    conn: &mut Connection,
    enterprise: &Enterprise,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO enterprises (id, agreement_id, org_number, name, internal_number_length, \
         switchboard_number, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&enterprise.id)
    .bind(&enterprise.agreement_id)
    .bind(enterprise.org_number.as_str())
    .bind(&enterprise.name)
    .bind(i64::from(enterprise.internal_number_length))
    .bind(enterprise.switchboard_number.as_deref())
    .bind(enterprise.created_at.millis())
    .bind(enterprise.updated_at.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("enterprise {}", enterprise.id)))?;
    Ok(())
}

pub async fn enterprise(conn: &mut Connection, id: &str) -> Result<Option<Enterprise>, StoreError> {
    crate::db::query("SELECT * FROM enterprises WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(enterprise_from)
        .transpose()
}

/// The enterprises of any of `org_numbers`, by id.
pub async fn enterprises_of(
    conn: &mut Connection,
    org_numbers: &[String],
) -> Result<Vec<Enterprise>, StoreError> {
    let mut filter = Filter::default();
    let clause = filter.any_of("org_number", org_numbers.iter().cloned());
    filter.push(clause);
    let sql = format!(
        "SELECT * FROM enterprises{} ORDER BY id",
        filter.where_sql()
    );
    // Only clauses built by the filter are interpolated; every value is bound.
    filter
        .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
        .fetch_all(conn)
        .await?
        .iter()
        .map(enterprise_from)
        .collect()
}

pub async fn insert_group(conn: &mut Connection, group: &Group) -> Result<(), StoreError> {
    crate::db::query("INSERT INTO enterprise_groups (id, enterprise_id, name) VALUES ($1, $2, $3)")
        .bind(&group.id)
        .bind(&group.enterprise_id)
        .bind(&group.name)
        .execute(conn)
        .await
        .map_err(|e| e.conflict_as(format!("group {}", group.name)))?;
    Ok(())
}

fn group_from(row: &Row) -> Result<Group, StoreError> {
    Ok(Group {
        id: text(row, "id")?,
        enterprise_id: text(row, "enterprise_id")?,
        name: text(row, "name")?,
    })
}

pub async fn group(conn: &mut Connection, id: &str) -> Result<Option<Group>, StoreError> {
    crate::db::query("SELECT * FROM enterprise_groups WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(group_from)
        .transpose()
}

pub async fn groups_of(
    conn: &mut Connection,
    enterprise_id: &str,
) -> Result<Vec<Group>, StoreError> {
    crate::db::query("SELECT * FROM enterprise_groups WHERE enterprise_id = $1 ORDER BY id")
        .bind(enterprise_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(group_from)
        .collect()
}

/// The enterprise's numbering plan: its length, ranges and entries, in number order.
pub async fn plan(
    conn: &mut Connection,
    enterprise: &Enterprise,
) -> Result<NumberingPlan, StoreError> {
    let length = enterprise.internal_number_length;
    let short = |row: &Row, column: &str| -> Result<ShortNumber, StoreError> {
        let value = text(row, column)?;
        ShortNumber::parse(&value, u8::try_from(value.len()).unwrap_or(0)).map_err(Into::into)
    };
    let ranges = crate::db::query(
        "SELECT * FROM numbering_ranges WHERE enterprise_id = $1 ORDER BY range_from",
    )
    .bind(&enterprise.id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(NumberRange {
            from: short(row, "range_from")?,
            to: short(row, "range_to")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let entries = crate::db::query(
        "SELECT * FROM short_numbers WHERE enterprise_id = $1 ORDER BY short_number",
    )
    .bind(&enterprise.id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        let kind = text(row, "kind")?;
        Ok(PlanEntry {
            short_number: short(row, "short_number")?,
            device: PlanDevice::from_parts(&kind, text(row, "target")?)
                .ok_or_else(|| StoreError::Corrupt(format!("plan entry kind {kind:?}")))?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(NumberingPlan {
        internal_number_length: length,
        ranges,
        entries,
    })
}

/// Replaces the plan's length, ranges and entries.
pub async fn replace_plan(
    conn: &mut Connection,
    enterprise_id: &str,
    plan: &NumberingPlan,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE enterprises SET internal_number_length = $2, updated_at = $3 WHERE id = $1",
    )
    .bind(enterprise_id)
    .bind(i64::from(plan.internal_number_length))
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    crate::db::query("DELETE FROM numbering_ranges WHERE enterprise_id = $1")
        .bind(enterprise_id)
        .execute(&mut *conn)
        .await?;
    for range in &plan.ranges {
        crate::db::query(
            "INSERT INTO numbering_ranges (enterprise_id, range_from, range_to) VALUES ($1, $2, $3)",
        )
        .bind(enterprise_id)
        .bind(range.from.as_str())
        .bind(range.to.as_str())
        .execute(&mut *conn)
        .await?;
    }
    crate::db::query("DELETE FROM short_numbers WHERE enterprise_id = $1")
        .bind(enterprise_id)
        .execute(&mut *conn)
        .await?;
    for entry in &plan.entries {
        insert_entry(conn, enterprise_id, entry).await?;
    }
    Ok(())
}

pub async fn insert_entry(
    conn: &mut Connection,
    enterprise_id: &str,
    entry: &PlanEntry,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO short_numbers (enterprise_id, short_number, kind, target) VALUES ($1, $2, $3, $4)",
    )
    .bind(enterprise_id)
    .bind(entry.short_number.as_str())
    .bind(entry.device.kind())
    .bind(entry.device.target())
    .execute(conn)
    .await
    .map_err(|e| {
        e.conflict_as(format!("short number {}", entry.short_number.as_str()))
    })?;
    Ok(())
}

/// What in the enterprise depends on its numbering plan: short-number destinations of call
/// forwarding, of absences not yet over and of queues' targets, queues that absences send calls
/// to, and every queue's own entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanUse {
    /// A readable name of the user, e.g. `call forwarding busy of mem_demo_001`.
    pub what: String,
    pub device: PlanDevice,
    /// The queue this use belongs to (its targets, its own entry), when a queue is the user.
    pub queue: Option<String>,
}

/// The plan's users in `enterprise_id` (short numbers: at most 6 digits, as stored).
pub async fn plan_uses(
    conn: &mut Connection,
    enterprise_id: &str,
    now: Timestamp,
) -> Result<Vec<PlanUse>, StoreError> {
    let is_short = |number: &str| number.len() <= 6;
    let mut uses = Vec::new();
    let rows = crate::db::query(
        "SELECT f.member_id, f.immediate_destination, f.busy_destination, \
         f.no_answer_destination, f.unavailable_destination FROM call_forwarding f \
         JOIN members m ON m.id = f.member_id WHERE m.enterprise_id = $1 ORDER BY f.member_id",
    )
    .bind(enterprise_id)
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        let member = text(row, "member_id")?;
        for (rule, column) in [
            ("immediate", "immediate_destination"),
            ("busy", "busy_destination"),
            ("noAnswer", "no_answer_destination"),
            ("unavailable", "unavailable_destination"),
        ] {
            if let Some(number) = opt_text(row, column)?.filter(|n| is_short(n)) {
                uses.push(PlanUse {
                    what: format!("call forwarding {rule} of {member}"),
                    device: PlanDevice::Virtual(number),
                    queue: None,
                });
            }
        }
    }
    let rows = crate::db::query(
        "SELECT a.id, a.action, a.action_target FROM absences a JOIN members m ON m.id = a.member_id \
         WHERE m.enterprise_id = $1 AND a.action IN ('forwardTo', 'queue') AND a.ends_at > $2 \
         ORDER BY a.id",
    )
    .bind(enterprise_id)
    .bind(now.millis())
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        let id = text(row, "id")?;
        let Some(target) = opt_text(row, "action_target")? else {
            continue;
        };
        match text(row, "action")?.as_str() {
            "queue" => uses.push(PlanUse {
                what: format!("absence {id}"),
                device: PlanDevice::Queue(target),
                queue: None,
            }),
            _ if is_short(&target) => uses.push(PlanUse {
                what: format!("absence {id}"),
                device: PlanDevice::Virtual(target),
                queue: None,
            }),
            _ => {}
        }
    }
    let rows = crate::db::query(
        "SELECT id, name, overflow_target, no_agent_target FROM queues WHERE enterprise_id = $1 \
         ORDER BY id",
    )
    .bind(enterprise_id)
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        let id = text(row, "id")?;
        let name = text(row, "name")?;
        // A queue is reached through its own entry; deleting the queue removes it.
        uses.push(PlanUse {
            what: format!("queue {name:?}"),
            device: PlanDevice::Queue(id.clone()),
            queue: Some(id.clone()),
        });
        for (field, column) in [
            ("overflowTarget", "overflow_target"),
            ("noAgentTarget", "no_agent_target"),
        ] {
            if let Some(number) = opt_text(row, column)?.filter(|n| is_short(n)) {
                uses.push(PlanUse {
                    what: format!("{field} of queue {id}"),
                    device: PlanDevice::Virtual(number),
                    queue: Some(id.clone()),
                });
            }
        }
    }
    Ok(uses)
}
