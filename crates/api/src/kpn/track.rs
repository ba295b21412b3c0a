//! `rest-track-and-trace-controller`: orders and service requests, their details, cancel, and
//! the overview.

use std::collections::BTreeMap;

use crate::json::Json;
use axum::extract::State;
use sentral_domain::kpn::{RequestKind, TrackStatus};
use sentral_services::kpn::track::{TrackQuery, Tracked};
use serde::Serialize;
use utoipa::ToSchema;

use super::input::KpnQuery;
use super::wire::{Localized, Paged, date};
use super::{KpnCaller, KpnError};
use crate::AppState;
use crate::body::Path;

/// `OrderParticipant`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantBody {
    pub account_name: String,
}

/// `OrderReceiver`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceiverBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// `Order` and `ServiceRequest` (list items).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackedBody {
    pub id: i64,
    pub r#type: Localized,
    /// The track-and-trace status: NEW, IN_PROGRESS, CLOSED, CANCELED, REJECTED …
    pub status: &'static str,
    /// AUTHORIZATION while the order waits for authorization (UNAUTHORIZED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_action: Option<&'static str>,
    pub creation_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_date: Option<String>,
    pub customer_reference: String,
    pub kpn_reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msisdn: Option<String>,
    pub is_being_canceled: bool,
    pub ordered_by: ParticipantBody,
    pub ordered_for: ReceiverBody,
}

fn type_name(tracked: &Tracked) -> Localized {
    let (en, nl) = match tracked.order.order_type.as_str() {
        "createUser" => ("Create subscriber", "Abonnee aanmaken"),
        "changeUserData" => ("Change subscriber data", "Abonneegegevens wijzigen"),
        "deleteUser" => ("Delete subscriber", "Abonnee verwijderen"),
        "moveUser" => ("Move subscriber", "Abonnee verplaatsen"),
        "moveGroup" => ("Move group", "Groep verplaatsen"),
        "blockSim" => ("Block SIM", "Simkaart blokkeren"),
        "unblockSim" => ("Unblock SIM", "Simkaart deblokkeren"),
        "contracting" => ("Contracting", "Contracteren"),
        "replaceSim" => ("Replace SIM", "Simkaart vervangen"),
        "terminateContract" => ("Terminate contract", "Contract opzeggen"),
        "moveContract" => ("Move contract", "Contract verplaatsen"),
        "portingOut" => ("Port out", "Nummer overzetten naar andere provider"),
        "returnHardware" => ("Return hardware", "Hardware retourneren"),
        "appleDep" => ("Apple DEP enrolment", "Apple DEP-registratie"),
        "samsungKnox" => ("Samsung Knox enrolment", "Samsung Knox-registratie"),
        "changeBillingPeriod" => ("Change billing period", "Factuurbewaartermijn wijzigen"),
        other => (other, other),
    };
    Localized {
        en: en.into(),
        nl: nl.into(),
    }
}

/// `requiredAction`: what the caller must do before the order goes on.
fn required_action(tracked: &Tracked) -> Option<&'static str> {
    (tracked.track_status() == TrackStatus::Unauthorized).then_some("AUTHORIZATION")
}

fn body(tracked: &Tracked) -> TrackedBody {
    let receiver = &tracked.record.receiver;
    TrackedBody {
        id: tracked.order.id.as_str().parse().unwrap_or_default(),
        r#type: type_name(tracked),
        status: tracked.track_status().as_str(),
        required_action: required_action(tracked),
        creation_date: date(tracked.order.created_at),
        finish_date: tracked.finished_at().map(date),
        customer_reference: tracked.record.reference_number.clone(),
        kpn_reference: tracked.record.kpn_reference.clone(),
        msisdn: tracked.record.msisdn.clone(),
        is_being_canceled: false,
        ordered_by: ParticipantBody {
            account_name: tracked.record.ordered_by.clone(),
        },
        ordered_for: ReceiverBody {
            id: receiver.id,
            company_name: receiver.company_name.clone(),
            employee_number: receiver.employee_number.clone(),
            first_name: receiver.first_name.clone(),
            last_name: receiver.last_name.clone(),
            prefix: receiver.prefix.clone(),
        },
    }
}

pub(super) fn track_query(query: &KpnQuery) -> Result<TrackQuery, KpnError> {
    Ok(TrackQuery {
        statuses: query.all("status"),
        page: query.page()?,
        order: query.text("order"),
        patterns: query.all("patterns"),
        sort_by: query.text("sortBy"),
        current_user_only: query.flag("currentUserOrdersOnly")?.unwrap_or(false),
        with_required_action_first: query.flag("withRequiredActionFirst")?.unwrap_or(true),
    })
}

async fn list(
    state: &AppState,
    principal: &sentral_services::Principal,
    kind: RequestKind,
    query: &KpnQuery,
) -> Result<Json<Paged<TrackedBody>>, KpnError> {
    let (tracked, total) = state
        .platform
        .kpn_track_list(principal, kind, track_query(query)?)
        .await?;
    Ok(Json(Paged {
        result: tracked.iter().map(body).collect(),
        total,
    }))
}

pub async fn orders(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Paged<TrackedBody>>, KpnError> {
    list(&state, &principal, RequestKind::Order, &query).await
}

pub async fn service_requests(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Paged<TrackedBody>>, KpnError> {
    list(&state, &principal, RequestKind::ServiceRequest, &query).await
}

/// `{enabled, visible}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagBody {
    pub enabled: bool,
    pub visible: bool,
}

/// `OrderDetails1`, `PrettyOrderDetails` and `ServiceRequestDetails` (the fields sentral keeps).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackedDetailsBody {
    pub id: i64,
    pub r#type: Localized,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_action: Option<&'static str>,
    pub creation_date: String,
    pub start_date: String,
    pub wish_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_date: Option<String>,
    pub customer_reference: String,
    pub kpn_reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msisdn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim: Option<String>,
    /// The SIM card a replace SIM puts in (`ServiceRequestDetails.newSim`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_sim: Option<String>,
    pub cancel_order: FlagBody,
    /// A CONTRACTING order's lines (`ContractingSuborder`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<super::basket::wire::ContractingSuborderBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub one_time_cost_in_cents: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring_cost_in_cents: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e_sim_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e_sim_confirmation_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub porting_customer_number: Option<String>,
    pub persons_involved: PersonsInvolvedBody,
    pub attributes: BTreeMap<String, String>,
    /// A basket order's hardware operations and enrolment ids (`OrderDetails1`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<super::hardware::HardwareDetailsBody>,
    /// A service request's files (`ServiceRequestDetails.attachments`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<super::hardware::AttachmentBody>>,
}

/// `OrderParticipants`: who ordered, and who authorised an order that had to wait for it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonsInvolvedBody {
    pub ordered_by: ParticipantBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<ParticipantBody>,
}

fn details_body(tracked: &Tracked) -> TrackedDetailsBody {
    let mut attributes = BTreeMap::new();
    attributes.insert("operation".into(), tracked.order.order_type.as_str().into());
    attributes.insert("contextName".into(), tracked.record.context_name.clone());
    attributes.insert("orderedBy".into(), tracked.record.ordered_by.clone());
    if let Some(note) = &tracked.record.note {
        attributes.insert("cancelNote".into(), note.clone());
    }
    for (name, value) in sentral_services::kpn::contract_orders::attributes(&tracked.record.change)
    {
        attributes.insert(name.into(), value);
    }
    if let Some(reason) = tracked
        .order
        .failure
        .as_ref()
        .filter(|_| tracked.order.status == sentral_domain::corporate::OrderStatus::Failed)
    {
        attributes.insert("rejectionReason".into(), reason.clone());
    }
    let mut contracting = super::basket::wire::contracting_details(&tracked.record.change);
    let items = contracting
        .as_mut()
        .map(|c| std::mem::take(&mut c.items))
        .unwrap_or_default();
    let contracting = contracting.as_ref();
    TrackedDetailsBody {
        items,
        one_time_cost_in_cents: contracting.map(|c| c.one_time_cost_in_cents),
        recurring_cost_in_cents: contracting.map(|c| c.recurring_cost_in_cents),
        e_sim_email: contracting.and_then(|c| c.esim_email.clone()),
        e_sim_confirmation_code: contracting.and_then(|c| c.esim_confirmation_code.clone()),
        porting_customer_number: contracting.and_then(|c| c.porting_customer_number.clone()),
        id: tracked.order.id.as_str().parse().unwrap_or_default(),
        r#type: type_name(tracked),
        status: tracked.track_status().as_str(),
        required_action: required_action(tracked),
        creation_date: date(tracked.order.created_at),
        start_date: date(tracked.record.starts_at),
        wish_date: date(tracked.record.starts_at),
        finish_date: tracked.finished_at().map(date),
        customer_reference: tracked.record.reference_number.clone(),
        kpn_reference: tracked.record.kpn_reference.clone(),
        msisdn: tracked.record.msisdn.clone(),
        sim: tracked.record.sim.clone(),
        new_sim: sentral_services::kpn::contract_orders::new_sim(&tracked.record.change),
        cancel_order: FlagBody {
            enabled: tracked.cancellable(),
            visible: true,
        },
        persons_involved: PersonsInvolvedBody {
            ordered_by: ParticipantBody {
                account_name: tracked.record.ordered_by.clone(),
            },
            approved_by: tracked.approval.as_ref().map(|a| ParticipantBody {
                account_name: a.approved_by.clone(),
            }),
        },
        attributes,
        hardware: None,
        attachments: None,
    }
}

pub async fn order_details(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<TrackedDetailsBody>, KpnError> {
    let tracked = state
        .platform
        .kpn_tracked(&principal, RequestKind::Order, &id)
        .await?;
    let mut details = details_body(&tracked);
    details.hardware = super::hardware::hardware_details(&state, &tracked).await?;
    Ok(Json(details))
}

/// `PrettyOrderDetails`: as the details, with a basket order's `items` grouped by product.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrettyDetailsBody {
    #[serde(flatten)]
    pub details: TrackedDetailsBody,
    pub items: BTreeMap<String, Vec<super::basket::wire::PrettySuborderBody>>,
}

pub async fn pretty_order_details(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<PrettyDetailsBody>, KpnError> {
    let tracked = state
        .platform
        .kpn_tracked(&principal, RequestKind::Order, &id)
        .await?;
    let mut details = details_body(&tracked);
    details.attributes.clear();
    // PrettyOrderDetails has its own `items`.
    details.items.clear();
    Ok(Json(PrettyDetailsBody {
        details,
        items: super::basket::wire::pretty_items(&tracked.record.change),
    }))
}

pub async fn service_request_details(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<TrackedDetailsBody>, KpnError> {
    let tracked = state
        .platform
        .kpn_tracked(&principal, RequestKind::ServiceRequest, &id)
        .await?;
    let mut details = details_body(&tracked);
    details.attachments = Some(super::hardware::attachments(&state, &tracked).await?);
    Ok(Json(details))
}

pub async fn cancel_order(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    query: KpnQuery,
) -> Result<(), KpnError> {
    state
        .platform
        .kpn_cancel(&principal, RequestKind::Order, &id, query.text("note"))
        .await?;
    Ok(())
}

pub async fn cancel_service_request(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    query: KpnQuery,
) -> Result<(), KpnError> {
    state
        .platform
        .kpn_cancel(
            &principal,
            RequestKind::ServiceRequest,
            &id,
            query.text("note"),
        )
        .await?;
    Ok(())
}

pub async fn overview(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> Result<Json<BTreeMap<String, i64>>, KpnError> {
    let counts = state.platform.kpn_track_overview(&principal).await?;
    Ok(Json(
        counts
            .into_iter()
            .map(|(status, n)| (status.to_owned(), n))
            .collect(),
    ))
}
