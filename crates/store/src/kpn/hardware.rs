//! Hardware enrolments (Apple DEP, Samsung Knox), returns and service-request attachments, and
//! the enrolment ids of debtors.

use sentral_domain::Timestamp;

use crate::rows::{int, opt_text, text};
use crate::{Connection, StoreError};

/// A debtor's Apple DEP and Samsung Knox customer ids (`DebtorDetails.appleDepId`,
/// `samsungKnoxId`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DebtorEnrolmentIds {
    pub apple_dep_id: Option<String>,
    pub samsung_knox_id: Option<String>,
}

pub async fn set_debtor_enrolment_ids(
    conn: &mut Connection,
    debtor_id: i64,
    ids: &DebtorEnrolmentIds,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO kpn_debtor_enrolment_ids (debtor_id, apple_dep_id, samsung_knox_id) \
         VALUES ($1, $2, $3) ON CONFLICT (debtor_id) DO UPDATE \
         SET apple_dep_id = $2, samsung_knox_id = $3",
    )
    .bind(debtor_id)
    .bind(ids.apple_dep_id.as_deref())
    .bind(ids.samsung_knox_id.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

/// The ids of `debtor_id` (none set: both `None`).
pub async fn debtor_enrolment_ids(
    conn: &mut Connection,
    debtor_id: i64,
) -> Result<DebtorEnrolmentIds, StoreError> {
    let row = crate::db::query(
        "SELECT apple_dep_id, samsung_knox_id FROM kpn_debtor_enrolment_ids WHERE debtor_id = $1",
    )
    .bind(debtor_id)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(row) => DebtorEnrolmentIds {
            apple_dep_id: opt_text(&row, "apple_dep_id")?,
            samsung_knox_id: opt_text(&row, "samsung_knox_id")?,
        },
        None => DebtorEnrolmentIds::default(),
    })
}

/// Records that finished order `order_id` enrolled delivered order `delivered_order_id` in
/// `program` (APPLE_DEP or SAMSUNG_KNOX); false when it already was.
pub async fn insert_enrolment(
    conn: &mut Connection,
    delivered_order_id: &str,
    program: &str,
    order_id: &str,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "INSERT INTO kpn_hardware_enrolments (delivered_order_id, program, order_id, enrolled_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (delivered_order_id, program) DO NOTHING",
    )
    .bind(delivered_order_id)
    .bind(program)
    .bind(order_id)
    .bind(at.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The programs delivered order `delivered_order_id` is enrolled in.
pub async fn enrolments(
    conn: &mut Connection,
    delivered_order_id: &str,
) -> Result<Vec<String>, StoreError> {
    crate::db::query(
        "SELECT program FROM kpn_hardware_enrolments WHERE delivered_order_id = $1 \
         ORDER BY program",
    )
    .bind(delivered_order_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| text(row, "program"))
    .collect()
}

/// Records that return service request `order_id` sends `items` of `delivered_order_id` back.
pub async fn insert_return(
    conn: &mut Connection,
    order_id: &str,
    delivered_order_id: &str,
    items: &[i64],
) -> Result<(), StoreError> {
    for item in items {
        crate::db::query(
            "INSERT INTO kpn_hardware_returns (order_id, delivered_order_id, item_id) \
             VALUES ($1, $2, $3)",
        )
        .bind(order_id)
        .bind(delivered_order_id)
        .bind(*item)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The contract items of `delivered_order_id` in a return that is open or finished (a
/// canceled or rejected return gives its items back), with the return's order id.
pub async fn returned_items(
    conn: &mut Connection,
    delivered_order_id: &str,
) -> Result<Vec<(i64, String)>, StoreError> {
    crate::db::query(
        "SELECT r.item_id, r.order_id FROM kpn_hardware_returns r \
         JOIN corporate_orders o ON o.id = r.order_id \
         WHERE r.delivered_order_id = $1 AND o.status IN ($2, $3) ORDER BY r.item_id",
    )
    .bind(delivered_order_id)
    .bind(sentral_domain::corporate::OrderStatus::InProgress.as_str())
    .bind(sentral_domain::corporate::OrderStatus::Completed.as_str())
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| Ok((int(row, "item_id")?, text(row, "order_id")?)))
    .collect()
}

/// The delivered order and items a return service request sends back.
pub async fn return_of(
    conn: &mut Connection,
    order_id: &str,
) -> Result<Option<(String, Vec<i64>)>, StoreError> {
    let rows = crate::db::query(
        "SELECT delivered_order_id, item_id FROM kpn_hardware_returns WHERE order_id = $1 \
         ORDER BY item_id",
    )
    .bind(order_id)
    .fetch_all(conn)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let delivered = text(first, "delivered_order_id")?;
    let items = rows
        .iter()
        .map(|row| int(row, "item_id"))
        .collect::<Result<_, _>>()?;
    Ok(Some((delivered, items)))
}

/// A file attached to a service request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub order_id: String,
    pub file_name: String,
    pub content_type: String,
}

pub async fn insert_attachment(
    conn: &mut Connection,
    attachment: &Attachment,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO kpn_attachments (id, order_id, file_name, content_type) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(attachment.id)
    .bind(&attachment.order_id)
    .bind(&attachment.file_name)
    .bind(&attachment.content_type)
    .execute(conn)
    .await?;
    Ok(())
}

fn attachment_from(row: &crate::db::Row) -> Result<Attachment, StoreError> {
    Ok(Attachment {
        id: int(row, "id")?,
        order_id: text(row, "order_id")?,
        file_name: text(row, "file_name")?,
        content_type: text(row, "content_type")?,
    })
}

/// The attachments of service request `order_id`, by id.
pub async fn attachments(
    conn: &mut Connection,
    order_id: &str,
) -> Result<Vec<Attachment>, StoreError> {
    crate::db::query("SELECT * FROM kpn_attachments WHERE order_id = $1 ORDER BY id")
        .bind(order_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(attachment_from)
        .collect()
}
