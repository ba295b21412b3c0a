//! Track & trace of a committed basket beyond reading it: the port-in data of a porting order
//! (`changePortingDataUsingPOST`) and the hardware an order delivers
//! (`getHardwareForOrderUsingGET`).

use sentral_domain::corporate::{OrderId, OrderStatus};
use sentral_domain::kpn::contracting::{ContractingChange, ContractingLine};
use sentral_domain::kpn::{ContractItemNode, KpnChange, KpnOrderRecord, RequestKind};
use sentral_store::kpn::{contracts, orders as repo};

use super::{Customer, KpnFailure, KpnResult, invalid, privileges};
use crate::platform::audit;
use crate::{Platform, Principal};

/// `ChangePortingData`: a new wish date, or as soon as possible, and/or the customer number
/// the donor operator knows the number under.
#[derive(Debug, Clone, Default)]
pub struct PortingDataChange {
    pub new_wish_date: Option<String>,
    pub asap: Option<bool>,
    pub customer_number: Option<String>,
}

/// A delivered (or still to be delivered) piece of hardware of an order (`Hardware`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedHardware {
    pub line: ContractingLine,
    pub contract_id: i64,
    /// The contract item the hardware became, once the contract holds it.
    pub item: Option<ContractItemNode>,
    /// Known once delivered (the order finished).
    pub imei: Option<String>,
    pub serial_number: Option<String>,
    pub apple: bool,
    pub samsung: bool,
    pub returned: bool,
}

/// When the wish date changes to, by the spec's table: `Some(None)` = as soon as possible.
fn wish_of(change: &PortingDataChange) -> KpnResult<Option<Option<String>>> {
    let date = change
        .new_wish_date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    match (date, change.asap.unwrap_or(false)) {
        (Some(_), true) => Err(invalid("asap", "give newWishDate or asap=true, not both")),
        (Some(date), false) => Ok(Some(Some(date.to_owned()))),
        (None, true) => Ok(Some(None)),
        (None, false) => Ok(None),
    }
}

fn customer_number_of(change: &PortingDataChange) -> KpnResult<Option<String>> {
    let Some(number) = change.customer_number.as_deref().map(str::trim) else {
        return Ok(None);
    };
    if number.is_empty() || number.chars().count() > 70 {
        return Err(KpnFailure::InvalidCustomerNumber(format!(
            "customerNumber must be 1 to 70 characters, got {} characters",
            number.chars().count()
        ))
        .into());
    }
    Ok(Some(number.to_owned()))
}

/// A 15-digit IMEI with its Luhn check digit, made from `seed`.
fn imei(seed: i64) -> String {
    let body = format!("35{:012}", seed.rem_euclid(1_000_000_000_000));
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(index, byte)| {
            let digit = u32::from(byte - b'0');
            if index % 2 == 0 {
                let doubled = digit * 2;
                doubled / 10 + doubled % 10
            } else {
                digit
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn item_of(items: &[ContractItemNode], bs_id: i64) -> Option<ContractItemNode> {
    items.iter().find_map(|item| {
        if item.product_bs_id == bs_id {
            Some(item.clone())
        } else {
            item_of(&item.children, bs_id)
        }
    })
}

impl Platform {
    /// A KPN order of the caller's customer with its record, or 404 ORDER_NOT_FOUND.
    async fn kpn_contracting_order(
        conn: &mut sentral_store::Connection,
        customer: &Customer,
        id: &str,
    ) -> KpnResult<(sentral_domain::corporate::Order, KpnOrderRecord)> {
        let not_found = || {
            KpnFailure::OrderNotFound(format!(
                "order {id} does not exist or is not visible to you"
            ))
        };
        let id = OrderId::parse(id.trim()).map_err(|_| not_found())?;
        repo::order(conn, &customer.org_number, id.as_str())
            .await?
            .filter(|(_, record)| record.kind == RequestKind::Order)
            .ok_or_else(|| not_found().into())
    }

    /// `changePortingDataUsingPOST`: moves an open port-in order's wish date (or makes it as
    /// soon as possible) and/or changes the donor's customer number, in one transaction.
    pub async fn kpn_change_porting_data(
        &self,
        principal: &Principal,
        id: &str,
        change: PortingDataChange,
    ) -> KpnResult<()> {
        let customer = self
            .kpn_customer(principal, privileges::TRACK_AND_TRACE)
            .await?;
        Self::check_not_frozen(&customer)?;
        let wish = wish_of(&change)?;
        let customer_number = customer_number_of(&change)?;
        if wish.is_none() && customer_number.is_none() {
            return Err(invalid(
                "newWishDate",
                "give newWishDate, asap=true or customerNumber",
            ));
        }
        let now = self.now();
        let starts_at = match &wish {
            Some(date) => Some(super::contracting_wish_date(
                "newWishDate",
                date.as_deref(),
                now,
            )?),
            None => None,
        };
        let mut tx = self.store.write().await?;
        let (order, mut record) = Self::kpn_contracting_order(&mut tx, &customer, id).await?;
        let not_port_in = || {
            KpnFailure::OperationNotPossible(format!(
                "order {} is not a port-in order; only a porting order's data can change",
                order.id
            ))
        };
        let KpnChange::Contracting(ContractingChange::NewContract(contracting)) =
            &mut record.change
        else {
            return Err(not_port_in().into());
        };
        let Some(porting) = contracting.porting.as_mut() else {
            return Err(not_port_in().into());
        };
        if order.status != OrderStatus::InProgress {
            return Err(KpnFailure::OperationNotPossible(format!(
                "order {} is {} and its porting data can no longer change",
                order.id,
                order.status.as_str()
            ))
            .into());
        }
        if let Some(number) = &customer_number {
            porting.customer_number = number.clone();
        }
        let starts_at = starts_at.unwrap_or(record.starts_at);
        let delay = record.starts_at.seconds_until(order.due_at).max(0);
        let due_at = starts_at.plus_seconds(delay);
        if !repo::reschedule(
            &mut tx,
            order.id.as_str(),
            &record.change,
            starts_at,
            due_at,
        )
        .await?
        {
            return Err(KpnFailure::OperationNotPossible(format!(
                "order {} is no longer open",
                order.id
            ))
            .into());
        }
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "kpn.order.porting_data",
            order.id.as_str(),
            serde_json::json!({
                "wishDate": starts_at.to_rfc3339(),
                "customerNumberChanged": customer_number.is_some(),
            }),
        )
        .await?;
        tx.commit().await?;
        if record.held.is_none() {
            self.due_orders.note_due(due_at.millis());
        }
        Ok(())
    }

    /// `getHardwareForOrderUsingGET`: the hardware lines of a basket order with the contract
    /// items they became; IMEI and serial number once the order is delivered (finished).
    pub async fn kpn_order_hardware(
        &self,
        principal: &Principal,
        id: &str,
    ) -> KpnResult<Vec<OrderedHardware>> {
        let customer = self
            .kpn_customer(principal, privileges::TRACK_AND_TRACE)
            .await?;
        let mut conn = self.store.read().await?;
        let (order, record) = Self::kpn_contracting_order(&mut conn, &customer, id).await?;
        hardware_of(&mut conn, &customer.org_number, &order, &record).await
    }
}

/// The hardware of basket order `order`: `apple`/`samsung` once the order's devices are
/// enrolled in Apple DEP / Samsung Knox, `returned` once a return takes the item back.
pub(crate) async fn hardware_of(
    conn: &mut sentral_store::Connection,
    org_number: &sentral_domain::OrgNumber,
    order: &sentral_domain::corporate::Order,
    record: &KpnOrderRecord,
) -> KpnResult<Vec<OrderedHardware>> {
    let KpnChange::Contracting(change) = &record.change else {
        return Ok(Vec::new());
    };
    let contracting = change.order();
    let contract = contracts::contract(conn, org_number, contracting.contract_id).await?;
    let delivered = order.status == OrderStatus::Completed;
    let number: i64 = order.id.as_str().parse().unwrap_or_default();
    let enrolled = sentral_store::kpn::hardware::enrolments(conn, order.id.as_str()).await?;
    let returned = sentral_store::kpn::hardware::returned_items(conn, order.id.as_str()).await?;
    let mut hardware = Vec::new();
    for line in contracting.lines.iter().filter(|line| line.hardware) {
        for piece in 0..line.amount.max(1) {
            let seed = number * 1_000 + hardware.len() as i64;
            let name = line.name_en.to_lowercase();
            let item = contract
                .as_ref()
                .and_then(|contract| item_of(&contract.items, line.bs_id));
            let sim = name.contains("sim");
            hardware.push(OrderedHardware {
                line: line.clone(),
                contract_id: contracting.contract_id,
                returned: item
                    .as_ref()
                    .is_some_and(|item| returned.iter().any(|(id, _)| *id == item.id)),
                item,
                imei: (delivered && !sim).then(|| imei(seed)),
                serial_number: delivered.then(|| format!("SN{number}{piece:03}{}", line.bs_id)),
                apple: !sim && enrolled.iter().any(|p| p == "APPLE_DEP"),
                samsung: !sim && enrolled.iter().any(|p| p == "SAMSUNG_KNOX"),
            });
        }
    }
    Ok(hardware)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imeis_carry_their_luhn_check_digit() {
        for seed in [0, 1, 70_000_001_000, 999_999_999_999] {
            let text = imei(seed);
            assert_eq!(text.len(), 15, "{text}");
            let sum: u32 = text
                .bytes()
                .rev()
                .enumerate()
                .map(|(index, byte)| {
                    let digit = u32::from(byte - b'0');
                    if index % 2 == 1 {
                        let doubled = digit * 2;
                        doubled / 10 + doubled % 10
                    } else {
                        digit
                    }
                })
                .sum();
            assert_eq!(sum % 10, 0, "{text}");
        }
    }

    #[test]
    fn the_spec_s_table_of_porting_data_changes() {
        let change = |date: Option<&str>, asap: Option<bool>| PortingDataChange {
            new_wish_date: date.map(str::to_owned),
            asap,
            customer_number: None,
        };
        assert_eq!(
            wish_of(&change(Some("2026-12-20"), Some(false))).unwrap(),
            Some(Some("2026-12-20".into()))
        );
        assert_eq!(wish_of(&change(None, Some(true))).unwrap(), Some(None));
        assert_eq!(wish_of(&change(None, Some(false))).unwrap(), None);
        assert_eq!(wish_of(&change(Some(""), None)).unwrap(), None);
        assert!(wish_of(&change(Some("2026-12-20"), Some(true))).is_err());
    }
}
