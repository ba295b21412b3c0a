//! Mobile subscriptions: search, get, user references.

use sentral_domain::corporate::{
    MobileSubscription, SubscriptionStatus, UserReference, UserReferences,
};
use sentral_domain::{Msisdn, Timestamp};
use sentral_store::corporate::subscriptions::{self as repo, SubscriptionSearch};
use serde_json::json;

use super::{JsonPaged, PageRequest, ReachLists, sees};
use crate::platform::audit;
use crate::{AuthFailure, CorporateError, Platform, Principal, ServiceError};

/// Search parameters as sent; at least one criterion is required.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionQuery {
    pub account_id: Option<String>,
    pub organization_number: Option<String>,
    pub msisdn: Option<String>,
    pub user_reference: Option<String>,
    pub product_id: Option<i64>,
    pub since: Option<String>,
    pub status: Option<String>,
    pub ascending: Option<bool>,
}

/// A change to one user reference: absent fields keep their value, `null` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ReferencePatch {
    #[default]
    Keep,
    Clear,
    Set(String),
}

#[derive(Debug, Clone, Default)]
pub struct UserReferencesPatch {
    pub reference1: ReferencePatch,
    pub reference2: ReferencePatch,
    pub reference3: ReferencePatch,
}

fn patched(
    field: &'static str,
    current: Option<UserReference>,
    patch: ReferencePatch,
) -> Result<Option<UserReference>, ServiceError> {
    match patch {
        ReferencePatch::Keep => Ok(current),
        ReferencePatch::Clear => Ok(None),
        ReferencePatch::Set(text) if text.is_empty() => Ok(None),
        ReferencePatch::Set(text) => UserReference::parse(field, &text)
            .map(Some)
            .map_err(|e| CorporateError::InvalidReference(e.to_string()).into()),
    }
}

/// Parses an MSISDN from a path; a malformed one is a bad request naming the parameter.
pub(crate) fn parse_msisdn(text: &str) -> Result<Msisdn, ServiceError> {
    Msisdn::parse(text).map_err(|e| ServiceError::invalid("msisdn", e.to_string()))
}

impl Platform {
    /// The subscription behind `msisdn` if the caller may use it; otherwise 40104, whether the
    /// number exists or not (an outsider learns nothing).
    pub(crate) async fn granted_subscription(
        &self,
        principal: &Principal,
        msisdn: &Msisdn,
    ) -> Result<MobileSubscription, ServiceError> {
        self.complete_due_orders().await?;
        let mut conn = self.store.read().await?;
        match repo::subscription(&mut conn, msisdn).await? {
            Some(found) if sees(principal, &found.org_number, found.account_id.as_str()) => {
                Ok(found)
            }
            _ => Err(AuthFailure::MsisdnNotGranted.into()),
        }
    }

    pub async fn subscription(
        &self,
        principal: &Principal,
        msisdn: &str,
    ) -> Result<MobileSubscription, ServiceError> {
        super::require_system_user(principal)?;
        let msisdn = parse_msisdn(msisdn)?;
        self.granted_subscription(principal, &msisdn).await
    }

    /// [`Platform::subscription`] written by the store as the API's JSON object.
    pub async fn subscription_json(
        &self,
        principal: &Principal,
        msisdn: &str,
    ) -> Result<String, ServiceError> {
        super::require_system_user(principal)?;
        let msisdn = parse_msisdn(msisdn)?;
        self.complete_due_orders().await?;
        let found = {
            let mut conn = self.store.read().await?;
            repo::subscription_json(&mut conn, &msisdn).await?
        };
        match found {
            Some(found) if sees(principal, &found.org_number, found.account_id.as_str()) => {
                Ok(found.json)
            }
            _ => Err(AuthFailure::MsisdnNotGranted.into()),
        }
    }

    /// One page of the subscriptions the caller sees that match `query`, written by the store
    /// as the API's summaries.
    pub async fn search_subscriptions(
        &self,
        principal: &Principal,
        query: SubscriptionQuery,
        page: PageRequest,
    ) -> Result<JsonPaged, ServiceError> {
        super::require_system_user(principal)?;
        let search = subscription_search(query)?;
        self.complete_due_orders().await?;
        let lists = ReachLists::of(principal);
        let mut conn = self.store.read().await?;
        let found = repo::search_json(
            &mut conn,
            lists.reach(),
            &search,
            page.offset(),
            page.limit(),
        )
        .await?;
        Ok(JsonPaged {
            content: found.content,
            request: page,
            total: found.total,
        })
    }

    /// Partial update of the user references; answers the subscription as it is now.
    pub async fn update_user_references(
        &self,
        principal: &Principal,
        msisdn: &str,
        patch: UserReferencesPatch,
    ) -> Result<MobileSubscription, ServiceError> {
        super::require_system_user(principal)?;
        let msisdn = parse_msisdn(msisdn)?;
        let current = self.granted_subscription(principal, &msisdn).await?;
        let references = UserReferences {
            reference1: patched(
                "userReference1",
                current.references.reference1,
                patch.reference1,
            )?,
            reference2: patched(
                "userReference2",
                current.references.reference2,
                patch.reference2,
            )?,
            reference3: patched(
                "userReference3",
                current.references.reference3,
                patch.reference3,
            )?,
        };
        let now = self.now();
        let mut tx = self.store.write().await?;
        repo::update_references(&mut tx, &msisdn, &references, now).await?;
        let text =
            |reference: &Option<UserReference>| reference.as_ref().map(|r| r.as_str().to_owned());
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "subscription.user-references",
            msisdn.as_str(),
            json!({
                "userReference1": text(&references.reference1),
                "userReference2": text(&references.reference2),
                "userReference3": text(&references.reference3),
            }),
        )
        .await?;
        let updated = repo::subscription(&mut tx, &msisdn)
            .await?
            .ok_or_else(|| ServiceError::Internal("the subscription vanished".into()))?;
        tx.commit().await?;
        Ok(updated)
    }
}

/// The search `query` asks for, checked: at least one criterion, `productId` not with `since`,
/// well-formed numbers, times and statuses.
fn subscription_search(query: SubscriptionQuery) -> Result<SubscriptionSearch, ServiceError> {
    let blank = |value: &Option<String>| value.as_deref().is_none_or(|v| v.trim().is_empty());
    if blank(&query.account_id)
        && blank(&query.organization_number)
        && blank(&query.msisdn)
        && blank(&query.user_reference)
        && blank(&query.since)
        && blank(&query.status)
        && query.product_id.is_none()
    {
        return Err(ServiceError::invalid(
            "search",
            "give at least one of accountId, organizationNumber, msisdn, userReference, \
                 productId, since, status",
        ));
    }
    if query.product_id.is_some() && !blank(&query.since) {
        return Err(ServiceError::invalid(
            "productId",
            "productId and since cannot be combined; search with one of them",
        ));
    }
    let non_blank = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    let msisdn = non_blank(query.msisdn)
        .map(|text| {
            let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '+')).collect();
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                Err(ServiceError::invalid("msisdn", "must be digits"))
            } else {
                Ok(digits)
            }
        })
        .transpose()?;
    let since = non_blank(query.since)
        .map(|text| {
            parse_since(&text).ok_or_else(|| {
                ServiceError::invalid(
                    "since",
                    "must be a date (2026-01-31) or an RFC 3339 time (2026-01-31T12:00:00Z)",
                )
            })
        })
        .transpose()?;
    let status = non_blank(query.status)
        .map(|text| {
            SubscriptionStatus::parse(&text).ok_or_else(|| {
                ServiceError::invalid(
                    "status",
                    format!("must be one of {}", SubscriptionStatus::values()),
                )
            })
        })
        .transpose()?;
    Ok(SubscriptionSearch {
        account_id: non_blank(query.account_id),
        org_number: non_blank(query.organization_number),
        msisdn,
        user_reference: non_blank(query.user_reference),
        product_id: query.product_id,
        since,
        status,
        ascending: query.ascending.unwrap_or(true),
    })
}

/// `2026-01-31` (midnight UTC) or an RFC 3339 time.
fn parse_since(text: &str) -> Option<Timestamp> {
    Timestamp::parse_rfc3339(text)
        .or_else(|| Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")))
}
