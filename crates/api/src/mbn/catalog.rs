//! MBN Catalog: `GET /catalog/userInfo`, enterprises, the enterprise of a groupId, and the
//! private numbering plan.

use crate::json::Json;
use axum::extract::State;
use sentral_domain::ApiProduct;
use sentral_domain::directory::{Enterprise, Group, NumberingPlan};
use sentral_services::directory::catalog::{PlanChange, UserInfo};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::fields;
use crate::AppState;
use crate::body::Path;
use crate::body::update::{Unknown, UpdateFields, representation};
use crate::telenor::{ErrorBody, TelenorCaller, TelenorError};

/// An enterprise the token acts for, in `userInfo`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseRef {
    #[schema(example = "100001")]
    pub enterprise_id: String,
    pub name: String,
    pub organization_number: String,
}

/// Who the token acts as: a machine user with its enterprises, or an end user (a member).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserInfoBody {
    /// `MACHINE_USER` (a system user, acting for every member of its enterprises) or `END_USER`.
    #[schema(example = "MACHINE_USER")]
    pub user_type: String,
    /// The system user's name (machine users).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The member (end users).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_number: Option<String>,
    /// The enterprises the token may act for.
    pub enterprises: Vec<EnterpriseRef>,
    /// The API products the token was issued for.
    pub api_products: Vec<String>,
}

fn enterprise_ref(enterprise: &Enterprise) -> EnterpriseRef {
    EnterpriseRef {
        enterprise_id: enterprise.id.clone(),
        name: enterprise.name.clone(),
        organization_number: enterprise.org_number.to_string(),
    }
}

/// Who the token acts as: the first call of the status-push login sequence.
#[utoipa::path(
    get,
    path = "/catalog/userInfo",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The machine user or end user", body = UserInfoBody),
        (status = 401, description = "40101 a token without a user, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn user_info(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
) -> Result<Json<UserInfoBody>, TelenorError> {
    caller.require_any(&[ApiProduct::MbnCatalog, ApiProduct::MbnStatusPush])?;
    let products = caller.scope.iter().map(|p| p.id().to_owned()).collect();
    let body = match state.platform.user_info(&caller).await? {
        UserInfo::MachineUser {
            username,
            enterprises,
            ..
        } => UserInfoBody {
            user_type: "MACHINE_USER".into(),
            username: Some(username),
            member_id: None,
            name: None,
            mobile_number: None,
            short_number: None,
            enterprises: enterprises.iter().map(enterprise_ref).collect(),
            api_products: products,
        },
        UserInfo::EndUser { member, enterprise } => UserInfoBody {
            user_type: "END_USER".into(),
            username: None,
            member_id: Some(member.id.to_string()),
            name: Some(format!("{} {}", member.first_name, member.last_name)),
            mobile_number: Some(member.mobile.to_string()),
            short_number: member.short_number,
            enterprises: enterprise.iter().map(enterprise_ref).collect(),
            api_products: products,
        },
    };
    Ok(Json(body))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupBody {
    #[schema(example = "200001")]
    pub group_id: String,
    #[schema(example = "Salg")]
    pub name: String,
}

/// An enterprise: the company of an MBN agreement, with its groups (departments).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseBody {
    #[schema(example = "100001")]
    pub enterprise_id: String,
    pub name: String,
    pub organization_number: String,
    /// The MBN agreement.
    pub agreement_id: String,
    /// Digits in the enterprise's short numbers.
    pub internal_number_length: u8,
    /// The switchboard's number, E.164 without `+`.
    pub switchboard_number: Option<String>,
    pub groups: Vec<GroupBody>,
}

fn enterprise_body(enterprise: Enterprise, groups: Vec<Group>) -> EnterpriseBody {
    EnterpriseBody {
        enterprise_id: enterprise.id,
        name: enterprise.name,
        organization_number: enterprise.org_number.to_string(),
        agreement_id: enterprise.agreement_id,
        internal_number_length: enterprise.internal_number_length,
        switchboard_number: enterprise.switchboard_number,
        groups: groups
            .into_iter()
            .map(|group| GroupBody {
                group_id: group.id,
                name: group.name,
            })
            .collect(),
    }
}

/// Get an enterprise the token may act for.
#[utoipa::path(
    get,
    path = "/catalog/enterprises/{enterpriseId}",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(("enterpriseId" = String, Path, description = "The enterprise id")),
    responses(
        (status = 200, description = "The enterprise", body = EnterpriseBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn enterprise(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(enterprise_id, _): Path<String, TelenorError>,
) -> Result<Json<EnterpriseBody>, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    let (enterprise, groups) = state
        .platform
        .enterprise_details(&caller, &enterprise_id)
        .await?;
    Ok(Json(enterprise_body(enterprise, groups)))
}

/// The enterprise a groupId belongs to.
#[utoipa::path(
    get,
    path = "/catalog/groups/{groupId}/enterprise",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(("groupId" = String, Path, description = "A group (department) id")),
    responses(
        (status = 200, description = "The group's enterprise", body = EnterpriseBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown group or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn group_enterprise(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(group_id, _): Path<String, TelenorError>,
) -> Result<Json<EnterpriseBody>, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    let (enterprise, groups) = state
        .platform
        .enterprise_of_group(&caller, &group_id)
        .await?;
    Ok(Json(enterprise_body(enterprise, groups)))
}

/// Allowed short numbers from `from` to `to`, inclusive.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RangeBody {
    #[schema(example = "100")]
    pub from: String,
    #[schema(example = "299")]
    pub to: String,
}

/// A short number and the device it reaches.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanEntryBody {
    #[schema(example = "101")]
    pub short_number: String,
    /// `member` (target: memberId), `memberline` (target: the PBX line's number), `queue`
    /// (target: queue id) or `virtual` (target: the number it forwards to).
    #[schema(example = "member")]
    pub kind: String,
    pub target: String,
}

/// The private numbering plan.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NumberingPlanBody {
    pub enterprise_id: String,
    /// Digits in every short number (2–6).
    pub internal_number_length: u8,
    pub ranges: Vec<RangeBody>,
    pub entries: Vec<PlanEntryBody>,
}

fn plan_body(enterprise_id: String, plan: NumberingPlan) -> NumberingPlanBody {
    NumberingPlanBody {
        enterprise_id,
        internal_number_length: plan.internal_number_length,
        ranges: plan
            .ranges
            .iter()
            .map(|range| RangeBody {
                from: range.from.as_str().into(),
                to: range.to.as_str().into(),
            })
            .collect(),
        entries: plan
            .entries
            .iter()
            .map(|entry| PlanEntryBody {
                short_number: entry.short_number.as_str().into(),
                kind: entry.device.kind().into(),
                target: entry.device.target().into(),
            })
            .collect(),
    }
}

/// A new plan: the length (unchanged when left out), the ranges, and, when given, every entry.
/// The plan as GET answers it may be sent back with its changes: `enterpriseId` is ignored
/// when it is the plan's, a 400 when not; any other field is a 400 naming it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NumberingPlanUpdate {
    pub internal_number_length: Option<i64>,
    pub ranges: Vec<RangeBody>,
    /// Replaces every entry; left out, the entries stay as they are.
    pub entries: Option<Vec<PlanEntryBody>>,
    #[schema(read_only, example = "100001")]
    pub enterprise_id: Option<String>,
}

/// The fields of a numbering-plan change (see [`NumberingPlanUpdate`]).
pub const PLAN_UPDATE: UpdateFields = UpdateFields {
    what: "a numbering plan",
    writable: &["internalNumberLength", "ranges", "entries"],
    read_only: &["enterpriseId"],
    derived: &[],
    unknown: Unknown::Refuse,
};

/// The enterprise's private numbering plan.
#[utoipa::path(
    get,
    path = "/catalog/enterprises/{enterpriseId}/numbering-plan",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(("enterpriseId" = String, Path, description = "The enterprise id")),
    responses(
        (status = 200, description = "The plan", body = NumberingPlanBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn numbering_plan(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(enterprise_id, _): Path<String, TelenorError>,
) -> Result<Json<NumberingPlanBody>, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    let plan = state
        .platform
        .numbering_plan(&caller, &enterprise_id)
        .await?;
    Ok(Json(plan_body(enterprise_id, plan)))
}

/// Change the numbering plan (machine users). A change that would leave a short number outside
/// the plan, or take away a short number or queue that call forwarding or an absence points at,
/// is refused (409) with every conflict named.
#[utoipa::path(
    put,
    path = "/catalog/enterprises/{enterpriseId}/numbering-plan",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(("enterpriseId" = String, Path, description = "The enterprise id")),
    request_body = NumberingPlanUpdate,
    responses(
        (status = 200, description = "The plan as it is now", body = NumberingPlanBody),
        (status = 400, description = "40000: a malformed plan (the detail says what)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 for end users", body = ErrorBody),
        (status = 404, description = "40402 unknown or not yours", body = ErrorBody),
        (status = 409, description = "40901: entries would fall outside the plan, or call forwarding or an absence would lose the short number or queue it points at (all listed)", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn replace_numbering_plan(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(enterprise_id, _): Path<String, TelenorError>,
    body: axum::body::Bytes,
) -> Result<Json<NumberingPlanBody>, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    let (platform, caller_ref, id) = (&state.platform, &caller, enterprise_id.as_str());
    let body = PLAN_UPDATE
        .apply(fields::object(&body)?, move || async move {
            let plan = platform.numbering_plan(caller_ref, id).await?;
            Ok::<_, TelenorError>(representation(plan_body(id.to_owned(), plan)))
        })
        .await?;
    let ranges: Vec<RangeBody> = fields::typed(&body, "ranges")?.unwrap_or_default();
    let entries: Option<Vec<PlanEntryBody>> = fields::typed(&body, "entries")?;
    let change = PlanChange {
        internal_number_length: fields::typed(&body, "internalNumberLength")?,
        ranges: ranges.into_iter().map(|r| (r.from, r.to)).collect(),
        entries: entries.map(|entries| {
            entries
                .into_iter()
                .map(|e| (e.short_number, e.kind, e.target))
                .collect()
        }),
    };
    let plan = state
        .platform
        .replace_numbering_plan(&caller, &enterprise_id, change)
        .await?;
    Ok(Json(plan_body(enterprise_id, plan)))
}
