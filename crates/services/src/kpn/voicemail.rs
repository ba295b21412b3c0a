//! Business voicemail (`rest-business-voice-mail-controller`): availability, and the order of a
//! voicemail box for the subscriptions of a CSV file, every row validated.
//!
//! Decisions on what the spec leaves open:
//! - Available (enabled) to a customer that may order (not frozen); always visible.
//! - The file's numbers must be the customer's mobile subscriptions (MOBILE or FIXED_MOBILE, not
//!   closed), all billed to one debtor (the KGG number of the spec is the debtor's): else
//!   SUBSCRIPTIONS_NOT_FOUND / KGG_NUMBERS_NOT_EQUAL naming the lines.
//! - The order (`businessVoiceMail`, 60 s from its wish date) is on that debtor: one open at a
//!   time per debtor. When it finishes every subscription of the file has the box (the latest
//!   order's box replaces an earlier one).
//! - Text parameters: `companyName` and `companyNamePronunciation` at most 100 characters,
//!   `voiceMailMessage` at most 1 000, `customerReferenceNumber` at most 25.

use std::collections::BTreeMap;

use sentral_domain::Timestamp;
use sentral_domain::corporate::{Order, OrderSubject, OrderType};
use sentral_domain::kpn::voicemail::{
    BvmFileError, VoicemailChange, listed, parse_subscriptions_file,
};
use sentral_domain::kpn::{KpnChange, KpnOrderRecord, Receiver, RequestKind};
use sentral_store::Connection;
use sentral_store::kpn::voicemail as repo;

use super::contract_orders::CONTRACT_ORDER_SECONDS;
use super::engine::NewOrder;
use super::{KpnFailure, KpnResult, OrderSummary, invalid, privileges, wish_date};
use crate::{Platform, Principal, ServiceError};

/// `orderUsingPOST` as sent: the query parameters and the file.
#[derive(Debug, Clone, Default)]
pub struct BvmOrderInput {
    pub company_name: Option<String>,
    pub company_name_pronunciation: Option<String>,
    pub voice_language: Option<String>,
    pub voice_mail_message: Option<String>,
    pub customer_reference_number: Option<String>,
    pub wish_date: Option<String>,
    pub file_name: Option<String>,
    pub file: Vec<u8>,
}

fn required(field: &str, value: Option<&str>, max: usize) -> KpnResult<String> {
    let text = value
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid(field, "is required"))?;
    if text.chars().count() > max {
        return Err(invalid(
            field,
            format!("is at most {max} characters, got {}", text.chars().count()),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(field, "holds a control character"));
    }
    Ok(text.to_owned())
}

fn file_failure(error: BvmFileError) -> KpnFailure {
    match error {
        BvmFileError::InvalidFile(m) => KpnFailure::InvalidBvmFile(m),
        BvmFileError::TooLarge(m) => KpnFailure::FileTooLarge(m),
        BvmFileError::WrongSeparator(m) => KpnFailure::WrongColumnSeparator(m),
        BvmFileError::MissingHeader(m) => KpnFailure::MissingHeaderInFile(m),
        BvmFileError::TooManyRows(m) => KpnFailure::MaximumAmountOfRowsExceeded(m),
        BvmFileError::RecordsNotValid(m) => KpnFailure::RecordsNotValidInFile(m),
        BvmFileError::NotUnique(m) => KpnFailure::PhoneNumbersNotUnique(m),
    }
}

impl Platform {
    /// `getAvailabilityUsingGET`: (enabled, visible).
    pub async fn kpn_bvm_availability(&self, principal: &Principal) -> KpnResult<(bool, bool)> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        Ok((!customer.settings.order_frozen, true))
    }

    /// `orderUsingPOST`: a voicemail box for the file's subscriptions.
    pub async fn kpn_order_bvm(
        &self,
        principal: &Principal,
        input: &BvmOrderInput,
    ) -> KpnResult<OrderSummary> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        Self::check_not_frozen(&customer)?;
        let company_name = required("companyName", input.company_name.as_deref(), 100)?;
        let pronunciation = required(
            "companyNamePronunciation",
            input.company_name_pronunciation.as_deref(),
            100,
        )?;
        let language = required("voiceLanguage", input.voice_language.as_deref(), 100)?;
        let language = match language.to_ascii_uppercase().as_str() {
            upper @ ("EN" | "NL") => upper.to_owned(),
            _ => {
                return Err(invalid(
                    "voiceLanguage",
                    format!("must be EN or NL, got {language:?}"),
                ));
            }
        };
        let message = required(
            "voiceMailMessage",
            input.voice_mail_message.as_deref(),
            1_000,
        )?;
        let reference = match input
            .customer_reference_number
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(text) => Some(required("customerReferenceNumber", Some(text), 25)?),
            None => None,
        };
        let starts_at = wish_date(input.wish_date.as_deref(), self.now())?;
        let rows = parse_subscriptions_file(input.file_name.as_deref(), &input.file)
            .map_err(file_failure)?;
        let numbers: Vec<String> = rows.iter().map(|r| r.mobile_number.clone()).collect();
        let mut tx = self.store.write().await?;
        let found = repo::contracts_with_numbers(&mut tx, &customer.org_number, &numbers).await?;
        let by_number: BTreeMap<&str, &repo::NumberedContract> = found
            .iter()
            .map(|c| (c.mobile_number.as_str(), c))
            .collect();
        let unknown: Vec<String> = rows
            .iter()
            .filter(|r| !by_number.contains_key(r.mobile_number.as_str()))
            .map(|r| format!("line {}: {}", r.line, r.mobile_number))
            .collect();
        if !unknown.is_empty() {
            return Err(KpnFailure::SubscriptionsNotFound(format!(
                "subscriptionsFile: numbers that are no subscription of customer {}: {}",
                customer.name,
                listed(&unknown)
            ))
            .into());
        }
        let mut debtors: BTreeMap<Option<i64>, Vec<String>> = BTreeMap::new();
        for row in &rows {
            let contract = by_number[row.mobile_number.as_str()];
            debtors.entry(contract.debtor_id).or_default().push(format!(
                "line {}: {} ({})",
                row.line,
                row.mobile_number,
                contract.debtor_name.as_deref().unwrap_or("no debtor")
            ));
        }
        if debtors.len() > 1 {
            let groups: Vec<String> = debtors.values().map(|lines| listed(lines)).collect();
            return Err(KpnFailure::KggNumbersNotEqual(format!(
                "subscriptionsFile: the subscriptions are billed to {} debtors (KGG numbers); \
                 order for one debtor at a time: {}",
                debtors.len(),
                groups.join(" | ")
            ))
            .into());
        }
        let debtor = debtors.keys().next().copied().flatten();
        let subject = OrderSubject::KpnItem(debtor.unwrap_or(customer.settings.item_id));
        self.refuse_if_open(
            &mut tx,
            subject.clone(),
            "the debtor of these subscriptions",
        )
        .await?;
        let mut contract_ids: Vec<i64> = rows
            .iter()
            .map(|r| by_number[r.mobile_number.as_str()].contract_id)
            .collect();
        contract_ids.sort_unstable();
        contract_ids.dedup();
        let new = NewOrder {
            subject,
            operation: OrderType::BusinessVoiceMail,
            kind: RequestKind::Order,
            change: KpnChange::Voicemail(VoicemailChange {
                company_name: company_name.clone(),
                company_name_pronunciation: pronunciation,
                voice_language: language,
                voice_mail_message: message,
                contract_ids,
            }),
            reference_number: reference,
            context_name: company_name.clone(),
            receiver: Receiver {
                id: debtor,
                company_name: Some(customer.name.clone()),
                ..Receiver::default()
            },
            msisdn: None,
            sim: None,
            starts_at,
            seconds: CONTRACT_ORDER_SECONDS,
        };
        self.commit_kpn_order(tx, principal, &customer, new).await
    }
}

/// Makes the change of a finished business-voicemail order.
pub(crate) async fn apply(
    conn: &mut Connection,
    order: &Order,
    _record: &KpnOrderRecord,
    change: &VoicemailChange,
    at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    let done = repo::activate(conn, &order.org_number, order.id.as_str(), change, at).await?;
    Ok(if done == 0 {
        Err("none of the order's subscriptions is still active".into())
    } else {
        Ok(None)
    })
}
