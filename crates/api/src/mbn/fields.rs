//! Reading partial-update bodies: a field left out keeps its value, `null` clears it.

use serde_json::{Map, Value};

use crate::telenor::TelenorError;

/// The body as a JSON object; an empty body is an empty object.
pub fn object(body: &[u8]) -> Result<Map<String, Value>, TelenorError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(TelenorError::BadRequest(
            "the body must be a JSON object".into(),
        )),
        Err(e) => Err(TelenorError::BadRequest(format!("invalid JSON body: {e}"))),
    }
}

/// `None` when absent, `Some(None)` for null, `Some(Some(text))` for a string.
pub fn nullable_text(
    body: &Map<String, Value>,
    field: &str,
) -> Result<Option<Option<String>>, TelenorError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(text)) => Ok(Some(Some(text.clone()))),
        Some(other) => Err(TelenorError::BadRequest(format!(
            "{field}: must be a string or null, got {other}"
        ))),
    }
}

/// A required field may be left out but not cleared.
pub fn text(body: &Map<String, Value>, field: &str) -> Result<Option<String>, TelenorError> {
    match nullable_text(body, field)? {
        None => Ok(None),
        Some(Some(text)) => Ok(Some(text)),
        Some(None) => Err(TelenorError::BadRequest(format!(
            "{field}: cannot be cleared"
        ))),
    }
}

/// A typed field, when present.
pub fn typed<T: serde::de::DeserializeOwned>(
    body: &Map<String, Value>,
    field: &str,
) -> Result<Option<T>, TelenorError> {
    body.get(field)
        .filter(|value| !value.is_null())
        .map(|value| {
            serde_json::from_value(value.clone())
                .map_err(|e| TelenorError::BadRequest(format!("{field}: {e}")))
        })
        .transpose()
}
