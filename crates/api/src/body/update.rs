//! One rule for every update body of every dialect, so a client may read a resource, change it
//! and write the whole of it back: fields the update changes are taken; read-only fields of the
//! resource (ids, `enterpriseId`, timestamps, `deleted` …) sent back with the value the server
//! has are ignored, with another value they are a 400 naming the field; fields derived from
//! others and the clock are ignored; unknown fields are a 400 naming them (Telenor and MBN) or
//! ignored (KPN, whose clients echo fields of other resources). The OpenAPI documents say the
//! same of each update body (`readOnly`, `additionalProperties`).

use std::future::Future;

use sentral_domain::{Msisdn, Timestamp};
use serde::Serialize;
use serde_json::{Map, Value};

use super::BodyError;

/// What an update does with a field it does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// A 400 naming the field (Telenor and MBN).
    Refuse,
    /// Left out (KPN).
    Ignore,
}

/// The fields of one resource's update body.
#[derive(Debug)]
pub struct UpdateFields {
    /// The resource with its article, for messages: "a contact".
    pub what: &'static str,
    /// The fields the update changes.
    pub writable: &'static [&'static str],
    /// Fields of the resource as GET answers it that the update does not change: checked
    /// against the server's values.
    pub read_only: &'static [&'static str],
    /// Fields GET computes from other fields, other resources or the clock (an absence's
    /// `current`): ignored whatever their value, which may have changed since the client read it.
    pub derived: &'static [&'static str],
    pub unknown: Unknown,
}

/// The read-only fields a body sent back, still to be compared with the resource.
#[derive(Debug, Default)]
pub struct Echoed(Vec<(String, Value)>);

impl UpdateFields {
    /// The body's writable fields, and the read-only ones it echoes; derived fields (and
    /// unknown ones, when ignored) are dropped.
    pub fn split<E: BodyError>(
        &self,
        body: Map<String, Value>,
    ) -> Result<(Map<String, Value>, Echoed), E> {
        let mut writable = Map::new();
        let mut echoed = Echoed::default();
        for (field, value) in body {
            if self.writable.contains(&field.as_str()) {
                writable.insert(field, value);
            } else if self.read_only.contains(&field.as_str()) {
                echoed.0.push((field, value));
            } else if self.derived.contains(&field.as_str()) || self.unknown == Unknown::Ignore {
                continue;
            } else {
                return Err(E::bad_body(self.unknown_field(&field)));
            }
        }
        Ok((writable, echoed))
    }

    /// A body that makes a new resource: no server values to compare with, so read-only and
    /// derived fields (a copy of another resource's) are ignored; unknown ones as for updates.
    pub fn new_resource<E: BodyError>(
        &self,
        body: Map<String, Value>,
    ) -> Result<Map<String, Value>, E> {
        self.split(body).map(|(writable, _)| writable)
    }

    /// The whole rule for an update: the body's writable fields, once every read-only field
    /// it echoes has been found equal to the resource's. `current` reads the resource as GET
    /// answers it (see [`representation`]); it is called only when the body echoes any.
    pub async fn apply<E, F, Fut>(
        &self,
        body: Map<String, Value>,
        current: F,
    ) -> Result<Map<String, Value>, E>
    where
        E: BodyError,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Value, E>>,
    {
        let (writable, echoed) = self.split(body)?;
        if !echoed.0.is_empty() {
            echoed.verify(&current().await?)?;
        }
        Ok(writable)
    }

    fn unknown_field(&self, field: &str) -> String {
        let mut known = self.read_only.to_vec();
        known.extend_from_slice(self.derived);
        let also = if known.is_empty() {
            String::new()
        } else {
            format!(" (and, read-only, {})", known.join(", "))
        };
        format!(
            "{field}: unknown field; {} has {}{also}",
            self.what,
            self.writable.join(", ")
        )
    }
}

impl Echoed {
    /// Every echoed field equal to the resource's (`current`, a JSON object); the first that
    /// is not is a 400 naming it.
    pub fn verify<E: BodyError>(&self, current: &Value) -> Result<(), E> {
        for (field, sent) in &self.0 {
            let server = current.get(field).unwrap_or(&Value::Null);
            if !same(sent, server) && !same_phone_number(field, sent, server) {
                return Err(E::bad_body(format!(
                    "{field}: read-only; it is {server} here, not {sent}: send it back as read \
                     (read the resource again if it changed since) or leave it out"
                )));
            }
        }
        Ok(())
    }
}

/// A resource as GET answers it, for [`UpdateFields::apply`].
pub fn representation(body: impl Serialize) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// Fields no client may send, whatever the body is: the first is a 400 naming it as
/// `{prefix}{field}` (e.g. `busy.colour`).
pub fn refuse_unknown<E: BodyError>(
    body: &Map<String, Value>,
    allowed: &[&str],
    prefix: &str,
    what: &str,
) -> Result<(), E> {
    match body.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(unknown) => Err(E::bad_body(format!(
            "{prefix}{unknown}: unknown field; {what} has {}",
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

/// Whether a value sent back is the server's, read as the body parsing reads values: `null`,
/// absent and `""` alike, numbers and booleans given as strings, times in any RFC 3339 form,
/// objects field by field (an absent field is `null`).
pub fn same(sent: &Value, server: &Value) -> bool {
    use Value::{Array, Bool, Null, Number, Object, String as Text};
    match (sent, server) {
        (Null, Null) => true,
        (Text(text), Null) | (Null, Text(text)) => text.trim().is_empty(),
        (Text(a), Text(b)) => a.trim() == b.trim() || same_instant(a, b),
        (Number(n), Text(s)) | (Text(s), Number(n)) => same_number(n, s.trim()),
        (Bool(b), Text(s)) | (Text(s), Bool(b)) => s.trim() == b.to_string(),
        (Number(a), Number(b)) => a == b || a.as_f64() == b.as_f64(),
        (Array(a), Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        (Object(a), Object(b)) => a
            .keys()
            .chain(b.keys())
            .all(|key| same(a.get(key).unwrap_or(&Null), b.get(key).unwrap_or(&Null))),
        _ => sent == server,
    }
}

/// Fields that hold a phone number, which a client may send back in any form the API takes
/// (`91000001`, `4791000001`, `+47 910 00 001` …): the same number in another form is the same.
const PHONE_NUMBER_FIELDS: &[&str] = &["msisdn", "mobileNumber"];

fn same_phone_number(field: &str, sent: &Value, server: &Value) -> bool {
    let number = |value: &Value| value.as_str().and_then(|text| Msisdn::parse(text).ok());
    PHONE_NUMBER_FIELDS.contains(&field)
        && number(sent).is_some_and(|sent| number(server).is_some_and(|server| sent == server))
}

fn same_number(number: &serde_json::Number, text: &str) -> bool {
    number.to_string() == text
        || text
            .parse::<f64>()
            .is_ok_and(|parsed| number.as_f64() == Some(parsed))
}

fn same_instant(a: &str, b: &str) -> bool {
    match (
        Timestamp::parse_rfc3339(a.trim()),
        Timestamp::parse_rfc3339(b.trim()),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::telenor::TelenorError;

    const THING: UpdateFields = UpdateFields {
        what: "a thing",
        writable: &["name"],
        read_only: &["id", "updatedAt"],
        derived: &["current"],
        unknown: Unknown::Refuse,
    };

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn detail(error: TelenorError) -> String {
        match error {
            TelenorError::BadRequest(detail) => detail,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn values_sent_back_compare_as_the_body_parsing_reads_them() {
        assert!(same(&json!(100001), &json!("100001")));
        assert!(same(&json!("true"), &json!(true)));
        assert!(same(&json!(""), &Value::Null));
        assert!(same(
            &json!("2026-05-04T11:00:00+02:00"),
            &json!("2026-05-04T09:00:00.000Z")
        ));
        assert!(same(&json!({"a": 1}), &json!({"a": 1, "b": null})));
        assert!(!same(&json!("ct_1"), &json!("ct_2")));
        assert!(!same(&json!([]), &json!([1])));
        assert!(!same(&json!({"other": 1}), &json!({})));
    }

    #[tokio::test]
    async fn read_only_echoes_are_checked_derived_ones_ignored_unknown_ones_refused() {
        let current =
            json!({"id": "t1", "name": "A", "updatedAt": "2026-01-01T00:00:00Z", "current": true});
        let read = || async { Ok::<_, TelenorError>(current.clone()) };
        let body = object(
            json!({"id": "t1", "name": "B", "current": false, "updatedAt": "2026-01-01T00:00:00.000Z"}),
        );
        let writable = THING.apply(body, read).await.unwrap();
        assert_eq!(Value::Object(writable), json!({"name": "B"}));

        let moved = object(json!({"id": "t2", "name": "B"}));
        let error = THING.apply(moved, read).await.unwrap_err();
        assert!(detail(error).starts_with("id: read-only"));

        let unknown = object(json!({"colour": "red"}));
        let error = THING.apply(unknown, read).await.unwrap_err();
        let detail = detail(error);
        assert!(
            detail.starts_with("colour: unknown field; a thing has name"),
            "{detail}"
        );

        let lenient = UpdateFields {
            unknown: Unknown::Ignore,
            ..THING
        };
        let body = object(json!({"colour": "red", "name": "C"}));
        let writable = lenient.apply(body, read).await.unwrap();
        assert_eq!(Value::Object(writable), json!({"name": "C"}));
    }

    #[tokio::test]
    async fn a_phone_number_sent_back_in_another_form_is_the_same_number() {
        const SUBSCRIPTION: UpdateFields = UpdateFields {
            what: "a subscription",
            writable: &["userReference1"],
            read_only: &["msisdn", "accountId"],
            derived: &[],
            unknown: Unknown::Refuse,
        };
        let current = json!({"msisdn": "4791000001", "accountId": "91000001"});
        let read = || async { Ok::<_, TelenorError>(current.clone()) };
        for form in ["91000001", "+47 910 00 001", "004791000001", "4791000001"] {
            let body = object(json!({"msisdn": form, "userReference1": "x"}));
            assert!(SUBSCRIPTION.apply(body, read).await.is_ok(), "{form}");
        }
        let other = object(json!({"msisdn": "91000002"}));
        let error = SUBSCRIPTION.apply(other, read).await.unwrap_err();
        assert!(detail(error).starts_with("msisdn: read-only"));
        // Only phone-number fields: an account id that looks like a number is compared as text.
        let account = object(json!({"accountId": "4791000001"}));
        let error = SUBSCRIPTION.apply(account, read).await.unwrap_err();
        assert!(detail(error).starts_with("accountId: read-only"));
    }

    #[tokio::test]
    async fn the_resource_is_not_read_when_the_body_echoes_no_read_only_field() {
        let read = || async { Err::<Value, _>(TelenorError::Internal) };
        let body = object(json!({"name": "B", "current": 1}));
        assert!(THING.apply(body, read).await.is_ok());
    }
}
