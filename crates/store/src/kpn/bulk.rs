//! Many subscribers or contracts per statement, for `sentral seed --scale N`'s KPN customer.

use sentral_domain::kpn::{Contract, HierarchyItem};
use sentral_domain::{OrgNumber, Timestamp};

use crate::corporate::{Bind, Filter};
use crate::{Connection, StoreError};

/// Rows per multi-row `INSERT`: well under both backends' limit of bound values.
const ROWS_PER_INSERT: usize = 200;

fn text(value: Option<&str>) -> Bind {
    value.map_or(Bind::NullText, |v| Bind::Text(v.to_owned()))
}

fn int(value: Option<i64>) -> Bind {
    value.map_or(Bind::NullInt, Bind::Int)
}

pub(crate) async fn insert_rows(
    conn: &mut Connection,
    table_and_columns: &str,
    rows: Vec<Vec<Bind>>,
) -> Result<(), StoreError> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut filter = Filter::default();
        let values: Vec<String> = chunk
            .iter()
            .map(|row| {
                let placeholders: Vec<String> =
                    row.iter().map(|value| filter.bind(value.clone())).collect();
                format!("({})", placeholders.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {table_and_columns} VALUES {}",
            values.join(", ")
        );
        // Only a constant table and placeholders are interpolated; every value is bound.
        filter
            .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
            .execute(&mut *conn)
            .await
            .map_err(|e| e.conflict_as(format!("{table_and_columns} rows")))?;
    }
    Ok(())
}

/// Inserts subscribers (or groups), each with the debtor on its path.
pub async fn insert_items(
    conn: &mut Connection,
    org_number: &OrgNumber,
    items: &[(HierarchyItem, Option<i64>)],
    now: Timestamp,
) -> Result<(), StoreError> {
    let rows = items
        .iter()
        .map(|(item, debtor_id)| {
            let data = item.subscriber.clone().unwrap_or_default();
            vec![
                Bind::Int(item.id),
                Bind::Text(org_number.as_str().to_owned()),
                Bind::Text(item.kind.as_str().to_owned()),
                int(item.parent_id),
                int(*debtor_id),
                Bind::Text(item.name.clone()),
                text(item.cost_center_number.as_deref()),
                text(data.first_name.as_deref()),
                text(data.surname_prefix.as_deref()),
                text(item.subscriber.as_ref().map(|s| s.surname.as_str())),
                text(data.email.as_deref()),
                Bind::Int(i64::from(data.vip)),
                text(data.employee_number.as_deref()),
                text(data.gender.as_deref()),
                text(data.preferred_language.as_deref()),
                text(data.comments.as_deref()),
                text(data.mobile_number.as_deref()),
                text(data.fixed_number.as_deref()),
                Bind::Int(now.millis()),
                Bind::Int(now.millis()),
            ]
        })
        .collect();
    insert_rows(
        conn,
        "kpn_items (id, org_number, kind, parent_id, debtor_id, name, cost_center_number, \
         first_name, surname_prefix, surname, email, vip, employee_number, gender, \
         preferred_language, comments, mobile_number, fixed_number, created_at, updated_at)",
        rows,
    )
    .await
}

pub async fn insert_contracts(
    conn: &mut Connection,
    org_number: &OrgNumber,
    contracts: &[Contract],
) -> Result<(), StoreError> {
    let mut rows = Vec::with_capacity(contracts.len());
    for contract in contracts {
        let items = serde_json::to_string(&contract.items)
            .map_err(|e| StoreError::Corrupt(format!("contract items: {e}")))?;
        rows.push(vec![
            Bind::Int(contract.id),
            Bind::Text(org_number.as_str().to_owned()),
            Bind::Int(contract.owner_id),
            Bind::Text(contract.category.as_str().to_owned()),
            Bind::Text(contract.product_category.clone()),
            Bind::Text(contract.product_en.clone()),
            Bind::Text(contract.product_nl.clone()),
            Bind::Text(contract.state.as_str().to_owned()),
            text(contract.mobile_number.as_deref()),
            text(contract.fixed_number.as_deref()),
            text(contract.sim_card_number.as_deref()),
            text(contract.imei.as_deref()),
            text(contract.extension.as_deref()),
            text(contract.sip_account.as_deref()),
            text(contract.tariff_plan.as_deref()),
            text(contract.pin.as_deref()),
            text(contract.puk.as_deref()),
            Bind::Int(contract.start_at.millis()),
            Bind::Int(contract.status_changed_at.millis()),
            Bind::Text(items),
        ]);
    }
    insert_rows(
        conn,
        "kpn_contracts (id, org_number, owner_id, category, product_category, product_en, \
         product_nl, state, mobile_number, fixed_number, sim_card_number, imei, extension, \
         sip_account, tariff_plan, pin, puk, start_at, status_changed_at, items)",
        rows,
    )
    .await
}
