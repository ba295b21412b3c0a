//! Address cards and invoice accounts: list, get, and create with every documented rule.

use std::collections::BTreeMap;

use sentral_domain::corporate::{
    AccountId, AccountReference, AccountStatus, AccountType, AddressCard, AddressCardId,
    CorporateAccount, Payer,
};
use sentral_domain::platform::Organization;
use sentral_domain::{DomainError, OrgNumber, Timestamp};
use sentral_store::corporate::{self as corporate_repo, accounts as repo};
use serde_json::json;

use super::{JsonPaged, PageRequest, Paged, ReachLists, organizations_named, sees, sees_company};
use crate::platform::audit;
use crate::{CorporateError, Platform, Principal, ServiceError};

/// An account as the API shows it: its status now and the names of its organisations.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub account: CorporateAccount,
    pub status: AccountStatus,
    pub owner: Organization,
    pub company_payer: Option<Organization>,
}

/// `POST /corporate-accounts/v2/accounts` as sent; every field is checked here.
#[derive(Debug, Clone, Default)]
pub struct NewAccountRequest {
    pub account_reference1: Option<String>,
    pub account_reference2: Option<String>,
    pub account_reference3: Option<String>,
    pub address_card_id: Option<String>,
    pub owner_organization_number: Option<String>,
    pub payer_organization_number: Option<String>,
}

impl NewAccountRequest {
    fn is_empty(&self) -> bool {
        [
            &self.account_reference1,
            &self.account_reference2,
            &self.account_reference3,
            &self.address_card_id,
            &self.owner_organization_number,
            &self.payer_organization_number,
        ]
        .iter()
        .all(|field| field.as_deref().is_none_or(|text| text.trim().is_empty()))
    }
}

/// The first account number handed out by the counter.
pub const FIRST_ACCOUNT_NUMBER: i64 = 10_000_001;

fn invalid_reference(error: DomainError) -> ServiceError {
    CorporateError::InvalidReference(error.to_string()).into()
}

fn reference(
    field: &'static str,
    value: Option<&str>,
    required: bool,
) -> Result<Option<AccountReference>, ServiceError> {
    match value {
        None | Some("") if required => Err(invalid_reference(DomainError::Empty { field })),
        None | Some("") => Ok(None),
        Some(text) => AccountReference::parse(field, text)
            .map(Some)
            .map_err(invalid_reference),
    }
}

impl Platform {
    /// Checks an organisation number given by the caller: well formed (else 400024) and among
    /// the organisations the caller may act for (else 400007).
    fn visible_org(&self, principal: &Principal, text: &str) -> Result<OrgNumber, ServiceError> {
        let org_number = OrgNumber::parse(text.trim())
            .map_err(|e| CorporateError::InvalidOrgNumber(e.to_string()))?;
        if !sees_company(principal, &org_number) {
            return Err(CorporateError::OrganizationNotFound(org_number.to_string()).into());
        }
        Ok(org_number)
    }

    pub async fn address_cards(
        &self,
        principal: &Principal,
        org_number: &str,
    ) -> Result<Vec<AddressCard>, ServiceError> {
        super::require_system_user(principal)?;
        let org_number = self.visible_org(principal, org_number)?;
        let mut conn = self.store.read().await?;
        Ok(repo::address_cards_of(&mut conn, &org_number).await?)
    }

    async fn account_views(
        &self,
        accounts: Vec<CorporateAccount>,
        now: Timestamp,
    ) -> Result<Vec<AccountView>, ServiceError> {
        let mut conn = self.store.read().await?;
        let numbers = accounts.iter().flat_map(|account| {
            let payer = match &account.payer {
                Payer::Company(org_number) => Some(org_number.clone()),
                Payer::Person(_) => None,
            };
            std::iter::once(account.owner.clone()).chain(payer)
        });
        let names: BTreeMap<OrgNumber, Organization> =
            organizations_named(&mut conn, numbers.collect::<Vec<_>>()).await?;
        let named = |org_number: &OrgNumber| {
            names.get(org_number).cloned().unwrap_or(Organization {
                org_number: org_number.clone(),
                name: String::new(),
                parent: None,
            })
        };
        Ok(accounts
            .into_iter()
            .map(|account| AccountView {
                status: account.status_at(now),
                owner: named(&account.owner),
                company_payer: match &account.payer {
                    Payer::Company(org_number) => Some(named(org_number)),
                    Payer::Person(_) => None,
                },
                account,
            })
            .collect())
    }

    /// The accounts the caller sees, listed once activated, by account number.
    pub async fn accounts(
        &self,
        principal: &Principal,
        page: PageRequest,
    ) -> Result<Paged<AccountView>, ServiceError> {
        super::require_system_user(principal)?;
        let now = self.now();
        let lists = ReachLists::of(principal);
        let found = {
            let mut conn = self.store.read().await?;
            repo::accounts_page(&mut conn, lists.reach(), now, page.offset(), page.limit()).await?
        };
        Ok(Paged {
            items: self.account_views(found.items, now).await?,
            request: page,
            total: found.total,
        })
    }

    /// [`Platform::accounts`] with the page's JSON (the API's account objects, organisation
    /// names and the status now included) written by the store.
    pub async fn accounts_json(
        &self,
        principal: &Principal,
        page: PageRequest,
    ) -> Result<JsonPaged, ServiceError> {
        super::require_system_user(principal)?;
        let lists = ReachLists::of(principal);
        let mut conn = self.store.read().await?;
        let found = repo::accounts_page_json(
            &mut conn,
            lists.reach(),
            self.now(),
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

    /// One account the caller sees; a new account is found here while still PASSIVE.
    pub async fn account(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<AccountView, ServiceError> {
        super::require_system_user(principal)?;
        let id = AccountId::parse(id).map_err(|e| ServiceError::invalid("id", e.to_string()))?;
        let not_found = || ServiceError::not_found(format!("account {id}"));
        let account = {
            let mut conn = self.store.read().await?;
            repo::account(&mut conn, &id).await?.ok_or_else(not_found)?
        };
        if !sees(principal, &account.owner, account.id.as_str()) {
            return Err(not_found());
        }
        let now = self.now();
        self.account_views(vec![account], now)
            .await?
            .pop()
            .ok_or_else(not_found)
    }

    /// Creates an invoice account: PASSIVE now, OPEN and listed after the activation delay.
    pub async fn create_account(
        &self,
        principal: &Principal,
        request: NewAccountRequest,
    ) -> Result<AccountView, ServiceError> {
        super::require_system_user(principal)?;
        if request.is_empty() {
            return Err(CorporateError::EmptyInput.into());
        }
        let references = [
            reference(
                "accountReference1",
                request.account_reference1.as_deref(),
                true,
            )?,
            reference(
                "accountReference2",
                request.account_reference2.as_deref(),
                false,
            )?,
            reference(
                "accountReference3",
                request.account_reference3.as_deref(),
                false,
            )?,
        ];
        let owner_text = request
            .owner_organization_number
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .ok_or_else(|| {
                CorporateError::InvalidOrgNumber("ownerOrganizationNumber is required".into())
            })?;
        let owner = self.visible_org(principal, owner_text)?;
        let payer = match request
            .payer_organization_number
            .as_deref()
            .filter(|text| !text.trim().is_empty())
        {
            Some(text) => self.visible_org(principal, text)?,
            None => owner.clone(),
        };
        let card_id = request
            .address_card_id
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .map(|text| {
                AddressCardId::parse(text.trim())
                    .map_err(|e| CorporateError::InvalidAddressCard(e.to_string()))
            })
            .transpose()?;

        let now = self.now();
        let mut tx = self.store.write().await?;
        let cards = repo::address_cards_of(&mut tx, &payer).await?;
        let card = match card_id {
            Some(id) => match cards.iter().find(|card| card.id == id) {
                Some(card) => card.clone(),
                None if repo::address_card(&mut tx, &id).await?.is_some() => {
                    return Err(CorporateError::InvalidAddressCard(format!(
                        "address card {} does not belong to the payer {payer}",
                        id.as_str()
                    ))
                    .into());
                }
                None => {
                    return Err(CorporateError::AddressCardNotFound(format!(
                        "address card {} is not found",
                        id.as_str()
                    ))
                    .into());
                }
            },
            None => match cards.as_slice() {
                [only] => only.clone(),
                [] => {
                    return Err(CorporateError::AddressCardNotFound(format!(
                        "the payer {payer} has no address card to send invoices to"
                    ))
                    .into());
                }
                several => {
                    let ids: Vec<&str> = several.iter().map(|card| card.id.as_str()).collect();
                    return Err(CorporateError::InvalidAddressCard(format!(
                        "the payer {payer} has several address cards ({}); choose one with addressCardId",
                        ids.join(", ")
                    ))
                    .into());
                }
            },
        };
        let number = corporate_repo::next_number(&mut tx, "account", FIRST_ACCOUNT_NUMBER).await?;
        let id = AccountId::from_number(
            u32::try_from(number)
                .map_err(|_| ServiceError::Internal("account numbers are exhausted".into()))?,
        );
        let activation = i64::from(self.config.corporate.account_activation_seconds);
        let account = CorporateAccount {
            id,
            references,
            owner,
            payer: Payer::Company(payer),
            address_card: Some(card.id.clone()),
            invoice_address: card.address.clone(),
            invoice_format: card.invoice_format,
            stored_status: AccountStatus::Passive,
            account_type: AccountType::Normal,
            created_at: now,
            activates_at: Some(now.plus_seconds(activation)),
            listed_from: now.plus_seconds(activation),
        };
        repo::insert_account(&mut tx, &account).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "account.create",
            account.id.as_str(),
            json!({"owner": account.owner.as_str(), "addressCardId": card.id.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.account_views(vec![account], now)
            .await?
            .pop()
            .ok_or_else(|| ServiceError::Internal("the new account vanished".into()))
    }
}
