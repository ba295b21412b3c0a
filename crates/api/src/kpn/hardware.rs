//! Hardware (`/order/apple-dep`, `/order/samsung-knox`, `/order/return-hardware`, `/track-and-trace/returned-hardware-service-requests`, service-request attachments).

use crate::json::Json;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use sentral_services::kpn::hardware::{Programme, ReturnRequest, ReturnedRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::input::{KpnBody, KpnQuery};
use super::track::{ParticipantBody, track_query};
use super::wire::{OrderAnswer, Paged, date, ordered};
use super::{KpnCaller, KpnError, path_id};
use crate::AppState;
use crate::body::Path;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("POST", "/order/apple-dep") => post(apple_dep),
        ("POST", "/order/samsung-knox") => post(samsung_knox),
        ("POST", "/order/return-hardware") => post(return_hardware),
        ("GET", "/track-and-trace/returned-hardware-service-requests") => get(returned_hardware),
        ("GET", "/track-and-trace/service-requests/{id}/attachments/{attachmentId}") => {
            get(attachment)
        }
        _ => return None,
    })
}

async fn enrol(
    state: &AppState,
    principal: &sentral_services::Principal,
    programme: Programme,
    body: &super::input::Fields,
) -> OrderAnswer {
    let summary = state
        .platform
        .kpn_enrol_hardware(
            principal,
            programme,
            body.int("orderId")?,
            body.text("referenceNumber")?,
        )
        .await?;
    ordered(summary)
}

/// `HardwareEnrollmentRequest` → `OrderSummary`.
async fn apple_dep(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    enrol(&state, &principal, Programme::AppleDep, &body).await
}

/// `HardwareEnrollmentRequest` → `OrderSummary`.
async fn samsung_knox(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    enrol(&state, &principal, Programme::SamsungKnox, &body).await
}

/// `ReturnHardwareRequest` → `OrderSummary`.
async fn return_hardware(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let request = ReturnRequest {
        order_id: body.int("orderId")?,
        hardware_to_return: body.ints("hardwareToReturn")?,
        reason: body.text("reason")?,
        remarks: body.text("remarks")?,
        email: body.text("email")?,
        reference_number: body.text("referenceNumber")?,
    };
    ordered(
        state
            .platform
            .kpn_return_hardware(&principal, request)
            .await?,
    )
}

/// `ReturnedHardware`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnedHardwareBody {
    pub product: String,
    pub multiplicity: i64,
}

/// `ReturnedHardwareServiceRequests`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReturnedRequestBody {
    pub id: i64,
    pub creation_date: String,
    pub kpn_reference: String,
    /// The delivered order the hardware came with.
    pub parent_order_symbol: String,
    pub request_by: ParticipantBody,
    pub returned_hardware: Vec<ReturnedHardwareBody>,
    pub status: &'static str,
}

impl From<ReturnedRequest> for ReturnedRequestBody {
    fn from(request: ReturnedRequest) -> Self {
        let tracked = &request.tracked;
        Self {
            id: tracked.order.id.as_str().parse().unwrap_or_default(),
            creation_date: date(tracked.order.created_at),
            kpn_reference: tracked.record.kpn_reference.clone(),
            parent_order_symbol: request.parent_order_id.to_string(),
            request_by: ParticipantBody {
                account_name: tracked.record.ordered_by.clone(),
            },
            returned_hardware: request
                .returned
                .iter()
                .map(|(product, multiplicity)| ReturnedHardwareBody {
                    product: product.clone(),
                    multiplicity: *multiplicity,
                })
                .collect(),
            status: tracked.track_status().as_str(),
        }
    }
}

/// `PagedResult_ReturnedHardwareServiceRequests_`.
async fn returned_hardware(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Paged<ReturnedRequestBody>>, KpnError> {
    let (rows, total) = state
        .platform
        .kpn_returned_hardware(&principal, track_query(&query)?)
        .await?;
    Ok(Json(Paged::of(rows, total)))
}

/// The attachment (a return label): as the spec says, a JSON object (`Serializable`) with the
/// file as base64 beside its name and media type; a client that asks for the file itself
/// (`Accept: application/pdf`) gets the PDF as a download.
async fn attachment(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    headers: axum::http::HeaderMap,
    Path((id, attachment_id), _): Path<(String, String), KpnError>,
) -> Result<Response, KpnError> {
    use axum::response::IntoResponse;
    use base64::Engine;
    let attachment_id = path_id("attachmentId", &attachment_id)?;
    path_id("id", &id)?;
    let (attachment, bytes) = state
        .platform
        .kpn_attachment(&principal, &id, attachment_id)
        .await?;
    let wants_pdf = headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.to_ascii_lowercase().contains("application/pdf"));
    if wants_pdf {
        return Ok(super::finances::pdf_response(&attachment.file_name, bytes));
    }
    Ok(Json(AttachmentFileBody {
        id: attachment_id,
        file_name: attachment.file_name,
        content_type: "application/pdf",
        content: base64::engine::general_purpose::STANDARD.encode(&bytes),
    })
    .into_response())
}

/// The answer of getAttachmentUsingGET (`Serializable` in the spec: an object).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentFileBody {
    pub id: i64,
    pub file_name: String,
    pub content_type: &'static str,
    /// The file, base64 (standard alphabet, padded).
    pub content: String,
}

/// `Attachment`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentBody {
    pub id: i64,
    pub file_name: String,
}

/// `OrderDetails1`'s hardware fields of a basket order that delivers hardware.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HardwareDetailsBody {
    pub return_hardware: super::track::FlagBody,
    pub apple_dep_enrollment: super::track::FlagBody,
    pub samsung_knox_enrollment: super::track::FlagBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple_dep_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samsung_knox_id: Option<String>,
}

fn flag((enabled, visible): (bool, bool)) -> super::track::FlagBody {
    super::track::FlagBody { enabled, visible }
}

/// The hardware fields of a tracked order's details.
pub(super) async fn hardware_details(
    state: &AppState,
    tracked: &sentral_services::kpn::track::Tracked,
) -> Result<Option<HardwareDetailsBody>, KpnError> {
    Ok(state
        .platform
        .kpn_hardware_state(tracked)
        .await?
        .map(|hardware| HardwareDetailsBody {
            return_hardware: flag(hardware.return_hardware),
            apple_dep_enrollment: flag(hardware.apple_dep_enrollment),
            samsung_knox_enrollment: flag(hardware.samsung_knox_enrollment),
            apple_dep_id: hardware.apple_dep_id,
            samsung_knox_id: hardware.samsung_knox_id,
        }))
}

/// The attachments of a tracked service request.
pub(super) async fn attachments(
    state: &AppState,
    tracked: &sentral_services::kpn::track::Tracked,
) -> Result<Vec<AttachmentBody>, KpnError> {
    Ok(state
        .platform
        .kpn_attachments(tracked)
        .await?
        .into_iter()
        .map(|a| AttachmentBody {
            id: a.id,
            file_name: a.file_name,
        })
        .collect())
}
