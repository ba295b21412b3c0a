//! `rest-subscriber-controller`: `/hierarchy/subscribers…`.

use crate::json::Json;
use axum::extract::State;
use sentral_services::kpn::subscribers::{FindSubscribers, SubscriberInput, SubscriberView};
use serde::Serialize;
use utoipa::ToSchema;

use super::input::{Fields, KpnBody, KpnQuery};
use super::wire::{
    AvailabilityBody, BlockingOrderBody, HierarchyItemBody, OrderAnswer, Paged, ordered, path_body,
};
use super::{KpnCaller, KpnError, path_id};
use crate::AppState;
use crate::body::Path;
use crate::body::update::{Unknown, UpdateFields, representation};

/// `Subscriber` (list item).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberBody {
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    pub last_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_number: Option<String>,
    pub user: bool,
    pub grip_user: bool,
    pub path: Vec<HierarchyItemBody>,
    pub contracts: SubscriberContractsBody,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberContractsBody {
    pub amount: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_phone_number: Option<String>,
}

impl From<SubscriberView> for SubscriberBody {
    fn from(view: SubscriberView) -> Self {
        let data = view.data();
        Self {
            id: view.item.id,
            first_name: data.first_name,
            prefix: data.surname_prefix,
            last_name: data.surname,
            employee_number: data.employee_number,
            fixed_number: data.fixed_number,
            user: view.user,
            grip_user: view.user,
            path: path_body(&view.path),
            contracts: SubscriberContractsBody {
                amount: view.contracts,
                first_phone_number: view.first_phone_number,
            },
        }
    }
}

/// `SubscriberDetails`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberDetailsBody {
    pub id: i64,
    pub path: Vec<HierarchyItemBody>,
    /// The path's names and "surname, firstName".
    pub location: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surname_prefix: Option<String>,
    pub surname: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub vip: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_number: Option<String>,
    pub user: bool,
    pub grip_user: bool,
}

fn subscriber_input(fields: &Fields) -> Result<SubscriberInput, KpnError> {
    Ok(SubscriberInput {
        first_name: fields.text("firstName")?,
        surname_prefix: fields.text("surnamePrefix")?.or(fields.text("prefix")?),
        surname: fields.text("surname")?.or(fields.text("lastName")?),
        email: fields.text("email")?,
        vip: fields.flag("vip")?,
        employee_number: fields.text("employeeNumber")?,
        gender: fields.text("gender")?,
        preferred_language: fields.text("preferredLanguage")?,
        comments: fields.text("comments")?,
        mobile_number: fields.text("mobileNumber")?,
        fixed_number: fields.text("fixedNumber")?,
    })
}

pub async fn find(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Paged<SubscriberBody>>, KpnError> {
    let request = FindSubscribers {
        filters: query.text("filters"),
        patterns: query.all("patterns"),
        sort_by: query.text("sortBy"),
        order: query.text("order"),
        user_only: query.flag("userOnly")?,
        page: query.page()?,
    };
    let (views, total) = state
        .platform
        .kpn_find_subscribers(&principal, request)
        .await?;
    Ok(Json(Paged::of(views, total)))
}

pub async fn create(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let subscriber = subscriber_input(&body.object("subscriber")?)?;
    let summary = state
        .platform
        .kpn_create_subscriber(
            &principal,
            body.int("groupId")?,
            body.text("referenceNumber")?,
            subscriber,
            super::users::user_info(&body.object("userAdditionalInfo")?)?,
        )
        .await?;
    ordered(summary)
}

fn details_body(view: SubscriberView) -> SubscriberDetailsBody {
    let data = view.data();
    let mut location: Vec<String> = view.path.iter().map(|item| item.name.clone()).collect();
    location.push(data.display_name());
    SubscriberDetailsBody {
        id: view.item.id,
        path: path_body(&view.path),
        location,
        first_name: data.first_name,
        surname_prefix: data.surname_prefix,
        surname: data.surname,
        email: data.email,
        vip: data.vip,
        employee_number: data.employee_number,
        gender: data.gender,
        preferred_language: data.preferred_language,
        comments: data.comments,
        mobile_number: data.mobile_number,
        fixed_number: data.fixed_number,
        user: view.user,
        grip_user: view.user,
    }
}

pub async fn details(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<SubscriberDetailsBody>, KpnError> {
    let view = state
        .platform
        .kpn_subscriber(&principal, path_id("id", &id)?)
        .await?;
    Ok(Json(details_body(view)))
}

/// `UpdateSubscriberRequestParams`: a full replace of the subscriber.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // only the OpenAPI document reads it
pub struct UpdateSubscriberRequestParams {
    pub reference_number: Option<String>,
    pub subscriber: SubscriberDetailsRequestParams,
}

/// `SubscriberDetailsRequestParams`: only `surname` is required; fields left out are reset.
/// The details as GET answers them may be sent back with changes: `id` must be the
/// subscriber's; `path`, `location`, `user` and `gripUser` are ignored whatever their value (a
/// move is `/move`), and so are fields sentral does not know.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // only the OpenAPI document reads it
pub struct SubscriberDetailsRequestParams {
    pub first_name: Option<String>,
    pub surname_prefix: Option<String>,
    pub surname: String,
    pub email: Option<String>,
    pub vip: Option<bool>,
    pub employee_number: Option<String>,
    pub gender: Option<String>,
    pub preferred_language: Option<String>,
    pub comments: Option<String>,
    pub mobile_number: Option<String>,
    pub fixed_number: Option<String>,
    /// The subscriber's id: must be the path's.
    #[schema(read_only)]
    pub id: Option<i64>,
    #[schema(schema_with = super::hierarchy::derived_path)]
    pub path: Option<Vec<HierarchyItemBody>>,
    #[schema(schema_with = derived_location)]
    pub location: Option<Vec<String>>,
    /// Ignored whatever its value.
    #[schema(read_only)]
    pub user: Option<bool>,
    /// Ignored whatever its value.
    #[schema(read_only)]
    pub grip_user: Option<bool>,
}

fn derived_location() -> utoipa::openapi::Schema {
    crate::openapi::read_only_list(
        utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::String),
        Some("Derived from the hierarchy and the name: ignored whatever its value."),
    )
}

/// The `subscriber` of an update: the details as GET answers them may be sent back with
/// changes; `id` must be the subscriber's; the path, location and flags are ignored (a move is
/// `/move`), and so are fields sentral does not know (KPN clients echo them).
pub const SUBSCRIBER_UPDATE: UpdateFields = UpdateFields {
    what: "a subscriber",
    writable: &[
        "firstName",
        "surnamePrefix",
        "prefix",
        "surname",
        "lastName",
        "email",
        "vip",
        "employeeNumber",
        "gender",
        "preferredLanguage",
        "comments",
        "mobileNumber",
        "fixedNumber",
    ],
    read_only: &["id"],
    derived: &["path", "location", "user", "gripUser"],
    unknown: Unknown::Ignore,
};

pub async fn replace(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let id = path_id("id", &id)?;
    let (platform, caller) = (&state.platform, &principal);
    let subscriber = body
        .object("subscriber")?
        .update(&SUBSCRIBER_UPDATE, move || async move {
            let view = platform.kpn_subscriber(caller, id).await?;
            Ok::<_, KpnError>(representation(details_body(view)))
        })
        .await?;
    let subscriber = subscriber_input(&subscriber)?;
    let summary = state
        .platform
        .kpn_replace_subscriber(&principal, id, body.text("referenceNumber")?, subscriber)
        .await?;
    ordered(summary)
}

pub async fn delete(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let summary = state
        .platform
        .kpn_delete_subscriber(
            &principal,
            path_id("id", &id)?,
            body.text("referenceNumber")?,
        )
        .await?;
    ordered(summary)
}

pub async fn move_subscriber(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let summary = state
        .platform
        .kpn_move_subscriber(
            &principal,
            path_id("id", &id)?,
            body.int("destinationGroupId")?,
            body.text("referenceNumber")?,
            body.text("wishDate")?,
        )
        .await?;
    ordered(summary)
}

/// `SubscriberOperationsAvailability`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberOperationsBody {
    pub editable: AvailabilityBody,
    pub movable: AvailabilityBody,
    pub removable: AvailabilityBody,
    pub roles_editable: AvailabilityBody,
}

pub async fn operations(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<SubscriberOperationsBody>, KpnError> {
    let ops = state
        .platform
        .kpn_subscriber_operations(&principal, path_id("id", &id)?)
        .await?;
    let enabled = |enabled: bool| AvailabilityBody {
        enabled,
        visible: None,
        reason: None,
        blocking_orders: Some(ops.blocking.iter().map(BlockingOrderBody::from).collect()),
    };
    Ok(Json(SubscriberOperationsBody {
        editable: enabled(ops.editable),
        movable: enabled(ops.movable),
        removable: enabled(ops.removable),
        roles_editable: enabled(ops.roles_editable),
    }))
}
