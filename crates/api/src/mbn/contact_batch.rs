//! `POST /catalog/contacts/batch`: upsert and delete contacts by `externalId`, all or nothing.

use crate::json::Json;
use axum::extract::State;
use sentral_domain::ApiProduct;
use sentral_services::directory::contacts::{BatchEntry, BatchOutcome, BatchResult};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::contacts::{ContactInputBody, EnterpriseParam};
use crate::AppState;
use crate::body::{Json as JsonBody, Query};
use crate::telenor::{ErrorBody, TelenorCaller, TelenorError};

/// One entry of a batch: `action` `upsert` with the whole contact (its `externalId` required),
/// or `delete` with the `externalId` only.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchEntryBody {
    /// `upsert` or `delete`.
    #[schema(example = "upsert")]
    pub action: String,
    /// The contact's fields, for an upsert (`externalId` required); `externalId` alone for a
    /// delete.
    #[serde(flatten)]
    pub contact: ContactInputBody,
}

/// Up to 1 000 entries, applied all together or not at all.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchBody {
    pub entries: Vec<BatchEntryBody>,
}

/// What a batch did to one entry.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchEntryResultBody {
    pub index: usize,
    pub external_id: String,
    /// The contact's id; absent for a delete of a contact that did not exist.
    pub contact_id: Option<String>,
    /// `created`, `updated`, `deleted` or `unchanged`.
    #[schema(example = "created")]
    pub outcome: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchResultBody {
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    /// Upserts that changed nothing, and deletes of contacts that did not exist.
    pub unchanged: usize,
    /// One per entry, in the order sent.
    pub results: Vec<BatchEntryResultBody>,
}

impl From<BatchResult> for BatchResultBody {
    fn from(result: BatchResult) -> Self {
        Self {
            created: result.count(BatchOutcome::Created),
            updated: result.count(BatchOutcome::Updated),
            deleted: result.count(BatchOutcome::Deleted),
            unchanged: result.count(BatchOutcome::Unchanged),
            results: result
                .entries
                .into_iter()
                .enumerate()
                .map(|(index, entry)| BatchEntryResultBody {
                    index,
                    external_id: entry.external_id,
                    contact_id: entry.contact_id,
                    outcome: entry.outcome.as_str(),
                })
                .collect(),
        }
    }
}

fn batch_entries(body: Value) -> Result<Vec<BatchEntry>, TelenorError> {
    let entries = match body {
        Value::Object(mut map) => match map.remove("entries") {
            Some(Value::Array(entries)) => entries,
            _ => {
                return Err(TelenorError::BadRequest(
                    "entries: give a list of {action, externalId, …}".into(),
                ));
            }
        },
        _ => {
            return Err(TelenorError::BadRequest(
                "the body must be a JSON object with entries".into(),
            ));
        }
    };
    entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            let bad =
                |detail: String| TelenorError::BadRequest(format!("entries[{index}].{detail}"));
            let Value::Object(mut entry) = entry else {
                return Err(TelenorError::BadRequest(format!(
                    "entries[{index}]: must be an object"
                )));
            };
            let action = match entry.remove("action") {
                Some(Value::String(action)) => action,
                _ => return Err(bad("action: give upsert or delete".into())),
            };
            match action.as_str() {
                "upsert" => {
                    let contact: ContactInputBody = serde_json::from_value(Value::Object(entry))
                        .map_err(|e| bad(format!("contact: {e}")))?;
                    Ok(BatchEntry::Upsert(Box::new(contact.into())))
                }
                "delete" => match entry.remove("externalId") {
                    Some(Value::String(external_id)) if entry.is_empty() => {
                        Ok(BatchEntry::Delete { external_id })
                    }
                    Some(Value::String(_)) => {
                        Err(bad("action: a delete takes the externalId only".into()))
                    }
                    _ => Err(bad("externalId: must be a string".into())),
                },
                other => Err(bad(format!(
                    "action: must be upsert or delete, got {other:?}"
                ))),
            }
        })
        .collect()
}

/// Upsert and delete contacts by `externalId` (machine users only): up to 1 000 entries in one
/// transaction. Every entry is checked first; an invalid one fails the whole batch (nothing is
/// written) with its index and field in the detail, e.g. `entries[17].email: …`. An upsert that
/// changes nothing is `unchanged` and does not show in the change feed.
#[utoipa::path(
    post,
    path = "/catalog/contacts/batch",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(EnterpriseParam),
    request_body = BatchBody,
    responses(
        (status = 200, description = "What each entry did", body = BatchResultBody),
        (status = 400, description = "40000: an entry breaks a rule (index and field named in the detail), more than 1 000 entries, an externalId twice; enterpriseId needed", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown enterprise or not yours", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn batch(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Query(params, _): Query<EnterpriseParam, TelenorError>,
    JsonBody(body, _): JsonBody<Value, TelenorError>,
) -> Result<Json<BatchResultBody>, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    let entries = batch_entries(body)?;
    let result = state
        .platform
        .contact_batch(&caller, params.enterprise_id.as_deref(), entries)
        .await?;
    Ok(Json(result.into()))
}
