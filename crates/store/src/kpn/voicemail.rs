//! Business voicemail boxes and the subscriptions they serve.

use sentral_domain::kpn::voicemail::VoicemailChange;
use sentral_domain::{OrgNumber, Timestamp};

use crate::rows::{int, opt_int, opt_text, placeholders, text};
use crate::{Connection, StoreError};

/// A subscription of a subscriptions file found among the customer's contracts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedContract {
    pub mobile_number: String,
    pub contract_id: i64,
    /// The debtor (KGG) the contract's holder is under; a debtor's own contract is its own.
    pub debtor_id: Option<i64>,
    pub debtor_name: Option<String>,
}

/// The customer's mobile subscriptions (MOBILE or FIXED_MOBILE, not closed) with any of
/// `numbers`, with the debtor each is billed to.
pub async fn contracts_with_numbers(
    conn: &mut Connection,
    org_number: &OrgNumber,
    numbers: &[String],
) -> Result<Vec<NumberedContract>, StoreError> {
    let mut found = Vec::new();
    for chunk in numbers.chunks(500) {
        let sql = format!(
            "SELECT c.mobile_number, c.id, COALESCE(o.debtor_id, CASE WHEN o.kind = 'DEBTOR' \
             THEN o.id END) AS debtor_id, d.name AS debtor_name \
             FROM kpn_contracts c LEFT JOIN kpn_items o ON o.id = c.owner_id \
             LEFT JOIN kpn_items d ON d.id = COALESCE(o.debtor_id, CASE WHEN o.kind = 'DEBTOR' \
             THEN o.id END) \
             WHERE c.org_number = $1 AND c.category IN ('MOBILE', 'FIXED_MOBILE') \
             AND c.state <> 'CLOSED' AND c.mobile_number IN ({}) ORDER BY c.id",
            placeholders(2, chunk.len())
        );
        // Only placeholders are interpolated; every number is bound.
        let mut query = crate::db::query(crate::db::AssertSqlSafe(sql)).bind(org_number.as_str());
        for number in chunk {
            query = query.bind(number.as_str());
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push(NumberedContract {
                mobile_number: text(&row, "mobile_number")?,
                contract_id: int(&row, "id")?,
                debtor_id: opt_int(&row, "debtor_id")?,
                debtor_name: opt_text(&row, "debtor_name")?,
            });
        }
    }
    Ok(found)
}

/// Records the box a finished order set up on each of its contracts (the latest order wins).
pub async fn activate(
    conn: &mut Connection,
    org_number: &OrgNumber,
    order_id: &str,
    change: &VoicemailChange,
    at: Timestamp,
) -> Result<usize, StoreError> {
    let mut done = 0;
    for contract_id in &change.contract_ids {
        let result = crate::db::query(
            "INSERT INTO kpn_bvm_subscriptions (contract_id, org_number, order_id, company_name, \
             company_name_pronunciation, voice_language, voice_mail_message, activated_at) \
             SELECT id, org_number, $3, $4, $5, $6, $7, $8 FROM kpn_contracts \
             WHERE id = $1 AND org_number = $2 AND state <> 'CLOSED' \
             ON CONFLICT (contract_id) DO UPDATE SET order_id = excluded.order_id, \
             company_name = excluded.company_name, \
             company_name_pronunciation = excluded.company_name_pronunciation, \
             voice_language = excluded.voice_language, \
             voice_mail_message = excluded.voice_mail_message, \
             activated_at = excluded.activated_at",
        )
        .bind(*contract_id)
        .bind(org_number.as_str())
        .bind(order_id)
        .bind(change.company_name.as_str())
        .bind(change.company_name_pronunciation.as_str())
        .bind(change.voice_language.as_str())
        .bind(change.voice_mail_message.as_str())
        .bind(at.millis())
        .execute(&mut *conn)
        .await?;
        done += result.rows_affected() as usize;
    }
    Ok(done)
}

/// The order whose box serves contract `contract_id`, if any.
pub async fn box_of(
    conn: &mut Connection,
    contract_id: i64,
) -> Result<Option<(String, String)>, StoreError> {
    crate::db::query(
        "SELECT order_id, company_name FROM kpn_bvm_subscriptions WHERE contract_id = $1",
    )
    .bind(contract_id)
    .fetch_optional(conn)
    .await?
    .map(|row| Ok((text(&row, "order_id")?, text(&row, "company_name")?)))
    .transpose()
}
