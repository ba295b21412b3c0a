//! Orders on subscriptions and agreements: checked and accepted at once, completed by the clock.
//! Completion is idempotent across nodes: an order is finished by a conditional update, and only
//! the node whose update took applies the effect, in the same transaction.

use sentral_domain::Timestamp;
use sentral_domain::corporate::{
    AgreementProduct, AgreementProductStatus, ConfigurationValue, Order, OrderId, OrderStatus,
    OrderSubject, OrderType, ProductOffer, ProductScope, SubscriptionProduct,
};
use sentral_store::Connection;
use sentral_store::corporate::{self as corporate_repo, agreements, orders as repo, subscriptions};
use serde_json::json;

use super::sees_company;
use super::subscriptions::parse_msisdn;
use crate::platform::audit;
use crate::{Platform, Principal, ServiceError};

/// The first order number handed out.
const FIRST_ORDER_NUMBER: i64 = 70_000_001;
/// The first id of a product ordered on an agreement.
pub(crate) const FIRST_AGREEMENT_PRODUCT: i64 = 1_302_567;

/// Which API an order belongs to: each status endpoint shows only its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    Subscription,
    Agreement,
}

impl OrderKind {
    fn matches(self, subject: &OrderSubject) -> bool {
        matches!(
            (self, subject),
            (OrderKind::Subscription, OrderSubject::Subscription(_))
                | (OrderKind::Agreement, OrderSubject::Agreement(_))
        )
    }

    fn name(self) -> &'static str {
        match self {
            OrderKind::Subscription => "subscription",
            OrderKind::Agreement => "agreement",
        }
    }
}

/// `POST /corporate-mobile-subscriptions/v2/orders` as sent.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionOrderRequest {
    pub order_type: Option<String>,
    pub msisdn: Option<String>,
    pub product_id: Option<i64>,
}

/// `POST /corporate-agreements/v2/orders` as sent.
#[derive(Debug, Clone, Default)]
pub struct AgreementOrderRequest {
    pub order_type: Option<String>,
    pub agreement_id: Option<String>,
    pub product_offer_id: Option<i64>,
    pub product_id: Option<i64>,
    pub billing_account_id: Option<String>,
    pub configurations: Vec<ConfigurationValue>,
}

fn order_type(text: Option<&str>, allowed: &[OrderType]) -> Result<OrderType, ServiceError> {
    let names: Vec<&str> = allowed.iter().map(|t| t.as_str()).collect();
    let message = || format!("must be one of {}", names.join(", "));
    let text = text
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ServiceError::invalid("type", message()))?;
    OrderType::parse(text)
        .filter(|t| allowed.contains(t))
        .ok_or_else(|| ServiceError::invalid("type", message()))
}

fn conflict(what: String) -> ServiceError {
    ServiceError::Conflict { what }
}

impl Platform {
    async fn new_order_id(conn: &mut Connection) -> Result<OrderId, ServiceError> {
        Ok(OrderId::from_number(
            corporate_repo::next_number(conn, "order", FIRST_ORDER_NUMBER).await?,
        ))
    }

    pub async fn order_subscription_product(
        &self,
        principal: &Principal,
        request: SubscriptionOrderRequest,
    ) -> Result<Order, ServiceError> {
        super::require_system_user(principal)?;
        let order_type = order_type(
            request.order_type.as_deref(),
            &[OrderType::AddProduct, OrderType::RemoveProduct],
        )?;
        let msisdn_text = request
            .msisdn
            .as_deref()
            .ok_or_else(|| ServiceError::invalid("msisdn", "is required"))?;
        let msisdn = parse_msisdn(msisdn_text)?;
        let product_id = request
            .product_id
            .ok_or_else(|| ServiceError::invalid("productId", "is required"))?;
        let offer = ProductOffer::find(product_id)
            .filter(|offer| offer.scope == ProductScope::SubscriptionAddOn)
            .ok_or_else(|| {
                ServiceError::invalid(
                    "productId",
                    format!("{product_id} is not an add-on of mobile subscriptions"),
                )
            })?;
        let subscription = self.granted_subscription(principal, &msisdn).await?;
        let subject = OrderSubject::Subscription(msisdn.clone());
        let now = self.now();
        let mut tx = self.store.write().await?;
        let pending = repo::open_orders_on(&mut tx, &subject).await?;
        if let Some(order) = pending
            .iter()
            .find(|o| o.product_offer_id == Some(product_id))
        {
            return Err(conflict(format!(
                "an order for product {product_id} on {msisdn} (order {}, in progress)",
                order.id
            )));
        }
        let delay = match order_type {
            OrderType::AddProduct if subscription.has_product(product_id) => {
                return Err(conflict(format!(
                    "product {product_id} ({}) on {msisdn}",
                    offer.name
                )));
            }
            OrderType::RemoveProduct if !subscription.has_product(product_id) => {
                return Err(ServiceError::invalid(
                    "productId",
                    format!("{msisdn} has no product {product_id} ({})", offer.name),
                ));
            }
            OrderType::RemoveProduct if !offer.removable => {
                return Err(ServiceError::invalid(
                    "productId",
                    format!(
                        "product {product_id} ({}) is part of the subscription and cannot be removed",
                        offer.name
                    ),
                ));
            }
            OrderType::RemoveProduct => self.config.corporate.product_removal_seconds,
            _ => self.config.corporate.product_addition_seconds,
        };
        let order = Order {
            id: Self::new_order_id(&mut tx).await?,
            subject,
            org_number: subscription.org_number.clone(),
            order_type,
            product_offer_id: Some(product_id),
            product_id: None,
            billing_account_id: Some(subscription.account_id.as_str().to_owned()),
            configurations: Vec::new(),
            status: OrderStatus::InProgress,
            failure: None,
            created_at: now,
            due_at: now.plus_seconds(i64::from(delay)),
            completed_at: None,
            created_by: principal.actor().0,
        };
        self.accept_order(&mut tx, principal, &order).await?;
        tx.commit().await?;
        self.due_orders.note_due(order.due_at.millis());
        Ok(order)
    }

    pub async fn order_agreement_product(
        &self,
        principal: &Principal,
        request: AgreementOrderRequest,
    ) -> Result<Order, ServiceError> {
        super::require_system_user(principal)?;
        let order_type = order_type(
            request.order_type.as_deref(),
            &[OrderType::AddProduct, OrderType::UpdateProduct],
        )?;
        let agreement_id = request
            .agreement_id
            .as_deref()
            .ok_or_else(|| ServiceError::invalid("agreementId", "is required"))?;
        let agreement = self.visible_agreement(principal, agreement_id).await?;
        let values = || {
            request
                .configurations
                .iter()
                .map(|c| (c.id.as_str(), c.value.as_str()))
        };
        let now = self.now();
        let mut tx = self.store.write().await?;
        let (offer_id, product_id) = match order_type {
            OrderType::AddProduct => {
                let offer_id = request
                    .product_offer_id
                    .ok_or_else(|| ServiceError::invalid("productOfferId", "is required"))?;
                let offer = ProductOffer::find(offer_id)
                    .filter(|offer| offer.scope == ProductScope::Agreement)
                    .ok_or_else(|| {
                        ServiceError::invalid(
                            "productOfferId",
                            format!("{offer_id} is not a product available on agreements"),
                        )
                    })?;
                offer
                    .check_configurations(values(), true)
                    .map_err(|e| ServiceError::invalid("configurations", e))?;
                if let Some(account_id) = &request.billing_account_id {
                    self.check_billing_account(&mut tx, principal, account_id)
                        .await?;
                }
                let product_id = corporate_repo::next_number(
                    &mut tx,
                    "agreement-product",
                    FIRST_AGREEMENT_PRODUCT,
                )
                .await?;
                let name = request
                    .configurations
                    .iter()
                    .find(|c| c.id.ends_with("Name"))
                    .map_or_else(|| offer.name.to_owned(), |c| c.value.clone());
                let product = AgreementProduct {
                    id: product_id,
                    agreement_id: agreement.id.clone(),
                    offer_id,
                    name,
                    status: AgreementProductStatus::Ordered,
                    billing_account_id: request.billing_account_id.clone(),
                    parent_id: None,
                    configurations: request.configurations.clone(),
                    created_at: now,
                    updated_at: now,
                };
                agreements::insert_product(&mut tx, &product).await?;
                (Some(offer_id), Some(product_id))
            }
            _ => {
                let product_id = request
                    .product_id
                    .ok_or_else(|| ServiceError::invalid("productId", "is required"))?;
                let product = agreements::product(&mut tx, product_id)
                    .await?
                    .filter(|p| p.agreement_id == agreement.id)
                    .filter(|p| p.status != AgreementProductStatus::Cancelled)
                    .ok_or_else(|| {
                        ServiceError::invalid(
                            "productId",
                            format!(
                                "{product_id} is not a product of agreement {}",
                                agreement.id
                            ),
                        )
                    })?;
                if request.configurations.is_empty() {
                    return Err(ServiceError::invalid(
                        "configurations",
                        "give the configurations to change",
                    ));
                }
                if let Some(offer) = ProductOffer::find(product.offer_id) {
                    offer
                        .check_configurations(values(), false)
                        .map_err(|e| ServiceError::invalid("configurations", e))?;
                }
                (Some(product.offer_id), Some(product_id))
            }
        };
        let order = Order {
            id: Self::new_order_id(&mut tx).await?,
            subject: OrderSubject::Agreement(agreement.id.clone()),
            org_number: agreement.org_number.clone(),
            order_type,
            product_offer_id: offer_id,
            product_id,
            billing_account_id: request.billing_account_id,
            configurations: request.configurations,
            status: OrderStatus::InProgress,
            failure: None,
            created_at: now,
            due_at: now.plus_seconds(i64::from(self.config.corporate.agreement_order_seconds)),
            completed_at: None,
            created_by: principal.actor().0,
        };
        self.accept_order(&mut tx, principal, &order).await?;
        tx.commit().await?;
        self.due_orders.note_due(order.due_at.millis());
        Ok(order)
    }

    async fn check_billing_account(
        &self,
        conn: &mut Connection,
        principal: &Principal,
        account_id: &str,
    ) -> Result<(), ServiceError> {
        let invalid = || {
            ServiceError::invalid(
                "billingAccountId",
                format!("{account_id} is not an account you may use"),
            )
        };
        let id = sentral_domain::corporate::AccountId::parse(account_id).map_err(|_| invalid())?;
        match corporate_repo::accounts::account(conn, &id).await? {
            Some(account) if super::sees(principal, &account.owner, account.id.as_str()) => Ok(()),
            _ => Err(invalid()),
        }
    }

    async fn accept_order(
        &self,
        conn: &mut Connection,
        principal: &Principal,
        order: &Order,
    ) -> Result<(), ServiceError> {
        repo::insert_order(conn, order).await?;
        let (_, subject) = repo::subject_parts(&order.subject);
        audit(
            conn,
            order.created_at,
            &principal.actor(),
            "order.create",
            order.id.as_str(),
            json!({
                "type": order.order_type.as_str(),
                "subject": subject,
                "productOfferId": order.product_offer_id,
                "productId": order.product_id,
            }),
        )
        .await
    }

    /// An order of `kind` the caller may see (its organisation is visible); others, and orders
    /// of the other kind, are not found.
    pub async fn order(
        &self,
        principal: &Principal,
        id: &str,
        kind: OrderKind,
    ) -> Result<Order, ServiceError> {
        super::require_system_user(principal)?;
        let id = OrderId::parse(id).map_err(|e| ServiceError::invalid("orderId", e.to_string()))?;
        self.complete_due_orders().await?;
        let mut conn = self.store.read().await?;
        match repo::order(&mut conn, &id).await? {
            Some(order)
                if sees_company(principal, &order.org_number) && kind.matches(&order.subject) =>
            {
                Ok(order)
            }
            _ => Err(ServiceError::not_found(format!(
                "{} order {id}",
                kind.name()
            ))),
        }
    }

    /// Completes every order that is due, if this node knows of one (or does not know).
    pub(crate) async fn complete_due_orders(&self) -> Result<(), ServiceError> {
        let now = self.now();
        if !self.due_orders.is_due(now.millis()) {
            return Ok(());
        }
        // Boxed: inline, the completing writes would make the future of every read that checks
        // for due orders as large as theirs (axum copies each request's future into its box).
        Box::pin(self.complete_orders_due_at(now)).await
    }

    /// [`Self::complete_due_orders`] once orders may be due at `now`.
    async fn complete_orders_due_at(&self, now: Timestamp) -> Result<(), ServiceError> {
        // From here on, orders accepted on this node lower the mark again themselves.
        self.due_orders.set(i64::MAX);
        loop {
            let due = {
                let mut conn = self.store.read().await?;
                repo::due_orders(&mut conn, now, 100).await?
            };
            if due.is_empty() {
                break;
            }
            for order in due {
                self.complete_order(order).await?;
            }
        }
        let mut conn = self.store.read().await?;
        if let Some(next) = repo::next_due(&mut conn).await? {
            self.due_orders.note_due(next.millis());
        }
        Ok(())
    }

    /// Looks in the store for due orders, including those accepted on other nodes (run each
    /// second by the server).
    pub async fn tick_orders(&self) -> Result<(), ServiceError> {
        self.due_orders.forget();
        self.complete_due_orders().await
    }

    async fn complete_order(&self, order: Order) -> Result<(), ServiceError> {
        let at = order.due_at;
        let mut tx = self.store.write().await?;
        let outcome = match order.subject {
            OrderSubject::KpnItem(_) | OrderSubject::KpnContract(_) => {
                crate::kpn::engine::apply(&mut tx, &order, at).await?
            }
            _ => apply_order(&mut tx, &order, at).await?,
        };
        let (status, failure, product_id) = match &outcome {
            Ok(product_id) => (OrderStatus::Completed, None, *product_id),
            Err(reason) => (OrderStatus::Failed, Some(reason.as_str()), None),
        };
        if !repo::finish_order(&mut tx, &order.id, status, failure, product_id, at).await? {
            // Another node finished it first; dropping the transaction undoes our effect.
            return Ok(());
        }
        audit(
            &mut tx,
            at,
            &crate::platform::Actor("operator".into()),
            "order.finish",
            order.id.as_str(),
            json!({"status": status.as_str(), "failure": failure}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Makes the change an order asks for; `Err(reason)` when it can no longer be made.
async fn apply_order(
    conn: &mut Connection,
    order: &Order,
    at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    match (&order.subject, order.order_type) {
        (OrderSubject::Subscription(msisdn), order_type) => {
            let Some(product_id) = order.product_offer_id else {
                return Ok(Err("the order names no product".into()));
            };
            let Some(subscription) = subscriptions::subscription(conn, msisdn).await? else {
                return Ok(Err(format!("subscription {msisdn} no longer exists")));
            };
            match order_type {
                OrderType::AddProduct if subscription.has_product(product_id) => {
                    return Ok(Err(format!("{msisdn} has product {product_id} already")));
                }
                OrderType::AddProduct => {
                    let product = SubscriptionProduct {
                        product_id,
                        added_at: at,
                    };
                    subscriptions::add_product(conn, msisdn, &product).await?;
                }
                OrderType::RemoveProduct => {
                    if !subscriptions::remove_product(conn, msisdn, product_id).await? {
                        return Ok(Err(format!("{msisdn} has no product {product_id}")));
                    }
                }
                _ => {
                    return Ok(Err(format!(
                        "{} is not an order on subscription products",
                        order_type.as_str()
                    )));
                }
            }
            subscriptions::touch(conn, msisdn, at).await?;
            Ok(Ok(None))
        }
        (OrderSubject::KpnItem(_) | OrderSubject::KpnContract(_), _) => {
            Ok(Err("a KPN order is completed by the KPN engine".into()))
        }
        (OrderSubject::Agreement(_), order_type) => {
            let Some(product) = order.product_id else {
                return Ok(Err("the order names no product".into()));
            };
            let Some(current) = agreements::product(conn, product).await? else {
                return Ok(Err(format!("product {product} no longer exists")));
            };
            let configurations = match order_type {
                OrderType::UpdateProduct => merge(&current.configurations, &order.configurations),
                _ => current.configurations.clone(),
            };
            agreements::update_product(
                conn,
                product,
                AgreementProductStatus::Active,
                &configurations,
                at,
            )
            .await?;
            Ok(Ok(Some(product)))
        }
    }
}

/// `changes` over `current`, by configuration id.
fn merge(
    current: &[ConfigurationValue],
    changes: &[ConfigurationValue],
) -> Vec<ConfigurationValue> {
    let mut merged = current.to_vec();
    for change in changes {
        match merged.iter_mut().find(|value| value.id == change.id) {
            Some(existing) => existing.value = change.value.clone(),
            None => merged.push(change.clone()),
        }
    }
    merged
}
