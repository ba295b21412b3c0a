//! Usage thresholds (`/contract/thresholds…`), `rest-threshold-controller` (rules in
//! `sentral_services::kpn::thresholds`). Writes answer an empty 200: thresholds take effect at
//! once.

use crate::json::Json;
use axum::extract::State;
use axum::routing::{MethodRouter, get, post};
use sentral_domain::kpn::thresholds::Threshold;
use sentral_services::kpn::thresholds::ThresholdInput;
use serde::Serialize;
use utoipa::ToSchema;

use super::contracts::{ContractBody, list_query};
use super::input::{Fields, KpnBody, KpnQuery};
use super::wire::{AvailabilityBody, Paged};
use super::{KpnCaller, KpnError, path_id};
use crate::AppState;
use crate::body::Path;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("GET", "/contract/thresholds") => get(list),
        ("POST", "/contract/thresholds") => post(create),
        ("GET", "/contract/thresholds/availability") => get(availability),
        ("POST", "/contract/thresholds/remove") => post(remove),
        ("GET", "/contract/thresholds/{id}") => get(details),
        ("POST", "/contract/thresholds/{id}") => post(update),
        ("POST", "/contract/thresholds/{id}/assign") => post(assign),
        ("POST", "/contract/thresholds/{id}/unassign") => post(unassign),
        ("GET", "/contract/thresholds/{thresholdId}/contracts") => get(contracts),
        ("GET", "/contract/thresholds/{thresholdId}/contracts-to-assign") => {
            get(contracts_to_assign)
        }
        _ => return None,
    })
}

/// `Threshold`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThresholdBody {
    pub id: i64,
    pub name: String,
    /// DATA_NATIONAL_MB, DATA_ROAMING_MB, VOICE_NATIONAL_MIN or VOICE_ROAMING_EUR.
    pub r#type: &'static str,
    pub daily_value: f64,
}

impl From<Threshold> for ThresholdBody {
    fn from(threshold: Threshold) -> Self {
        Self {
            id: threshold.id,
            name: threshold.name,
            r#type: threshold.kind.as_str(),
            daily_value: threshold.daily_value,
        }
    }
}

/// `ThresholdDetails`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThresholdDetailsBody {
    pub threshold: ThresholdBody,
    pub change_type: AvailabilityBody,
    pub delete: AvailabilityBody,
}

fn enabled(enabled: bool) -> AvailabilityBody {
    AvailabilityBody {
        enabled,
        visible: None,
        reason: None,
        blocking_orders: Some(Vec::new()),
    }
}

/// `ThresholdRequestParams` (create and update; an update is a full replace). The
/// `ThresholdDetails` its GET answers may be sent back as it is: its `threshold` is then the
/// body (`id` read-only), `changeType` and `delete` are ignored, and so are unknown fields.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // only the OpenAPI document reads it
pub struct ThresholdRequestParams {
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// VOICE_NATIONAL_MIN, VOICE_ROAMING_EUR, DATA_NATIONAL_MB or DATA_ROAMING_MB.
    pub r#type: String,
    /// Positive (a number or its text).
    pub daily_value: f64,
    /// The `ThresholdDetails.threshold` sent back instead of the fields above.
    pub threshold: Option<ThresholdBody>,
    #[schema(read_only)]
    pub change_type: Option<AvailabilityBody>,
    #[schema(read_only)]
    pub delete: Option<AvailabilityBody>,
}

/// `ThresholdRequestParams`: `dailyValue` a JSON number or its text; the `id` of a threshold
/// sent back (from `ThresholdDetails.threshold`) must be the path's.
fn threshold_input(body: &Fields) -> Result<ThresholdInput, KpnError> {
    Ok(ThresholdInput {
        name: body.text("name")?,
        kind: body.text("type")?,
        daily_value: body.text("dailyValue")?,
    })
}

pub async fn list(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> Result<Json<Vec<ThresholdBody>>, KpnError> {
    let thresholds = state.platform.kpn_thresholds(&principal).await?;
    Ok(Json(thresholds.into_iter().map(Into::into).collect()))
}

pub async fn create(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    let input = threshold_input(&body)?;
    state
        .platform
        .kpn_create_threshold(&principal, &input)
        .await?;
    Ok(())
}

pub async fn availability(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> Result<Json<AvailabilityBody>, KpnError> {
    let (enabled, visible) = state
        .platform
        .kpn_threshold_availability(&principal)
        .await?;
    Ok(Json(AvailabilityBody {
        enabled,
        visible: Some(visible),
        reason: None,
        blocking_orders: Some(Vec::new()),
    }))
}

pub async fn remove(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    let ids = body.ints("thresholdIds")?;
    state
        .platform
        .kpn_remove_thresholds(&principal, &ids)
        .await?;
    Ok(())
}

pub async fn details(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<ThresholdDetailsBody>, KpnError> {
    let details = state
        .platform
        .kpn_threshold(&principal, path_id("id", &id)?)
        .await?;
    Ok(Json(ThresholdDetailsBody {
        threshold: details.threshold.into(),
        change_type: enabled(details.change_type),
        delete: enabled(details.delete),
    }))
}

pub async fn update(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    let id = path_id("id", &id)?;
    body.refuse_other_id(id, "the threshold updated")?;
    // A ThresholdDetails sent back as its GET answered it: its threshold is the body.
    let body = match body.object("threshold")? {
        inner if body.text("name")?.is_none() && inner.text("name")?.is_some() => inner,
        _ => body,
    };
    body.refuse_other_id(id, "the threshold updated")?;
    let input = threshold_input(&body)?;
    state
        .platform
        .kpn_update_threshold(&principal, id, &input)
        .await?;
    Ok(())
}

async fn assignment(
    state: &AppState,
    principal: &sentral_services::Principal,
    id: &str,
    body: &Fields,
    assign: bool,
) -> Result<(), KpnError> {
    let contracts = body.ints("contractsIds")?;
    state
        .platform
        .kpn_assign_threshold(principal, path_id("id", id)?, &contracts, assign)
        .await?;
    Ok(())
}

pub async fn assign(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    assignment(&state, &principal, &id, &body, true).await
}

pub async fn unassign(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    assignment(&state, &principal, &id, &body, false).await
}

type ContractsAnswer = Result<Json<Paged<ContractBody>>, KpnError>;

async fn threshold_contracts(
    state: &AppState,
    principal: &sentral_services::Principal,
    id: &str,
    query: &KpnQuery,
    assignable: bool,
) -> ContractsAnswer {
    let (rows, total) = state
        .platform
        .kpn_threshold_contracts(
            principal,
            path_id("thresholdId", id)?,
            list_query(query)?,
            assignable,
        )
        .await?;
    Ok(Json(Paged::of(rows, total)))
}

pub async fn contracts(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    query: KpnQuery,
) -> ContractsAnswer {
    threshold_contracts(&state, &principal, &id, &query, false).await
}

pub async fn contracts_to_assign(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    query: KpnQuery,
) -> ContractsAnswer {
    threshold_contracts(&state, &principal, &id, &query, true).await
}
