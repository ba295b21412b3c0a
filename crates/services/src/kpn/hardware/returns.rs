//! Returning hardware of a delivered order (`returnHardwareUsingPOST`): a service request with
//! a return label attached; the list of returns (`getReturnedHardwareServiceRequestUsingGET`);
//! the label's download (`getAttachmentUsingGET`).

use std::collections::BTreeMap;

use sentral_domain::corporate::{OrderSubject, OrderType};
use sentral_domain::kpn::hardware::HardwareChange;
use sentral_domain::kpn::{KpnChange, Page, RequestKind};
use sentral_store::kpn::hardware::{self as repo, Attachment};

use super::{HARDWARE_ORDER_SECONDS, basket_order, delivered_order, label};
use crate::kpn::engine::NewOrder;
use crate::kpn::track::{TrackQuery, Tracked};
use crate::kpn::{KpnFailure, KpnResult, OrderSummary, invalid, privileges, reference_number};
use crate::{Platform, Principal, ServiceError};

/// `ReturnHardwareRequest.reason`.
pub const RETURN_REASONS: &[&str] = &["WRONG_DELIVERY", "DEFECTIVE_ON_ARRIVAL", "OTHER"];

/// `ReturnHardwareRequest` as sent.
#[derive(Debug, Clone, Default)]
pub struct ReturnRequest {
    pub order_id: Option<i64>,
    pub hardware_to_return: Vec<i64>,
    pub reason: Option<String>,
    pub remarks: Option<String>,
    pub email: Option<String>,
    pub reference_number: Option<String>,
}

/// A return as `getReturnedHardwareServiceRequestUsingGET` lists it.
#[derive(Debug, Clone)]
pub struct ReturnedRequest {
    pub tracked: Tracked,
    /// The delivered order the hardware came with.
    pub parent_order_id: i64,
    /// (product name, how many).
    pub returned: Vec<(String, i64)>,
}

fn check_email(given: Option<&str>) -> KpnResult<Option<String>> {
    let Some(email) = given.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let ok = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.contains('@') && domain.contains('.')
        });
    if !ok {
        return Err(invalid(
            "email",
            format!("{email:?} is not an e-mail address such as jan.devries@example.nl"),
        ));
    }
    Ok(Some(email.to_owned()))
}

fn check_remarks(given: Option<&str>) -> KpnResult<Option<String>> {
    match given.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) if text.chars().count() > 1000 => Err(invalid(
            "remarks",
            format!("is at most 1000 characters, got {}", text.chars().count()),
        )),
        Some(text) if text.chars().any(|c| c.is_control() && c != '\n') => {
            Err(invalid("remarks", "holds a control character"))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

fn check_reason(given: Option<&str>) -> KpnResult<String> {
    let reason = given
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            invalid(
                "reason",
                format!("is required: one of {}", RETURN_REASONS.join(", ")),
            )
        })?;
    let upper = reason.to_ascii_uppercase();
    if !RETURN_REASONS.contains(&upper.as_str()) {
        return Err(invalid(
            "reason",
            format!(
                "must be one of {}, got {reason:?}",
                RETURN_REASONS.join(", ")
            ),
        ));
    }
    Ok(upper)
}

impl Platform {
    /// `returnHardwareUsingPOST`: contract items of a delivered order go back; a service
    /// request with its return label attached.
    pub async fn kpn_return_hardware(
        &self,
        principal: &Principal,
        request: ReturnRequest,
    ) -> KpnResult<OrderSummary> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        Self::check_not_frozen(&customer)?;
        let reference = reference_number(request.reference_number.as_deref())?;
        let reason = check_reason(request.reason.as_deref())?;
        let remarks = check_remarks(request.remarks.as_deref())?;
        let email = check_email(request.email.as_deref())?;
        if request.hardware_to_return.is_empty() {
            return Err(invalid(
                "hardwareToReturn",
                "is required: the contract item ids of the hardware (GET /track-and-trace/orders/{id}/hardware)",
            ));
        }
        let mut items = request.hardware_to_return.clone();
        items.sort_unstable();
        if items.windows(2).any(|w| w[0] == w[1]) {
            return Err(invalid("hardwareToReturn", "names an item twice"));
        }
        let mut tx = self.store.write().await?;
        let delivered = delivered_order(&mut tx, &customer, request.order_id).await?;
        let id: i64 = delivered.order.id.as_str().parse().unwrap_or_default();
        let of_order: Vec<i64> = delivered
            .hardware
            .iter()
            .filter_map(|h| h.item.as_ref().map(|item| item.id))
            .collect();
        if let Some(stranger) = items.iter().find(|item| !of_order.contains(item)) {
            return Err(invalid(
                "hardwareToReturn",
                format!(
                    "contract item {stranger} is no hardware of order {id} (its hardware: {of_order:?})"
                ),
            ));
        }
        let returned = repo::returned_items(&mut tx, delivered.order.id.as_str()).await?;
        if let Some((item, by)) = returned.iter().find(|(item, _)| items.contains(item)) {
            return Err(KpnFailure::OperationNotPossible(format!(
                "contract item {item} of order {id} is already returned by service request {by}"
            ))
            .into());
        }
        let change = HardwareChange::Return {
            order_id: id,
            items: items.clone(),
            reason,
            remarks,
            email,
        };
        let new = NewOrder {
            subject: OrderSubject::KpnContract(delivered.contracting.contract_id),
            operation: OrderType::ReturnHardware,
            kind: RequestKind::ServiceRequest,
            change: KpnChange::Hardware(change),
            reference_number: reference,
            context_name: delivered.record.context_name.clone(),
            receiver: delivered.record.receiver.clone(),
            msisdn: delivered.record.msisdn.clone(),
            sim: None,
            starts_at: self.now(),
            seconds: HARDWARE_ORDER_SECONDS,
        };
        let summary = self
            .place_kpn_order(&mut tx, principal, &customer, new)
            .await?;
        let return_id = summary.id.to_string();
        repo::insert_return(&mut tx, &return_id, delivered.order.id.as_str(), &items).await?;
        let attachment_id =
            sentral_store::corporate::next_number(&mut tx, "kpn-attachment", 9_000_001).await?;
        repo::insert_attachment(
            &mut tx,
            &Attachment {
                id: attachment_id,
                order_id: return_id.clone(),
                file_name: format!("return-label-{return_id}.pdf"),
                content_type: "application/pdf".into(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// `getReturnedHardwareServiceRequestUsingGET`: the return service requests as the
    /// service-request list filters and sorts them, with what each sends back.
    pub async fn kpn_returned_hardware(
        &self,
        principal: &Principal,
        mut query: TrackQuery,
    ) -> KpnResult<(Vec<ReturnedRequest>, i64)> {
        let page = query.page;
        query.page = Page {
            from: 0,
            to: i64::from(i32::MAX),
        };
        query.sort_by = None;
        let (all, _) = self
            .kpn_track_list(principal, RequestKind::ServiceRequest, query)
            .await?;
        let customer = self
            .kpn_customer(principal, privileges::TRACK_AND_TRACE)
            .await?;
        let mut conn = self.store.read().await?;
        let mut returns = Vec::new();
        for tracked in all
            .into_iter()
            .filter(|t| t.order.order_type == OrderType::ReturnHardware)
        {
            let KpnChange::Hardware(HardwareChange::Return {
                order_id, items, ..
            }) = &tracked.record.change
            else {
                continue;
            };
            let names = match basket_order(&mut conn, &customer, *order_id).await {
                Ok(delivered) => delivered.hardware,
                Err(_) => Vec::new(),
            };
            let mut counted: BTreeMap<String, i64> = BTreeMap::new();
            for item in items {
                let name = names
                    .iter()
                    .find(|h| h.item.as_ref().is_some_and(|i| i.id == *item))
                    .map(|h| h.line.name_en.clone())
                    .unwrap_or_else(|| format!("contract item {item}"));
                *counted.entry(name).or_default() += 1;
            }
            returns.push(ReturnedRequest {
                parent_order_id: *order_id,
                returned: counted.into_iter().collect(),
                tracked,
            });
        }
        let total = i64::try_from(returns.len()).unwrap_or(i64::MAX);
        Ok((page.slice(&returns), total))
    }

    /// The attachments of a tracked service request.
    pub async fn kpn_attachments(&self, tracked: &Tracked) -> KpnResult<Vec<Attachment>> {
        let mut conn = self.store.read().await?;
        Ok(repo::attachments(&mut conn, tracked.order.id.as_str()).await?)
    }

    /// `getAttachmentUsingGET`: attachment `attachment_id` of service request `id`, as its
    /// file name, content type and bytes (a return label is drawn from its request).
    pub async fn kpn_attachment(
        &self,
        principal: &Principal,
        id: &str,
        attachment_id: i64,
    ) -> KpnResult<(Attachment, Vec<u8>)> {
        let tracked = self
            .kpn_tracked(principal, RequestKind::ServiceRequest, id)
            .await?;
        let customer = self
            .kpn_customer(principal, privileges::TRACK_AND_TRACE)
            .await?;
        let mut conn = self.store.read().await?;
        let attachment = repo::attachments(&mut conn, tracked.order.id.as_str())
            .await?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or_else(|| {
                ServiceError::not_found(format!(
                    "attachment {attachment_id} of service request {}",
                    tracked.order.id.as_str()
                ))
            })?;
        let KpnChange::Hardware(HardwareChange::Return { order_id, .. }) = &tracked.record.change
        else {
            return Err(ServiceError::not_found(format!("attachment {attachment_id}")).into());
        };
        let hardware = match basket_order(&mut conn, &customer, *order_id).await {
            Ok(delivered) => delivered.hardware,
            Err(_) => Vec::new(),
        };
        let pdf = label::render(&customer.name, &tracked, &hardware);
        Ok((attachment, pdf))
    }
}
