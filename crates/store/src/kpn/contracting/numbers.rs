//! A customer's pool of mobile numbers: free ones are offered as resources; an order takes one.

use sentral_domain::OrgNumber;

use crate::corporate::Bind;
use crate::rows::{escape_like, int, text};
use crate::{Connection, StoreError};

/// Adds free numbers to the customer's pool (`first_id` numbers the rows).
pub async fn insert_numbers(
    conn: &mut Connection,
    org_number: &OrgNumber,
    first_id: i64,
    msisdns: &[String],
) -> Result<(), StoreError> {
    let rows = msisdns
        .iter()
        .enumerate()
        .map(|(index, msisdn)| {
            vec![
                Bind::Int(first_id + index as i64),
                Bind::Text(org_number.as_str().to_owned()),
                Bind::Text(msisdn.clone()),
                Bind::NullInt,
            ]
        })
        .collect();
    super::super::bulk::insert_rows(
        conn,
        "kpn_number_pool (id, org_number, msisdn, contract_id)",
        rows,
    )
    .await
}

/// Up to `limit` free numbers of the customer starting with `prefix`: (id, msisdn).
pub async fn free_numbers(
    conn: &mut Connection,
    org_number: &OrgNumber,
    prefix: &str,
    limit: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = crate::db::query(
        "SELECT id, msisdn FROM kpn_number_pool WHERE org_number = $1 AND contract_id IS NULL \
         AND msisdn LIKE $2 ESCAPE '\\' ORDER BY msisdn LIMIT $3",
    )
    .bind(org_number.as_str())
    .bind(format!("{}%", escape_like(prefix)))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| Ok((int(row, "id")?, text(row, "msisdn")?)))
        .collect()
}

/// Takes a free number of the customer for `contract_id` (the lowest free one); None when the
/// pool is empty. The conditional update keeps two orders from taking the same number.
pub async fn take_number(
    conn: &mut Connection,
    org_number: &OrgNumber,
    contract_id: i64,
) -> Result<Option<String>, StoreError> {
    for _ in 0..5 {
        let Some((id, msisdn)) = free_numbers(conn, org_number, "", 1).await?.pop() else {
            return Ok(None);
        };
        let done = crate::db::query(
            "UPDATE kpn_number_pool SET contract_id = $2 WHERE id = $1 AND contract_id IS NULL",
        )
        .bind(id)
        .bind(contract_id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(Some(msisdn));
        }
    }
    Ok(None)
}

/// Takes a given number of the pool for `contract_id` if it is there and free (a reactivated
/// contract's old number); false otherwise.
pub async fn take_this_number(
    conn: &mut Connection,
    org_number: &OrgNumber,
    msisdn: &str,
    contract_id: i64,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_number_pool SET contract_id = $3 WHERE org_number = $1 AND msisdn = $2 \
         AND contract_id IS NULL",
    )
    .bind(org_number.as_str())
    .bind(msisdn)
    .bind(contract_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the numbers a contract took back to the pool (its order was cancelled or failed).
pub async fn release_numbers_of(conn: &mut Connection, contract_id: i64) -> Result<(), StoreError> {
    crate::db::query("UPDATE kpn_number_pool SET contract_id = NULL WHERE contract_id = $1")
        .bind(contract_id)
        .execute(conn)
        .await?;
    Ok(())
}
