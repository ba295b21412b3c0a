//! One OpenAPI document per dialect, generated from the code, served at `/openapi/<dialect>.json`
//! with a Swagger UI at `/docs` whose assets are embedded in the binary.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ArrayItems, ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{SwaggerUi, Url};

use crate::kpn::operations::{ALIASES, BASE_PATH, OPERATIONS, by_id};
use crate::{kpn, mbn, ops, sandbox, telenor};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(
                "An access token from the token endpoint: 'Authorization: Bearer <access_token>'",
            )).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sentral — Telenor dialect",
        description = "OAuth2 server and corporate APIs in the Telenor dialect. Every error is \
            `{\"code\": <documented numeric code>, \"message\", \"detail\"?, \"error\"?, \"request_id\"}`: \
            40000 bad request (the detail names the field), 40010–40013 token request errors \
            (with the RFC 6749 `error`), 40102 missing Authorization, 40103 no API product, \
            40104 MSISDN not granted, 40105 invalid token, 40106 expired token, 40107 Basic \
            authentication not allowed, 40108 wrong client id or secret, 40301 invalid scope, \
            40302 forbidden, 40401 path or method not found, 40402 resource not found, 4042000 \
            operation not found under a known API, 40901 conflict, 400001 invalid agreement id, \
            400007 organization not found, 400009 address card not found, 400024 invalid \
            organization number, 400032 invalid address card id, 400033 invalid reference, 400036 \
            empty input, 404001 agreement not found, 41300 body too large (1 MiB), 41500 unsupported media type, 42901 quota \
            and 42902 spike arrest (both with Retry-After), 50001 internal error, 50101 not implemented."
    ),
    paths(
        telenor::oauth::token,
        telenor::oauth::authorize_page,
        telenor::oauth::authorize_login,
        telenor::oauth::logout,
        telenor::organizations::list,
        telenor::accounts::address_cards,
        telenor::accounts::list_v1,
        telenor::accounts::list,
        telenor::accounts::get_one,
        telenor::accounts::create,
        telenor::agreements::list,
        telenor::agreements::products,
        telenor::orders::order_agreement_product,
        telenor::orders::agreement_order,
        telenor::subscriptions::search,
        telenor::subscriptions::get_one,
        telenor::subscriptions::put_references_v1,
        telenor::subscriptions::put_references_v2,
        telenor::orders::order_subscription_product,
        telenor::orders::subscription_order,
    ),
    components(schemas(telenor::ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "oauth-v2", description = "Tokens for applications, system users and end users"),
        (name = "organizations", description = "Organizations API (Mobile Subscription Order/Info products)"),
        (name = "corporate-accounts", description = "Invoice accounts (Info: read; Order: create)"),
        (name = "corporate-agreements", description = "Agreements, their products and agreement orders"),
        (name = "corporate-mobile-subscriptions", description = "Mobile subscriptions, user references and add-on orders"),
    )
)]
struct TelenorDoc;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sentral — Mobilt Bedriftsnett partner APIs",
        description = "The MBN Catalog, User and Queue APIs in the Telenor dialect (same tokens \
            from `/oauth/v2/token`, same error envelope as /openapi/telenor.json). No public schema \
            exists for these APIs: the paths and fields are sentral's, in the operator's style. A \
            machine user (system user, password grant) acts for every member of its enterprises; \
            an end user (authorization-code grant) only for itself; a token without a user gets \
            40101. The End User API (SOAP) was discontinued at the end of September 2022: \
            everything under /enduser answers 410 (41001)."
    ),
    paths(
        mbn::catalog::user_info,
        mbn::catalog::enterprise,
        mbn::catalog::group_enterprise,
        mbn::catalog::numbering_plan,
        mbn::catalog::replace_numbering_plan,
        mbn::members::search,
        mbn::members::get_one,
        mbn::members::update,
        mbn::contacts::list,
        mbn::contacts::create,
        mbn::contact_batch::batch,
        mbn::contacts::get_one,
        mbn::contacts::update,
        mbn::contacts::delete,
        mbn::absences::list,
        mbn::absences::create,
        mbn::absences::get_one,
        mbn::absences::replace,
        mbn::absences::delete,
        mbn::forwarding::get_one,
        mbn::forwarding::update,
        mbn::queues::list,
        mbn::queues::create,
        mbn::queues::get_one,
        mbn::queues::update,
        mbn::queues::delete,
        mbn::agents::list,
        mbn::agents::add,
        mbn::agents::remove,
        mbn::agents::set_state,
        mbn::agents::search,
        mbn::queue_status::status,
        mbn::csta::status_token,
        mbn::status::user,
        mbn::status::enterprise_users,
        mbn::status::set_terminal,
        mbn::csta::login,
        mbn::csta::start,
        mbn::csta::renew,
        mbn::csta::stop,
        mbn::csta::snapshot,
        mbn::csta::events,
        mbn::calls::make_call,
        mbn::calls::answer,
        mbn::calls::clear,
        mbn::calls::hold,
        mbn::calls::retrieve,
        mbn::calls::deflect,
        mbn::calls::single_step_transfer,
        mbn::calls::consultation,
        mbn::calls::transfer,
        mbn::calls::conference,
        mbn::calls::get_forwarding,
        mbn::calls::set_forwarding,
        mbn::calls::set_agent_state,
        mbn::calls::device_snapshot,
        mbn::enduser::discontinued,
    ),
    components(schemas(telenor::ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "mbn-catalog", description = "The enterprise directory: enterprises, numbering plan, members, contacts"),
        (name = "mbn-user", description = "Absences and call forwarding of members"),
        (name = "mbn-queue", description = "Call queues, their settings and agents, and the agents' states. Not managed by this API: announcements (welcome, queue position, music on hold) and menus, which the customer's administrator sets in MBN Admin or Min Bedrift."),
        (name = "mbn-status", description = "Presence of members (device state, absence, availability) and the status of PBX memberlines an application updates. `POST /status/token` starts the login sequence: `GET /catalog/userInfo` → `POST /status/token` → `POST /csta/authentication/token` → `POST /csta/monitors`."),
        (name = "mbn-csta", description = "CSTA (ECMA-269) call control and monitoring in JSON: CSTA names for services, events, causes and connection states (null, initiated, alerting, connected, hold, queued, fail). Every path but `/csta/authentication/token` takes the CSTA session token as its bearer token. A service that does not fit a connection's state answers 409 with the ECMA-269 error name in `error`. Events come as one envelope `{version, eventId, monitorCrossRefId, seq, occurredAt, type, subject, cause, payload}` over WebSocket, SSE or signed webhooks."),
        (name = "mbn-enduser", description = "Discontinued (SOAP, end of September 2022)"),
    )
)]
struct MbnDoc;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sentral — sandbox and operations",
        description = "Sandbox controls (only in `serve --demo`/sandbox mode; 40401 otherwise) and \
            the operations endpoints."
    ),
    paths(
        sandbox::clock,
        sandbox::advance,
        sandbox::reset,
        sandbox::sms,
        sandbox::audit,
        crate::sandbox_network::place_call,
        crate::sandbox_network::answer,
        crate::sandbox_network::reject,
        crate::sandbox_network::hang_up,
        crate::sandbox_network::power,
        ops::healthz,
        ops::readyz,
        ops::metrics
    ),
    components(schemas(telenor::ErrorBody))
)]
struct SandboxDoc;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sentral — KPN Mobile Service Management (v11)",
        description = "KPN's MSM API. Every operation of the official v11 description is listed \
            under its path and operationId; those sentral has not built yet answer 501 with \
            `name: not_implemented` (see docs/coverage.md). Errors use KPN's ErrorResponse."
    ),
    paths(kpn::oauth::access_token),
    components(schemas(
        kpn::KpnErrorBody,
        kpn::KpnWrappedError,
        kpn::subscribers::UpdateSubscriberRequestParams,
        kpn::hierarchy::UpdateChildRequestParams,
        kpn::wire::HierarchyItemBody,
        kpn::addresses::DeliveryAddressRequest,
        kpn::thresholds::ThresholdRequestParams
    )),
    modifiers(&BearerAuth)
)]
struct KpnDoc;

fn kpn_document() -> OpenApiDoc {
    let mut doc = KpnDoc::openapi();
    // Each operation of the table, then each deprecated alias with its operation's description.
    let aliases = ALIASES
        .iter()
        .filter_map(|alias| Some((alias.path, by_id(alias.operation_id)?, true)));
    let entries = OPERATIONS
        .iter()
        .map(|operation| (operation.path, operation, false))
        .chain(aliases);
    for (path, operation, alias) in entries {
        let method = match operation.method {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "DELETE" => HttpMethod::Delete,
            "PATCH" => HttpMethod::Patch,
            _ => continue,
        };
        let error = || {
            ResponseBuilder::new()
                .description("KPN ErrorResponse")
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("KpnErrorBody")))
                        .build(),
                )
                .build()
        };
        let description = if alias {
            Some(format!(
                "Deprecated alias of `{} {}`, served by the same handler.",
                operation.method, operation.path
            ))
        } else if operation.spec_operation_id.is_none() {
            Some(format!(
                "The official description gives this operation no operationId; `{}` is sentral's.",
                operation.operation_id
            ))
        } else {
            decision(operation.operation_id).map(str::to_owned)
        };
        let mut builder = OperationBuilder::new()
            // OpenAPI wants operationIds unique: an alias goes without.
            .operation_id((!alias).then_some(operation.operation_id))
            .summary(Some(operation.summary))
            .description(description)
            .tag(operation.tag)
            .security(utoipa::openapi::security::SecurityRequirement::new(
                "bearer",
                Vec::<String>::new(),
            ))
            .response("401", error());
        // Built operations answer 200 and their rule errors; the rest answer 501.
        builder = if kpn::is_implemented(operation) {
            builder = builder
                .response("200", ok_response(operation.operation_id))
                .response("400", error())
                .response("403", error())
                .response("404", error());
            if operation.operation_id == "orderUsingPOST" {
                builder = builder
                    .request_body(Some(subscriptions_file_body()))
                    .response("413", error());
            }
            builder
        } else {
            builder.response("501", error())
        };
        if alias {
            builder = builder.deprecated(Some(utoipa::openapi::Deprecated::True));
        }
        // The update bodies, with what a round trip may send back, and the address writes' (no
        // additionalProperties: KPN ignores fields it does not know).
        let update_body = match operation.operation_id {
            "updateSubscriberUsingPUT" => Some("UpdateSubscriberRequestParams"),
            "updateChildUsingPOST" => Some("UpdateChildRequestParams"),
            "newGeneralAddressUsingPOST"
            | "newPersonalAddressUsingPOST"
            | "updateAddressUsingPOST" => Some("DeliveryAddressRequest"),
            "createNewThresholdUsingPOST" | "updateThresholdUsingPOST" => {
                Some("ThresholdRequestParams")
            }
            _ => None,
        };
        if let Some(schema) = update_body {
            builder = builder.request_body(Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name(schema)))
                            .build(),
                    )
                    .required(Some(utoipa::openapi::Required::True))
                    .build(),
            ));
        }
        for name in operation
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        {
            builder = builder.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(utoipa::openapi::Required::True),
            );
        }
        // Several methods share a path (GET and POST /address/customer …): add, never replace.
        doc.paths
            .add_path_operation(format!("{BASE_PATH}{path}"), vec![method], builder.build());
    }
    doc
}

/// sentral's decision where the official description of an operation is silent.
fn decision(operation_id: &str) -> Option<&'static str> {
    Some(match operation_id {
        "getAttachmentUsingGET" => {
            "Answers the spec's `Serializable` object: `{id, fileName, contentType, content}` with \
             the file (a return label, application/pdf) in base64; with `Accept: \
             application/pdf` the file itself, as a download."
        }
        "linkSubscriberToGripIdentityUsingPOST" => {
            "A linkUser order; when it closes the subscriber is a portal user (`user` and \
             `gripUser` true) with the given roles and managed groups. An application acting \
             for a portal user holds that user's role privileges and sees and orders only \
             inside its managed groups (404 elsewhere, as for another customer's items)."
        }
        "editSubscriberUserRolesUsingPOST"
        | "assignEntitiesUsingPOST"
        | "unassignEntitiesUsingPOST" => {
            "Takes effect at once (empty 200); a subscriber that is no portal user is a 400 \
             OPERATION_NOT_POSSIBLE."
        }
        "createNewThresholdUsingPOST"
        | "updateThresholdUsingPOST"
        | "removeThresholdUsingPOST"
        | "assignContractsUsingPOST"
        | "unassignContractsUsingPOST" => {
            "Takes effect at once (empty 200), all or nothing. A threshold with contracts may \
             neither change type nor be removed; a contract holds at most one threshold per \
             type; only MOBILE and FIXED_MOBILE contracts with a number take one."
        }
        "orderUsingPOST" => {
            "The KGG number is the debtor: every subscription of the file must be a contract \
             below one debtor, on which the businessVoiceMail order is placed."
        }
        "separateFixedMobileUsingPOST" => {
            "A separateFixedMobile order on an ACTIVE FIXED_MOBILE contract; when it closes the \
             contract keeps its id, mobile number and SIM as the MOBILE part and a new FIXED \
             contract gets the fixed number."
        }
        "changeBillingPeriodUsingPOST" => {
            "A changeBillingPeriod service request on the CUSTOMER item; OPERATION_BLOCKED while \
             one is open or for the period in force."
        }
        _ => return None,
    })
}

/// The 200 of a built KPN operation: JSON, but the invoice's PDF.
fn ok_response(operation_id: &str) -> utoipa::openapi::Response {
    if operation_id == "downloadInvoiceUsingGET" {
        return ResponseBuilder::new()
            .description("The invoice as a PDF rendered from its lines (application/pdf)")
            .content(
                "application/pdf",
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String).format(
                        Some(utoipa::openapi::SchemaFormat::KnownFormat(
                            utoipa::openapi::KnownFormat::Binary,
                        )),
                    )))
                    .build(),
            )
            .build();
    }
    ResponseBuilder::new()
        .description("OK (application/json); a write answers an OrderSummary")
        .build()
}

/// Business voicemail's order: the subscriptions as a `;`-separated CSV file (at most 2 000
/// rows and 128 KB; a larger file is a 413) in the multipart field `subscriptionsFile`.
fn subscriptions_file_body() -> utoipa::openapi::request_body::RequestBody {
    let file = ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Binary,
        )))
        .description(Some(
            "CSV with a header row, `;` between columns, at most 2 000 rows and 128 KB; each \
             refused row is named by its line number",
        ));
    RequestBodyBuilder::new()
        .content(
            "multipart/form-data",
            ContentBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .property("subscriptionsFile", file)
                        .required("subscriptionsFile"),
                ))
                .build(),
        )
        .required(Some(utoipa::openapi::Required::True))
        .build()
}

/// A read-only list property of an update body, `null` allowed: utoipa puts `readOnly` of an
/// `Option<Vec<T>>` field on its items, where it says nothing of the property.
pub(crate) fn read_only_list(
    items: impl Into<ArrayItems>,
    description: Option<&str>,
) -> utoipa::openapi::Schema {
    OneOfBuilder::new()
        .item(ArrayBuilder::new().items(items))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(description)
        .read_only(true)
        .build()
        .into()
}

/// Every dialect's document: its name, where it is served, and the document itself. The files
/// committed under `openapi/` are these, named `<name>.json`.
pub fn documents() -> Vec<(&'static str, &'static str, OpenApiDoc)> {
    let telenor_unavailable = || {
        store_unavailable(
            "50301 Service temporarily unavailable: the store cannot be reached now (a database \
             restarting); retry after the seconds in Retry-After",
            "ErrorBody",
        )
    };
    vec![
        (
            "telenor",
            "/openapi/telenor.json",
            list_on_every_operation(TelenorDoc::openapi(), telenor_unavailable()),
        ),
        (
            "mbn",
            "/openapi/mbn.json",
            list_on_every_operation(MbnDoc::openapi(), telenor_unavailable()),
        ),
        (
            "kpn",
            "/openapi/kpn.json",
            list_on_every_operation(
                kpn_document(),
                store_unavailable(
                    "service_unavailable: the store cannot be reached now (a database \
                     restarting); retry after the seconds in Retry-After",
                    "KpnErrorBody",
                ),
            ),
        ),
        (
            "sandbox",
            "/openapi/sandbox.json",
            list_on_every_operation(SandboxDoc::openapi(), telenor_unavailable()),
        ),
    ]
}

/// The 503 every operation that needs the store answers while it cannot be reached (issue 15),
/// in the dialect's error envelope `schema`, with `Retry-After`.
fn store_unavailable(description: &str, schema: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat};
    let seconds = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(0));
    ResponseBuilder::new()
        .description(description)
        .header(
            "Retry-After",
            utoipa::openapi::HeaderBuilder::new()
                .schema(Some(seconds))
                .description(Some("Seconds to wait before retrying"))
                .build(),
        )
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(schema)))
                .build(),
        )
        .build()
}

/// Lists `unavailable` as the 503 of every operation that has none yet (the telephony ones list
/// their own, which also covers an unreachable owner), except the operations' endpoints
/// (`/healthz`, `/readyz`, `/metrics`), which answer without the store.
fn list_on_every_operation(
    mut doc: OpenApiDoc,
    unavailable: utoipa::openapi::Response,
) -> OpenApiDoc {
    const WITHOUT_STORE: [&str; 3] = ["/healthz", "/readyz", "/metrics"];
    for (path, item) in doc.paths.paths.iter_mut() {
        if WITHOUT_STORE.contains(&path.as_str()) {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            operation
                .responses
                .responses
                .entry("503".to_owned())
                .or_insert_with(|| unavailable.clone().into());
        }
    }
    doc
}

/// `/docs` (Swagger UI, embedded) and `/openapi/<dialect>.json`.
pub fn swagger_ui() -> SwaggerUi {
    let urls = documents()
        .into_iter()
        .map(|(name, url, doc)| (Url::new(name, url), doc))
        .collect::<Vec<_>>();
    SwaggerUi::new("/docs").urls(urls)
}

#[cfg(test)]
mod tests {
    use super::documents;

    /// A query parameter documented `in: path` sends clients' generators to a URL that 404s.
    #[test]
    fn every_path_parameter_is_a_placeholder_of_its_path() {
        for (name, _, doc) in documents() {
            let doc = serde_json::to_value(&doc).expect("document as JSON");
            for (path, item) in doc["paths"].as_object().expect("paths") {
                for (method, operation) in item.as_object().expect("path item") {
                    let parameters = operation["parameters"].as_array().into_iter().flatten();
                    for parameter in parameters {
                        let parameter_name = parameter["name"].as_str().unwrap_or_default();
                        if parameter["in"] == "path" {
                            assert!(
                                path.contains(&format!("{{{parameter_name}}}")),
                                "{name}: {method} {path} documents `{parameter_name}` in the path"
                            );
                        }
                    }
                }
            }
        }
    }
}
