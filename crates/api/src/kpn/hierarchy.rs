//! `rest-hierarchy-controller`: `/hierarchy/children…`.

use crate::json::Json;
use axum::extract::State;
use sentral_domain::kpn::ItemKind;
use sentral_services::kpn::hierarchy::ChildrenQuery;
use serde::Serialize;
use utoipa::ToSchema;

use super::input::{KpnBody, KpnQuery};
use super::wire::{
    AvailabilityBody, HierarchyItemBody, OperationStateBody, OrderSummaryBody, Paged, path_body,
};
use super::{KpnCaller, KpnError, path_id};
use crate::AppState;
use crate::body::Path;
use crate::body::update::{Unknown, UpdateFields, representation};

pub async fn children(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Paged<HierarchyItemBody>>, KpnError> {
    let mut context_ids = query.ints("contextIds")?;
    if let Some(id) = query.int("contextId")? {
        context_ids.insert(0, id);
    }
    let request = ChildrenQuery {
        id: query.int("id")?,
        page: query.page()?,
        pattern: query.text("pattern"),
        include_customer: query.flag("includeCustomer")?.unwrap_or(false),
        include_groups: query.flag("includeGroups")?.unwrap_or(true),
        operation_type: query.text("operationType"),
        context_ids,
    };
    let (views, total) = state.platform.kpn_children(&principal, request).await?;
    let result = views
        .into_iter()
        .map(|view| HierarchyItemBody {
            operation: view.operation.map(|outcome| OperationStateBody {
                blocked: outcome.is_err(),
                reason: outcome.err(),
            }),
            ..HierarchyItemBody::with_path(&view.item, &view.path)
        })
        .collect();
    Ok(Json(Paged { result, total }))
}

/// `CreateGroupResponse`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateGroupBody {
    pub group_id: i64,
}

pub async fn create_cost_center(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> Result<Json<CreateGroupBody>, KpnError> {
    let group_id = state
        .platform
        .kpn_create_group(
            &principal,
            ItemKind::CostCenter,
            body.int("groupId")?,
            body.text("name")?,
            body.text("costCenterNumber")?,
        )
        .await?;
    Ok(Json(CreateGroupBody { group_id }))
}

pub async fn create_virtual_group(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> Result<Json<CreateGroupBody>, KpnError> {
    let group_id = state
        .platform
        .kpn_create_group(
            &principal,
            ItemKind::CustomGroup,
            body.int("groupId")?,
            body.text("name")?,
            None,
        )
        .await?;
    Ok(Json(CreateGroupBody { group_id }))
}

/// `CostCenterDetails`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CostCenterBody {
    pub number: String,
}

/// `CustomerDetails` (the fields sentral keeps).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDetailsBody {
    pub billing_retention_period: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub krn_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ckr_number: Option<String>,
    pub order_frozen: bool,
}

/// `DebtorDetails` (the fields sentral keeps).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DebtorDetailsBody {
    pub invoice_language: &'static str,
    pub invoice_distribution: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple_dep_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samsung_knox_id: Option<String>,
}

/// `HierarchyItemDetails`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemDetailsBody {
    pub name: String,
    pub path: Vec<HierarchyItemBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerDetailsBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debtor: Option<DebtorDetailsBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<CostCenterBody>,
}

fn item_details_body(
    view: &sentral_services::kpn::hierarchy::ItemView,
    customer: &sentral_services::kpn::Customer,
) -> ItemDetailsBody {
    let item = &view.item;
    ItemDetailsBody {
        name: item.name.clone(),
        path: path_body(&view.path),
        customer: (item.kind == ItemKind::Customer).then(|| CustomerDetailsBody {
            billing_retention_period: customer.settings.billing_retention_period.clone(),
            krn_number: customer.settings.krn_number.clone(),
            ckr_number: customer.settings.ckr_number.clone(),
            order_frozen: customer.settings.order_frozen,
        }),
        debtor: (item.kind == ItemKind::Debtor).then_some(DebtorDetailsBody {
            invoice_language: "NL",
            invoice_distribution: "EMAIL",
            apple_dep_id: None,
            samsung_knox_id: None,
        }),
        cost_center: item
            .cost_center_number
            .clone()
            .map(|number| CostCenterBody { number }),
    }
}

pub async fn details(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<ItemDetailsBody>, KpnError> {
    Ok(Json(
        details_of(&state.platform, &principal, path_id("id", &id)?).await?,
    ))
}

/// The details of item `id`, a debtor's with its Apple DEP and Samsung Knox ids.
async fn details_of(
    platform: &sentral_services::Platform,
    principal: &sentral_services::Principal,
    id: i64,
) -> Result<ItemDetailsBody, KpnError> {
    let (view, customer) = platform.kpn_item_details(principal, id).await?;
    let mut body = item_details_body(&view, &customer);
    if let Some(debtor) = body.debtor.as_mut() {
        let ids = platform.kpn_debtor_enrolment_ids(view.item.id).await?;
        debtor.apple_dep_id = ids.apple_dep_id;
        debtor.samsung_knox_id = ids.samsung_knox_id;
    }
    Ok(body)
}

/// `UpdateChildRequestParams`. The details as GET answers them may be sent back with changes:
/// `customer`, `debtor` and `costCenter` must be the group's (the number changes through
/// `costCenterNumber`); `path` is ignored whatever its value (a move is `/children/move`), and
/// so are fields sentral does not know.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // only the OpenAPI document reads it
pub struct UpdateChildRequestParams {
    pub name: Option<String>,
    pub cost_center_number: Option<String>,
    #[schema(read_only)]
    pub customer: Option<CustomerDetailsBody>,
    #[schema(read_only)]
    pub debtor: Option<DebtorDetailsBody>,
    #[schema(read_only)]
    pub cost_center: Option<CostCenterBody>,
    #[schema(schema_with = derived_path)]
    pub path: Option<Vec<HierarchyItemBody>>,
}

/// The `path` of an update body: the items above it, as GET answers them.
pub(super) fn derived_path() -> utoipa::openapi::Schema {
    crate::openapi::read_only_list(
        utoipa::openapi::Ref::from_schema_name("HierarchyItemBody"),
        Some("Derived from the hierarchy: ignored whatever its value."),
    )
}

/// An update of a group: the details as GET answers them may be sent back with changes; the
/// details sentral keeps must be the group's (the cost centre's number changes through
/// `costCenterNumber`); the path is ignored (a move is `/children/move`), and so are fields
/// sentral does not know.
pub const GROUP_UPDATE: UpdateFields = UpdateFields {
    what: "a hierarchy group",
    writable: &["name", "costCenterNumber"],
    read_only: &["customer", "debtor", "costCenter"],
    derived: &["path"],
    unknown: Unknown::Ignore,
};

pub async fn update(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    let id = path_id("id", &id)?;
    let (platform, caller) = (&state.platform, &principal);
    let body = body
        .update(&GROUP_UPDATE, move || async move {
            Ok::<_, KpnError>(representation(details_of(platform, caller, id).await?))
        })
        .await?;
    state
        .platform
        .kpn_update_group(
            &principal,
            id,
            body.text("name")?,
            body.text("costCenterNumber")?,
        )
        .await?;
    Ok(())
}

pub async fn remove(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<(), KpnError> {
    state
        .platform
        .kpn_remove_group(&principal, path_id("id", &id)?)
        .await?;
    Ok(())
}

/// `CreatedOrder`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedOrderBody {
    pub context_name: String,
    pub id: i64,
    pub operation: String,
}

/// `BulkOrderSummary`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkOrderSummaryBody {
    pub orders: Vec<CreatedOrderBody>,
    pub reference_number: String,
}

pub async fn move_items(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> Result<Json<BulkOrderSummaryBody>, KpnError> {
    let (orders, reference_number) = state
        .platform
        .kpn_move_items(
            &principal,
            body.int("destinationGroupId")?,
            body.ints("movedGroupIds")?,
            body.text("referenceNumber")?,
            body.text("wishDate")?,
        )
        .await?;
    Ok(Json(BulkOrderSummaryBody {
        orders: orders
            .into_iter()
            .map(OrderSummaryBody::from)
            .map(|o| CreatedOrderBody {
                context_name: o.context_name,
                id: o.id,
                operation: o.operation,
            })
            .collect(),
        reference_number,
    }))
}

fn enabled(outcome: Result<(), String>) -> AvailabilityBody {
    AvailabilityBody {
        enabled: outcome.is_ok(),
        visible: None,
        reason: outcome.err(),
        blocking_orders: None,
    }
}

pub async fn item_operations(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<serde_json::Map<String, serde_json::Value>>, KpnError> {
    let operations = state
        .platform
        .kpn_item_operations(&principal, path_id("id", &id)?)
        .await?;
    let mut body = serde_json::Map::new();
    for (name, outcome) in operations {
        body.insert(
            name.to_owned(),
            serde_json::to_value(enabled(outcome)).unwrap_or_default(),
        );
    }
    Ok(Json(body))
}

pub async fn hierarchy_operations(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> Result<Json<serde_json::Map<String, serde_json::Value>>, KpnError> {
    let manage = state.platform.kpn_hierarchy_operations(&principal).await?;
    let mut body = serde_json::Map::new();
    for name in ["create", "edit", "move", "remove", "view"] {
        let outcome = if manage || name == "view" {
            Ok(())
        } else {
            Err("FORBIDDEN_FOR_USER".to_owned())
        };
        body.insert(
            name.to_owned(),
            serde_json::to_value(enabled(outcome)).unwrap_or_default(),
        );
    }
    Ok(Json(body))
}
