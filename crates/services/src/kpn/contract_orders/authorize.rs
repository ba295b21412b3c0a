//! Authorise an order waiting for it (`authorizeUsingPOST`, KPN.md decision 7): an order placed
//! by a token without `privileges_orders_authorization` rests in WaitingForAuthorization until a
//! token with it authorises the order, which then takes its normal delay from now (or waits for
//! its wish date).

use sentral_domain::Timestamp;
use sentral_domain::corporate::{OrderId, OrderSubject};
use sentral_domain::kpn::{KpnStatus, Privilege};
use sentral_store::kpn::contract_orders as repo;
use sentral_store::kpn::orders as kpn_repo;

use super::CONTRACT_ORDER_SECONDS;
use crate::kpn::engine::{status_of, summary};
use crate::kpn::{KpnFailure, KpnResult, OrderSummary, SUBSCRIBER_ORDER_SECONDS, invalid};
use crate::platform::audit;
use crate::{Platform, Principal};

/// Who authorised an order, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub approved_by: String,
    pub approved_at: Timestamp,
}

impl Platform {
    pub async fn kpn_authorize(
        &self,
        principal: &Principal,
        order_id: Option<i64>,
    ) -> KpnResult<OrderSummary> {
        let customer = self
            .kpn_customer(principal, &[Privilege::OrdersAuthorization])
            .await?;
        let number = order_id.ok_or_else(|| invalid("orderId", "is required"))?;
        Self::check_not_frozen(&customer)?;
        let id = OrderId::from_number(number);
        let not_found = || {
            KpnFailure::OrderNotFound(format!(
                "order {number} does not exist or is not visible to you"
            ))
        };
        let now = self.now();
        let mut tx = self.store.write().await?;
        let (order, record) = kpn_repo::order(&mut tx, &customer.org_number, id.as_str())
            .await?
            .ok_or_else(not_found)?;
        let status = status_of(&order, &record, now);
        if status != KpnStatus::WaitingForAuthorization {
            return Err(KpnFailure::OperationNotPossible(format!(
                "order {number} is {} and does not wait for authorization",
                status.as_str()
            ))
            .into());
        }
        // Orders held before this table (the demo's) take their subject's usual delay.
        let seconds = match repo::authorization(&mut tx, id.as_str()).await? {
            Some(authorization) => authorization.seconds,
            None => {
                let seconds = match order.subject {
                    OrderSubject::KpnContract(_) => CONTRACT_ORDER_SECONDS,
                    _ => SUBSCRIBER_ORDER_SECONDS,
                };
                repo::insert_authorization(&mut tx, id.as_str(), seconds).await?;
                seconds
            }
        };
        let due_at = record.starts_at.max(now).plus_seconds(seconds);
        if !repo::authorize(&mut tx, id.as_str(), &customer.ordered_by, due_at, now).await? {
            return Err(KpnFailure::OperationNotPossible(format!(
                "order {number} no longer waits for authorization"
            ))
            .into());
        }
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "kpn.order.authorize",
            id.as_str(),
            serde_json::json!({"approvedBy": customer.ordered_by}),
        )
        .await?;
        tx.commit().await?;
        self.due_orders.note_due(due_at.millis());
        let mut answer = summary(&order, &record, now);
        answer.status = "Authorized".into();
        Ok(answer)
    }

    /// Who authorised order `order_id` (None when nobody had to).
    pub(crate) async fn kpn_approval(
        &self,
        conn: &mut sentral_store::Connection,
        order_id: &str,
    ) -> KpnResult<Option<Approval>> {
        Ok(repo::authorization(conn, order_id).await?.and_then(|a| {
            match (a.approved_by, a.approved_at) {
                (Some(approved_by), Some(approved_at)) => Some(Approval {
                    approved_by,
                    approved_at,
                }),
                _ => None,
            }
        }))
    }
}
