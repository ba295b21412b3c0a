//! The dealer ordering system: *Søk bedriftskunde*, the customer page (*Kundeinformasjon*), the
//! customer's MBN agreement with its *Tjenester*, and adding a partner's Connect service to it.
//! Every use case takes the portal user and starts with `require_dealer`.
//!
//! Adding a Connect service is what puts a partner's production application in touch with a
//! customer. The application's reach is the customers whose agreement carries its Connect
//! service, intersected with the grants of the system user it authenticates with, so the service
//! alone is not enough: the partner also needs a system user on that agreement whose grants name
//! the customer. [`Platform::add_customer_connect_service`] therefore does both in one
//! transaction: it puts the service on the agreement and
//! - keeps the partner's system user on the agreement if it has one, adding the customer to its
//!   grants when missing; or
//! - creates one (grants = the customer, on the Connect service rather than the partner's test
//!   product, so the pilot does not reach the customer), and sends its password by SMS to the
//!   contact person the dealer gave.

use sentral_domain::platform::{Agreement, ConnectService, ContactPerson, Grants};
use sentral_domain::{Msisdn, OrgNumber, SystemUserName, Timestamp};
use sentral_store::corporate::{accounts, agreements};
use sentral_store::portal::dealer::{self as store, CustomerSearch};
use sentral_store::{Connection, platform as repo};
use serde::Serialize;
use serde_json::json;

use super::PortalUser;
use crate::admin::{NewSystemUser, SystemUserProduct, add_connect_service_in, insert_system_user};
use crate::platform::audit;
use crate::{Platform, ServiceError};

/// The category of a Mobilt Bedriftsnett agreement, the one that carries *Tjenester*.
pub const MBN_CATEGORY: &str = "Mobilt Bedriftsnett avtale";
/// Customers shown for one search at most.
pub const SEARCH_LIMIT: i64 = 50;

/// The search form as typed: IMEI-nummer, Avtalenummer, Organisasjonsnummer (9 siffer), Konto,
/// Telefonnummer/ID, Fornavn, Etternavn, Fødselsdato (ddmmåååå). Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerSearchForm {
    pub imei: String,
    pub agreement: String,
    pub org_number: String,
    pub account: String,
    pub phone: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
}

fn digits(
    field: &str,
    text: &str,
    lengths: std::ops::RangeInclusive<usize>,
    what: &str,
) -> Result<String, ServiceError> {
    if lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(ServiceError::invalid(field, what))
    }
}

/// `ddmmåååå` as an ISO date, checked against the calendar.
pub fn parse_birth_date(text: &str) -> Result<String, ServiceError> {
    let invalid = || ServiceError::invalid("birth date", "a birth date is ddmmåååå, 8 digits");
    let text = digits(
        "birth date",
        text,
        8..=8,
        "a birth date is ddmmåååå, 8 digits",
    )?;
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().map_err(|_| invalid());
    let (day, month, year) = (number(0..2)?, number(2..4)?, number(4..8)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(invalid()),
    };
    if !(1..=days).contains(&day) || !(1900..=2100).contains(&year) {
        return Err(invalid());
    }
    Ok(format!("{year:04}-{month:02}-{day:02}"))
}

impl CustomerSearchForm {
    /// The search the form asks for; a malformed field is refused naming it.
    pub fn to_search(&self) -> Result<CustomerSearch, ServiceError> {
        let field = |text: &str| {
            let text = text.trim();
            (!text.is_empty()).then(|| text.to_owned())
        };
        let name = |label: &str, text: &str| -> Result<Option<String>, ServiceError> {
            match field(text) {
                Some(text) if text.chars().count() > 100 => Err(ServiceError::invalid(
                    label,
                    "must be at most 100 characters",
                )),
                other => Ok(other),
            }
        };
        Ok(CustomerSearch {
            imei: field(&self.imei)
                .map(|text| digits("IMEI", &text, 14..=16, "an IMEI is 15 digits"))
                .transpose()?,
            agreement_id: field(&self.agreement)
                .map(|text| digits("agreement", &text, 1..=12, "an agreement number is digits"))
                .transpose()?,
            org_number: field(&self.org_number)
                .map(|text| {
                    OrgNumber::parse(&text).map_err(|_| {
                        ServiceError::invalid(
                            "organisation number",
                            "an organisation number is 9 digits with a valid check digit",
                        )
                    })
                })
                .transpose()?,
            account_id: field(&self.account)
                .map(|text| digits("account", &text, 1..=8, "an account is 1 to 8 digits"))
                .transpose()?,
            msisdn: field(&self.phone)
                .map(|text| {
                    Msisdn::parse(&text)
                        .map_err(|_| ServiceError::invalid("phone number", "not a phone number"))
                })
                .transpose()?,
            first_name: name("first name", &self.first_name)?,
            last_name: name("last name", &self.last_name)?,
            birth_date: field(&self.birth_date)
                .map(|text| parse_birth_date(&text))
                .transpose()?,
        })
    }
}

/// A customer found by the search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerHit {
    pub org_number: OrgNumber,
    pub name: String,
    pub subscriptions: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerAddress {
    pub street: String,
    pub postal_code: String,
    pub postal_place: String,
}

/// *Kundeansvarlig i Telenor*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountManager {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// *Abonnement*: Antall abonnement, med binding, postpaid, prepaid, i bestilling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SubscriptionSummary {
    pub total: i64,
    pub with_binding: i64,
    pub postpaid: i64,
    pub prepaid: i64,
    pub in_order: i64,
}

/// One line of *Avtaleprodukter*: type, number, active since, owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementLine {
    pub id: String,
    pub category: String,
    pub active_since: String,
    pub status: String,
    pub owner_org: OrgNumber,
    pub owner_name: String,
    /// A Mobilt Bedriftsnett agreement: it has *Tjenester*.
    pub is_mbn: bool,
}

/// *Kundeinformasjon*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerPage {
    pub org_number: OrgNumber,
    pub name: String,
    pub address: Option<CustomerAddress>,
    pub segment: Option<String>,
    pub account_manager: Option<AccountManager>,
    pub subscriptions: SubscriptionSummary,
    pub agreements: Vec<AgreementLine>,
}

/// A product under the MBN agreement's *Tjenester*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementServiceLine {
    pub name: String,
    pub partner_name: String,
    /// A Connect service (production); otherwise the partner's test product (pilot).
    pub connect_service: bool,
    pub added_at: Timestamp,
}

/// The MBN agreement with its *Tjenester* and the Connect services a dealer may add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MbnAgreementPage {
    pub agreement: AgreementLine,
    pub services: Vec<AgreementServiceLine>,
    /// Names of Connect services not on the agreement yet.
    pub available: Vec<String>,
}

/// The dealer's form for adding a Connect service. The contact person is needed when the
/// partner has no system user on the agreement yet: the new one's password goes to them by SMS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddConnectServiceForm {
    pub agreement_id: String,
    pub service_name: String,
    pub contact_name: String,
    pub contact_mobile: String,
    pub contact_email: String,
}

/// What adding a Connect service did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddedConnectService {
    pub service: ConnectService,
    pub agreement_id: String,
    pub customer: OrgNumber,
    /// The partner's system user for the agreement.
    pub system_user: SystemUserName,
    /// Whether it was made now (otherwise the partner's existing one was kept).
    pub new_system_user: bool,
    /// Where the new system user's password went.
    pub password_sent_to: Option<Msisdn>,
}

impl AddConnectServiceForm {
    fn contact(&self) -> Result<Option<ContactPerson>, ServiceError> {
        let (name, mobile, email) = (
            self.contact_name.trim(),
            self.contact_mobile.trim(),
            self.contact_email.trim(),
        );
        if name.is_empty() && mobile.is_empty() && email.is_empty() {
            return Ok(None);
        }
        if name.is_empty() {
            return Err(ServiceError::invalid("contact name", "must not be empty"));
        }
        if !email.contains('@') || email.len() > 200 {
            return Err(ServiceError::invalid(
                "contact e-mail",
                "must be an e-mail address",
            ));
        }
        let mobile = Msisdn::parse(mobile)
            .map_err(|_| ServiceError::invalid("contact mobile", "not a mobile number"))?;
        Ok(Some(ContactPerson {
            name: name.to_owned(),
            mobile,
            email: email.to_owned(),
        }))
    }
}

async fn agreement_line(
    conn: &mut Connection,
    agreement: Agreement,
) -> Result<AgreementLine, ServiceError> {
    let owner_name = repo::organization(conn, &agreement.org_number)
        .await?
        .map(|org| org.name)
        .unwrap_or_default();
    Ok(AgreementLine {
        is_mbn: agreement.category == MBN_CATEGORY,
        id: agreement.id,
        category: agreement.category,
        active_since: agreement.valid_from,
        status: agreement.status,
        owner_org: agreement.org_number,
        owner_name,
    })
}

async fn mbn_agreement(
    conn: &mut Connection,
    agreement_id: &str,
) -> Result<Agreement, ServiceError> {
    let agreement = repo::agreement(conn, agreement_id)
        .await?
        .ok_or_else(|| ServiceError::not_found(format!("agreement {agreement_id}")))?;
    if agreement.category != MBN_CATEGORY {
        return Err(ServiceError::NotAllowed(format!(
            "agreement {agreement_id} is a {}; Connect services go on an MBN agreement",
            agreement.category
        )));
    }
    Ok(agreement)
}

impl Platform {
    /// *Søk bedriftskunde*: the customers matching every filled-in field, by name.
    pub async fn dealer_search_customers(
        &self,
        user: &PortalUser,
        form: &CustomerSearchForm,
    ) -> Result<Vec<CustomerHit>, ServiceError> {
        user.require_dealer()?;
        let search = form.to_search()?;
        if search.is_empty() {
            return Err(ServiceError::invalid(
                "search",
                "fill in at least one field",
            ));
        }
        let mut conn = self.store.read().await?;
        Ok(store::search_customers(&mut conn, &search, SEARCH_LIMIT)
            .await?
            .into_iter()
            .map(|hit| CustomerHit {
                org_number: hit.org_number,
                name: hit.name,
                subscriptions: hit.subscriptions,
            })
            .collect())
    }

    /// *Kundeinformasjon* of one business customer.
    pub async fn dealer_customer(
        &self,
        user: &PortalUser,
        org_number: &OrgNumber,
    ) -> Result<CustomerPage, ServiceError> {
        user.require_dealer()?;
        let today = self.now().to_rfc3339()[..10].to_owned();
        let mut conn = self.store.read().await?;
        let organization = repo::organization(&mut conn, org_number)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("customer {org_number}")))?;
        let address = accounts::address_cards_of(&mut conn, org_number)
            .await?
            .into_iter()
            .next()
            .map(|card| CustomerAddress {
                street: format!(
                    "{} {}",
                    card.address.street_name, card.address.street_address
                )
                .trim()
                .to_owned(),
                postal_code: card.address.postal_code,
                postal_place: card.address.postal_place,
            });
        let profile = store::customer_profile(&mut conn, org_number).await?;
        let counts = store::subscription_counts(&mut conn, org_number, &today).await?;
        let mut agreement_lines = Vec::new();
        for agreement in
            agreements::agreements_of(&mut conn, &[org_number.as_str().to_owned()]).await?
        {
            agreement_lines.push(agreement_line(&mut conn, agreement).await?);
        }
        // The MBN agreement first, as the ordering system shows it.
        agreement_lines.sort_by_key(|line| !line.is_mbn);
        Ok(CustomerPage {
            org_number: organization.org_number,
            name: organization.name,
            address,
            segment: profile.as_ref().map(|p| p.segment.clone()),
            account_manager: profile.and_then(|p| {
                p.account_manager_name.map(|name| AccountManager {
                    name,
                    email: p.account_manager_email,
                    phone: p.account_manager_phone,
                })
            }),
            subscriptions: SubscriptionSummary {
                total: counts.total,
                with_binding: counts.with_binding,
                postpaid: counts.postpaid,
                prepaid: counts.prepaid,
                in_order: counts.in_order,
            },
            agreements: agreement_lines,
        })
    }

    /// The customer's MBN agreement with its *Tjenester*.
    pub async fn dealer_mbn_agreement(
        &self,
        user: &PortalUser,
        agreement_id: &str,
    ) -> Result<MbnAgreementPage, ServiceError> {
        user.require_dealer()?;
        let mut conn = self.store.read().await?;
        let agreement = mbn_agreement(&mut conn, agreement_id).await?;
        let mut services = Vec::new();
        for service in store::agreement_services(&mut conn, agreement_id).await? {
            let partner_name = repo::partner(&mut conn, &service.partner_id)
                .await?
                .map(|partner| partner.name)
                .unwrap_or_default();
            services.push(AgreementServiceLine {
                name: service.product,
                partner_name,
                connect_service: service.connect_service_id.is_some(),
                added_at: service.added_at,
            });
        }
        let available = sentral_store::portal::back_office::all_connect_services(&mut conn)
            .await?
            .into_iter()
            .map(|used| used.service.name)
            .filter(|name| !services.iter().any(|line| &line.name == name))
            .collect();
        Ok(MbnAgreementPage {
            agreement: agreement_line(&mut conn, agreement).await?,
            services,
            available,
        })
    }

    /// Adds a Connect service under the MBN agreement's *Tjenester* and sets up the partner's
    /// system user for the agreement (see the module's documentation): from then on the
    /// partner's production application reaches the customer.
    pub async fn add_customer_connect_service(
        &self,
        user: &PortalUser,
        form: &AddConnectServiceForm,
    ) -> Result<AddedConnectService, ServiceError> {
        user.require_dealer()?;
        let contact = form.contact()?;
        let agreement_id = form.agreement_id.trim();
        let service_name = form.service_name.trim();
        if service_name.is_empty() {
            return Err(ServiceError::invalid("service", "choose a Connect service"));
        }
        let actor = user.actor();
        let now = self.now();
        let mut tx = self.store.write().await?;
        let agreement = mbn_agreement(&mut tx, agreement_id).await?;
        let service =
            add_connect_service_in(&mut tx, &actor, service_name, agreement_id, now).await?;
        let partner = repo::partner(&mut tx, &service.partner_id)
            .await?
            .ok_or_else(|| ServiceError::internal(format!("partner {}", service.partner_id)))?;
        let existing = store::system_users_on_agreement(&mut tx, &partner.id, agreement_id)
            .await?
            .into_iter()
            .next();
        let mut regranted = None;
        let (system_user, new_system_user, password_sent_to) = match existing {
            Some(username) => {
                let system_user = repo::system_user_by_name(&mut tx, &username)
                    .await?
                    .ok_or_else(|| ServiceError::internal(format!("system user {username}")))?;
                if !system_user.grants.companies.contains(&agreement.org_number) {
                    repo::add_grant(
                        &mut tx,
                        &system_user.id,
                        repo::GrantKind::Company,
                        agreement.org_number.as_str(),
                    )
                    .await?;
                    audit(
                        &mut tx,
                        now,
                        &actor,
                        "system-user.grant",
                        system_user.id.as_str(),
                        json!({"kind": "Company", "value": agreement.org_number}),
                    )
                    .await?;
                    regranted = Some(system_user.id.clone());
                }
                (username, false, None)
            }
            None => {
                let contact = contact.ok_or_else(|| {
                    ServiceError::invalid(
                        "contact",
                        format!(
                            "{} has no system user on agreement {agreement_id} yet: give the \
                             contact person who gets its password by SMS",
                            partner.name
                        ),
                    )
                })?;
                let new = NewSystemUser {
                    partner: partner.org_number.clone(),
                    agreement_id: agreement_id.to_owned(),
                    contact,
                    grants: Grants {
                        companies: vec![agreement.org_number.clone()],
                        accounts: Vec::new(),
                    },
                    password: None,
                    username: None,
                };
                let created = insert_system_user(
                    &mut tx,
                    self.sms_gateway().as_ref(),
                    &actor,
                    new,
                    SystemUserProduct::ConnectService,
                    now,
                )
                .await?;
                (created.username, true, Some(created.contact.mobile))
            }
        };
        tx.commit().await?;
        self.evict_tokens_of_application(&service.app_id);
        if let Some(id) = regranted {
            self.evict_tokens_of_system_user(&id);
        }
        Ok(AddedConnectService {
            service,
            agreement_id: agreement_id.to_owned(),
            customer: agreement.org_number,
            system_user,
            new_system_user,
            password_sent_to,
        })
    }
}
