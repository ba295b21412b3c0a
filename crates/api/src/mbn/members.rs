//! MBN Catalog members: `GET /catalog/enterprises/{enterpriseId}/members` (search, paging) and
//! `GET|PUT /catalog/members/{memberId}`.

use crate::json::Json;
use axum::extract::State;
use axum::response::Response;
use sentral_domain::ApiProduct;
use sentral_domain::directory::{ContactNumber, Member};
use sentral_services::directory::catalog::MemberUpdate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::fields;
use crate::AppState;
use crate::body::update::{Unknown, UpdateFields, refuse_unknown, representation, same};
use crate::body::{Path, Query};
use crate::telenor::paging::{PageBody, PageParams, json_page};
use crate::telenor::{ErrorBody, TelenorCaller, TelenorError};

/// A further number of a person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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
) -> Result<axum::response::Response, TelenorError> {
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
    // The store wrote the members' JSON; it goes into the body as it is.
    Ok(json_page(&found))
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
) -> Result<Response, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    // The store wrote the member's JSON; it is the body as it is.
    let json = state
        .platform
        .actable_member_json(&caller, &member_id)
        .await?;
    Ok(crate::json::written(json))
}

/// A partial update of a member's directory entry: fields left out keep their value, `null`
/// clears an optional one. The address goes in `address` as GET answers it, or in
/// `streetAddress`, `postalCode` and `postalPlace`. The member as GET answers it may be sent
/// back with its changes: the read-only fields (the mobile number and short number are not
/// changed here) are ignored when they are the member's, a 400 naming the field when not; any
/// other field is a 400 naming it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberUpdateBody {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub company: Option<String>,
    /// Fields left out keep their value; `null` clears the whole address.
    pub address: Option<super::contacts::ContactAddressBody>,
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub postal_place: Option<String>,
    pub external_id: Option<String>,
    /// A group of the member's enterprise.
    pub group_id: Option<String>,
    /// Replaces every further number.
    pub other_numbers: Option<Vec<NumberBody>>,
    #[schema(read_only, example = "mem_demo_001")]
    pub member_id: Option<String>,
    #[schema(read_only)]
    pub enterprise_id: Option<String>,
    #[schema(read_only, example = "4791000001")]
    pub mobile_number: Option<String>,
    #[schema(read_only, example = "101")]
    pub short_number: Option<String>,
    #[schema(read_only)]
    pub updated_at: Option<String>,
}

/// The fields of a member update (see [`MemberUpdateBody`]).
pub const MEMBER_UPDATE: UpdateFields = UpdateFields {
    what: "a member",
    writable: &[
        "firstName",
        "lastName",
        "email",
        "title",
        "department",
        "company",
        "address",
        "streetAddress",
        "postalCode",
        "postalPlace",
        "externalId",
        "groupId",
        "otherNumbers",
    ],
    read_only: &[
        "memberId",
        "enterpriseId",
        "mobileNumber",
        "shortNumber",
        "updatedAt",
    ],
    derived: &[],
    unknown: Unknown::Refuse,
};

const ADDRESS_FIELDS: [&str; 3] = ["streetAddress", "postalCode", "postalPlace"];

/// The address fields of the body: `address` (an object, or null for none) and the top-level
/// ones, which must agree where both are given.
fn address_fields(body: &mut Map<String, Value>) -> Result<(), TelenorError> {
    let address = match body.remove("address") {
        None => return Ok(()),
        Some(Value::Null) => ADDRESS_FIELDS
            .iter()
            .map(|field| (field.to_string(), Value::Null))
            .collect(),
        Some(Value::Object(address)) => address,
        Some(other) => {
            return Err(TelenorError::BadRequest(format!(
                "address: must be an object like {{\"streetAddress\": \"Kongens gate 12\"}}, got {other}"
            )));
        }
    };
    refuse_unknown::<TelenorError>(&address, &ADDRESS_FIELDS, "address.", "address")?;
    for (field, value) in address {
        match body.get(&field) {
            Some(top) if !same(top, &value) => {
                return Err(TelenorError::BadRequest(format!(
                    "{field}: given as {top} and as address.{field} {value}; give one"
                )));
            }
            _ => {
                body.insert(field, value);
            }
        }
    }
    Ok(())
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
    let (platform, caller_ref, id) = (&state.platform, &caller, member_id.as_str());
    let mut body = MEMBER_UPDATE
        .apply(fields::object(&body)?, move || async move {
            let member = platform.member_entry(caller_ref, id).await?;
            Ok::<_, TelenorError>(representation(MemberBody::from(member)))
        })
        .await?;
    address_fields(&mut body)?;
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
