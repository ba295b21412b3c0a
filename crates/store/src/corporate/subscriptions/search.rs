//! Searching subscriptions: one filter, its total (counted, or summed from the counters of
//! migration 0011) and its page's numbers first, read as summaries or as the API's JSON.

use crate::db::Query;
use sentral_domain::Timestamp;
use sentral_domain::corporate::{SubscriptionStatus, SubscriptionSummary};

use super::json::write_summary;
use super::{SUMMARY_COLUMNS, summary_from};
use crate::corporate::{Bind, Filter, Page, Reach};
use crate::json_sql::{JsonSql, PageJson, page_of_rows};
use crate::rows::escape_like;
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

/// The order of a page of subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// By number.
    Number,
    /// By change time, then number (a `since` search).
    Change,
}

impl Order {
    /// `ORDER BY` terms over the subscription's own columns.
    fn of_rows(self, direction: &str) -> String {
        match self {
            Order::Number => format!("msisdn {direction}"),
            Order::Change => format!("updated_at {direction}, msisdn {direction}"),
        }
    }

    /// What the page's keys carry: the number and the order's other columns.
    fn key_columns(self) -> &'static str {
        match self {
            Order::Number => "msisdn AS key_msisdn",
            Order::Change => "msisdn AS key_msisdn, updated_at AS key_updated",
        }
    }

    /// `ORDER BY` terms over the keys (`k`): in the keys' own order SQLite reads the joined
    /// rows in that order and sorts nothing.
    fn of_keys(self, direction: &str) -> String {
        match self {
            Order::Number => format!("k.key_msisdn {direction}"),
            Order::Change => format!("k.key_updated {direction}, k.key_msisdn {direction}"),
        }
    }
}

/// How a search reads its page: the numbers of the page first, sorted and cut (`OFFSET` steps
/// over index entries, not rows), then the rows of those numbers only, joined to the numbers
/// (an `IN` of them would build a temporary b-tree on every execution on SQLite).
struct PageQuery {
    binds: Filter,
    /// A `WITH` clause the keys read, or nothing.
    with: String,
    /// `SELECT msisdn AS key_msisdn … ORDER BY … LIMIT … OFFSET …`.
    keys: String,
    order: Order,
    /// The page's direction (the keys may be cut in the other direction).
    direction: &'static str,
}

impl PageQuery {
    /// The page of the subscriptions `filter` matches in `keys_from` (the subscriptions, or their
    /// add-ons, which have the owner columns under the same names).
    fn of(
        filter: &Filter,
        keys_from: &str,
        (order, direction): (Order, &'static str),
        offset: i64,
        limit: i64,
    ) -> Self {
        let mut binds = filter.clone();
        let limit = binds.bind(Bind::Int(limit));
        let offset = binds.bind(Bind::Int(offset));
        let keys = format!(
            "SELECT {} FROM {keys_from}{} ORDER BY {} LIMIT {limit} OFFSET {offset}",
            order.key_columns(),
            filter.where_sql(),
            order.of_rows(direction),
        );
        Self {
            binds,
            with: String::new(),
            keys,
            order,
            direction,
        }
    }

    /// The page of few matches: found first through whatever index serves `filter`, then sorted
    /// (instead of walking the company's subscriptions in page order).
    fn of_few(
        filter: &Filter,
        (order, direction): (Order, &'static str),
        offset: i64,
        limit: i64,
    ) -> Self {
        let mut binds = filter.clone();
        let limit = binds.bind(Bind::Int(limit));
        let offset = binds.bind(Bind::Int(offset));
        Self {
            with: format!(
                "WITH found AS MATERIALIZED (SELECT msisdn FROM mobile_subscriptions{}) ",
                filter.where_sql()
            ),
            keys: format!(
                "SELECT {} FROM mobile_subscriptions WHERE msisdn IN (SELECT msisdn FROM found) \
                 ORDER BY {} LIMIT {limit} OFFSET {offset}",
                order.key_columns(),
                order.of_rows(direction),
            ),
            binds,
            order,
            direction,
        }
    }

    /// `SELECT columns` over the page's subscriptions (unqualified columns are theirs), in the
    /// page's order.
    fn select(&self, columns: &str) -> Query {
        let sql = format!(
            "{}SELECT {columns} FROM ({}) k JOIN mobile_subscriptions ON msisdn = k.key_msisdn \
             ORDER BY {}",
            self.with,
            self.keys,
            self.order.of_keys(self.direction),
        );
        // Only clauses built by the filter, column names, constants and placeholders are
        // interpolated; every value is bound.
        self.binds
            .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
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
    // An organisation searched for narrows the reach to what of it lies inside that company,
    // the same rows without a list of companies (which SQLite builds a temporary b-tree for).
    let reach = match &search.org_number {
        Some(org_number) => reach.within_company(org_number),
        None => reach,
    };
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
    let direction: &'static str = if search.ascending { "ASC" } else { "DESC" };
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
        let after_page = total - offset - limit;
        if after_page < offset && offset < total {
            // Past the middle the exact total lets the keys walk in from the other end, which
            // skips fewer index entries; the page is then put back in order.
            let reverse = if search.ascending { "DESC" } else { "ASC" };
            let mut page = PageQuery::of(
                &filter,
                keys_from,
                (Order::Number, reverse),
                after_page.max(0),
                limit.min(total - offset),
            );
            page.direction = direction;
            return Ok((total, page));
        }
        return Ok((
            total,
            PageQuery::of(
                &filter,
                keys_from,
                (Order::Number, direction),
                offset,
                limit,
            ),
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
    let order = if search.since.is_some() {
        Order::Change
    } else {
        Order::Number
    };
    let total = filter.count(conn, "mobile_subscriptions").await?;
    let page = if search.user_reference.is_some() && total < SORT_MATCHES_BELOW {
        PageQuery::of_few(&filter, (order, direction), offset, limit)
    } else {
        PageQuery::of(
            &filter,
            "mobile_subscriptions",
            (order, direction),
            offset,
            limit,
        )
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
    let rows = page.select(SUMMARY_COLUMNS).fetch_all(conn).await?;
    let items = rows.iter().map(summary_from).collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}

/// [`search`], its page written as the API's JSON straight from the database's rows: the same
/// objects, byte for byte, as the API's serde struct `SubscriptionSummaryBody` writes for
/// [`search`]'s summaries.
pub async fn search_json(
    conn: &mut Connection,
    reach: Reach<'_>,
    search: &SubscriptionSearch,
    offset: i64,
    limit: i64,
) -> Result<PageJson, StoreError> {
    let (total, page) = plan(conn, reach, search, offset, limit).await?;
    let mut missing = false;
    // A summary's object is ~280 bytes.
    let stored = page_of_rows(
        conn,
        page.select("summary_doc"),
        (total, offset, limit),
        300,
        &mut |out, row| {
            match row.opt_text(0)? {
                Some(summary) => out.extend_from_slice(summary.as_bytes()),
                None => missing = true,
            }
            Ok(())
        },
    )
    .await?;
    if !missing {
        return Ok(stored);
    }
    // A row without its stored summary: the page is written from the columns.
    page_of_rows(
        conn,
        page.select(SUMMARY_COLUMNS),
        (total, offset, limit),
        300,
        &mut write_summary,
    )
    .await
}
