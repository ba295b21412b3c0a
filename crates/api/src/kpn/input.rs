//! Request leniency in one place (KPN.md): query strings with repeated keys
//! (`status=NEW&status=CLOSED`), integers and booleans given as text, and JSON bodies parsed
//! whatever their `Content-Type` says, with `null` and `""` accepted for every optional field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde_json::{Map, Value};

use super::KpnError;
use crate::body::update::UpdateFields;
use sentral_domain::kpn::Page;

/// The query string as its pairs, in order.
pub struct KpnQuery(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for KpnQuery {
    type Rejection = KpnError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, KpnError> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(Self(
            form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}

impl KpnQuery {
    /// The first non-empty value of `name`.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(key, value)| key == name && !value.trim().is_empty())
            .map(|(_, value)| value.clone())
    }

    /// Every non-empty value of `name` (also `name[]`), in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        let bracketed = format!("{name}[]");
        self.0
            .iter()
            .filter(|(key, value)| (key == name || *key == bracketed) && !value.trim().is_empty())
            .map(|(_, value)| value.clone())
            .collect()
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, KpnError> {
        self.text(name).map(|text| integer(name, &text)).transpose()
    }

    /// Every integer of `name`, repeated or comma-separated.
    pub fn ints(&self, name: &str) -> Result<Vec<i64>, KpnError> {
        let mut ints = Vec::new();
        for value in self.all(name) {
            for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                ints.push(integer(name, part)?);
            }
        }
        Ok(ints)
    }

    pub fn flag(&self, name: &str) -> Result<Option<bool>, KpnError> {
        self.text(name)
            .map(|text| match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(KpnError::BadRequest(format!(
                    "{name} must be true or false, got {text:?}"
                ))),
            })
            .transpose()
    }

    /// `from` (inclusive) and `to` (exclusive).
    pub fn page(&self) -> Result<Page, KpnError> {
        Page::new(self.int("from")?, self.int("to")?).map_err(KpnError::BadRequest)
    }
}

fn integer(name: &str, text: &str) -> Result<i64, KpnError> {
    text.trim()
        .parse()
        .map_err(|_| KpnError::BadRequest(format!("{name} must be an integer, got {text:?}")))
}

/// A JSON object body under any content type (or none); an empty body is `{}`.
pub struct KpnBody(pub Fields);

impl<S: Send + Sync> FromRequest<S> for KpnBody {
    type Rejection = KpnError;

    async fn from_request(request: Request, state: &S) -> Result<Self, KpnError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    KpnError::PayloadTooLarge
                } else {
                    KpnError::BadRequest(format!("unreadable body: {}", rejection.body_text()))
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Fields::new(Map::new(), "")));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Self(Fields::new(map, ""))),
            Ok(Value::Null) => Ok(Self(Fields::new(Map::new(), ""))),
            Ok(other) => Err(KpnError::BadRequest(format!(
                "the body must be a JSON object, got {}",
                kind(&other)
            ))),
            Err(error) => Err(KpnError::BadRequest(format!("invalid JSON body: {error}"))),
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The fields of a JSON object, read leniently; errors name the field by its path.
pub struct Fields {
    map: Map<String, Value>,
    prefix: String,
}

impl Fields {
    fn new(map: Map<String, Value>, prefix: &str) -> Self {
        Self {
            map,
            prefix: prefix.to_owned(),
        }
    }

    /// The read-only `id` an update may echo back: absent or `id` itself, else a 400 naming it
    /// (`what` says which item the path names, e.g. "the address edited").
    pub fn refuse_other_id(&self, id: i64, what: &str) -> Result<(), KpnError> {
        match self.int("id")? {
            Some(sent) if sent != id => Err(KpnError::BadRequest(format!(
                "{}: read-only, {what} is {id}, got {sent}",
                self.path("id")
            ))),
            _ => Ok(()),
        }
    }

    fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The value of `name`, `None` for absent, `null` and `""`.
    fn value(&self, name: &str) -> Option<&Value> {
        match self.map.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.trim().is_empty() => None,
            Some(value) => Some(value),
        }
    }

    pub fn text(&self, name: &str) -> Result<Option<String>, KpnError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Number(number)) => Ok(Some(number.to_string())),
            Some(Value::Bool(flag)) => Ok(Some(flag.to_string())),
            Some(other) => Err(KpnError::BadRequest(format!(
                "{} must be a string, got {}",
                self.path(name),
                kind(other)
            ))),
        }
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, KpnError> {
        let bad = |got: &str| {
            KpnError::BadRequest(format!("{} must be an integer, got {got}", self.path(name)))
        };
        match self.value(name) {
            None => Ok(None),
            Some(Value::Number(number)) => number
                .as_i64()
                .map(Some)
                .ok_or_else(|| bad(&number.to_string())),
            Some(Value::String(text)) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| bad(&format!("{text:?}"))),
            Some(other) => Err(bad(kind(other))),
        }
    }

    pub fn flag(&self, name: &str) -> Result<Option<bool>, KpnError> {
        let bad = |got: &str| {
            KpnError::BadRequest(format!(
                "{} must be true or false, got {got}",
                self.path(name)
            ))
        };
        match self.value(name) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(Value::String(text)) => match text.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(bad(&format!("{text:?}"))),
            },
            Some(other) => Err(bad(kind(other))),
        }
    }

    pub fn ints(&self, name: &str) -> Result<Vec<i64>, KpnError> {
        match self.value(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(values)) => {
                let fields = Fields::new(
                    values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (i.to_string(), v.clone()))
                        .collect(),
                    &format!("{}.", self.path(name)),
                );
                (0..values.len())
                    .filter_map(|i| fields.int(&i.to_string()).transpose())
                    .collect()
            }
            Some(other) => Err(KpnError::BadRequest(format!(
                "{} must be an array of integers, got {}",
                self.path(name),
                kind(other)
            ))),
        }
    }

    /// The fields an update may change by `rule` (crate::body::update), once the read-only
    /// ones sent back are found equal to `current()`, the resource as GET answers it; an error
    /// names the field by its path.
    pub async fn update<F, Fut>(self, rule: &UpdateFields, current: F) -> Result<Fields, KpnError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Value, KpnError>>,
    {
        let prefix = self.prefix;
        match rule.apply(self.map, current).await {
            Ok(map) => Ok(Fields::new(map, &prefix)),
            Err(KpnError::BadRequest(detail)) => {
                Err(KpnError::BadRequest(format!("{prefix}{detail}")))
            }
            Err(other) => Err(other),
        }
    }

    /// The array of objects `name` (absent: empty), each named by its index (`name[0].`).
    pub fn objects(&self, name: &str) -> Result<Vec<Fields>, KpnError> {
        match self.value(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(values)) => values
                .iter()
                .enumerate()
                .map(|(i, value)| match value {
                    Value::Object(map) => Ok(Fields::new(
                        map.clone(),
                        &format!("{}[{i}].", self.path(name)),
                    )),
                    other => Err(KpnError::BadRequest(format!(
                        "{}[{i}] must be an object, got {}",
                        self.path(name),
                        kind(other)
                    ))),
                })
                .collect(),
            Some(other) => Err(KpnError::BadRequest(format!(
                "{} must be an array of objects, got {}",
                self.path(name),
                kind(other)
            ))),
        }
    }

    /// The nested object `name` (absent: empty).
    pub fn object(&self, name: &str) -> Result<Fields, KpnError> {
        let prefix = format!("{}.", self.path(name));
        match self.value(name) {
            None => Ok(Fields::new(Map::new(), &prefix)),
            Some(Value::Object(map)) => Ok(Fields::new(map.clone(), &prefix)),
            Some(other) => Err(KpnError::BadRequest(format!(
                "{} must be an object, got {}",
                self.path(name),
                kind(other)
            ))),
        }
    }
}
