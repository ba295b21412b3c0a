//! KPN contracts: a mobile subscription or another contracted product of a subscriber or a
//! debtor, with its item tree.

use crate::db::Row;
use sentral_domain::kpn::{
    Contract, ContractCategory, ContractItemNode, ContractState, Filters, Page, SortOrder,
};
use sentral_domain::{OrgNumber, Timestamp};

use crate::corporate::{Bind, Filter};
use crate::rows::{at, corrupt, int, opt_text, text};
use crate::{Connection, StoreError};

fn contract_from(row: &Row) -> Result<Contract, StoreError> {
    let category = text(row, "category")?;
    let state = text(row, "state")?;
    let items: Vec<ContractItemNode> = serde_json::from_str(&text(row, "items")?)
        .map_err(|e| StoreError::Corrupt(format!("contract items: {e}")))?;
    Ok(Contract {
        id: int(row, "id")?,
        owner_id: int(row, "owner_id")?,
        category: ContractCategory::parse(&category)
            .ok_or_else(|| corrupt("contract category", &category))?,
        product_category: text(row, "product_category")?,
        product_en: text(row, "product_en")?,
        product_nl: text(row, "product_nl")?,
        state: ContractState::parse(&state).ok_or_else(|| corrupt("contract state", &state))?,
        mobile_number: opt_text(row, "mobile_number")?,
        fixed_number: opt_text(row, "fixed_number")?,
        sim_card_number: opt_text(row, "sim_card_number")?,
        imei: opt_text(row, "imei")?,
        extension: opt_text(row, "extension")?,
        sip_account: opt_text(row, "sip_account")?,
        tariff_plan: opt_text(row, "tariff_plan")?,
        pin: opt_text(row, "pin")?,
        puk: opt_text(row, "puk")?,
        start_at: at(row, "start_at")?,
        status_changed_at: at(row, "status_changed_at")?,
        items,
    })
}

pub async fn insert_contract(
    conn: &mut Connection,
    org_number: &OrgNumber,
    contract: &Contract,
) -> Result<(), StoreError> {
    let items = serde_json::to_string(&contract.items)
        .map_err(|e| StoreError::Corrupt(format!("contract items: {e}")))?;
    crate::db::query(
        "INSERT INTO kpn_contracts (id, org_number, owner_id, category, product_category, \
         product_en, product_nl, state, mobile_number, fixed_number, sim_card_number, imei, \
         extension, sip_account, tariff_plan, pin, puk, start_at, status_changed_at, items) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20)",
    )
    .bind(contract.id)
    .bind(org_number.as_str())
    .bind(contract.owner_id)
    .bind(contract.category.as_str())
    .bind(&contract.product_category)
    .bind(&contract.product_en)
    .bind(&contract.product_nl)
    .bind(contract.state.as_str())
    .bind(contract.mobile_number.as_deref())
    .bind(contract.fixed_number.as_deref())
    .bind(contract.sim_card_number.as_deref())
    .bind(contract.imei.as_deref())
    .bind(contract.extension.as_deref())
    .bind(contract.sip_account.as_deref())
    .bind(contract.tariff_plan.as_deref())
    .bind(contract.pin.as_deref())
    .bind(contract.puk.as_deref())
    .bind(contract.start_at.millis())
    .bind(contract.status_changed_at.millis())
    .bind(items)
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("contract {}", contract.id)))?;
    Ok(())
}

pub async fn contract(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
) -> Result<Option<Contract>, StoreError> {
    crate::db::query("SELECT * FROM kpn_contracts WHERE id = $1 AND org_number = $2")
        .bind(id)
        .bind(org_number.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(contract_from)
        .transpose()
}

pub async fn set_state(
    conn: &mut Connection,
    id: i64,
    state: ContractState,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_contracts SET state = $2, status_changed_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(state.as_str())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces a contract's product: its category, product names, fixed number and item tree (a
/// FIXED_MOBILE contract separated into its mobile part).
pub async fn set_product(
    conn: &mut Connection,
    contract: &Contract,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let items = serde_json::to_string(&contract.items)
        .map_err(|e| StoreError::Corrupt(format!("contract items: {e}")))?;
    let done = crate::db::query(
        "UPDATE kpn_contracts SET category = $2, product_category = $3, product_en = $4, \
         product_nl = $5, fixed_number = $6, items = $7, status_changed_at = $8 WHERE id = $1",
    )
    .bind(contract.id)
    .bind(contract.category.as_str())
    .bind(&contract.product_category)
    .bind(&contract.product_en)
    .bind(&contract.product_nl)
    .bind(contract.fixed_number.as_deref())
    .bind(items)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many contracts `owner_id` holds in a state other than CLOSED.
pub async fn active_of(conn: &mut Connection, owner_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows = crate::db::query(
        "SELECT id FROM kpn_contracts WHERE owner_id = $1 AND state <> $2 ORDER BY id",
    )
    .bind(owner_id)
    .bind(ContractState::Closed.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| int(row, "id")).collect()
}

/// A contract in a list, with the names of the person that holds it (none for a debtor's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRow {
    pub contract: Contract,
    pub first_name: Option<String>,
    pub name_prefix: Option<String>,
    pub last_name: Option<String>,
}

/// The contract lists' query (`CQ` of the spec).
#[derive(Debug, Clone, Default)]
pub struct ContractQuery {
    /// Only the contracts of this subscriber or debtor.
    pub owner_id: Option<i64>,
    pub category: Option<ContractCategory>,
    pub filters: Filters,
    pub patterns: Vec<String>,
    pub sort_by: Option<String>,
    pub order: SortOrder,
    /// Only the contracts of a threshold, or those that may still be assigned to it.
    pub threshold: Option<ThresholdScope>,
    /// Only the contracts held in these groups: by one of them or by a subscriber directly in
    /// one (a portal user's scope).
    pub within: Option<Vec<i64>>,
}

/// The threshold lists' part of a contract query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThresholdScope {
    /// `getContractsUsingGET_1`: the contracts assigned to the threshold.
    Assigned(i64),
    /// `getContractsToAssignUsingGET`: the contracts that may carry a threshold of this type
    /// and have none of it yet.
    Assignable(sentral_domain::kpn::thresholds::ThresholdType),
}

fn contract_column(column: &str) -> Option<&'static str> {
    Some(match column {
        "FIRSTNAME" => "LOWER(COALESCE(s.first_name, ''))",
        "LASTNAME" => "LOWER(COALESCE(s.surname, ''))",
        "SURNAME_PREFIX" => "LOWER(COALESCE(s.surname_prefix, ''))",
        "PRODUCT_NAME" => "LOWER(c.product_en)",
        "PRODUCT_CATEGORY" => "LOWER(c.product_category)",
        "MOBILE_NUMBER" => "LOWER(COALESCE(c.mobile_number, ''))",
        "FIXED_NUMBER" => "LOWER(COALESCE(c.fixed_number, ''))",
        "STATE" => "LOWER(c.state)",
        "EXTENSION" => "LOWER(COALESCE(c.extension, ''))",
        "SIM_CARD_NUMBER" => "LOWER(COALESCE(c.sim_card_number, ''))",
        "IMEI" => "LOWER(COALESCE(c.imei, ''))",
        "SIP_ACCOUNT_NAME" => "LOWER(COALESCE(c.sip_account, ''))",
        "CATEGORY" => "c.category",
        _ => return None,
    })
}

const FROM: &str = "kpn_contracts c LEFT JOIN kpn_items s ON s.id = c.owner_id";

pub async fn find_contracts(
    conn: &mut Connection,
    org_number: &OrgNumber,
    query: &ContractQuery,
    page: Page,
) -> Result<(Vec<ContractRow>, i64), StoreError> {
    let mut filter = Filter::default();
    let org = filter.bind(Bind::Text(org_number.as_str().to_owned()));
    filter.push(format!("c.org_number = {org}"));
    if let Some(owner) = query.owner_id {
        let owner = filter.bind(Bind::Int(owner));
        filter.push(format!("c.owner_id = {owner}"));
    }
    if let Some(category) = query.category {
        let category = filter.bind(Bind::Text(category.as_str().to_owned()));
        filter.push(format!("c.category = {category}"));
    }
    match query.threshold {
        Some(ThresholdScope::Assigned(id)) => {
            let id = filter.bind(Bind::Int(id));
            filter.push(format!(
                "c.id IN (SELECT contract_id FROM kpn_threshold_contracts WHERE threshold_id = {id})"
            ));
        }
        Some(ThresholdScope::Assignable(kind)) => {
            let kind = filter.bind(Bind::Text(kind.as_str().to_owned()));
            filter.push(format!(
                "{} AND c.id NOT IN (SELECT contract_id FROM kpn_threshold_contracts \
                 WHERE threshold_type = {kind})",
                super::thresholds::ELIGIBLE
            ));
        }
        None => {}
    }
    if let Some(groups) = &query.within {
        if groups.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let placeholders: Vec<String> = groups
            .iter()
            .map(|id| filter.bind(Bind::Int(*id)))
            .collect();
        let list = placeholders.join(", ");
        filter.push(format!(
            "(c.owner_id IN ({list}) OR s.parent_id IN ({list}))"
        ));
    }
    super::add_filters(&mut filter, &query.filters, contract_column)?;
    super::add_patterns(
        &mut filter,
        &query.patterns,
        &[
            "LOWER(COALESCE(c.mobile_number, ''))",
            "LOWER(c.product_en)",
            "LOWER(COALESCE(c.sim_card_number, ''))",
            "LOWER(COALESCE(s.name, ''))",
        ],
    );
    // The owner join only matters to filters and patterns on names; the plain count skips it.
    let uses_owner = !query.patterns.is_empty()
        || query.within.is_some()
        || query
            .filters
            .columns
            .iter()
            .any(|c| matches!(c.column, "FIRSTNAME" | "LASTNAME" | "SURNAME_PREFIX"));
    let count_from = if uses_owner { FROM } else { "kpn_contracts c" };
    let unfiltered = query.owner_id.is_none()
        && query.within.is_none()
        && query.threshold.is_none()
        && query.category.is_none()
        && query.filters.columns.is_empty()
        && query.patterns.iter().all(|p| p.trim().is_empty());
    let total = if unfiltered {
        // The customer's count kept by triggers (migration 0015) instead of counting its rows.
        crate::db::query("SELECT n FROM kpn_contract_counts WHERE org_number = $1")
            .bind(org_number.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .map(|row| int(&row, "n"))
            .transpose()?
            .unwrap_or(0)
    } else {
        filter.count(conn, count_from).await?
    };
    if page.limit() == 0 || page.from >= total {
        return Ok((Vec::new(), total));
    }
    let direction = query.order.sql();
    let order = match query.sort_by.as_deref().and_then(contract_column) {
        Some(key) => format!("{key} {direction}, c.id {direction}"),
        None => format!("c.id {direction}"),
    };
    // Keys first: the page's ids (through the customer's index when unsorted), then its rows.
    let keys_from = if uses_owner || query.sort_by.is_some() {
        FROM
    } else {
        "kpn_contracts c"
    };
    let ids = super::page_keys(conn, &filter, "c.id", keys_from, &order, page).await?;
    let rows = super::rows_in_order(
        conn,
        "c.*, s.first_name AS owner_first_name, s.surname_prefix AS owner_prefix, \
         s.surname AS owner_surname",
        FROM,
        "c.id",
        &ids,
    )
    .await?;
    let contracts = rows
        .iter()
        .map(|row| {
            Ok(ContractRow {
                contract: contract_from(row)?,
                first_name: opt_text(row, "owner_first_name")?,
                name_prefix: opt_text(row, "owner_prefix")?,
                last_name: opt_text(row, "owner_surname")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok((contracts, total))
}

/// The customer's contracts counted by category (`/contract/overview`).
pub async fn count_by_category(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = crate::db::query(
        "SELECT category, COUNT(*) AS n FROM kpn_contracts WHERE org_number = $1 \
         GROUP BY category ORDER BY category",
    )
    .bind(org_number.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| Ok((text(row, "category")?, int(row, "n")?)))
        .collect()
}
