//! Members' directory entries: the people of an enterprise.

use std::sync::LazyLock;

use crate::db::{Columns, Query, Row};
use sentral_domain::directory::{ContactNumber, Member};
use sentral_domain::{Msisdn, OrgNumber, Timestamp};

use crate::corporate::{Bind, Filter, Page};
use crate::json_sql::{JsonSql, PageJson, json_text, page_of_rows, write_field, write_nullable};
use crate::rows::{at, escape_like, org, take_id, take_opt_text, take_text};
use crate::trigram;
use crate::{Connection, StoreError};

/// The columns [`member_from`] reads, in the order it reads them (a column is found by one
/// comparison), over `members m` joined to its short number `s`: not the password hash, which a
/// directory entry never shows (a copy of it per row, before). [`write_member`] reads them by
/// position.
macro_rules! member_columns {
    () => {
        "m.other_numbers AS other_numbers, m.id AS id, m.org_number AS org_number, \
         m.enterprise_id AS enterprise_id, m.group_id AS group_id, m.first_name AS first_name, \
         m.last_name AS last_name, m.mobile AS mobile, m.email AS email, m.title AS title, \
         m.department AS department, m.company AS company, m.street_address AS street_address, \
         m.postal_code AS postal_code, m.postal_place AS postal_place, \
         m.external_id AS external_id, s.short_number AS short_number, m.updated_at AS updated_at"
    };
}
const MEMBER_COLUMNS: &str = member_columns!();

/// Members with their short number (the plan entry that points at them).
const SELECT: &str = concat!(
    "SELECT ",
    member_columns!(),
    " FROM members m LEFT JOIN short_numbers s ON s.kind = 'member' AND s.target = m.id \
     AND s.enterprise_id = m.enterprise_id"
);

/// The member of a row, its texts moved out of the row.
fn member_from(mut row: Row) -> Result<Member, StoreError> {
    let other_numbers = crate::rows::contact_numbers(row.text("other_numbers")?)
        .map_err(|e| StoreError::Corrupt(format!("member numbers: {e}")))?;
    Ok(Member {
        id: take_id(&mut row, "id")?,
        org_number: org(&row, "org_number")?,
        enterprise_id: take_opt_text(&mut row, "enterprise_id")?,
        group_id: take_opt_text(&mut row, "group_id")?,
        first_name: take_text(&mut row, "first_name")?,
        last_name: take_text(&mut row, "last_name")?,
        mobile: Msisdn::parse(row.text("mobile")?)?,
        other_numbers,
        email: take_text(&mut row, "email")?,
        title: take_opt_text(&mut row, "title")?,
        department: take_opt_text(&mut row, "department")?,
        company: take_opt_text(&mut row, "company")?,
        street_address: take_opt_text(&mut row, "street_address")?,
        postal_code: take_opt_text(&mut row, "postal_code")?,
        postal_place: take_opt_text(&mut row, "postal_place")?,
        external_id: take_opt_text(&mut row, "external_id")?,
        short_number: take_opt_text(&mut row, "short_number")?,
        updated_at: at(&row, "updated_at")?,
    })
}

fn numbers_json(numbers: &[ContactNumber]) -> String {
    serde_json::to_string(numbers).unwrap_or_else(|_| "[]".to_owned())
}

/// Inserts a member with every directory field (the short number is a plan entry of its own).
pub async fn insert_member(
    conn: &mut Connection,
    member: &Member,
    password_hash: Option<&str>,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO members (id, org_number, first_name, last_name, mobile, email, password_hash, \
         created_at, updated_at, enterprise_id, group_id, title, department, company, \
         street_address, postal_code, postal_place, external_id, other_numbers) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(member.id.as_str())
    .bind(member.org_number.as_str())
    .bind(&member.first_name)
    .bind(&member.last_name)
    .bind(member.mobile.as_str())
    .bind(&member.email)
    .bind(password_hash)
    .bind(member.updated_at.millis())
    .bind(member.updated_at.millis())
    .bind(member.enterprise_id.as_deref())
    .bind(member.group_id.as_deref())
    .bind(member.title.as_deref())
    .bind(member.department.as_deref())
    .bind(member.company.as_deref())
    .bind(member.street_address.as_deref())
    .bind(member.postal_code.as_deref())
    .bind(member.postal_place.as_deref())
    .bind(member.external_id.as_deref())
    .bind(numbers_json(&member.other_numbers))
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        e.conflict_as(format!(
            "a member with mobile {} or externalId {}",
            member.mobile,
            member.external_id.as_deref().unwrap_or("-")
        ))
    })?;
    write_document(conn, member.id.as_str()).await
}

pub async fn member(conn: &mut Connection, id: &str) -> Result<Option<Member>, StoreError> {
    static SQL: LazyLock<String> = LazyLock::new(|| format!("{SELECT} WHERE m.id = $1"));
    // A constant query text; the value is bound.
    crate::db::query(SQL.as_str())
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(member_from)
        .transpose()
}

/// A member in an enterprise written as the API's JSON (`MemberBody`), and its company, which
/// decides who may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryJson {
    pub org_number: OrgNumber,
    pub json: String,
}

/// [`member`] of a member in an enterprise (one with a directory entry), written as the API's
/// JSON straight from the row's borrowed values: byte for byte what `MemberBody` writes.
pub async fn entry_json(conn: &mut Connection, id: &str) -> Result<Option<EntryJson>, StoreError> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("{SELECT} WHERE m.id = $1 AND m.enterprise_id IS NOT NULL"));
    static STORED: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {STORED_COLUMNS}, m.org_number FROM {FROM_WITH_SHORT_NUMBER} \
             WHERE m.id = $1 AND m.enterprise_id IS NOT NULL"
        )
    });
    let (mut found, mut missing) = (None, false);
    // A constant query text; the value is bound.
    crate::db::query(STORED.as_str())
        .bind(id)
        .for_each_row(conn, &mut |row| {
            let mut json = Vec::with_capacity(512);
            match write_stored(&mut json, row)? {
                Some(()) => found = Some((OrgNumber::parse(row.text(3)?)?, json)),
                None => missing = true,
            }
            Ok(())
        })
        .await?;
    if !missing {
        return found
            .map(|(org_number, json)| {
                Ok(EntryJson {
                    org_number,
                    json: json_text(json)?,
                })
            })
            .transpose();
    }
    // Stored without its object: written from the columns.
    crate::db::query(SQL.as_str())
        .bind(id)
        .for_each_row(conn, &mut |row| {
            let mut json = Vec::with_capacity(512);
            write_member(&mut json, row)?;
            found = Some((OrgNumber::parse(row.text(2)?)?, json));
            Ok(())
        })
        .await?;
    found
        .map(|(org_number, json)| {
            Ok(EntryJson {
                org_number,
                json: json_text(json)?,
            })
        })
        .transpose()
}

/// The member behind a mobile number.
pub async fn member_by_mobile(
    conn: &mut Connection,
    mobile: &Msisdn,
) -> Result<Option<Member>, StoreError> {
    static SQL: LazyLock<String> = LazyLock::new(|| format!("{SELECT} WHERE m.mobile = $1"));
    // A constant query text; the value is bound.
    crate::db::query(SQL.as_str())
        .bind(mobile.as_str())
        .fetch_optional(conn)
        .await?
        .map(member_from)
        .transpose()
}

/// What member search matches (contains, case-insensitive): the name, the e-mail and the mobile
/// number, one per line. The expression of the index `members_search` (migration 0006), so a
/// search reads that index instead of every member row; a query without a line break matches
/// this text exactly when it matches one of the three parts.
const SEARCH_TEXT: &str =
    "(LOWER(m.first_name || ' ' || m.last_name) || '\n' || LOWER(m.email) || '\n' || m.mobile)";

/// Up to this many matches, a search page sorts the matches (found through the index) instead of
/// walking the members in name order until the page is full.
const SORT_MATCHES_BELOW: i64 = 1_000;

const FROM_WITH_SHORT_NUMBER: &str = "members m LEFT JOIN short_numbers s ON s.kind = 'member' \
     AND s.target = m.id AND s.enterprise_id = m.enterprise_id";

/// Members of an enterprise by name; `query` matches names, e-mail and numbers (contains,
/// case-insensitive) or a short number exactly.
pub async fn search(
    conn: &mut Connection,
    enterprise_id: &str,
    query: Option<&str>,
    group_id: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Page<Member>, StoreError> {
    let (total, page) = planned(
        conn,
        enterprise_id,
        query,
        group_id,
        MEMBER_COLUMNS,
        (offset, limit),
    )
    .await?;
    let items = page
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(member_from)
        .collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}

/// [`search`], its members written as the API's JSON straight from the database's row values
/// (borrowed, no row or `String` per value built): byte for byte what the API's serde struct
/// `MemberBody` writes for [`search`]'s members.
pub async fn search_json(
    conn: &mut Connection,
    enterprise_id: &str,
    query: Option<&str>,
    group_id: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<PageJson, StoreError> {
    let (total, page) = planned(
        conn,
        enterprise_id,
        query,
        group_id,
        STORED_COLUMNS,
        (offset, limit),
    )
    .await?;
    let mut missing = false;
    // A member's object is ~450 bytes.
    let stored = page_of_rows(conn, page, (total, offset, limit), 500, &mut |out, row| {
        missing |= write_stored(out, row)?.is_none();
        Ok(())
    })
    .await?;
    if !missing {
        return Ok(stored);
    }
    // A row without its stored object: the page is written from the columns.
    let (total, page) = planned(
        conn,
        enterprise_id,
        query,
        group_id,
        MEMBER_COLUMNS,
        (offset, limit),
    )
    .await?;
    page_of_rows(conn, page, (total, offset, limit), 500, &mut write_member).await
}

/// A member row of [`MEMBER_COLUMNS`] as the API's `MemberBody`, its fields in that order.
fn write_member(out: &mut Vec<u8>, row: &dyn Columns) -> Result<(), StoreError> {
    write_member_head(out, row)?;
    match row.opt_text(16)? {
        Some(short_number) => sentral_json::write_str(out, short_number),
        None => out.extend_from_slice(b"null"),
    }
    write_member_tail(out, row)
}

/// [`write_member`] up to and including the short number's key.
fn write_member_head(out: &mut Vec<u8>, row: &dyn Columns) -> Result<(), StoreError> {
    let (field, nullable) = (write_field, write_nullable);
    field(out, b"{\"memberId\":", row.text(1)?);
    nullable(out, b",\"enterpriseId\":", row.opt_text(3)?);
    nullable(out, b",\"groupId\":", row.opt_text(4)?);
    field(out, b",\"firstName\":", row.text(5)?);
    field(out, b",\"lastName\":", row.text(6)?);
    field(
        out,
        b",\"mobileNumber\":",
        Msisdn::parse(row.text(7)?)?.as_str(),
    );
    out.extend_from_slice(b",\"shortNumber\":");
    Ok(())
}

/// [`write_member`] after the short number.
fn write_member_tail(out: &mut Vec<u8>, row: &dyn Columns) -> Result<(), StoreError> {
    let (field, nullable) = (write_field, write_nullable);
    out.extend_from_slice(b",\"otherNumbers\":");
    crate::rows::write_contact_numbers(out, row.text(0)?)
        .map_err(|e| StoreError::Corrupt(format!("member numbers: {e}")))?;
    field(out, b",\"email\":", row.text(8)?);
    nullable(out, b",\"title\":", row.opt_text(9)?);
    nullable(out, b",\"department\":", row.opt_text(10)?);
    nullable(out, b",\"company\":", row.opt_text(11)?);
    nullable(out, b",\"address\":{\"streetAddress\":", row.opt_text(12)?);
    nullable(out, b",\"postalCode\":", row.opt_text(13)?);
    nullable(out, b",\"postalPlace\":", row.opt_text(14)?);
    nullable(out, b"},\"externalId\":", row.opt_text(15)?);
    let updated_at = Timestamp::from_millis(row.int(17)?).rfc3339();
    field(out, b",\"updatedAt\":", updated_at.as_str());
    out.push(b'}');
    Ok(())
}

/// The columns the stored object is read with, in place of [`MEMBER_COLUMNS`] (over the same
/// join): `doc_head`, the short number, `doc_tail` (migration 40).
const STORED_COLUMNS: &str = "m.doc_head, s.short_number, m.doc_tail";

/// The member row's stored object (both parts), or `None` for a row stored without one.
fn write_stored(out: &mut Vec<u8>, row: &dyn Columns) -> Result<Option<()>, StoreError> {
    let (Some(head), Some(tail)) = (row.opt_text(0)?, row.opt_text(2)?) else {
        return Ok(None);
    };
    out.extend_from_slice(head.as_bytes());
    match row.opt_text(1)? {
        Some(short_number) => sentral_json::write_str(out, short_number),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(tail.as_bytes());
    Ok(Some(()))
}

/// Writes the stored object (migration 40) of the members `condition` (over `m`, its one
/// placeholder `$1` bound to `value`) matches from their rows as they are now, in the caller's
/// transaction: every write of a member's row calls this after it. Returns how many it wrote; a
/// row whose object cannot be written (a corrupt value) is left without one.
async fn write_documents(
    conn: &mut Connection,
    condition: &str,
    value: Bind,
) -> Result<u64, StoreError> {
    let sql = format!("{SELECT} WHERE {condition} ORDER BY m.id LIMIT 500");
    let mut bound = Filter::default();
    bound.bind(value);
    // Only a condition of this module is interpolated; the value is bound.
    let rows = bound
        .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
        .fetch_all(&mut *conn)
        .await?;
    let mut written = 0;
    for row in &rows {
        let (mut head, mut tail) = (Vec::with_capacity(256), Vec::with_capacity(320));
        let documents =
            write_member_head(&mut head, row).and_then(|()| write_member_tail(&mut tail, row));
        if let Err(error) = documents {
            tracing::warn!(member = row.text("id")?, %error, "member left without its stored object");
            continue;
        }
        crate::db::query("UPDATE members SET doc_head = $2, doc_tail = $3 WHERE id = $1")
            .bind(row.text("id")?.to_owned())
            .bind(json_text(head)?)
            .bind(json_text(tail)?)
            .execute(&mut *conn)
            .await?;
        written += 1;
    }
    Ok(written)
}

/// Writes the member's stored object from its row as it is now (see [`write_documents`]).
pub async fn write_document(conn: &mut Connection, id: &str) -> Result<(), StoreError> {
    let id = Bind::Text(id.to_owned());
    write_documents(conn, "m.id = $1", id).await.map(|_| ())
}

/// Writes the stored object of the member the KPN subscriber `item_id` stands for, if any.
pub(crate) async fn write_documents_of_subscriber(
    conn: &mut Connection,
    item_id: i64,
) -> Result<(), StoreError> {
    let condition = "m.id = (SELECT member_id FROM kpn_items WHERE id = $1)";
    write_documents(conn, condition, Bind::Int(item_id))
        .await
        .map(|_| ())
}

/// Writes the stored object of every member without one (rows from before migration 40, or
/// written by an older node); run at start. Returns how many there were.
pub async fn write_missing_documents(conn: &mut Connection) -> Result<u64, StoreError> {
    let (mut written, mut after) = (0, String::new());
    loop {
        let next = crate::db::query(
            "SELECT MAX(id) AS id FROM (SELECT id FROM members WHERE doc_head IS NULL AND id > $1 \
             ORDER BY id LIMIT 500) batch",
        )
        .bind(after.clone())
        .fetch_one(&mut *conn)
        .await?;
        let Some(last) = next.opt_text("id")?.map(str::to_owned) else {
            return Ok(written);
        };
        let before = written;
        written +=
            write_documents(conn, "m.doc_head IS NULL AND m.id > $1", Bind::Text(after)).await?;
        crate::json_sql::note_written("members", before, written);
        after = last;
    }
}

/// The page's query of a [`search`] (selecting `columns` over `m` and its short number `s`),
/// and how many members match.
async fn planned(
    conn: &mut Connection,
    enterprise_id: &str,
    query: Option<&str>,
    group_id: Option<&str>,
    columns: &str,
    (offset, limit): (i64, i64),
) -> Result<(i64, Query), StoreError> {
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    // On SQLite a query with a trigram and few candidates in the FTS5 index `members_trigram`
    // (migration 0009) starts from them; `+` keeps SQLite from walking the enterprise's index
    // entries instead. PostgreSQL's trigram index serves the `LIKE` below as it is.
    let backend = JsonSql::of(conn);
    let mut trigram = None;
    if let Some(phrase) = query
        .filter(|_| backend == JsonSql::Sqlite)
        .and_then(|q| trigram::phrase(&q.to_lowercase()))
        && trigram::few_candidates(conn, "members_trigram", &phrase).await?
    {
        trigram = Some(phrase);
    }
    let unindexed = if trigram.is_some() { "+" } else { "" };
    let mut filter = Filter::default();
    let enterprise = filter.bind(Bind::Text(enterprise_id.to_owned()));
    filter.push(format!("{unindexed}m.enterprise_id = {enterprise}"));
    if let Some(group_id) = group_id {
        let p = filter.bind(Bind::Text(group_id.to_owned()));
        filter.push(format!("{unindexed}m.group_id = {p}"));
    }
    if let Some(query) = query {
        let lowered = query.to_lowercase();
        let pattern = filter.bind(Bind::Text(format!("%{}%", escape_like(&lowered))));
        let exact = filter.bind(Bind::Text(query.to_owned()));
        let in_enterprise = filter.bind(Bind::Text(enterprise_id.to_owned()));
        let text_matches = if let Some(phrase) = trigram {
            let phrase = filter.bind(Bind::Text(phrase));
            format!(
                "m.rowid IN (SELECT rowid FROM members_trigram WHERE members_trigram MATCH {phrase}) \
                 AND {SEARCH_TEXT} LIKE {pattern} ESCAPE '\\'"
            )
        } else if lowered.contains('\n') {
            // A line break could match across two parts of the search text: each on its own.
            format!(
                "LOWER(m.first_name || ' ' || m.last_name) LIKE {pattern} ESCAPE '\\' \
                 OR LOWER(m.email) LIKE {pattern} ESCAPE '\\' OR m.mobile LIKE {pattern} ESCAPE '\\'"
            )
        } else {
            format!("{SEARCH_TEXT} LIKE {pattern} ESCAPE '\\'")
        };
        // The short number through its own index, not through the join (an OR over a join
        // keeps the planner from using any index). On PostgreSQL as an array computed once, so
        // the OR can join the trigram index's matches to the primary key's (a `BitmapOr`).
        let short_number_member = format!(
            "SELECT target FROM short_numbers \
             WHERE enterprise_id = {in_enterprise} AND kind = 'member' AND short_number = {exact}"
        );
        let short_number_matches = match backend {
            JsonSql::Sqlite => format!("m.id IN ({short_number_member})"),
            JsonSql::Postgres => format!("m.id = ANY (ARRAY({short_number_member}))"),
        };
        filter.push(format!("({text_matches} OR {short_number_matches})"));
    }
    let total = if query.is_none() && group_id.is_none() {
        enterprise_count(conn, enterprise_id).await?
    } else {
        filter.count(conn, "members m").await?
    };
    let page = if query.is_some() && total < SORT_MATCHES_BELOW {
        matches_page(&filter, columns, offset, limit)
    } else {
        filter.page_query(
            columns,
            FROM_WITH_SHORT_NUMBER,
            "m.last_name, m.first_name, m.id",
            offset,
            limit,
        )
    };
    Ok((total, page))
}

/// How many members the enterprise has: the counter the triggers of migration 0037 keep in every
/// writer's transaction, exactly `COUNT(*)` of them without reading them.
pub async fn enterprise_count(
    conn: &mut Connection,
    enterprise_id: &str,
) -> Result<i64, StoreError> {
    let row = crate::db::query("SELECT n FROM member_counts WHERE enterprise_id = $1")
        .bind(enterprise_id)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<i64, _>("n")?,
        None => 0,
    })
}

/// The query of one page of the members `filter` matches, in name order: the matches first
/// (through the search index), then their rows. Walking the name index instead would read every
/// member when few match.
fn matches_page(filter: &Filter, columns: &str, offset: i64, limit: i64) -> Query {
    let mut page = filter.clone();
    let limit = page.bind(Bind::Int(limit));
    let offset = page.bind(Bind::Int(offset));
    let sql = format!(
        "WITH found AS MATERIALIZED (SELECT m.id FROM members m{}) \
         SELECT {columns} FROM {FROM_WITH_SHORT_NUMBER} \
         WHERE m.id IN (SELECT id FROM found) \
         ORDER BY m.last_name, m.first_name, m.id LIMIT {limit} OFFSET {offset}",
        filter.where_sql()
    );
    // Only clauses built by the filter and placeholders are interpolated; every value is bound.
    page.apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
}

/// Writes the member's directory fields (names, e-mail, numbers, company, address, title,
/// department, group, external id).
pub async fn update_member(
    conn: &mut Connection,
    member: &Member,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE members SET first_name = $2, last_name = $3, email = $4, title = $5, \
         department = $6, company = $7, street_address = $8, postal_code = $9, postal_place = $10, \
         external_id = $11, other_numbers = $12, group_id = $13, updated_at = $14 WHERE id = $1",
    )
    .bind(member.id.as_str())
    .bind(&member.first_name)
    .bind(&member.last_name)
    .bind(&member.email)
    .bind(member.title.as_deref())
    .bind(member.department.as_deref())
    .bind(member.company.as_deref())
    .bind(member.street_address.as_deref())
    .bind(member.postal_code.as_deref())
    .bind(member.postal_place.as_deref())
    .bind(member.external_id.as_deref())
    .bind(numbers_json(&member.other_numbers))
    .bind(member.group_id.as_deref())
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        e.conflict_as(format!(
            "a member with externalId {}",
            member.external_id.as_deref().unwrap_or_default()
        ))
    })?;
    // The KPN subscriber that stands for the member (kpn::shared) shows the same names and
    // e-mail; its list name is KPN's "prefix surname, firstName".
    crate::db::query(
        "UPDATE kpn_items SET first_name = NULLIF($2, ''), surname = $3, email = $4, \
         name = COALESCE(surname_prefix || ' ', '') || $3 \
         || CASE WHEN $2 = '' THEN '' ELSE ', ' || $2 END, updated_at = $5 WHERE member_id = $1",
    )
    .bind(member.id.as_str())
    .bind(&member.first_name)
    .bind(&member.last_name)
    .bind(&member.email)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    write_document(conn, member.id.as_str()).await
}

/// Puts an existing member (an end user made by the platform) into an enterprise.
pub async fn join_enterprise(
    conn: &mut Connection,
    member_id: &str,
    enterprise_id: &str,
    group_id: Option<&str>,
) -> Result<(), StoreError> {
    crate::db::query("UPDATE members SET enterprise_id = $2, group_id = $3 WHERE id = $1")
        .bind(member_id)
        .bind(enterprise_id)
        .bind(group_id)
        .execute(&mut *conn)
        .await?;
    write_document(conn, member_id).await
}
