//! Logging in and out, giving the password again for a sensitive action, choosing the language.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use sentral_domain::Secret;
use sentral_services::ServiceError;
use sentral_services::portal::PortalFailure;
use serde::Deserialize;

use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format;
use crate::i18n::{LANG_COOKIE, Lang};
use crate::layout::{Chrome, safe_next};
use crate::session::{LOGIN_CSRF_COOKIE, LoggedIn, Visitor, set_cookie};
use crate::{PortalState, render};

pub struct LoginTexts {
    pub title: &'static str,
    pub heading: &'static str,
    pub intro: &'static str,
    pub name_label: &'static str,
    pub password_label: &'static str,
    pub submit: &'static str,
    pub bad_credentials: &'static str,
    pub locked: &'static str,
    pub logged_out: &'static str,
    pub reauth_title: &'static str,
    pub reauth_intro: &'static str,
    pub reauth_submit: &'static str,
}

const NO: LoginTexts = LoginTexts {
    title: "Logg inn",
    heading: "Innlogging i Min Bedrift",
    intro: "Logg inn med e-post eller mobilnummer og passord.",
    name_label: "E-post eller mobilnummer",
    password_label: "Passord",
    submit: "Logg inn",
    bad_credentials: "Feil e-post, mobilnummer eller passord.",
    locked: "For mange feil passord. Innloggingen er sperret til",
    logged_out: "Du er logget ut.",
    reauth_title: "Bekreft med passord",
    reauth_intro: "Av sikkerhetshensyn må du oppgi passordet ditt på nytt før du fortsetter.",
    reauth_submit: "Bekreft",
};

const EN: LoginTexts = LoginTexts {
    title: "Log in",
    heading: "Log in to Min Bedrift",
    intro: "Log in with your e-mail or mobile number and password.",
    name_label: "E-mail or mobile number",
    password_label: "Password",
    submit: "Log in",
    bad_credentials: "Wrong e-mail, mobile number or password.",
    locked: "Too many wrong passwords. The login is locked until",
    logged_out: "You are logged out.",
    reauth_title: "Confirm with your password",
    reauth_intro: "For your security, give your password again before you go on.",
    reauth_submit: "Confirm",
};

fn texts(lang: Lang) -> &'static LoginTexts {
    lang.pick(&NO, &EN)
}

/// What the login and re-authentication templates show.
struct FormTexts {
    heading: &'static str,
    intro: &'static str,
    name_label: &'static str,
    password_label: &'static str,
    submit: &'static str,
    logged_out: &'static str,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    tr: FormTexts,
    csrf: String,
    next: String,
    login: String,
    problem: Option<String>,
    logged_out: bool,
}

#[derive(Template)]
#[template(path = "reauth.html")]
struct ReauthPage {
    chrome: Chrome,
    tr: FormTexts,
    csrf: String,
    next: String,
    problem: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    #[serde(default)]
    logged_out: Option<String>,
}

fn login_page(
    visitor: &Visitor,
    csrf: String,
    next: &str,
    login: String,
    problem: Option<String>,
    logged_out: bool,
) -> Result<Response, PageError> {
    let tr = texts(visitor.lang);
    let page = LoginPage {
        chrome: visitor.chrome(tr.title),
        tr: FormTexts {
            heading: tr.heading,
            intro: tr.intro,
            name_label: tr.name_label,
            password_label: tr.password_label,
            submit: tr.submit,
            logged_out: tr.logged_out,
        },
        csrf: csrf.clone(),
        next: safe_next(Some(next)).to_owned(),
        login,
        problem,
        logged_out,
    };
    let mut response = render(&page)?;
    if visitor.login_csrf.as_deref() != Some(csrf.as_str()) {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, &csrf, None, false),
        );
    }
    Ok(response)
}

/// The login form; a logged-in visitor goes straight on.
pub async fn show_login(
    visitor: Visitor,
    Query(query): Query<NextQuery>,
) -> Result<Response, PageError> {
    let next = safe_next(query.next.as_deref()).to_owned();
    if visitor.session.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let csrf = visitor
        .login_csrf
        .clone()
        .unwrap_or_else(|| Secret::random_hex(24).expose().to_owned());
    login_page(
        &visitor,
        csrf,
        &next,
        String::new(),
        None,
        query.logged_out.is_some(),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

fn failure_text(lang: Lang, failure: &PortalFailure) -> Option<String> {
    let tr = texts(lang);
    match failure {
        PortalFailure::BadCredentials => Some(tr.bad_credentials.to_owned()),
        PortalFailure::Locked { until } => {
            Some(format!("{} {}.", tr.locked, format::date_time(*until)))
        }
        _ => None,
    }
}

/// Checks the password; on success a new session (and a new id, whatever the browser had).
pub async fn submit_login(
    State(state): State<PortalState>,
    visitor: Visitor,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(form.next.as_deref()).to_owned();
    match state
        .platform
        .portal_login(&form.login, &form.password)
        .await
    {
        Ok(outcome) => {
            if let Some(old) = &visitor.session_id {
                state.platform.portal_logout(old).await?;
            }
            let mut response = Redirect::to(&next).into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(
                    state.session_cookie_name(),
                    outcome.session_id.expose(),
                    None,
                    state.config.secure_cookies,
                ),
            );
            headers.append(
                header::SET_COOKIE,
                set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), false),
            );
            Ok(response)
        }
        Err(ServiceError::Portal(failure)) => match failure_text(visitor.lang, &failure) {
            Some(problem) => {
                let csrf = visitor.login_csrf.clone().unwrap_or_default();
                let mut response =
                    login_page(&visitor, csrf, &next, form.login, Some(problem), false)?;
                *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
                Ok(response)
            }
            None => Err(ServiceError::Portal(failure).into()),
        },
        Err(other) => Err(other.into()),
    }
}

/// Ends the session here and in the store (every node forgets it at once).
pub async fn logout(
    State(state): State<PortalState>,
    user: LoggedIn,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    state.platform.portal_logout(&user.session_id).await?;
    let mut response = Redirect::to("/portal/login?logged_out=1").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            state.session_cookie_name(),
            "",
            Some(0),
            state.config.secure_cookies,
        ),
    );
    Ok(response)
}

fn reauth_page(
    user: &LoggedIn,
    next: &str,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let page = ReauthPage {
        chrome: user.chrome(tr.reauth_title),
        tr: FormTexts {
            heading: tr.reauth_title,
            intro: tr.reauth_intro,
            name_label: tr.name_label,
            password_label: tr.password_label,
            submit: tr.reauth_submit,
            logged_out: tr.logged_out,
        },
        csrf: user.csrf.clone(),
        next: safe_next(Some(next)).to_owned(),
        problem,
    };
    render(&page)
}

pub async fn show_reauth(
    user: LoggedIn,
    Query(query): Query<NextQuery>,
) -> Result<Response, PageError> {
    reauth_page(&user, safe_next(query.next.as_deref()), None)
}

#[derive(Deserialize)]
pub struct ReauthForm {
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit_reauth(
    State(state): State<PortalState>,
    user: LoggedIn,
    CsrfForm(form): CsrfForm<ReauthForm>,
) -> Result<Response, PageError> {
    let next = safe_next(form.next.as_deref()).to_owned();
    match state
        .platform
        .portal_reauthenticate(&user.session_id, &form.password)
        .await
    {
        Ok(()) => Ok(Redirect::to(&next).into_response()),
        Err(ServiceError::Portal(failure)) => match failure_text(user.lang(), &failure) {
            Some(problem) => {
                let mut response = reauth_page(&user, &next, Some(problem))?;
                *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
                Ok(response)
            }
            None => Err(ServiceError::Portal(failure).into()),
        },
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct LangQuery {
    set: Option<String>,
    next: Option<String>,
}

/// NOR / ENG: remembered for a year in a cookie; back to the same page.
pub async fn choose_language(
    State(state): State<PortalState>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query
        .set
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(|| Lang::of_request(&headers));
    let mut response = Redirect::to(safe_next(query.next.as_deref())).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            Some(365 * 24 * 3600),
            state.config.secure_cookies,
        ),
    );
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Cookie"));
    response
}
