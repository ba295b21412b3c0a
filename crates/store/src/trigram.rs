//! "Contains" searches through SQLite's trigram indexes (FTS5 tables of migration 0009): the index
//! finds candidates, the caller's exact predicate decides, so the answers are those of a scan.

use crate::{Connection, StoreError};

/// Up to this many candidates, looking each one up beats scanning the search expression's index
/// entries (~0.3 µs each); past it the caller scans as before. Found by measuring 100 000
/// members: 353 candidates 2.6 ms instead of 23 ms, 5 000 candidates 31 ms instead of 23 ms.
const FEW_CANDIDATES: i64 = 1_000;

/// The FTS5 phrase that finds the candidates for a "contains" search of `lowered`, when it has a
/// trigram: at least three characters, and no line break (which could match across two parts of
/// a search text) or NUL. A phrase is only text: quotes doubled, operators not read.
pub fn phrase(lowered: &str) -> Option<String> {
    let usable = lowered.chars().count() >= 3 && !lowered.contains(['\n', '\0']);
    usable.then(|| format!("\"{}\"", lowered.replace('"', "\"\"")))
}

/// Whether `fts_table` has few enough candidates for `phrase` that the search should start from
/// them. Stops counting at the limit, so a broad phrase costs no more than a narrow one.
pub async fn few_candidates(
    conn: &mut Connection,
    fts_table: &'static str,
    phrase: &str,
) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT rowid FROM {fts_table} \
         WHERE {fts_table} MATCH $1 LIMIT {FEW_CANDIDATES})"
    );
    // The table name is a constant of the caller; the phrase is bound.
    let n = crate::db::query(crate::db::AssertSqlSafe(sql))
        .bind(phrase)
        .fetch_one(conn)
        .await?
        .try_get::<i64, _>("n")?;
    Ok(n < FEW_CANDIDATES)
}
