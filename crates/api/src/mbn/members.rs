//! MBN Catalog members: `GET /catalog/enterprises/{enterpriseId}/members` (search, paging) and
//! `GET|PUT /catalog/members/{memberId}`.

use axum::Json;
use axum::extract::State;
use sentral_domain::ApiProduct;
use sentral_domain::directory::{ContactNumber, Member};
use sentral_services::directory::catalog::MemberUpdate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::fields;
use crate::AppState;
use crate::body::{Path, Query};
use crate::telenor::paging::{PageBody, PageParams};
use crate::telenor::{ErrorBody, TelenorCaller, TelenorError};

/// A further number of a person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NumberBody {
    /// `work`, `home`, `mobile`, `fax`, `switchboard` or `other`.
    #[schema(example = "work")]
    pub kind: String,
    /// Digits with country code, e.g. `4722990001`.
    #[schema(example = "4722990001")]
    pub number: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostalBody {
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub postal_place: Option<String>,
}

/// A member of the enterprise as the directory shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberBody {
    #[schema(example = "mem_demo_001")]
    pub member_id: String,
    pub enterprise_id: Option<String>,
    pub group_id: Option<String>,
    pub first_name: String,
    pub last_name: String,
    /// The member's mobile number with country code.
    #[schema(example = "4791000001")]
    pub mobile_number: String,
    /// The member's short number in the enterprise's numbering plan.
    #[schema(example = "101")]
    pub short_number: Option<String>,
    pub other_numbers: Vec<NumberBody>,
    pub email: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub company: Option<String>,
    pub address: PostalBody,
    /// The member's id in the customer's own directory (e.g. the AD object id).
    pub external_id: Option<String>,
    pub updated_at: String,
}

impl From<Member> for MemberBody {
    fn from(member: Member) -> Self {
        Self {
            member_id: member.id.to_string(),
            enterprise_id: member.enterprise_id,
            group_id: member.group_id,
            first_name: member.first_name,
            last_name: member.last_name,
            mobile_number: member.mobile.to_string(),
            short_number: member.short_number,
            other_numbers: member
                .other_numbers
                .into_iter()
                .map(|n| NumberBody {
                    kind: n.kind,
                    number: n.number,
                })
                .collect(),
            email: member.email,
            title: member.title,
            department: member.department,
            company: member.company,
            address: PostalBody {
                street_address: member.street_address,
                postal_code: member.postal_code,
                postal_place: member.postal_place,
            },
            external_id: member.external_id,
            updated_at: member.updated_at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MemberSearch {
    /// Name, e-mail or number containing this text (case-insensitive), or a short number.
    pub search: Option<String>,
    /// Members of this group only.
    pub group_id: Option<String>,
}

/// Search the enterprise's members, by last name then first name.
#[utoipa::path(
    get,
    path = "/catalog/enterprises/{enterpriseId}/members",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(("enterpriseId" = String, Path, description = "The enterprise id"), MemberSearch, PageParams),
    responses(
        (status = 200, description = "One page of members", body = PageBody<MemberBody>),
        (status = 400, description = "40000 bad page or pageSize", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown enterprise or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(enterprise_id, _): Path<String, TelenorError>,
    Query(search, _): Query<MemberSearch, TelenorError>,
    Query(paging, _): Query<PageParams, TelenorError>,
) -> Result<Json<PageBody<MemberBody>>, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    let page = paging.request()?;
    let found = state
        .platform
        .search_members(
            &caller,
            &enterprise_id,
            search.search.as_deref(),
            search.group_id.as_deref(),
            page,
        )
        .await?;
    Ok(Json(PageBody::of(found, MemberBody::from)))
}

/// Get a member the token may act for.
#[utoipa::path(
    get,
    path = "/catalog/members/{memberId}",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(("memberId" = String, Path, description = "The member id")),
    responses(
        (status = 200, description = "The member", body = MemberBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 another member for an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(member_id, _): Path<String, TelenorError>,
) -> Result<Json<MemberBody>, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    Ok(Json(
        state
            .platform
            .member_entry(&caller, &member_id)
            .await?
            .into(),
    ))
}

/// A partial update of a member's directory entry: fields left out keep their value, `null`
/// clears an optional one. The mobile number and short number are not changed here.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberUpdateBody {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub company: Option<String>,
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub postal_place: Option<String>,
    pub external_id: Option<String>,
    /// A group of the member's enterprise.
    pub group_id: Option<String>,
    /// Replaces every further number.
    pub other_numbers: Option<Vec<NumberBody>>,
}

/// Update a member's name, e-mail, company, address, title, department, group, external id or
/// further numbers.
#[utoipa::path(
    put,
    path = "/catalog/members/{memberId}",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(("memberId" = String, Path, description = "The member id")),
    request_body = MemberUpdateBody,
    responses(
        (status = 200, description = "The member as it is now", body = MemberBody),
        (status = 400, description = "40000: a field breaks its rule (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 another member for an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown or not yours", body = ErrorBody),
        (status = 409, description = "40901: the externalId is another member's", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(member_id, _): Path<String, TelenorError>,
    body: axum::body::Bytes,
) -> Result<Json<MemberBody>, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    let body = fields::object(&body)?;
    let numbers: Option<Vec<NumberBody>> = fields::typed(&body, "otherNumbers")?;
    let update = MemberUpdate {
        first_name: fields::text(&body, "firstName")?,
        last_name: fields::text(&body, "lastName")?,
        email: fields::text(&body, "email")?,
        title: fields::nullable_text(&body, "title")?,
        department: fields::nullable_text(&body, "department")?,
        company: fields::nullable_text(&body, "company")?,
        street_address: fields::nullable_text(&body, "streetAddress")?,
        postal_code: fields::nullable_text(&body, "postalCode")?,
        postal_place: fields::nullable_text(&body, "postalPlace")?,
        external_id: fields::nullable_text(&body, "externalId")?,
        group_id: fields::nullable_text(&body, "groupId")?,
        other_numbers: numbers.map(|numbers| {
            numbers
                .into_iter()
                .map(|n| ContactNumber {
                    kind: n.kind,
                    number: n.number,
                })
                .collect()
        }),
    };
    let member = state
        .platform
        .update_member(&caller, &member_id, update)
        .await?;
    Ok(Json(member.into()))
}
