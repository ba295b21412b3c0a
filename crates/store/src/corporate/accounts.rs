//! Address cards and invoice accounts.

use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use crate::db::Row;
use rustc_hash::FxHashMap;
use sentral_domain::corporate::{
    AccountId, AccountReference, AccountStatus, AccountType, AddressCard, AddressCardId,
    CorporateAccount, InvoiceFormat, Payer, PersonName, PostalAddress,
};
use sentral_domain::{OrgNumber, Timestamp};

use super::{Bind, Filter, Page, Reach};
use crate::json_sql::{JsonPage, JsonSql, ObjectAround, ObjectSql, PerBackend, json_text};
use crate::rows::{at, corrupt, int, opt_int, opt_org, opt_text, org, text};
use crate::{Backend, Connection, StoreError};

fn address_from(row: &Row) -> Result<PostalAddress, StoreError> {
    Ok(PostalAddress {
        street_name: text(row, "street_name")?,
        street_address: text(row, "street_address")?,
        entrance_code: opt_text(row, "entrance_code")?,
        postal_code: text(row, "postal_code")?,
        postal_place: text(row, "postal_place")?,
    })
}

fn invoice_format(row: &Row) -> Result<InvoiceFormat, StoreError> {
    let value = text(row, "invoice_format")?;
    InvoiceFormat::parse(&value).ok_or_else(|| corrupt("invoice format", &value))
}

pub async fn insert_address_card(
    conn: &mut Connection,
    card: &AddressCard,
) -> Result<(), StoreError> {
    let address = &card.address;
    crate::db::query(
        "INSERT INTO address_cards (id, org_number, street_name, street_address, entrance_code, \
         postal_code, postal_place, invoice_format) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(card.id.as_str())
    .bind(card.org_number.as_str())
    .bind(&address.street_name)
    .bind(&address.street_address)
    .bind(address.entrance_code.as_deref())
    .bind(&address.postal_code)
    .bind(&address.postal_place)
    .bind(card.invoice_format.as_str())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("address card {}", card.id.as_str())))?;
    Ok(())
}

fn address_card_from(row: &Row) -> Result<AddressCard, StoreError> {
    let id = text(row, "id")?;
    Ok(AddressCard {
        id: AddressCardId::parse(&id)?,
        org_number: org(row, "org_number")?,
        address: address_from(row)?,
        invoice_format: invoice_format(row)?,
    })
}

pub async fn address_card(
    conn: &mut Connection,
    id: &AddressCardId,
) -> Result<Option<AddressCard>, StoreError> {
    crate::db::query("SELECT * FROM address_cards WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(address_card_from)
        .transpose()
}

pub async fn address_cards_of(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Vec<AddressCard>, StoreError> {
    crate::db::query("SELECT * FROM address_cards WHERE org_number = $1 ORDER BY id")
        .bind(org_number.as_str())
        .fetch_all(conn)
        .await?
        .iter()
        .map(address_card_from)
        .collect()
}

pub async fn insert_account(
    conn: &mut Connection,
    account: &CorporateAccount,
) -> Result<(), StoreError> {
    let (payer_org, person) = match &account.payer {
        Payer::Company(org_number) => (Some(org_number.as_str()), None),
        Payer::Person(person) => (None, Some(person)),
    };
    let address = &account.invoice_address;
    let id_number: i64 = account
        .id
        .as_str()
        .parse()
        .map_err(|_| corrupt("account id", account.id.as_str()))?;
    crate::db::query(
        "INSERT INTO corporate_accounts (id, owner_org, payer_org, payer_first, payer_middle, \
         payer_last, reference1, reference2, reference3, address_card_id, street_name, \
         street_address, entrance_code, postal_code, postal_place, invoice_format, status, \
         account_type, created_at, activates_at, listed_from, id_number) VALUES ($1, $2, $3, $4, \
         $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
    )
    .bind(account.id.as_str())
    .bind(account.owner.as_str())
    .bind(payer_org)
    .bind(person.map(|p| p.first_name.as_str()))
    .bind(person.and_then(|p| p.middle_name.as_deref()))
    .bind(person.map(|p| p.last_name.as_str()))
    .bind(account.reference(1))
    .bind(account.reference(2))
    .bind(account.reference(3))
    .bind(account.address_card.as_ref().map(AddressCardId::as_str))
    .bind(&address.street_name)
    .bind(&address.street_address)
    .bind(address.entrance_code.as_deref())
    .bind(&address.postal_code)
    .bind(&address.postal_place)
    .bind(account.invoice_format.as_str())
    .bind(account.stored_status.as_str())
    .bind(account.account_type.as_str())
    .bind(account.created_at.millis())
    .bind(account.activates_at.map(Timestamp::millis))
    .bind(account.listed_from.millis())
    .bind(id_number)
    .execute(&mut *conn)
    .await
    .map_err(|e| e.conflict_as(format!("account {}", account.id)))?;
    write_document(conn, &account.id).await
}

/// The columns [`account_from`] reads (not the stored JSON).
const ACCOUNT_COLUMNS: &str = "id, owner_org, payer_org, payer_first, payer_middle, payer_last, \
     reference1, reference2, reference3, address_card_id, street_name, street_address, \
     entrance_code, postal_code, postal_place, invoice_format, status, account_type, created_at, \
     activates_at, listed_from";

fn reference(row: &Row, column: &'static str) -> Result<Option<AccountReference>, StoreError> {
    opt_text(row, column)?
        .map(|value| AccountReference::parse(column, &value))
        .transpose()
        .map_err(Into::into)
}

fn account_from(row: &Row) -> Result<CorporateAccount, StoreError> {
    let payer = match opt_org(row, "payer_org")? {
        Some(org_number) => Payer::Company(org_number),
        None => Payer::Person(PersonName {
            first_name: opt_text(row, "payer_first")?.unwrap_or_default(),
            middle_name: opt_text(row, "payer_middle")?,
            last_name: opt_text(row, "payer_last")?.unwrap_or_default(),
        }),
    };
    let status = text(row, "status")?;
    let account_type = text(row, "account_type")?;
    Ok(CorporateAccount {
        id: AccountId::parse(&text(row, "id")?)?,
        references: [
            reference(row, "reference1")?,
            reference(row, "reference2")?,
            reference(row, "reference3")?,
        ],
        owner: org(row, "owner_org")?,
        payer,
        address_card: opt_text(row, "address_card_id")?
            .map(|id| AddressCardId::parse(&id))
            .transpose()?,
        invoice_address: address_from(row)?,
        invoice_format: invoice_format(row)?,
        stored_status: AccountStatus::parse(&status)
            .ok_or_else(|| corrupt("account status", &status))?,
        account_type: AccountType::parse(&account_type)
            .ok_or_else(|| corrupt("account type", &account_type))?,
        created_at: at(row, "created_at")?,
        activates_at: opt_int(row, "activates_at")?.map(Timestamp::from_millis),
        listed_from: Timestamp::from_millis(int(row, "listed_from")?),
    })
}

pub async fn account(
    conn: &mut Connection,
    id: &AccountId,
) -> Result<Option<CorporateAccount>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM corporate_accounts WHERE id = $1");
    // Only column names are interpolated; the id is bound.
    crate::db::query(crate::db::AssertSqlSafe(sql))
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(account_from)
        .transpose()
}

/// The accounts within `reach` listed at `now`, by account number.
pub async fn accounts_page(
    conn: &mut Connection,
    reach: Reach<'_>,
    now: Timestamp,
    offset: i64,
    limit: i64,
) -> Result<Page<CorporateAccount>, StoreError> {
    let mut filter = Filter::default();
    reach.clause(&mut filter, "owner_org", "id");
    let listed = filter.bind(Bind::Int(now.millis()));
    filter.push(format!("listed_from <= {listed}"));
    let total = listed_total(conn, reach, now).await?;
    let items = filter
        .select_page(
            conn,
            ACCOUNT_COLUMNS,
            "corporate_accounts",
            "id_number",
            offset,
            limit,
        )
        .await?
        .iter()
        .map(account_from)
        .collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}

/// Up to this many companies in reach, [`listed_total`] reads each one's counter by itself.
const LOOKUPS_PER_COMPANY_UP_TO: usize = 32;

/// How many accounts within `reach` are listed at `now`: exactly the `COUNT(*)` of the page's
/// filter, without reading every account of the companies. One statement (one snapshot on
/// PostgreSQL): the accounts of the companies from the counter of migration 0038, minus those of
/// them listed in the future (few: a new account until its activation; counted from the index
/// by listing time, which holds the owner too), plus the single accounts in reach that belong to
/// none of the companies (primary-key lookups).
pub async fn listed_total(
    conn: &mut Connection,
    reach: Reach<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    if reach.companies.is_empty() {
        // Single accounts only (or nothing in reach): a handful of primary-key lookups.
        let mut filter = Filter::default();
        reach.clause(&mut filter, "owner_org", "id");
        let listed = filter.bind(Bind::Int(now.millis()));
        filter.push(format!("listed_from <= {listed}"));
        return filter.count(conn, "corporate_accounts").await;
    }
    // A company named twice is counted once, as `IN` counts it.
    let owners = sorted_unique(reach.companies);
    // Bound in this order: $1 the time, then the owners, then the single accounts.
    let mut binds = Filter::default();
    binds.bind(Bind::Int(now.millis()));
    for value in owners.iter().copied().chain(reach.accounts) {
        binds.bind(Bind::Text(value.clone()));
    }
    let shape = Shape {
        query: ShapeOf::Total,
        backend: conn.backend(),
        companies: owners.len(),
        accounts: reach.accounts.len(),
    };
    let sql = shaped(shape, || {
        total_sql(shape.backend, owners.len(), reach.accounts.len())
    });
    // Only placeholders and constants are interpolated; every value is bound.
    let row = binds
        .apply(crate::db::query(crate::db::AssertSqlSafe(sql.to_string())))
        .fetch_one(conn)
        .await?;
    int(&row, "n")
}

/// [`listed_total`]'s statement for `owners` companies (`$2…`) and `singles` single accounts
/// (after them), `$1` the time.
fn total_sql(backend: Backend, owners: usize, singles: usize) -> String {
    let at = "$1";
    let owners: Vec<String> = (0..owners).map(|n| format!("${}", n + 2)).collect();
    let singles: Vec<String> = (0..singles)
        .map(|n| format!("${}", n + 2 + owners.len()))
        .collect();
    // SQLite evaluates `x IN (…)` of more than two values through a temporary b-tree built for
    // each execution (~19 000 instructions, more than counting a few dozen rows). For a reach of
    // a few companies the counters are read one primary-key lookup each and the future accounts
    // are tested with `=` terms instead; a long list keeps the `IN`s (and the expression depth
    // of a sum per company within SQLite's limit).
    let (kept, future_owner) = if owners.len() <= LOOKUPS_PER_COMPANY_UP_TO {
        let kept = owners
            .iter()
            .map(|owner| {
                format!(
                    "COALESCE((SELECT c.n FROM account_counts c WHERE c.owner_org = {owner}), 0)"
                )
            })
            .collect::<Vec<_>>()
            .join(" + ");
        let future_owner = owners
            .iter()
            .map(|owner| format!("f.owner_org = {owner}"))
            .collect::<Vec<_>>()
            .join(" OR ");
        (kept, future_owner)
    } else {
        let list = owners.join(", ");
        (
            format!(
                "COALESCE((SELECT SUM(c.n) FROM account_counts c WHERE c.owner_org IN ({list})), 0)"
            ),
            format!("f.owner_org IN ({list})"),
        )
    };
    let singles = if singles.is_empty() {
        String::new()
    } else {
        format!(
            " + (SELECT COUNT(*) FROM corporate_accounts s WHERE s.id IN ({}) \
             AND s.listed_from <= {at} AND s.owner_org NOT IN ({}))",
            singles.join(", "),
            owners.join(", ")
        )
    };
    // SQLite's planner, without statistics, would rather walk the owners' accounts by the page
    // index (an equality beats a range) than the few future ones.
    let by_listing = match backend {
        Backend::Sqlite => " INDEXED BY corporate_accounts_listed_owner",
        Backend::Postgres => "",
    };
    format!(
        "SELECT CAST({kept} - (SELECT COUNT(*) FROM corporate_accounts f{by_listing} \
         WHERE f.listed_from > {at} AND ({future_owner})){singles} AS BIGINT) AS n"
    )
}

/// The values of `list` once each, in order.
fn sorted_unique(list: &[String]) -> Vec<&String> {
    let mut unique: Vec<&String> = list.iter().collect();
    unique.sort_unstable();
    unique.dedup();
    unique
}

/// What a statement of this module depends on besides its bound values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Shape {
    query: ShapeOf,
    backend: Backend,
    /// How many companies (once each) and single accounts the reach names.
    companies: usize,
    accounts: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ShapeOf {
    Total,
    Page,
}

/// The statements of the shapes seen so far, at most a few thousand (they are kept only for
/// reaches of up to `LOOKUPS_PER_COMPANY_UP_TO` names): built per request, the page's and the
/// total's text cost ~11 000 instructions a page.
fn shaped(shape: Shape, build: impl FnOnce() -> String) -> Arc<str> {
    static SHAPES: LazyLock<Mutex<FxHashMap<Shape, Arc<str>>>> = LazyLock::new(Default::default);
    if shape.companies > LOOKUPS_PER_COMPANY_UP_TO || shape.accounts > LOOKUPS_PER_COMPANY_UP_TO {
        return build().into();
    }
    let mut shapes = SHAPES.lock().unwrap_or_else(PoisonError::into_inner);
    shapes
        .entry(shape)
        .or_insert_with(|| build().into())
        .clone()
}

/// A page of accounts as the API's account objects (`AccountBody` of the Telenor dialect),
/// written by the store, and the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsJson {
    pub content: JsonPage,
    pub total: i64,
}

/// The names of an account row's (`a`) owner and company payer.
const OWNER_NAME: &str = "(SELECT o.name FROM organizations o WHERE o.org_number = a.owner_org)";
const PAYER_NAME: &str = "(SELECT p.name FROM organizations p WHERE p.org_number = a.payer_org)";

/// [`account_object`] of each backend.
static ACCOUNT_OBJECT: PerBackend<ObjectAround> = PerBackend::new();

/// An account row (`a`) as the API's account object, in SQL, around its status: everything else
/// is fixed once the row is written (rows are never updated, organisations never renamed).
fn account_object(json: JsonSql) -> ObjectAround {
    let named = |number: &str, name: &str| {
        ObjectSql::new(json)
            .text("orgNumber", number)
            .field("name", json.string(&format!("COALESCE({name}, '')")))
            .build()
    };
    let person = ObjectSql::new(json)
        .field("firstName", json.string("COALESCE(a.payer_first, '')"))
        .field("lastName", json.string("COALESCE(a.payer_last, '')"))
        .text_unless_null("middleName", "a.payer_middle")
        .build();
    let address = ObjectSql::new(json)
        .text("streetName", "a.street_name")
        .text("streetAddress", "a.street_address")
        .text_unless_null("entranceCode", "a.entrance_code")
        .text("postalCode", "a.postal_code")
        .text("postalPlace", "a.postal_place")
        .build();
    let invoice = ObjectSql::new(json)
        .field("address", address)
        .text("format", "a.invoice_format")
        .build();
    ObjectSql::new(json)
        .text("id", "a.id")
        .text_unless_null("accountReference1", "a.reference1")
        .text_unless_null("accountReference2", "a.reference2")
        .text_unless_null("accountReference3", "a.reference3")
        .field("owner", named("a.owner_org", OWNER_NAME))
        .field_when("personalPayer", "a.payer_org IS NULL", person)
        .field_when(
            "companyPayer",
            "a.payer_org IS NOT NULL",
            named("a.payer_org", PAYER_NAME),
        )
        .field("invoice", invoice)
        .text_unless_null("addressCardId", "a.address_card_id")
        .open_field("status")
        .text("type", "a.account_type")
        .build_around()
}

/// [`shown_status`] at `now` (a placeholder) in SQL, as JSON.
fn shown_status_sql(json: JsonSql, now: &str) -> String {
    json.string(&format!(
        "CASE WHEN a.status = 'PASSIVE' AND a.activates_at IS NOT NULL \
         AND a.activates_at <= {now} THEN 'OPEN' ELSE a.status END"
    ))
}

/// `UPDATE` that stores the object around the status (`json_head`, `json_tail`) of the rows
/// matching `condition` (over `a`).
fn write_documents_sql(json: JsonSql, condition: &str) -> String {
    let object = account_object(json);
    format!(
        "UPDATE corporate_accounts AS a SET json_head = {}, json_tail = {} WHERE {condition}",
        object.head, object.tail
    )
}

/// Stores the account's object around its status, in the caller's transaction.
async fn write_document(conn: &mut Connection, id: &AccountId) -> Result<(), StoreError> {
    let sql = write_documents_sql(JsonSql::of(conn), "a.id = $1");
    // Only column names and constants are interpolated; the id is bound.
    crate::db::query(crate::db::AssertSqlSafe(sql))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores the objects of the accounts that have none (rows from before migration 10, or written
/// by an older node); run at start. Returns how many there were.
pub async fn write_missing_documents(conn: &mut Connection) -> Result<u64, StoreError> {
    let sql = write_documents_sql(
        JsonSql::of(conn),
        "a.json_head IS NULL OR a.json_tail IS NULL",
    );
    // Only column names and constants are interpolated.
    let done = crate::db::query(crate::db::AssertSqlSafe(sql))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// [`accounts_page`] with the page's JSON written by the store: one object a row, in page order.
pub async fn accounts_page_json(
    conn: &mut Connection,
    reach: Reach<'_>,
    now: Timestamp,
    offset: i64,
    limit: i64,
) -> Result<AccountsJson, StoreError> {
    let total = listed_total(conn, reach, now).await?;
    let rows = usize::try_from(limit.min(total - offset)).unwrap_or(0);
    let (page, shape) = page_binds(reach, now, (limit, offset), conn.backend());
    // The page's keys first (small keys, merged in order from each company's index range), then
    // the stored objects of those rows only, read in the keys' order: sorting the objects would
    // read one for every account in reach. Each object is the stored one with the status of
    // `now` written into it here.
    let sql = shaped(shape, || {
        format!(
            "SELECT a.json_head, a.json_tail, a.status, a.activates_at {}",
            keyed(shape)
        )
    });
    // An account's object is ~600 bytes.
    let mut json = Vec::with_capacity(2 + rows * 640);
    json.push(b'[');
    let mut stored = true;
    // Only column names, constants and placeholders are interpolated; every value is bound.
    page.apply(crate::db::query(crate::db::AssertSqlSafe(sql.to_string())))
        .for_each_row(conn, &mut |row| {
            let (Some(head), Some(tail)) = (row.opt_text(0)?, row.opt_text(1)?) else {
                stored = false;
                return Ok(());
            };
            if json.len() > 1 {
                json.push(b',');
            }
            json.extend_from_slice(head.as_bytes());
            sentral_json::write_str(&mut json, shown_status(row.text(2)?, row.opt_int(3)?, now));
            json.extend_from_slice(tail.as_bytes());
            Ok(())
        })
        .await?;
    if !stored {
        // A row without its stored object (from before migration 10, or written by an older
        // node since the start): the page is built whole in SQL.
        let json_sql = JsonSql::of(conn);
        let status = shown_status_sql(json_sql, "$1");
        let sql = format!(
            "SELECT COALESCE(a.json_head || {status} || a.json_tail, {whole}) AS doc {}",
            keyed(shape),
            whole = ACCOUNT_OBJECT
                .get(json_sql, account_object)
                .with_value(&status),
        );
        // Only column names, constants and placeholders are interpolated; every value is bound.
        let rows = page
            .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
            .fetch_all(conn)
            .await?;
        return Ok(AccountsJson {
            content: JsonPage::of_rows(&rows, "doc")?,
            total,
        });
    }
    json.push(b']');
    Ok(AccountsJson {
        content: JsonPage::new(json_text(json)?),
        total,
    })
}

/// The status an account shows at `now`: `CorporateAccount::status_at`, a passive account is
/// open once its activation time is due.
fn shown_status(stored: &str, activates_at: Option<i64>, now: Timestamp) -> &str {
    match activates_at {
        Some(activates_at) if stored == "PASSIVE" && activates_at <= now.millis() => "OPEN",
        _ => stored,
    }
}

/// The values of a page of accounts in `reach` listed at `now`, bound in order: `$1` the time,
/// the companies, the single accounts, the limit and the offset; and the shape of its statement.
fn page_binds(
    reach: Reach<'_>,
    now: Timestamp,
    (limit, offset): (i64, i64),
    backend: Backend,
) -> (Filter, Shape) {
    let (companies, accounts) = (
        sorted_unique(reach.companies),
        sorted_unique(reach.accounts),
    );
    // A long reach is matched with `IN` lists of its names as given.
    let (companies, accounts) = if companies.len() + accounts.len() > LOOKUPS_PER_COMPANY_UP_TO {
        (
            reach.companies.iter().collect(),
            reach.accounts.iter().collect(),
        )
    } else {
        (companies, accounts)
    };
    let mut binds = Filter::default();
    binds.bind(Bind::Int(now.millis()));
    for name in companies.iter().chain(&accounts) {
        binds.bind(Bind::Text((*name).clone()));
    }
    binds.bind(Bind::Int(limit));
    binds.bind(Bind::Int(offset));
    let shape = Shape {
        query: ShapeOf::Page,
        backend,
        companies: companies.len(),
        accounts: accounts.len(),
    };
    (binds, shape)
}

/// `FROM` the page's keys `k` joined to their accounts `a`, in page order, for the values of
/// [`page_binds`] of this shape.
///
/// For a reach of a few companies and accounts, one `UNION ALL` arm each: a company's arm is a
/// range of the index by owner and number, a single account's a primary-key lookup (left out
/// when a company in reach owns it), and `ORDER BY ord` over them merges the arms without a
/// sort. A list in `IN` (the long reach's form) builds a temporary b-tree on every execution
/// on SQLite, and the page's `ORDER BY` over it another one.
fn keyed(shape: Shape) -> String {
    const KEYS: &str = "SELECT a.id AS id, a.id_number AS ord FROM corporate_accounts a";
    let at = "$1";
    let placeholders = |from: usize, count: usize| -> Vec<String> {
        (from..from + count).map(|n| format!("${n}")).collect()
    };
    let owners = placeholders(2, shape.companies);
    let accounts = placeholders(2 + shape.companies, shape.accounts);
    let after = 2 + shape.companies + shape.accounts;
    let (limit, offset) = (format!("${after}"), format!("${}", after + 1));
    let keys = if owners.is_empty() && accounts.is_empty() {
        format!("{KEYS} WHERE 1 = 0")
    } else if owners.len() + accounts.len() > LOOKUPS_PER_COMPANY_UP_TO {
        let within = match (owners.is_empty(), accounts.is_empty()) {
            (false, true) => format!("a.owner_org IN ({})", owners.join(", ")),
            (true, false) => format!("a.id IN ({})", accounts.join(", ")),
            _ => format!(
                "(a.owner_org IN ({}) OR a.id IN ({}))",
                owners.join(", "),
                accounts.join(", ")
            ),
        };
        format!("{KEYS} WHERE {within} AND a.listed_from <= {at}")
    } else {
        let mut arms: Vec<String> = owners
            .iter()
            .map(|owner| format!("{KEYS} WHERE a.owner_org = {owner} AND a.listed_from <= {at}"))
            .collect();
        for id in &accounts {
            let outside = owners
                .iter()
                .map(|owner| format!(" AND a.owner_org <> {owner}"))
                .collect::<String>();
            arms.push(format!(
                "{KEYS} WHERE a.id = {id} AND a.listed_from <= {at}{outside}"
            ));
        }
        arms.join(" UNION ALL ")
    };
    format!(
        "FROM ({keys} ORDER BY ord LIMIT {limit} OFFSET {offset}) k \
         JOIN corporate_accounts a ON a.id = k.id ORDER BY k.ord"
    )
}
