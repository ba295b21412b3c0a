//! Searching subscriptions: one filter, its total (counted, or summed from the counters of
//! migration 0011) and its page's numbers first, read as summaries or as the API's JSON.

use crate::db::Row;
use sentral_domain::Timestamp;
use sentral_domain::corporate::catalogue::CATALOGUE;
use sentral_domain::corporate::{SubscriptionStatus, SubscriptionSummary};

use super::{SUMMARY_COLUMNS, summary_from};
use crate::corporate::{Bind, Filter, Page, Reach};
use crate::json_sql::{JsonPage, JsonSql, ObjectSql, PerBackend};
use crate::rows::{escape_like, text};
use crate::trigram;
use crate::{Connection, StoreError};

/// Search criteria; every one given must match.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionSearch {
    pub account_id: Option<String>,
    pub org_number: Option<String>,
    /// Matches numbers that contain these digits.
    pub msisdn: Option<String>,
    /// Matches any of the three user references containing this text (case-insensitive).
    pub user_reference: Option<String>,
    pub product_id: Option<i64>,
    /// Changed strictly after this time; the page is then ordered by change time.
    pub since: Option<Timestamp>,
    pub status: Option<SubscriptionStatus>,
    pub ascending: bool,
}

/// What a user-reference search matches (contains, case-insensitive): the three references,
/// lowered, one per line. The expression of the index `mobile_subscriptions_references`
/// (migration 0008), so the search reads that index instead of every subscription row; a
/// non-empty text without a line break matches it exactly when it matches one reference.
const REFERENCES_TEXT: &str = "(LOWER(COALESCE(reference1, '')) || '\n' \
     || LOWER(COALESCE(reference2, '')) || '\n' || LOWER(COALESCE(reference3, '')))";

/// Up to this many matches, a reference search sorts its matches (found through the index)
/// instead of walking the company's subscriptions in page order until the page is full.
const SORT_MATCHES_BELOW: i64 = 1_000;

/// How a search reads its page: the numbers of the page first, sorted and cut (`OFFSET` steps
/// over index entries, not rows), then the rows of those numbers only.
struct PageQuery {
    binds: Filter,
    /// A `WITH` clause the keys read, or nothing.
    with: String,
    /// `SELECT msisdn … ORDER BY … LIMIT … OFFSET …`.
    keys: String,
    /// The page's order (the keys may be cut in the other direction).
    order_by: String,
}

impl PageQuery {
    /// The page of the subscriptions `filter` matches in `keys_from` (the subscriptions, or their
    /// add-ons, which have the owner columns under the same names).
    fn of(filter: &Filter, keys_from: &str, order_by: String, offset: i64, limit: i64) -> Self {
        let mut binds = filter.clone();
        let limit = binds.bind(Bind::Int(limit));
        let offset = binds.bind(Bind::Int(offset));
        let keys = format!(
            "SELECT msisdn FROM {keys_from}{} ORDER BY {order_by} LIMIT {limit} OFFSET {offset}",
            filter.where_sql()
        );
        Self {
            binds,
            with: String::new(),
            keys,
            order_by,
        }
    }

    /// The page of few matches: found first through whatever index serves `filter`, then sorted
    /// (instead of walking the company's subscriptions in page order).
    fn of_few(filter: &Filter, order_by: String, offset: i64, limit: i64) -> Self {
        let mut binds = filter.clone();
        let limit = binds.bind(Bind::Int(limit));
        let offset = binds.bind(Bind::Int(offset));
        Self {
            with: format!(
                "WITH found AS MATERIALIZED (SELECT msisdn FROM mobile_subscriptions{}) ",
                filter.where_sql()
            ),
            keys: format!(
                "SELECT msisdn FROM mobile_subscriptions WHERE msisdn IN (SELECT msisdn FROM found) \
                 ORDER BY {order_by} LIMIT {limit} OFFSET {offset}"
            ),
            binds,
            order_by,
        }
    }

    /// Runs `SELECT columns FROM mobile_subscriptions` over the page's numbers, then `rest`.
    async fn select(
        &self,
        conn: &mut Connection,
        columns: &str,
        rest: &str,
    ) -> Result<Vec<Row>, StoreError> {
        let sql = format!(
            "{}SELECT {columns} FROM mobile_subscriptions WHERE msisdn IN ({}){rest}",
            self.with, self.keys
        );
        // Only clauses built by the filter, column names, constants and placeholders are
        // interpolated; every value is bound.
        self.binds
            .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
            .fetch_all(conn)
            .await
    }
}

/// How many subscriptions `filter` (reach, organisation, account and product only) matches:
/// the sum of the counters of migration 0011, which have the owner columns under the same names.
async fn counted(
    conn: &mut Connection,
    filter: &Filter,
    counts_from: &str,
) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM {counts_from}{}",
        filter.where_sql()
    );
    // Only clauses built by the filter and a table name are interpolated.
    filter
        .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
        .fetch_one(conn)
        .await?
        .try_get::<i64, _>("n")
}

/// How many subscriptions in `reach` match `search`, and how to read one page of them.
async fn plan(
    conn: &mut Connection,
    reach: Reach<'_>,
    search: &SubscriptionSearch,
    offset: i64,
    limit: i64,
) -> Result<(i64, PageQuery), StoreError> {
    // On SQLite a reference with a trigram and few candidates in the FTS5 index
    // `mobile_subscriptions_trigram` (migration 0009) starts from them; `+` keeps SQLite from
    // walking the company's index entries instead. PostgreSQL's trigram index serves the `LIKE`
    // as it is.
    let mut trigram = None;
    if let Some(phrase) = search
        .user_reference
        .as_ref()
        .filter(|_| JsonSql::of(conn) == JsonSql::Sqlite)
        .and_then(|reference| trigram::phrase(&reference.to_lowercase()))
        && trigram::few_candidates(conn, "mobile_subscriptions_trigram", &phrase).await?
    {
        trigram = Some(phrase);
    }
    let unindexed = if trigram.is_some() { "+" } else { "" };
    let mut filter = Filter::default();
    reach.clause(
        &mut filter,
        &format!("{unindexed}org_number"),
        &format!("{unindexed}account_id"),
    );
    if let Some(account_id) = &search.account_id {
        let p = filter.bind(Bind::Text(account_id.clone()));
        filter.push(format!("{unindexed}account_id = {p}"));
    }
    if let Some(org_number) = &search.org_number {
        let p = filter.bind(Bind::Text(org_number.clone()));
        filter.push(format!("{unindexed}org_number = {p}"));
    }
    let direction = if search.ascending { "ASC" } else { "DESC" };
    if search.msisdn.is_none()
        && search.user_reference.is_none()
        && search.since.is_none()
        && search.status.is_none()
    {
        // By owner (and product) only: the total from the counters, the numbers from the
        // owner indexes or from the add-ons' product index, walked in number order.
        let (keys_from, counts_from) = match search.product_id {
            Some(product_id) => {
                let p = filter.bind(Bind::Int(product_id));
                filter.push(format!("product_id = {p}"));
                ("subscription_products", "subscription_product_counts")
            }
            None => ("mobile_subscriptions", "subscription_counts"),
        };
        let total = counted(conn, &filter, counts_from).await?;
        let order_by = format!("msisdn {direction}");
        let after_page = total - offset - limit;
        if after_page < offset && offset < total {
            // Past the middle the exact total lets the keys walk in from the other end, which
            // skips fewer index entries; the page is then put back in order.
            let reverse = if search.ascending { "DESC" } else { "ASC" };
            let mut page = PageQuery::of(
                &filter,
                keys_from,
                format!("msisdn {reverse}"),
                after_page.max(0),
                limit.min(total - offset),
            );
            page.order_by = order_by;
            return Ok((total, page));
        }
        return Ok((
            total,
            PageQuery::of(&filter, keys_from, order_by, offset, limit),
        ));
    }
    if let Some(msisdn) = &search.msisdn {
        let p = filter.bind(Bind::Text(format!("%{msisdn}%")));
        filter.push(format!("msisdn LIKE {p}"));
    }
    if let Some(reference) = &search.user_reference {
        let lowered = reference.to_lowercase();
        let p = filter.bind(Bind::Text(format!("%{}%", escape_like(&lowered))));
        if let Some(phrase) = trigram {
            let phrase = filter.bind(Bind::Text(phrase));
            filter.push(format!(
                "rowid IN (SELECT rowid FROM mobile_subscriptions_trigram \
                 WHERE mobile_subscriptions_trigram MATCH {phrase}) \
                 AND {REFERENCES_TEXT} LIKE {p} ESCAPE '\\'"
            ));
        } else if lowered.is_empty() || lowered.contains('\n') {
            // These could match an empty part or across two parts of the indexed text.
            filter.push(format!(
                "(LOWER(reference1) LIKE {p} ESCAPE '\\' OR LOWER(reference2) LIKE {p} ESCAPE '\\' \
                 OR LOWER(reference3) LIKE {p} ESCAPE '\\')"
            ));
        } else {
            filter.push(format!("{REFERENCES_TEXT} LIKE {p} ESCAPE '\\'"));
        }
    }
    if let Some(product_id) = search.product_id {
        let p = filter.bind(Bind::Int(product_id));
        filter.push(format!(
            "msisdn IN (SELECT msisdn FROM subscription_products WHERE product_id = {p})"
        ));
    }
    if let Some(since) = search.since {
        let p = filter.bind(Bind::Int(since.millis()));
        filter.push(format!("updated_at > {p}"));
    }
    if let Some(status) = search.status {
        let p = filter.bind(Bind::Text(status.as_str().to_owned()));
        filter.push(format!("status = {p}"));
    }
    let order_by = if search.since.is_some() {
        format!("updated_at {direction}, msisdn {direction}")
    } else {
        format!("msisdn {direction}")
    };
    let total = filter.count(conn, "mobile_subscriptions").await?;
    let page = if search.user_reference.is_some() && total < SORT_MATCHES_BELOW {
        PageQuery::of_few(&filter, order_by, offset, limit)
    } else {
        PageQuery::of(&filter, "mobile_subscriptions", order_by, offset, limit)
    };
    Ok((total, page))
}

/// One page of the summaries of the subscriptions in `reach` that match `search`, and how many
/// match in all.
pub async fn search(
    conn: &mut Connection,
    reach: Reach<'_>,
    search: &SubscriptionSearch,
    offset: i64,
    limit: i64,
) -> Result<Page<SubscriptionSummary>, StoreError> {
    let (total, page) = plan(conn, reach, search, offset, limit).await?;
    if offset >= total {
        return Ok(Page {
            items: Vec::new(),
            total,
        });
    }
    let order = format!(" ORDER BY {}", page.order_by);
    let rows = page.select(conn, SUMMARY_COLUMNS, &order).await?;
    let items = rows.iter().map(summary_from).collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}

/// One page of search results as the API writes them, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummariesJson {
    /// The array of the page's `SubscriptionSummaryBody` objects.
    pub content: JsonPage,
    pub total: i64,
}

/// [`search`], its page written by the database as the API's JSON: the same objects, byte for
/// byte, as the API's serde struct `SubscriptionSummaryBody` writes for [`search`]'s summaries.
pub async fn search_json(
    conn: &mut Connection,
    reach: Reach<'_>,
    search: &SubscriptionSearch,
    offset: i64,
    limit: i64,
) -> Result<SummariesJson, StoreError> {
    let (total, page) = plan(conn, reach, search, offset, limit).await?;
    if offset >= total {
        return Ok(SummariesJson {
            content: JsonPage::new("[]".to_owned()),
            total,
        });
    }
    let json = JsonSql::of(conn);
    let object = SUMMARY_OBJECT.get(json, summary_object);
    // The aggregate orders the page as the rows would be.
    let columns = format!("{} AS page", json.array(object, &page.order_by, None));
    let rows = page.select(conn, &columns, "").await?;
    let row = rows
        .first()
        .ok_or_else(|| StoreError::Corrupt("no page from an aggregate".into()))?;
    Ok(SummariesJson {
        content: JsonPage::new(text(row, "page")?),
        total,
    })
}

/// [`summary_object`] of each backend.
static SUMMARY_OBJECT: PerBackend<String> = PerBackend::new();

/// A subscription row as the API's `SubscriptionSummaryBody`, in SQL.
fn summary_object(json: JsonSql) -> String {
    ObjectSql::new(json)
        .text("msisdn", "msisdn")
        .text("accountId", "account_id")
        .text("organizationNumber", "org_number")
        .text("status", "status")
        .field("subscriptionType", plan_name())
        .text_or_null("userReference1", "reference1")
        .text_or_null("userReference2", "reference2")
        .text_or_null("userReference3", "reference3")
        .time("updatedAt", "updated_at")
        .build()
}

/// The JSON string of the name of the plan `plan_id` from the static catalogue (`ProductOffer`),
/// or `""` for an unknown plan, as the API writes `subscriptionType`.
fn plan_name() -> String {
    let mut cases = String::from("CASE plan_id");
    for offer in CATALOGUE {
        let name = serde_json::to_string(offer.name).expect("a string serializes");
        cases.push_str(&format!(
            " WHEN {} THEN '{}'",
            offer.id,
            name.replace('\'', "''")
        ));
    }
    cases.push_str(" ELSE '\"\"' END");
    cases
}
