//! Business voicemail (`/contracting/bvm/availability`, `/contracting/bvm/order`: a multipart CSV
//! file), `rest-business-voice-mail-controller` (rules in `sentral_services::kpn::voicemail` and
//! the file's in `sentral_domain::kpn::voicemail`).

use crate::json::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, get, post};
use sentral_domain::kpn::voicemail::MAX_FILE_BYTES;
use sentral_services::kpn::KpnFailure;
use sentral_services::kpn::voicemail::BvmOrderInput;

use super::input::KpnQuery;
use super::wire::{AvailabilityBody, OrderAnswer, ordered};
use super::{KpnCaller, KpnError};
use crate::AppState;

/// The form field of the subscriptions file.
const FILE_FIELD: &str = "subscriptionsFile";

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("GET", "/contracting/bvm/availability") => get(availability),
        ("POST", "/contracting/bvm/order") => post(order),
        _ => return None,
    })
}

pub async fn availability(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> Result<Json<AvailabilityBody>, KpnError> {
    let (enabled, visible) = state.platform.kpn_bvm_availability(&principal).await?;
    Ok(Json(AvailabilityBody {
        enabled,
        visible: Some(visible),
        reason: None,
        blocking_orders: Some(Vec::new()),
    }))
}

fn too_large() -> KpnError {
    KpnFailure::FileTooLarge(format!(
        "{FILE_FIELD} is larger than {MAX_FILE_BYTES} bytes (128 KB)"
    ))
    .into()
}

fn unreadable(error: axum::extract::multipart::MultipartError) -> KpnError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        KpnError::BadRequest(format!(
            "{FILE_FIELD}: the multipart/form-data body is unreadable: {}",
            error.body_text()
        ))
    }
}

/// A multipart body: the subscriptions file's name and content (at most 128 KB read), and the
/// other parts' text (clients that send the query parameters as form fields).
struct Form {
    file_name: Option<String>,
    file: Vec<u8>,
    fields: Vec<(String, String)>,
}

async fn form(state: &AppState, request: Request) -> Result<Form, KpnError> {
    let mut multipart = Multipart::from_request(request, state).await.map_err(|_| {
        KpnError::BadRequest(format!(
            "{FILE_FIELD} is required: send the file as a multipart/form-data part named \
                 {FILE_FIELD}"
        ))
    })?;
    let mut file = None;
    let mut fields = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        if name != FILE_FIELD {
            if field.file_name().is_none() && fields.len() < 20 {
                let text = field.text().await.map_err(unreadable)?;
                fields.push((name, text));
            }
            continue;
        }
        let file_name = field.file_name().map(str::to_owned);
        let mut content = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            if content.len() + chunk.len() > MAX_FILE_BYTES {
                return Err(too_large());
            }
            content.extend_from_slice(&chunk);
        }
        file.get_or_insert((file_name, content));
    }
    let (file_name, file) = file.ok_or_else(|| {
        KpnError::BadRequest(format!(
            "{FILE_FIELD} is required: the multipart/form-data body has no part named {FILE_FIELD}"
        ))
    })?;
    Ok(Form {
        file_name,
        file,
        fields,
    })
}

/// `orderUsingPOST`: the order's parameters in the query string, the file in the body.
pub async fn order(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
    request: Request,
) -> OrderAnswer {
    let Form {
        file_name,
        file,
        fields,
    } = form(&state, request).await?;
    // The query string first (the spec's place), else a form field of that name.
    let param = |name: &str| {
        query.text(name).or_else(|| {
            fields
                .iter()
                .find(|(key, value)| key == name && !value.trim().is_empty())
                .map(|(_, value)| value.clone())
        })
    };
    let input = BvmOrderInput {
        company_name: param("companyName"),
        company_name_pronunciation: param("companyNamePronunciation"),
        voice_language: param("voiceLanguage"),
        voice_mail_message: param("voiceMailMessage"),
        customer_reference_number: param("customerReferenceNumber"),
        wish_date: param("wishDate"),
        file_name,
        file,
    };
    ordered(state.platform.kpn_order_bvm(&principal, &input).await?)
}
