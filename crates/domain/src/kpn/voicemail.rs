//! Business voicemail (KPN part 3): one voicemail box for the subscriptions of a CSV file.
//!
//! The subscriptions file (`orderUsingPOST`): `;`-separated text with a header row naming (in
//! any order and case) `mobiel nummer`, `voornaam`, `voornaam fonetisch`, `achternaam`,
//! `achternaam fonetisch`, `geslacht`; at most 2 000 rows below it; `mobiel nummer` matches
//! `316[0-9]{8}`, `voornaam` and `achternaam` are required, `geslacht` is `M` or `V`. Errors
//! name the file's line numbers (the header is line 1).

use serde::{Deserialize, Serialize};

/// What `POST /contracting/bvm/order` does when its order finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoicemailChange {
    pub company_name: String,
    pub company_name_pronunciation: String,
    /// `EN` or `NL`.
    pub voice_language: String,
    pub voice_mail_message: String,
    /// The contracts of the file's subscriptions.
    pub contract_ids: Vec<i64>,
}

/// The headers a subscriptions file must have.
pub const HEADERS: &[&str] = &[
    "mobiel nummer",
    "voornaam",
    "voornaam fonetisch",
    "achternaam",
    "achternaam fonetisch",
    "geslacht",
];
/// The most subscriptions one file holds.
pub const MAX_ROWS: usize = 2_000;
/// The largest file taken (128 KB).
pub const MAX_FILE_BYTES: usize = 128 * 1024;
/// How many faults one message lists.
const SHOWN: usize = 10;

/// One subscription of the file, with its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BvmRow {
    pub line: usize,
    pub mobile_number: String,
    pub first_name: String,
    pub first_name_phonetic: Option<String>,
    pub last_name: String,
    pub last_name_phonetic: Option<String>,
    /// `M` or `V`.
    pub gender: String,
}

/// Why a subscriptions file is refused (each a spec error name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BvmFileError {
    InvalidFile(String),
    TooLarge(String),
    WrongSeparator(String),
    MissingHeader(String),
    TooManyRows(String),
    RecordsNotValid(String),
    NotUnique(String),
}

/// `faults` joined for a message: the first few, and how many more.
pub fn listed(faults: &[String]) -> String {
    let mut text = faults
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if faults.len() > SHOWN {
        text.push_str(&format!("; and {} more", faults.len() - SHOWN));
    }
    text
}

fn is_mobile_number(text: &str) -> bool {
    text.len() == 11 && text.starts_with("316") && text.bytes().all(|b| b.is_ascii_digit())
}

/// A cell without its surrounding spaces and quotes.
fn cell(text: &str) -> &str {
    let text = text.trim();
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
        .trim()
}

/// Parses and checks a subscriptions file named `file_name` (when the client sent one).
pub fn parse_subscriptions_file(
    file_name: Option<&str>,
    bytes: &[u8],
) -> Result<Vec<BvmRow>, BvmFileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(BvmFileError::TooLarge(format!(
            "subscriptionsFile is {} bytes; the most is {MAX_FILE_BYTES} (128 KB)",
            bytes.len()
        )));
    }
    if let Some(name) = file_name.map(str::trim).filter(|n| !n.is_empty())
        && !name.to_ascii_lowercase().ends_with(".csv")
    {
        return Err(BvmFileError::InvalidFile(format!(
            "subscriptionsFile {name:?} is not a .csv file"
        )));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        BvmFileError::InvalidFile("subscriptionsFile is not CSV text (not UTF-8)".into())
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(BvmFileError::InvalidFile(
            "subscriptionsFile holds binary content, not CSV text".into(),
        ));
    }
    let lines: Vec<(usize, &str)> = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    let Some(&(header_line, header)) = lines.first() else {
        return Err(BvmFileError::InvalidFile(
            "subscriptionsFile is empty".into(),
        ));
    };
    for &(line, content) in &lines {
        if !content.contains(';') && (content.contains(',') || content.contains('\t')) {
            let used = if content.contains('\t') { "tab" } else { "','" };
            return Err(BvmFileError::WrongSeparator(format!(
                "subscriptionsFile line {line}: columns are separated by {used}; the separator \
                 is ';'"
            )));
        }
    }
    let columns: Vec<String> = header.split(';').map(|h| cell(h).to_lowercase()).collect();
    let missing: Vec<&str> = HEADERS
        .iter()
        .copied()
        .filter(|h| !columns.iter().any(|c| c == h))
        .collect();
    if !missing.is_empty() {
        return Err(BvmFileError::MissingHeader(format!(
            "subscriptionsFile line {header_line}: the header misses {}",
            missing
                .iter()
                .map(|h| format!("{h:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let records = &lines[1..];
    if records.len() > MAX_ROWS {
        return Err(BvmFileError::TooManyRows(format!(
            "subscriptionsFile holds {} rows; the most is {MAX_ROWS}",
            records.len()
        )));
    }
    if records.is_empty() {
        return Err(BvmFileError::RecordsNotValid(
            "subscriptionsFile holds no subscription below its header".into(),
        ));
    }
    let at = |name: &str| columns.iter().position(|c| c == name).unwrap_or_default();
    let (number_at, first_at, first_ph_at, last_at, last_ph_at, gender_at) = (
        at(HEADERS[0]),
        at(HEADERS[1]),
        at(HEADERS[2]),
        at(HEADERS[3]),
        at(HEADERS[4]),
        at(HEADERS[5]),
    );
    let mut rows = Vec::with_capacity(records.len());
    let mut faults = Vec::new();
    for &(line, content) in records {
        let cells: Vec<&str> = content.split(';').map(cell).collect();
        let get = |i: usize| cells.get(i).copied().unwrap_or_default();
        let optional = |i: usize| Some(get(i).to_owned()).filter(|t| !t.is_empty());
        let mut wrong = Vec::new();
        let number = get(number_at);
        if !is_mobile_number(number) {
            wrong.push(format!(
                "mobiel nummer {number:?} does not match 316[0-9]{{8}}"
            ));
        }
        if get(first_at).is_empty() {
            wrong.push("voornaam is empty".to_owned());
        }
        if get(last_at).is_empty() {
            wrong.push("achternaam is empty".to_owned());
        }
        let gender = get(gender_at).to_ascii_uppercase();
        if gender != "M" && gender != "V" {
            wrong.push(format!("geslacht {:?} is not M or V", get(gender_at)));
        }
        if !wrong.is_empty() {
            faults.push(format!("line {line}: {}", wrong.join(", ")));
            continue;
        }
        rows.push(BvmRow {
            line,
            mobile_number: number.to_owned(),
            first_name: get(first_at).to_owned(),
            first_name_phonetic: optional(first_ph_at),
            last_name: get(last_at).to_owned(),
            last_name_phonetic: optional(last_ph_at),
            gender,
        });
    }
    if !faults.is_empty() {
        return Err(BvmFileError::RecordsNotValid(format!(
            "subscriptionsFile: {}",
            listed(&faults)
        )));
    }
    let mut seen: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for row in &rows {
        seen.entry(&row.mobile_number).or_default().push(row.line);
    }
    let repeated: Vec<String> = seen
        .iter()
        .filter(|(_, lines)| lines.len() > 1)
        .map(|(number, lines)| {
            let lines: Vec<String> = lines.iter().map(usize::to_string).collect();
            format!("{number} on lines {}", lines.join(", "))
        })
        .collect();
    if !repeated.is_empty() {
        return Err(BvmFileError::NotUnique(format!(
            "subscriptionsFile: {}",
            listed(&repeated)
        )));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "mobiel nummer;voornaam;voornaam fonetisch;achternaam;achternaam fonetisch;geslacht";

    #[test]
    fn a_good_file_parses_with_its_line_numbers() {
        let file = format!(
            "{HEADER}\r\n31610001000;Jan;Jan;Vries;Fries;M\n\n31610001001;Sanne;;Dijk;;v\n"
        );
        let rows = parse_subscriptions_file(Some("bvm.CSV"), file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].gender, "V");
    }

    #[test]
    fn each_fault_has_its_error() {
        let bad = |name: Option<&str>, text: &str| parse_subscriptions_file(name, text.as_bytes());
        assert!(matches!(
            bad(Some("a.txt"), HEADER),
            Err(BvmFileError::InvalidFile(_))
        ));
        assert!(matches!(
            bad(None, "mobiel nummer,voornaam"),
            Err(BvmFileError::WrongSeparator(_))
        ));
        assert!(matches!(
            bad(None, "mobiel nummer;voornaam\n31610001000;Jan"),
            Err(BvmFileError::MissingHeader(_))
        ));
        let Err(BvmFileError::RecordsNotValid(message)) = bad(
            None,
            &format!("{HEADER}\n31610001000;Jan;;Vries;;M\n0612;Jan;;Vries;;X"),
        ) else {
            panic!("records")
        };
        assert!(message.contains("line 3"), "{message}");
        assert!(matches!(
            bad(
                None,
                &format!("{HEADER}\n31610001000;Jan;;V;;M\n31610001000;Jan;;V;;M")
            ),
            Err(BvmFileError::NotUnique(_))
        ));
    }
}
