//! Small helpers to read typed values out of Any rows.

use crate::db::Row;
use sentral_domain::directory::ContactNumber;
use sentral_domain::{EntityId, OrgNumber, Timestamp};

use crate::StoreError;

pub fn text(row: &Row, column: &str) -> Result<String, StoreError> {
    row.try_get::<String, _>(column)
}

pub fn opt_text(row: &Row, column: &str) -> Result<Option<String>, StoreError> {
    row.try_get::<Option<String>, _>(column)
}

pub fn int(row: &Row, column: &str) -> Result<i64, StoreError> {
    row.try_get::<i64, _>(column)
}

pub fn opt_int(row: &Row, column: &str) -> Result<Option<i64>, StoreError> {
    row.try_get::<Option<i64>, _>(column)
}

pub fn flag(row: &Row, column: &str) -> Result<bool, StoreError> {
    Ok(int(row, column)? != 0)
}

pub fn at(row: &Row, column: &str) -> Result<Timestamp, StoreError> {
    Ok(Timestamp::from_millis(int(row, column)?))
}

pub fn id(row: &Row, column: &str) -> Result<EntityId, StoreError> {
    Ok(EntityId::new(text(row, column)?))
}

pub fn org(row: &Row, column: &str) -> Result<OrgNumber, StoreError> {
    Ok(OrgNumber::parse(row.text(column)?)?)
}

pub fn opt_org(row: &Row, column: &str) -> Result<Option<OrgNumber>, StoreError> {
    row.opt_text(column)?
        .map(OrgNumber::parse)
        .transpose()
        .map_err(Into::into)
}

/// [`text`], moved out of the row (see [`Row::take`]): for decoders that own their row and
/// read each column once.
pub fn take_text(row: &mut Row, column: &str) -> Result<String, StoreError> {
    row.take::<String, _>(column)
}

/// [`opt_text`], moved out of the row.
pub fn take_opt_text(row: &mut Row, column: &str) -> Result<Option<String>, StoreError> {
    row.take::<Option<String>, _>(column)
}

/// [`id`], moved out of the row.
pub fn take_id(row: &mut Row, column: &str) -> Result<EntityId, StoreError> {
    Ok(EntityId::new(take_text(row, column)?))
}

/// `$first, $first+1, …` for an `IN (…)` list of `count` values.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `text` with `\`, `%` and `_` escaped for `LIKE … ESCAPE '\'`, so they match literally.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A stored value the domain does not accept.
pub fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

/// A person's further numbers from their stored JSON, exactly as `serde_json::from_str` reads
/// them. What every write stores (`serde_json::to_string` of the numbers: `[`, objects of the
/// two keys `kind` and `number` in that order, strings without escapes, `]`, no spaces) is read
/// without serde's machinery; anything else (escapes, spaces, another key order, bad JSON) goes
/// through serde_json, so the result and the errors are serde's in every case.
pub fn contact_numbers(json: &str) -> Result<Vec<ContactNumber>, serde_json::Error> {
    match stored_numbers(json) {
        Some(numbers) => Ok(numbers),
        None => serde_json::from_str(json),
    }
}

/// The numbers of JSON in the stored form, `None` for any other text.
fn stored_numbers(json: &str) -> Option<Vec<ContactNumber>> {
    let pairs = stored_number_texts(json)?;
    Some(
        pairs
            .into_iter()
            .map(|(kind, number)| ContactNumber {
                kind: kind.to_owned(),
                number: number.to_owned(),
            })
            .collect(),
    )
}

/// The kinds and numbers of JSON in the stored form, borrowed from it; `None` for any other
/// text.
fn stored_number_texts(json: &str) -> Option<Vec<(&str, &str)>> {
    let mut rest = json.strip_prefix('[')?;
    let mut numbers = Vec::new();
    if rest == "]" {
        return Some(numbers);
    }
    loop {
        let (kind, after) = plain_string(rest.strip_prefix("{\"kind\":\"")?)?;
        let (number, after) = plain_string(after.strip_prefix(",\"number\":\"")?)?;
        rest = after.strip_prefix('}')?;
        numbers.push((kind, number));
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None => return (rest == "]").then_some(numbers),
        }
    }
}

/// Stored contact numbers as the API writes them (`[{"kind":…,"number":…},…]`, the strings
/// escaped as serde_json does), read as [`contact_numbers`] reads them.
pub fn write_contact_numbers(out: &mut Vec<u8>, json: &str) -> Result<(), serde_json::Error> {
    let write = |out: &mut Vec<u8>, numbers: &mut dyn Iterator<Item = (&str, &str)>| {
        out.push(b'[');
        for (at, (kind, number)) in numbers.enumerate() {
            if at > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"kind\":");
            sentral_json::write_str(out, kind);
            out.extend_from_slice(b",\"number\":");
            sentral_json::write_str(out, number);
            out.push(b'}');
        }
        out.push(b']');
    };
    match stored_number_texts(json) {
        Some(pairs) => write(out, &mut pairs.into_iter()),
        None => {
            let numbers: Vec<ContactNumber> = serde_json::from_str(json)?;
            write(
                out,
                &mut numbers.iter().map(|n| (n.kind.as_str(), n.number.as_str())),
            );
        }
    }
    Ok(())
}

/// The text of a JSON string up to its closing quote, when it holds no escape and no control
/// character (which JSON does not allow unescaped), and what follows the quote.
fn plain_string(text: &str) -> Option<(&str, &str)> {
    let end = text
        .bytes()
        .position(|b| b == b'"' || b == b'\\' || b < 0x20)?;
    (text.as_bytes()[end] == b'"').then(|| (&text[..end], &text[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_numbers_are_read_as_serde_json_reads_them() {
        let numbers = |pairs: &[(&str, &str)]| -> Vec<ContactNumber> {
            pairs
                .iter()
                .map(|(kind, number)| ContactNumber {
                    kind: (*kind).to_owned(),
                    number: (*number).to_owned(),
                })
                .collect()
        };
        // What writes store: serde_json's own output, read back by the fast path.
        for stored in [
            numbers(&[]),
            numbers(&[("work", "4722990001")]),
            numbers(&[("work", "4722990001"), ("mobile", "4790000001")]),
            numbers(&[("other", "ÆØÅ æøå 😀"), ("", "")]),
            numbers(&[("w\"ork", "a\\b"), ("tab\t", "new\nline\u{1}")]),
        ] {
            let json = serde_json::to_string(&stored).unwrap();
            assert_eq!(contact_numbers(&json).unwrap(), stored, "{json}");
        }
        // Every other text: the same answer as serde_json, errors included.
        for json in [
            "[]",
            "[ ]",
            " []",
            "[] ",
            "[{\"kind\":\"work\",\"number\":\"1\"}]",
            "[{\"number\":\"1\",\"kind\":\"work\"}]",
            "[{\"kind\": \"work\", \"number\": \"1\"}]",
            "[{\"kind\":\"w\\u0061rk\",\"number\":\"1\"}]",
            "[{\"kind\":\"work\",\"number\":\"1\"},]",
            "[{\"kind\":\"work\",\"number\":\"1\"}",
            "[{\"kind\":\"work\",\"number\":\"1\"}]]",
            "[{\"kind\":\"work\",\"number\":\"1\"}][]",
            "[{\"kind\":\"work\",\"number\":\"1\",\"x\":1}]",
            "[{\"kind\":\"work\"}]",
            "[{\"kind\":\"wo\u{1}rk\",\"number\":\"1\"}]",
            "[{\"kind\":\"work\",\"number\":\"1\"},{\"kind\":\"home\",\"number\":\"2\"}]",
            "[{\"kind\":\"work\",\"number\":1}]",
            "[",
            "",
            "null",
            "{}",
        ] {
            let serde: Result<Vec<ContactNumber>, _> = serde_json::from_str(json);
            match (contact_numbers(json), serde) {
                (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs, "{json}"),
                (Err(_), Err(_)) => {}
                (ours, theirs) => panic!("{json}: {ours:?} but serde_json: {theirs:?}"),
            }
        }
    }
}
