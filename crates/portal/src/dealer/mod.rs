//! The dealer ordering system under `/forhandler/`: *Søk bedriftskunde*, the customer page
//! (*Kundeinformasjon*), the customer's MBN agreement with *Tjenester*, and adding a partner's
//! Connect service there. The services (`sentral_services::portal::dealer`) decide that only
//! dealers get in, and set up the partner's system user when a service is added.

mod texts;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sentral_domain::OrgNumber;
use sentral_services::ServiceError;
use sentral_services::portal::dealer::{
    AddConnectServiceForm, AgreementLine, CustomerHit, CustomerPage, CustomerSearchForm,
    MbnAgreementPage,
};
use serde::Deserialize;

use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format;
use crate::layout::{Chrome, percent_encode};
use crate::session::LoggedIn;
use crate::{PortalState, render};
pub use texts::DealerTexts;
use texts::texts;

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route("/forhandler/", get(search))
        .route("/forhandler/kunde/{org_number}", get(customer))
        .route("/forhandler/avtale/{agreement_id}", get(agreement))
        .route(
            "/forhandler/avtale/{agreement_id}/tjenester",
            post(add_service),
        )
}

/// The search form's fields, named as the ordering system names them.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct SearchQuery {
    #[serde(default)]
    imei: String,
    #[serde(default)]
    avtale: String,
    #[serde(default)]
    orgnr: String,
    #[serde(default)]
    konto: String,
    #[serde(default)]
    telefon: String,
    #[serde(default)]
    fornavn: String,
    #[serde(default)]
    etternavn: String,
    #[serde(default)]
    fodselsdato: String,
}

impl SearchQuery {
    fn is_empty(&self) -> bool {
        [
            &self.imei,
            &self.avtale,
            &self.orgnr,
            &self.konto,
            &self.telefon,
            &self.fornavn,
            &self.etternavn,
            &self.fodselsdato,
        ]
        .iter()
        .all(|field| field.trim().is_empty())
    }

    fn to_form(&self) -> CustomerSearchForm {
        CustomerSearchForm {
            imei: self.imei.clone(),
            agreement: self.avtale.clone(),
            org_number: self.orgnr.clone(),
            account: self.konto.clone(),
            phone: self.telefon.clone(),
            first_name: self.fornavn.clone(),
            last_name: self.etternavn.clone(),
            birth_date: self.fodselsdato.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "dealer/search.html")]
struct SearchPage {
    chrome: Chrome,
    tr: &'static DealerTexts,
    query: SearchQuery,
    searched: bool,
    problem: Option<String>,
    hits: Vec<CustomerHit>,
}

async fn search(
    State(state): State<PortalState>,
    user: LoggedIn,
    Query(query): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let searched = !query.is_empty();
    let (hits, problem) = if searched {
        match state
            .platform
            .dealer_search_customers(&user.user, &query.to_form())
            .await
        {
            Ok(hits) => (hits, None),
            Err(ServiceError::Invalid { field, message }) => (
                Vec::new(),
                Some(format!("{}: {field} – {message}", tr.check_field)),
            ),
            Err(error) => return Err(error.into()),
        }
    } else {
        // Only the dealer's own staff see even the empty form.
        user.user.require_dealer().map_err(ServiceError::from)?;
        (Vec::new(), None)
    };
    let status = if problem.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let mut response = render(&SearchPage {
        chrome: user.chrome(tr.search_title),
        tr,
        query,
        searched,
        problem,
        hits,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

pub struct AgreementRow {
    pub line: AgreementLine,
    pub active_since: String,
}

#[derive(Template)]
#[template(path = "dealer/customer.html")]
struct CustomerInfoPage {
    chrome: Chrome,
    tr: &'static DealerTexts,
    page: CustomerPage,
    agreements: Vec<AgreementRow>,
}

async fn customer(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(org_number): Path<String>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let org_number = OrgNumber::parse(&org_number).map_err(|_| PageError::NotFound)?;
    let page = state
        .platform
        .dealer_customer(&user.user, &org_number)
        .await?;
    let agreements = page
        .agreements
        .iter()
        .map(|line| AgreementRow {
            active_since: format::iso_date(&line.active_since),
            line: line.clone(),
        })
        .collect();
    render(&CustomerInfoPage {
        chrome: user.chrome(format!("{} – {}", tr.customer_title, page.name)),
        tr,
        page,
        agreements,
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct AddedQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    systembruker: Option<String>,
    #[serde(default)]
    sms: Option<String>,
}

pub struct ServiceRow {
    pub name: String,
    pub partner_name: String,
    pub kind: &'static str,
    pub added: String,
}

#[derive(Template)]
#[template(path = "dealer/agreement.html")]
struct AgreementPage {
    chrome: Chrome,
    tr: &'static DealerTexts,
    csrf: String,
    page: MbnAgreementPage,
    active_since: String,
    services: Vec<ServiceRow>,
    notice: Option<String>,
}

async fn agreement(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(agreement_id): Path<String>,
    Query(query): Query<AddedQuery>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let page = state
        .platform
        .dealer_mbn_agreement(&user.user, &agreement_id)
        .await?;
    let services = page
        .services
        .iter()
        .map(|line| ServiceRow {
            name: line.name.clone(),
            partner_name: line.partner_name.clone(),
            kind: if line.connect_service {
                tr.kind_connect
            } else {
                tr.kind_test
            },
            added: format::date(line.added_at),
        })
        .collect();
    let notice = (query.done.as_deref() == Some("added")).then(|| {
        let mut text = format!(
            "{} {}",
            query.service.as_deref().unwrap_or_default(),
            tr.added
        );
        if let Some(user) = &query.systembruker {
            match &query.sms {
                Some(mobile) => {
                    text.push_str(&format!(" {} {user} {} {mobile}.", tr.new_user, tr.sms_to))
                }
                None => text.push_str(&format!(" {} {user}.", tr.kept_user)),
            }
        }
        text
    });
    render(&AgreementPage {
        chrome: user.chrome(format!("{} {}", tr.agreement_title, page.agreement.id)),
        tr,
        csrf: user.csrf.clone(),
        active_since: format::iso_date(&page.agreement.active_since),
        page,
        services,
        notice,
    })
}

#[derive(Debug, Deserialize)]
pub struct AddServiceForm {
    #[serde(default)]
    service: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_mobile: String,
    #[serde(default)]
    contact_email: String,
}

async fn add_service(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(agreement_id): Path<String>,
    CsrfForm(form): CsrfForm<AddServiceForm>,
) -> Result<Response, PageError> {
    let added = state
        .platform
        .add_customer_connect_service(
            &user.user,
            &AddConnectServiceForm {
                agreement_id: agreement_id.clone(),
                service_name: form.service,
                contact_name: form.contact_name,
                contact_mobile: form.contact_mobile,
                contact_email: form.contact_email,
            },
        )
        .await?;
    let mut location = format!(
        "/forhandler/avtale/{}?done=added&service={}&systembruker={}",
        percent_encode(&added.agreement_id),
        percent_encode(&added.service.name),
        percent_encode(added.system_user.as_str()),
    );
    if let Some(mobile) = &added.password_sent_to {
        location.push_str(&format!("&sms={}", percent_encode(mobile.as_str())));
    }
    Ok(Redirect::to(&location).into_response())
}
