//! The enterprise's shared contact directory, with tombstones and a per-enterprise change
//! sequence.
//!
//! Every writer of an enterprise's contacts first takes the enterprise's change counter
//! ([`lock_changes`]), an upsert on its `counters` row that holds the row lock until commit. So
//! writers of one enterprise run one after the other, sequence numbers are handed out in commit
//! order, and the committed sequence numbers a reader sees always form a prefix: reading
//! `change_seq > cursor` never skips a change that commits later.

use std::sync::LazyLock;

use crate::db::{Columns, Row};
use sentral_domain::Timestamp;
use sentral_domain::directory::{Contact, ContactDetails, ContactNumber, PurgeMark, SyncCursor};

use crate::corporate::{Bind, Filter, Page};
use crate::json_sql::{
    JsonPage, JsonSql, ObjectSql, PageJson, PerBackend, json_text, page_of_rows, write_field,
    write_nullable,
};
use crate::rows::{at, escape_like, int, opt_int, take_opt_text, take_text, text};
use crate::{Connection, StoreError};

/// [`write_contact`] reads these by position.
const COLUMNS: &str = "id, enterprise_id, external_id, first_name, last_name, company, title, \
     department, email, numbers, street_address, postal_code, postal_place, note, created_at, \
     updated_at, deleted_at, change_seq";
const COLUMN_COUNT: usize = 18;
/// Rows per multi-row `INSERT`: well under both backends' limit of bound values.
const INSERT_CHUNK: usize = 200;
/// Values per `IN (…)` list.
const LOOKUP_CHUNK: usize = 500;

fn counter_name(enterprise_id: &str) -> String {
    format!("contacts:{enterprise_id}")
}

/// Hands out `count` change sequence numbers of the enterprise and returns the first; with
/// `count` 0 it hands out none and returns the next one. Holds the counter row until commit.
pub async fn reserve_seqs(
    conn: &mut Connection,
    enterprise_id: &str,
    count: i64,
) -> Result<i64, StoreError> {
    let row = crate::db::query(
        "INSERT INTO counters (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET value = counters.value + $2 RETURNING value",
    )
    .bind(counter_name(enterprise_id))
    .bind(count)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("value")? - count + 1)
}

/// Takes the enterprise's change counter for the rest of the transaction (writers of the same
/// enterprise wait here) and returns the highest sequence number handed out so far.
pub async fn lock_changes(conn: &mut Connection, enterprise_id: &str) -> Result<i64, StoreError> {
    Ok(reserve_seqs(conn, enterprise_id, 0).await? - 1)
}

/// The highest change sequence number handed out so far (0 when none), without locking.
pub async fn high_water(conn: &mut Connection, enterprise_id: &str) -> Result<i64, StoreError> {
    let row = crate::db::query("SELECT value FROM counters WHERE name = $1")
        .bind(counter_name(enterprise_id))
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<i64, _>("value")?,
        None => 0,
    })
}

/// The contact of a row, its texts moved out of the row.
fn contact_from(mut row: Row) -> Result<Contact, StoreError> {
    let numbers = crate::rows::contact_numbers(row.text("numbers")?)
        .map_err(|e| StoreError::Corrupt(format!("contact numbers: {e}")))?;
    Ok(Contact {
        id: take_text(&mut row, "id")?,
        enterprise_id: take_text(&mut row, "enterprise_id")?,
        details: ContactDetails {
            external_id: take_opt_text(&mut row, "external_id")?,
            first_name: take_text(&mut row, "first_name")?,
            last_name: take_text(&mut row, "last_name")?,
            company: take_opt_text(&mut row, "company")?,
            title: take_opt_text(&mut row, "title")?,
            department: take_opt_text(&mut row, "department")?,
            email: take_opt_text(&mut row, "email")?,
            numbers,
            street_address: take_opt_text(&mut row, "street_address")?,
            postal_code: take_opt_text(&mut row, "postal_code")?,
            postal_place: take_opt_text(&mut row, "postal_place")?,
            note: take_opt_text(&mut row, "note")?,
        },
        created_at: at(&row, "created_at")?,
        updated_at: at(&row, "updated_at")?,
        deleted_at: opt_int(&row, "deleted_at")?.map(Timestamp::from_millis),
        change_seq: int(&row, "change_seq")?,
    })
}

fn numbers_json(numbers: &[ContactNumber]) -> String {
    serde_json::to_string(numbers).unwrap_or_else(|_| "[]".to_owned())
}

/// The values of one row, in [`COLUMNS`] order.
fn row_binds(contact: &Contact) -> [Bind; COLUMN_COUNT] {
    let d = &contact.details;
    let opt = |value: &Option<String>| value.clone().map_or(Bind::NullText, Bind::Text);
    [
        Bind::Text(contact.id.clone()),
        Bind::Text(contact.enterprise_id.clone()),
        opt(&d.external_id),
        Bind::Text(d.first_name.clone()),
        Bind::Text(d.last_name.clone()),
        opt(&d.company),
        opt(&d.title),
        opt(&d.department),
        opt(&d.email),
        Bind::Text(numbers_json(&d.numbers)),
        opt(&d.street_address),
        opt(&d.postal_code),
        opt(&d.postal_place),
        opt(&d.note),
        Bind::Int(contact.created_at.millis()),
        Bind::Int(contact.updated_at.millis()),
        contact
            .deleted_at
            .map_or(Bind::NullInt, |at| Bind::Int(at.millis())),
        Bind::Int(contact.change_seq),
    ]
}

/// A row's values as [`Columns`], to write its object before it is stored.
struct BoundRow<'a>(&'a [Bind]);

impl Columns for BoundRow<'_> {
    fn opt_text(&self, index: usize) -> Result<Option<&str>, StoreError> {
        match self.0.get(index) {
            Some(Bind::Text(text)) => Ok(Some(text)),
            Some(Bind::NullText | Bind::NullInt) => Ok(None),
            _ => Err(StoreError::Corrupt(format!(
                "contact value {index}: not a text"
            ))),
        }
    }

    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        match self.0.get(index) {
            Some(Bind::Int(number)) => Ok(Some(*number)),
            Some(Bind::NullText | Bind::NullInt) => Ok(None),
            _ => Err(StoreError::Corrupt(format!(
                "contact value {index}: not an integer"
            ))),
        }
    }
}

/// The object stored with a row (`doc`, migration 39): what [`write_contact`] writes for the
/// row of `binds` ([`COLUMNS`] order), so a stored object and one written from the columns are
/// the same bytes.
fn document(binds: &[Bind]) -> Result<String, StoreError> {
    let mut json = Vec::with_capacity(640);
    write_contact(&mut json, &BoundRow(binds))?;
    json_text(json)
}

/// Writes the stored object of every contact without one (rows from before migration 39, or
/// written or updated by an older node); run at start. Returns how many there were. A row whose
/// object cannot be written (a corrupt value) is left without one: its reads fail as before.
pub async fn write_missing_documents(conn: &mut Connection) -> Result<u64, StoreError> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {COLUMNS} FROM contacts WHERE doc IS NULL AND id > $1 ORDER BY id LIMIT 500"
        )
    });
    let (mut written, mut after) = (0, String::new());
    loop {
        // A constant query text; the value is bound.
        let rows = crate::db::query(SQL.as_str())
            .bind(after.clone())
            .fetch_all(conn)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(written);
        };
        after = last.text("id")?.to_owned();
        let before = written;
        for row in rows {
            let mut json = Vec::with_capacity(640);
            if let Err(error) = write_contact(&mut json, &row) {
                tracing::warn!(contact = row.text("id")?, %error, "contact left without its stored object");
                continue;
            }
            crate::db::query("UPDATE contacts SET doc = $2 WHERE id = $1")
                .bind(row.text("id")?.to_owned())
                .bind(json_text(json)?)
                .execute(conn)
                .await?;
            written += 1;
        }
        crate::json_sql::note_written("contacts", before, written);
    }
}

fn conflict(contacts: &[Contact]) -> String {
    let ids: Vec<&str> = contacts
        .iter()
        .filter_map(|c| c.details.external_id.as_deref())
        .take(3)
        .collect();
    format!("a contact with externalId {}", ids.join(" or "))
}

/// Inserts contacts (new ones or tombstones), many rows per statement.
pub async fn insert_many(conn: &mut Connection, contacts: &[Contact]) -> Result<(), StoreError> {
    for chunk in contacts.chunks(INSERT_CHUNK) {
        let mut filter = Filter::default();
        let rows: Vec<String> = chunk
            .iter()
            .map(|contact| {
                let binds = row_binds(contact);
                let doc = Bind::Text(document(&binds)?);
                let placeholders: Vec<String> = binds
                    .into_iter()
                    .chain([doc])
                    .map(|value| filter.bind(value))
                    .collect();
                Ok(format!("({})", placeholders.join(", ")))
            })
            .collect::<Result<_, StoreError>>()?;
        let sql = format!(
            "INSERT INTO contacts ({COLUMNS}, doc) VALUES {}",
            rows.join(", ")
        );
        // Only placeholders are interpolated; every value is bound.
        filter
            .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
            .execute(&mut *conn)
            .await
            .map_err(|e| e.conflict_as(conflict(chunk)))?;
    }
    Ok(())
}

pub async fn insert(conn: &mut Connection, contact: &Contact) -> Result<(), StoreError> {
    insert_many(conn, std::slice::from_ref(contact)).await
}

/// Writes every field of a stored contact (its id and enterprise stay).
pub async fn update(conn: &mut Connection, contact: &Contact) -> Result<(), StoreError> {
    let mut filter = Filter::default();
    let binds = row_binds(contact);
    let doc = Bind::Text(document(&binds)?);
    let mut binds = binds.into_iter();
    let id = filter.bind(binds.next().unwrap_or(Bind::NullText));
    let sets: Vec<String> = COLUMNS
        .split(", ")
        .skip(1)
        .chain(["doc"])
        .zip(binds.chain([doc]))
        .filter(|(column, _)| *column != "enterprise_id" && *column != "created_at")
        .map(|(column, value)| format!("{column} = {}", filter.bind(value)))
        .collect();
    let sql = format!("UPDATE contacts SET {} WHERE id = {id}", sets.join(", "));
    // Only column names and placeholders are interpolated; every value is bound.
    filter
        .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
        .execute(conn)
        .await
        .map_err(|e| e.conflict_as(conflict(std::slice::from_ref(contact))))?;
    Ok(())
}

/// A live contact as the API's JSON object, and its enterprise (for the caller's check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveContactJson {
    pub enterprise_id: String,
    /// The `ContactBody` object, byte for byte what the API's serde struct writes.
    pub json: String,
}

/// A live contact by id written as the API's JSON straight from its row (see [`list_json`]);
/// `None` for an unknown or deleted one.
pub async fn live_contact_json(
    conn: &mut Connection,
    id: &str,
) -> Result<Option<LiveContactJson>, StoreError> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT {COLUMNS} FROM contacts WHERE id = $1 AND deleted_at IS NULL")
    });
    const STORED: &str =
        "SELECT enterprise_id, doc FROM contacts WHERE id = $1 AND deleted_at IS NULL";
    let mut found = None;
    let mut missing = false;
    crate::db::query(STORED)
        .bind(id)
        .for_each_row(conn, &mut |row| {
            match row.opt_text(1)? {
                Some(doc) => found = Some((row.text(0)?.to_owned(), doc.to_owned())),
                None => missing = true,
            }
            Ok(())
        })
        .await?;
    if missing {
        // Stored without its object: written from the columns.
        crate::db::query(SQL.as_str())
            .bind(id)
            .for_each_row(conn, &mut |row| {
                let mut json = Vec::with_capacity(640);
                write_contact(&mut json, row)?;
                found = Some((row.text(1)?.to_owned(), json_text(json)?));
                Ok(())
            })
            .await?;
    }
    Ok(found.map(|(enterprise_id, json)| LiveContactJson {
        enterprise_id,
        json,
    }))
}

/// A contact or tombstone by id.
pub async fn contact(conn: &mut Connection, id: &str) -> Result<Option<Contact>, StoreError> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {COLUMNS} FROM contacts WHERE id = $1"));
    // A constant query text; the value is bound.
    crate::db::query(SQL.as_str())
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(contact_from)
        .transpose()
}

/// Contacts and tombstones of the enterprise with any of `external_ids`.
pub async fn by_external_ids(
    conn: &mut Connection,
    enterprise_id: &str,
    external_ids: &[String],
) -> Result<Vec<Contact>, StoreError> {
    let mut found = Vec::with_capacity(external_ids.len());
    for chunk in external_ids.chunks(LOOKUP_CHUNK) {
        let mut filter = Filter::default();
        let enterprise = filter.bind(Bind::Text(enterprise_id.to_owned()));
        filter.push(format!("enterprise_id = {enterprise}"));
        let clause = filter.any_of("external_id", chunk.iter().cloned());
        filter.push(clause);
        let sql = format!("SELECT {COLUMNS} FROM contacts{}", filter.where_sql());
        // Only clauses built by the filter are interpolated; every value is bound.
        let rows = filter
            .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            found.push(contact_from(row)?);
        }
    }
    Ok(found)
}

/// Live contacts of the enterprise by last name, first name; `search` matches names, company,
/// e-mail and numbers (contains, case-insensitive).
pub async fn list(
    conn: &mut Connection,
    enterprise_id: &str,
    search: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Page<Contact>, StoreError> {
    let (filter, total) = listed(conn, enterprise_id, search).await?;
    let rows = filter
        .select_page(conn, COLUMNS, "contacts", LIST_ORDER, offset, limit)
        .await?;
    let items = rows
        .into_iter()
        .map(contact_from)
        .collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}

/// [`list`], its contacts written as the API's JSON straight from the database's row values
/// (borrowed, no row or `String` per value built): byte for byte what the API's serde struct
/// `ContactBody` writes for [`list`]'s contacts. A page of five decoded into contacts and
/// serialized cost ~219 000 instructions a request, written by SQLite in SQL ~191 000.
pub async fn list_json(
    conn: &mut Connection,
    enterprise_id: &str,
    search: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<PageJson, StoreError> {
    let (filter, total) = listed(conn, enterprise_id, search).await?;
    let documents = filter.page_query("doc", "contacts", LIST_ORDER, offset, limit);
    let mut missing = false;
    // A contact's object is ~500 bytes.
    let page = page_of_rows(
        conn,
        documents,
        (total, offset, limit),
        600,
        &mut |out, row| {
            match row.opt_text(0)? {
                Some(doc) => out.extend_from_slice(doc.as_bytes()),
                None => missing = true,
            }
            Ok(())
        },
    )
    .await?;
    if !missing {
        return Ok(page);
    }
    // A row without its stored object: the page is written from the columns.
    let page = filter.page_query(COLUMNS, "contacts", LIST_ORDER, offset, limit);
    page_of_rows(conn, page, (total, offset, limit), 600, &mut write_contact).await
}

/// A contact row of [`COLUMNS`] as the API's `ContactBody`: the fields in its order, left out
/// where it leaves them out (empty names, absent optional texts, an address without a part).
fn write_contact(out: &mut Vec<u8>, row: &dyn Columns) -> Result<(), StoreError> {
    let (field, nullable) = (write_field, write_nullable);
    let time = |out: &mut Vec<u8>, key: &[u8], millis: i64| {
        field(out, key, Timestamp::from_millis(millis).rfc3339().as_str());
    };
    field(out, b"{\"contactId\":", row.text(0)?);
    field(out, b",\"enterpriseId\":", row.text(1)?);
    nullable(out, b",\"externalId\":", row.opt_text(2)?);
    for (key, index) in [(&b",\"firstName\":"[..], 3), (b",\"lastName\":", 4)] {
        let name = row.text(index)?;
        if !name.is_empty() {
            field(out, key, name);
        }
    }
    for (key, index) in [
        (&b",\"company\":"[..], 5),
        (b",\"title\":", 6),
        (b",\"department\":", 7),
        (b",\"email\":", 8),
    ] {
        if let Some(text) = row.opt_text(index)? {
            field(out, key, text);
        }
    }
    out.extend_from_slice(b",\"numbers\":");
    crate::rows::write_contact_numbers(out, row.text(9)?)
        .map_err(|e| StoreError::Corrupt(format!("contact numbers: {e}")))?;
    let address = [row.opt_text(10)?, row.opt_text(11)?, row.opt_text(12)?];
    if address.iter().any(Option::is_some) {
        nullable(out, b",\"address\":{\"streetAddress\":", address[0]);
        nullable(out, b",\"postalCode\":", address[1]);
        nullable(out, b",\"postalPlace\":", address[2]);
        out.push(b'}');
    }
    if let Some(note) = row.opt_text(13)? {
        field(out, b",\"note\":", note);
    }
    time(out, b",\"createdAt\":", row.int(14)?);
    time(out, b",\"updatedAt\":", row.int(15)?);
    let deleted_at = row.opt_int(16)?;
    out.extend_from_slice(if deleted_at.is_some() {
        b",\"deleted\":true"
    } else {
        b",\"deleted\":false"
    });
    if let Some(millis) = deleted_at {
        time(out, b",\"deletedAt\":", millis);
    }
    out.push(b'}');
    Ok(())
}

/// The order of a listing (the index `contacts_live_by_name` covers it).
const LIST_ORDER: &str = "last_name, first_name, id";

/// The filter of a listing and how many contacts it matches.
async fn listed(
    conn: &mut Connection,
    enterprise_id: &str,
    search: Option<&str>,
) -> Result<(Filter, i64), StoreError> {
    let mut filter = Filter::default();
    let enterprise = filter.bind(Bind::Text(enterprise_id.to_owned()));
    filter.push(format!(
        "enterprise_id = {enterprise} AND deleted_at IS NULL"
    ));
    let search = search.map(str::trim).filter(|q| !q.is_empty());
    if let Some(search) = search {
        let pattern = filter.bind(Bind::Text(format!(
            "%{}%",
            escape_like(&search.to_lowercase())
        )));
        filter.push(format!(
            "(LOWER(first_name || ' ' || last_name) LIKE {pattern} ESCAPE '\\' \
             OR LOWER(COALESCE(company, '')) LIKE {pattern} ESCAPE '\\' \
             OR LOWER(COALESCE(email, '')) LIKE {pattern} ESCAPE '\\' \
             OR numbers LIKE {pattern} ESCAPE '\\')"
        ));
    }
    let total = match search {
        Some(_) => filter.count(conn, "contacts").await?,
        None => live_count(conn, enterprise_id).await?,
    };
    Ok((filter, total))
}

/// How many live contacts the enterprise has: the counter the triggers of migration 0032 keep in
/// every writer's transaction, exactly `COUNT(*)` of them without reading them.
pub async fn live_count(conn: &mut Connection, enterprise_id: &str) -> Result<i64, StoreError> {
    let row = crate::db::query("SELECT n FROM contact_counts WHERE enterprise_id = $1")
        .bind(enterprise_id)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => int(&row, "n")?,
        None => 0,
    })
}

/// One page of the change feed, its JSON written by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangesPage {
    /// The contacts and tombstones as the API's `content` array, oldest change first.
    pub content: JsonPage,
    /// The change number of the page's last change; `None` for an empty page.
    pub last_seq: Option<i64>,
    /// More changes follow the page.
    pub has_more: bool,
}

/// [`contact_object`] of each backend.
static CONTACT_OBJECT: PerBackend<String> = PerBackend::new();

/// A contact row as the API's contact object (`ContactBody` in the MBN dialect), in SQL.
fn contact_object(json: JsonSql) -> String {
    let address = ObjectSql::new(json)
        .text_or_null("streetAddress", "street_address")
        .text_or_null("postalCode", "postal_code")
        .text_or_null("postalPlace", "postal_place")
        .build();
    ObjectSql::new(json)
        .text("contactId", "id")
        .text("enterpriseId", "enterprise_id")
        .text_or_null("externalId", "external_id")
        .field_when("firstName", "first_name <> ''", json.string("first_name"))
        .field_when("lastName", "last_name <> ''", json.string("last_name"))
        .text_unless_null("company", "company")
        .text_unless_null("title", "title")
        .text_unless_null("department", "department")
        .text_unless_null("email", "email")
        .field("numbers", json.stored("numbers"))
        .field_when(
            "address",
            "street_address IS NOT NULL OR postal_code IS NOT NULL OR postal_place IS NOT NULL",
            address,
        )
        .text_unless_null("note", "note")
        .time("createdAt", "created_at")
        .time("updatedAt", "updated_at")
        .field(
            "deleted",
            "CASE WHEN deleted_at IS NULL THEN 'false' ELSE 'true' END".to_owned(),
        )
        .field_when(
            "deletedAt",
            "deleted_at IS NOT NULL",
            json.timestamp("deleted_at"),
        )
        .build()
}

/// Up to `limit` changes matching `clause` (over `$1` … `$n` of `binds`), oldest first, as one
/// row: the page's JSON, its last change number and whether more follow.
async fn changes_page(
    conn: &mut Connection,
    clause: &str,
    binds: Vec<Bind>,
    limit: i64,
) -> Result<ChangesPage, StoreError> {
    let json = JsonSql::of(conn);
    let mut filter = Filter::default();
    for bind in binds {
        filter.bind(bind);
    }
    let fetch = filter.bind(Bind::Int(limit + 1));
    let keep = filter.bind(Bind::Int(limit));
    let kept = format!("rn <= {keep}");
    // One more row than the page tells whether more follow; the window numbers the rows so
    // the aggregate leaves that one out.
    let sql = format!(
        "SELECT COUNT(*) AS n, MAX(seq) FILTER (WHERE {kept}) AS last_seq, {page} AS page \
         FROM (SELECT seq, doc, ROW_NUMBER() OVER (ORDER BY seq) AS rn FROM \
         (SELECT change_seq AS seq, {doc} AS doc FROM contacts WHERE {clause} \
         ORDER BY change_seq LIMIT {fetch}) fetched) numbered",
        page = json.array("doc", "seq", Some(&kept)),
        doc = CONTACT_OBJECT.get(json, contact_object),
    );
    // Only column names, constants and placeholders are interpolated; every value is bound.
    let row = filter
        .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
        .fetch_one(conn)
        .await?;
    Ok(ChangesPage {
        content: JsonPage::new(text(&row, "page")?),
        last_seq: opt_int(&row, "last_seq")?,
        has_more: int(&row, "n")? > limit,
    })
}

/// Up to `limit` changes (contacts and tombstones) after `cursor`, oldest first.
pub async fn changes_after(
    conn: &mut Connection,
    enterprise_id: &str,
    cursor: SyncCursor,
    limit: i64,
) -> Result<ChangesPage, StoreError> {
    changes_page(
        conn,
        "enterprise_id = $1 AND change_seq > $2",
        vec![
            Bind::Text(enterprise_id.to_owned()),
            Bind::Int(cursor.seq()),
        ],
        limit,
    )
    .await
}

/// Up to `limit` changes (contacts and tombstones) made strictly after `since`, oldest first.
pub async fn changed_since(
    conn: &mut Connection,
    enterprise_id: &str,
    since: Timestamp,
    limit: i64,
) -> Result<ChangesPage, StoreError> {
    // The first change after `since`, then the page in change order from there, so an early
    // `since` does not sort every contact of the enterprise. That first change is among the
    // enterprise's first few changes when `since` is early (found at once, exactly: every lower
    // sequence number is looked at); otherwise the covering (enterprise, updated_at, seq) index
    // gives it, reading only the changes after `since`.
    let first = crate::db::query(
        "SELECT COALESCE(\
         (SELECT MIN(change_seq) FROM (SELECT change_seq, updated_at FROM contacts \
          WHERE enterprise_id = $1 ORDER BY change_seq LIMIT 64) earliest WHERE updated_at > $2), \
         (SELECT MIN(change_seq) FROM contacts WHERE enterprise_id = $1 AND updated_at > $2)) \
         AS first",
    )
    .bind(enterprise_id)
    .bind(since.millis())
    .fetch_one(&mut *conn)
    .await?
    .try_get::<Option<i64>, _>("first")?;
    let Some(first) = first else {
        return Ok(ChangesPage {
            content: JsonPage::new("[]".to_owned()),
            last_seq: None,
            has_more: false,
        });
    };
    changes_page(
        conn,
        "enterprise_id = $1 AND change_seq >= $2 AND updated_at > $3",
        vec![
            Bind::Text(enterprise_id.to_owned()),
            Bind::Int(first),
            Bind::Int(since.millis()),
        ],
        limit,
    )
    .await
}

/// How far the enterprise's tombstones have been purged.
pub async fn purge_mark(
    conn: &mut Connection,
    enterprise_id: &str,
) -> Result<PurgeMark, StoreError> {
    let row = crate::db::query(
        "SELECT purged_seq, purged_at FROM contact_purges WHERE enterprise_id = $1",
    )
    .bind(enterprise_id)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(row) => PurgeMark {
            seq: int(&row, "purged_seq")?,
            deleted_at: Some(at(&row, "purged_at")?),
        },
        None => PurgeMark::default(),
    })
}

/// Deletes tombstones deleted before `before`, in every enterprise, and moves each
/// enterprise's purge mark past them. Run it in a transaction so both happen together.
pub async fn purge_tombstones(conn: &mut Connection, before: Timestamp) -> Result<u64, StoreError> {
    crate::db::query(
        "INSERT INTO contact_purges (enterprise_id, purged_seq, purged_at) \
         SELECT enterprise_id, MAX(change_seq), MAX(deleted_at) FROM contacts \
         WHERE deleted_at IS NOT NULL AND deleted_at < $1 GROUP BY enterprise_id \
         ON CONFLICT (enterprise_id) DO UPDATE SET \
         purged_seq = CASE WHEN excluded.purged_seq > contact_purges.purged_seq \
             THEN excluded.purged_seq ELSE contact_purges.purged_seq END, \
         purged_at = CASE WHEN excluded.purged_at > contact_purges.purged_at \
             THEN excluded.purged_at ELSE contact_purges.purged_at END",
    )
    .bind(before.millis())
    .execute(&mut *conn)
    .await?;
    let deleted =
        crate::db::query("DELETE FROM contacts WHERE deleted_at IS NOT NULL AND deleted_at < $1")
            .bind(before.millis())
            .execute(conn)
            .await?;
    Ok(deleted.rows_affected())
}
