//! The KPN wire shapes (the spec's definitions) that sentral answers, built from the services'
//! views. Absent values are left out rather than sent as `null`, as the spec's schemas have no
//! nullable fields.

use sentral_domain::Timestamp;
use sentral_domain::kpn::HierarchyItem;
use sentral_services::kpn::OrderSummary;
use sentral_services::kpn::track::BlockingOrder;
use serde::Serialize;
use utoipa::ToSchema;

/// `PagedResult_…`: a page of `result` and the size of the whole filtered set.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T: Serialize + ToSchema> {
    pub result: Vec<T>,
    pub total: i64,
}

impl<T: Serialize + ToSchema> Paged<T> {
    /// A page of the services' `rows` in their wire shape, beside the whole set's `total`.
    pub fn of<R: Into<T>>(rows: Vec<R>, total: i64) -> Self {
        Self {
            result: rows.into_iter().map(Into::into).collect(),
            total,
        }
    }
}

/// What every KPN write answers: 200 with its `OrderSummary`.
pub type OrderAnswer = Result<crate::json::Json<OrderSummaryBody>, super::KpnError>;

/// The `OrderSummary` answer of a write.
pub fn ordered(summary: OrderSummary) -> OrderAnswer {
    Ok(crate::json::Json(summary.into()))
}

/// KPN's dates: RFC 3339 with milliseconds and an offset, e.g. `2022-02-25T11:01:03.100+00:00`.
pub fn date(at: Timestamp) -> String {
    let text = at.to_rfc3339();
    match text.strip_suffix('Z') {
        Some(head) => format!("{head}+00:00"),
        None => text,
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlockingOrderBody {
    pub id: i64,
    pub kpn_reference: String,
    pub status: &'static str,
    pub r#type: &'static str,
}

impl From<&BlockingOrder> for BlockingOrderBody {
    fn from(order: &BlockingOrder) -> Self {
        Self {
            id: order.id,
            kpn_reference: order.kpn_reference.clone(),
            status: order.status.as_str(),
            r#type: order.kind.blocking_type(),
        }
    }
}

/// `OperationState`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationStateBody {
    pub blocked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `VirtualHierarchyItem`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HierarchyItemBody {
    pub id: i64,
    /// CUSTOMER, DEBTOR, SUBSCRIBER, COST_CENTER, CUSTOM_GROUP or BUSINESS_LOCATION.
    pub r#type: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_center_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The ancestors, the customer first (the item itself excluded).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub path: Option<Vec<HierarchyItemBody>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<OperationStateBody>,
}

impl HierarchyItemBody {
    /// The item without its path (as a path element).
    pub fn bare(item: &HierarchyItem) -> Self {
        let data = item.subscriber.as_ref();
        Self {
            id: item.id,
            r#type: item.kind.as_str(),
            name: item.name.clone(),
            cost_center_number: item.cost_center_number.clone(),
            email: data.and_then(|d| d.email.clone()),
            employee_number: data.and_then(|d| d.employee_number.clone()),
            first_name: data.and_then(|d| d.first_name.clone()),
            last_name: data.map(|d| d.surname.clone()),
            prefix: data.and_then(|d| d.surname_prefix.clone()),
            path: None,
            operation: None,
        }
    }

    pub fn with_path(item: &HierarchyItem, path: &[HierarchyItem]) -> Self {
        Self {
            path: Some(path.iter().map(Self::bare).collect()),
            ..Self::bare(item)
        }
    }
}

pub fn path_body(path: &[HierarchyItem]) -> Vec<HierarchyItemBody> {
    path.iter().map(HierarchyItemBody::bare).collect()
}

/// `OrderSummary`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderSummaryBody {
    #[schema(example = 70000001)]
    pub id: i64,
    /// createUser, changeUserData, deleteUser, moveUser, moveGroup, blockSim, unblockSim.
    #[schema(example = "changeUserData")]
    pub operation: String,
    /// Initialized, Scheduled, InProgress, Finished, Canceled, Rejected, Draft,
    /// WaitingForAuthorization, ExternalScheduled, Suspended or Waiting.
    #[schema(example = "Initialized")]
    pub status: String,
    #[schema(example = "1234568 [FSR9]")]
    pub reference_number: String,
    #[schema(example = "Martino, Joshua")]
    pub context_name: String,
    #[schema(example = "2022-02-25T11:01:03.100+00:00")]
    pub creation_date: String,
}

impl From<OrderSummary> for OrderSummaryBody {
    fn from(summary: OrderSummary) -> Self {
        Self {
            id: summary.id,
            operation: summary.operation,
            status: summary.status,
            reference_number: summary.reference_number,
            context_name: summary.context_name,
            creation_date: date(summary.creation_date),
        }
    }
}

/// `{enabled, blockingOrders}` (`OperationEnabled`) and `{enabled, visible, blockingOrders}`
/// (`OperationAvailability`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityBody {
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocking_orders: Option<Vec<BlockingOrderBody>>,
}

/// `LocalizedString`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Localized {
    pub en: String,
    pub nl: String,
}
