//! MBN Catalog contacts, the enterprise's shared directory: `GET|POST /catalog/contacts` (list,
//! change feed, create), `POST /catalog/contacts/batch` (upsert/delete by externalId) and
//! `GET|PUT|DELETE /catalog/contacts/{contactId}`.

use crate::json::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use sentral_domain::directory::{Contact, ContactNumber, SyncCursor};
use sentral_domain::{ApiProduct, Timestamp};
use sentral_services::corporate::PageRequest;
use sentral_services::directory::contacts::{
    ContactInput, ContactListing, ContactQuery, ContactUpdate,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::fields;
use super::members::NumberBody;
use crate::AppState;
use crate::body::update::{Unknown, UpdateFields, representation};
use crate::body::{Json as JsonBody, Query};
use crate::telenor::paging::{PageParams, integer, with_content};
use crate::telenor::{ErrorBody, TelenorCaller, TelenorError};

/// A contact's postal address.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactAddressBody {
    #[schema(example = "Kongens gate 12")]
    pub street_address: Option<String>,
    #[schema(example = "0153")]
    pub postal_code: Option<String>,
    #[schema(example = "Oslo")]
    pub postal_place: Option<String>,
}

/// A contact of the enterprise's directory. A deleted one (in the change feed only) carries
/// `deleted: true`, its ids and times, and nothing else.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactBody {
    #[schema(example = "ct_9f86d081884c7d65")]
    pub contact_id: String,
    #[schema(example = "100001")]
    pub enterprise_id: String,
    /// The contact's id in the customer's own directory (e.g. AD or a CRM); unique in the
    /// enterprise.
    #[schema(example = "crm-0000042")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Numbers of any kind; empty for a deleted contact.
    pub numbers: Vec<NumberBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<ContactAddressBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub created_at: String,
    /// When it last changed (for a deleted contact: when it was deleted).
    pub updated_at: String,
    pub deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
}

impl From<Contact> for ContactBody {
    fn from(contact: Contact) -> Self {
        let d = contact.details;
        let non_empty = |text: String| Some(text).filter(|t| !t.is_empty());
        let address =
            (d.street_address.is_some() || d.postal_code.is_some() || d.postal_place.is_some())
                .then_some(ContactAddressBody {
                    street_address: d.street_address,
                    postal_code: d.postal_code,
                    postal_place: d.postal_place,
                });
        Self {
            contact_id: contact.id,
            enterprise_id: contact.enterprise_id,
            external_id: d.external_id,
            first_name: non_empty(d.first_name),
            last_name: non_empty(d.last_name),
            company: d.company,
            title: d.title,
            department: d.department,
            email: d.email,
            numbers: d
                .numbers
                .into_iter()
                .map(|n| NumberBody {
                    kind: n.kind,
                    number: n.number,
                })
                .collect(),
            address,
            note: d.note,
            created_at: contact.created_at.to_rfc3339(),
            updated_at: contact.updated_at.to_rfc3339(),
            deleted: contact.deleted_at.is_some(),
            deleted_at: contact.deleted_at.map(Timestamp::to_rfc3339),
        }
    }
}

/// A whole contact as written by `POST /catalog/contacts` and batch upserts. Give at least one
/// of firstName, lastName and company.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactInputBody {
    /// Required in a batch; optional (but unique) otherwise.
    #[schema(example = "crm-0000042")]
    pub external_id: Option<String>,
    #[schema(example = "Kari")]
    pub first_name: Option<String>,
    #[schema(example = "Nordmann")]
    pub last_name: Option<String>,
    #[schema(example = "Fjordline Regnskap AS")]
    pub company: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    #[schema(example = "kari.nordmann@fjordlineregnskap.no")]
    pub email: Option<String>,
    /// At most 10; kind `work`, `home`, `mobile`, `fax`, `switchboard` or `other`.
    #[serde(default)]
    pub numbers: Vec<NumberBody>,
    pub address: Option<ContactAddressBody>,
    /// Free text, at most 1 000 characters.
    pub note: Option<String>,
}

fn numbers_of(numbers: Vec<NumberBody>) -> Vec<ContactNumber> {
    numbers
        .into_iter()
        .map(|n| ContactNumber {
            kind: n.kind,
            number: n.number,
        })
        .collect()
}

impl From<ContactInputBody> for ContactInput {
    fn from(body: ContactInputBody) -> Self {
        let address = body.address.unwrap_or_default();
        Self {
            external_id: body.external_id,
            first_name: body.first_name,
            last_name: body.last_name,
            company: body.company,
            title: body.title,
            department: body.department,
            email: body.email,
            numbers: numbers_of(body.numbers),
            street_address: address.street_address,
            postal_code: address.postal_code,
            postal_place: address.postal_place,
            note: body.note,
        }
    }
}

/// Which enterprise's contacts: needed only by a machine user that reaches several.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct EnterpriseParam {
    /// The enterprise; by default the token's only one.
    pub enterprise_id: Option<String>,
}

/// The listing's and the change feed's parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ContactListParams {
    /// The enterprise; by default the token's only one.
    pub enterprise_id: Option<String>,
    /// Listing only: names, company, e-mail or numbers containing this text.
    pub search: Option<String>,
    /// Change feed: changes (created, updated, deleted) made strictly after this time, RFC 3339.
    #[param(example = "2026-01-31T12:00:00Z")]
    pub changed_since: Option<String>,
    /// Change feed: changes after this cursor from an earlier answer; `0` from the beginning
    /// (a full sync).
    #[param(example = "1200")]
    pub cursor: Option<String>,
}

/// One page of contacts: a listing (`page`, `totalElements`, `totalPages`) or a page of the
/// change feed (`cursor`, `hasMore`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactPageBody {
    /// Listing: live contacts by last name, first name. Change feed: contacts and deleted
    /// contacts, oldest change first.
    pub content: Vec<ContactBody>,
    pub page_size: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_elements: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<i64>,
    /// Change feed: store it and send it back as `cursor` for the changes after this page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "1200")]
    pub cursor: Option<String>,
    /// Change feed: more changes follow at once; ask again with `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
}

fn contact_query(
    params: &ContactListParams,
    paging: &PageParams,
) -> Result<ContactQuery, TelenorError> {
    let page = paging.request()?;
    let sync_size = || -> Result<u32, TelenorError> {
        if integer("page", paging.page.as_deref())?.is_some_and(|p| p != 0) {
            return Err(TelenorError::BadRequest(
                "page: the change feed pages with cursor, not page".into(),
            ));
        }
        if params.search.as_deref().is_some_and(|s| !s.is_empty()) {
            return Err(TelenorError::BadRequest(
                "search: not available in the change feed".into(),
            ));
        }
        Ok(PageRequest::new(
            None,
            integer("pageSize", paging.page_size.as_deref())?,
            1000,
        )?
        .page_size)
    };
    fn present(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    match (present(&params.changed_since), present(&params.cursor)) {
        (Some(_), Some(_)) => Err(TelenorError::BadRequest(
            "changedSince, cursor: give one of them; continue a feed with cursor alone".into(),
        )),
        (Some(since), None) => {
            let since = Timestamp::parse_rfc3339(since).ok_or_else(|| {
                TelenorError::BadRequest(format!(
                    "changedSince: must be an RFC 3339 time such as 2026-01-31T12:00:00Z, got {since:?}"
                ))
            })?;
            Ok(ContactQuery::ChangedSince {
                since,
                limit: sync_size()?,
            })
        }
        (None, Some(cursor)) => {
            let cursor = SyncCursor::parse(cursor).ok_or_else(|| {
                TelenorError::BadRequest(format!(
                    "cursor: must be a cursor from an earlier answer (digits), got {cursor:?}"
                ))
            })?;
            Ok(ContactQuery::After {
                cursor,
                limit: sync_size()?,
            })
        }
        (None, None) => Ok(ContactQuery::List {
            search: params.search.clone(),
            page,
        }),
    }
}

/// List the enterprise's contacts, or read its change feed.
///
/// Without `changedSince` or `cursor`: live contacts by last name, first name, one page at a
/// time (`page`, `pageSize` up to 1 000, default 100).
///
/// The change feed (`changedSince` or `cursor`): created, updated **and deleted** contacts,
/// oldest change first, `pageSize` up to 1 000 (default 1 000), with a `cursor` to store and
/// send back for the changes after this page, and `hasMore` while more follow at once. It is
/// exact under concurrent writes: following cursors, a change is never skipped and never
/// repeated. A full sync reads from `cursor=0` until `hasMore` is false. Deleted contacts are
/// kept for 30 days: a `cursor` or `changedSince` older than a deletion purged since answers
/// 410 (41002) and the client must sync in full from `cursor=0`.
#[utoipa::path(
    get,
    path = "/catalog/contacts",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(ContactListParams, PageParams),
    responses(
        (status = 200, description = "One page of contacts or of the change feed", body = ContactPageBody),
        (status = 400, description = "40000: bad page, pageSize, changedSince or cursor; both changedSince and cursor; enterpriseId needed (the token reaches several enterprises)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown enterprise or not yours", body = ErrorBody),
        (status = 410, description = "41002: the cursor or changedSince is older than the deleted contacts kept (30 days); sync in full from cursor=0", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Query(params, _): Query<ContactListParams, TelenorError>,
    Query(paging, _): Query<PageParams, TelenorError>,
) -> Result<Response, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    let query = contact_query(&params, &paging)?;
    let limit = match &query {
        ContactQuery::List { page, .. } => page.page_size,
        ContactQuery::ChangedSince { limit, .. } | ContactQuery::After { limit, .. } => *limit,
    };
    let listing = state
        .platform
        .contacts(&caller, params.enterprise_id.as_deref(), query)
        .await?;
    Ok(match listing {
        // The store wrote the contacts' JSON; it goes into the body as it is.
        ContactListing::Page(paged) => with_content(
            paged.content.as_str(),
            &ListingTail {
                page_size: paged.request.page_size,
                page: paged.request.page,
                total_elements: paged.total,
                total_pages: paged.total_pages(),
            },
        ),
        // The store wrote the contacts' JSON; it goes into the body as it is.
        ContactListing::Changes(changes) => with_content(
            changes.contacts.as_str(),
            &FeedTail {
                page_size: limit,
                cursor: changes.cursor.to_string(),
                has_more: changes.has_more,
            },
        ),
    })
}

/// The fields of a listing after `content` (a [`ContactPageBody`] in the same order).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListingTail {
    page_size: u32,
    page: u32,
    total_elements: i64,
    total_pages: i64,
}

/// The fields of a change-feed page after `content` (a [`ContactPageBody`] in the same order).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FeedTail {
    page_size: u32,
    cursor: String,
    has_more: bool,
}

/// Create a contact (machine users only). An `externalId` must not be another live contact's;
/// that of a deleted contact brings it back under its old id.
#[utoipa::path(
    post,
    path = "/catalog/contacts",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(EnterpriseParam),
    request_body = ContactInputBody,
    responses(
        (status = 201, description = "The contact; `Location` names it", body = ContactBody),
        (status = 400, description = "40000: a field breaks its rule (named in the detail); enterpriseId needed", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 an end-user token (contacts are read-only for end users)", body = ErrorBody),
        (status = 404, description = "40402 unknown enterprise or not yours", body = ErrorBody),
        (status = 409, description = "40901: the externalId is another contact's", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Query(params, _): Query<EnterpriseParam, TelenorError>,
    JsonBody(body, _): JsonBody<ContactInputBody, TelenorError>,
) -> Result<Response, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    let contact = state
        .platform
        .create_contact(&caller, params.enterprise_id.as_deref(), body.into())
        .await?;
    let location = format!("/catalog/contacts/{}", contact.id);
    Ok((
        StatusCode::CREATED,
        [(LOCATION, location)],
        Json(ContactBody::from(contact)),
    )
        .into_response())
}

/// Get a contact of an enterprise the token may see (end users: their own enterprise's).
#[utoipa::path(
    get,
    path = "/catalog/contacts/{contactId}",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(("contactId" = String, Path, description = "The contact id")),
    responses(
        (status = 200, description = "The contact", body = ContactBody),
        (status = 400, description = "40000 bad path parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown, deleted or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(contact_id): Path<String>,
) -> Result<Response, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    // The store wrote the contact's JSON; it is the body as it is.
    let json = state.platform.contact_json(&caller, &contact_id).await?;
    Ok(crate::json::written(json))
}

/// A partial update: fields left out keep their value, `null` clears one; `numbers` and
/// `address` replace the whole list and address. The contact as GET answers it may be sent
/// back with its changes: the read-only fields are ignored when they are the contact's, a 400
/// naming the field when not; any other field is a 400 naming it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactUpdateBody {
    pub external_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    pub numbers: Option<Vec<NumberBody>>,
    pub address: Option<ContactAddressBody>,
    pub note: Option<String>,
    #[schema(read_only, example = "ct_9f86d081884c7d65")]
    pub contact_id: Option<String>,
    #[schema(read_only, example = "100001")]
    pub enterprise_id: Option<String>,
    #[schema(read_only)]
    pub created_at: Option<String>,
    #[schema(read_only)]
    pub updated_at: Option<String>,
    #[schema(read_only)]
    pub deleted: Option<bool>,
    #[schema(read_only)]
    pub deleted_at: Option<String>,
}

/// The fields of a contact update (see [`ContactUpdateBody`]).
pub const CONTACT_UPDATE: UpdateFields = UpdateFields {
    what: "a contact",
    writable: &[
        "externalId",
        "firstName",
        "lastName",
        "company",
        "title",
        "department",
        "email",
        "numbers",
        "address",
        "note",
    ],
    read_only: &[
        "contactId",
        "enterpriseId",
        "createdAt",
        "updatedAt",
        "deleted",
        "deletedAt",
    ],
    derived: &[],
    unknown: Unknown::Refuse,
};

/// The change a body's writable fields make (checked by [`CONTACT_UPDATE`] before).
fn contact_update(body: &Map<String, Value>) -> Result<ContactUpdate, TelenorError> {
    let text = |field| fields::nullable_text(body, field);
    let address = match body.get("address") {
        None => None,
        Some(Value::Null) => Some(ContactAddressBody::default()),
        Some(_) => fields::typed::<ContactAddressBody>(body, "address")?,
    };
    let (street_address, postal_code, postal_place) = match address {
        None => (None, None, None),
        Some(a) => (
            Some(a.street_address),
            Some(a.postal_code),
            Some(a.postal_place),
        ),
    };
    Ok(ContactUpdate {
        external_id: text("externalId")?,
        first_name: text("firstName")?,
        last_name: text("lastName")?,
        company: text("company")?,
        title: text("title")?,
        department: text("department")?,
        email: text("email")?,
        numbers: match body.get("numbers") {
            Some(Value::Null) => Some(Vec::new()),
            _ => fields::typed::<Vec<NumberBody>>(body, "numbers")?.map(numbers_of),
        },
        street_address,
        postal_code,
        postal_place,
        note: text("note")?,
    })
}

/// Update a contact (machine users only). A change that alters nothing is not a change: the
/// change feed does not show it.
#[utoipa::path(
    put,
    path = "/catalog/contacts/{contactId}",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(("contactId" = String, Path, description = "The contact id")),
    request_body = ContactUpdateBody,
    responses(
        (status = 200, description = "The contact as it is now", body = ContactBody),
        (status = 400, description = "40000: a field breaks its rule (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown, deleted or not yours", body = ErrorBody),
        (status = 409, description = "40901: the externalId is another contact's", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(contact_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<ContactBody>, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    let (platform, caller_ref, id) = (&state.platform, &caller, contact_id.as_str());
    let body = CONTACT_UPDATE
        .apply(fields::object(&body)?, move || async move {
            let contact = platform.contact(caller_ref, id).await?;
            Ok::<_, TelenorError>(representation(ContactBody::from(contact)))
        })
        .await?;
    let update = contact_update(&body)?;
    let contact = state
        .platform
        .update_contact(&caller, &contact_id, update)
        .await?;
    Ok(Json(contact.into()))
}

/// Delete a contact (machine users only). Sync clients see it as deleted in the change feed
/// for 30 days.
#[utoipa::path(
    delete,
    path = "/catalog/contacts/{contactId}",
    tag = "mbn-catalog",
    security(("bearer" = [])),
    params(("contactId" = String, Path, description = "The contact id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "40000 bad path parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown, deleted already or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(contact_id): Path<String>,
) -> Result<StatusCode, TelenorError> {
    caller.require(ApiProduct::MbnCatalog)?;
    state.platform.delete_contact(&caller, &contact_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
