//! `sentral admin …`: the operator's command line over the administration use cases of
//! `sentral_services::admin`.
//!
//! Every identifier is parsed with the domain's types while the command line is read, so a bad
//! value is reported against its flag before the store is touched. Output is readable lines by
//! default, or exactly one JSON document on stdout with `--json`. Secrets are printed only when
//! they are issued (create, rotate-secret, approve); system user passwords go by SMS only.
//!
//! With the cluster's NATS (`--nats-url`), the cache invalidations a change makes (new
//! password, new grants, a Connect service, organisation rows) are published after its commit,
//! as a node's services publish them, and the command waits briefly for NATS to have them
//! before it exits: running nodes drop what they cached within milliseconds instead of after
//! their token recheck.

use std::fmt::Write as _;
use std::io::Write as _;
#[cfg(feature = "nats")]
use std::sync::{Arc, Mutex, PoisonError};
#[cfg(feature = "nats")]
use std::time::Duration;

use clap::{Args, Subcommand};
use sentral_domain::platform::{Agreement, ContactPerson, Grants};
use sentral_domain::{ApiProduct, EntityId, Msisdn, OrgNumber, SystemUserName};
use sentral_services::admin::{
    ApplicationView, Approval, GrantTarget, IssuedCredentials, NewApplication, NewPartner,
    NewSystemUser, VerificationQuote,
};
#[cfg(feature = "nats")]
use sentral_services::invalidation::InvalidationTransport;
use sentral_services::platform::Actor;
use sentral_services::{Platform, ServiceError};
use serde::Serialize;
use serde_json::json;

mod audit;
mod portal_login;

/// The program name used in the hints printed to people.
const PROGRAM: &str = "sentral admin";

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Partners (software vendors) that build applications on the platform.
    #[command(subcommand)]
    Partner(PartnerCommand),
    /// Applications: create pilots, list, show, rotate secrets, verify and approve them.
    #[command(subcommand)]
    App(AppCommand),
    /// System users: API users on a customer's agreement; passwords go by SMS.
    #[command(subcommand)]
    SystemUser(SystemUserCommand),
    /// Customers' agreements (Mobilt Bedriftsnett).
    #[command(subcommand)]
    Agreement(AgreementCommand),
    /// Connect services: let an approved solution reach a customer.
    #[command(subcommand)]
    Connect(ConnectCommand),
    /// The audit log, newest first: every change made through the APIs, the portal and here.
    Audit(audit::AuditArgs),
    /// Logins to the web portal: the operator's staff, dealers, a partner's super-administrator.
    #[command(subcommand)]
    PortalLogin(portal_login::PortalLoginCommand),
}

#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Registers a partner and its super administrator.
    Create(PartnerCreate),
}

#[derive(Debug, Args)]
pub struct PartnerCreate {
    /// The partner's organisation number: 9 digits with a valid check digit.
    #[arg(long, value_name = "ORGNR", value_parser = parse_org_number)]
    org_number: OrgNumber,
    /// The partner's name, e.g. "Demo Partner AS".
    #[arg(long, value_name = "NAME")]
    name: String,
    /// Full name of the partner's super administrator.
    #[arg(long, value_name = "NAME")]
    admin_name: String,
    /// E-mail address of the partner's super administrator.
    #[arg(long, value_name = "EMAIL", value_parser = parse_email)]
    admin_email: String,
}

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Creates a pilot application for a partner and prints its client credentials once.
    Create(AppCreate),
    /// Lists applications, of one partner or of all partners.
    List {
        /// Only the applications of the partner with this organisation number.
        #[arg(long, value_name = "ORGNR", value_parser = parse_org_number)]
        partner: Option<OrgNumber>,
    },
    /// Shows one application and its client ids (secrets are never stored, so never shown).
    Show {
        /// The application's id, e.g. app_9f86d081884c7d65 (see `app list`).
        #[arg(value_name = "APP_ID", value_parser = parse_app_id)]
        app_id: EntityId,
    },
    /// Replaces the redirect URIs of the authorization-code flow (none given: clears them).
    SetRedirectUris {
        /// The application's id, e.g. app_9f86d081884c7d65 (see `app list`).
        #[arg(value_name = "APP_ID", value_parser = parse_app_id)]
        app_id: EntityId,
        /// Absolute http(s) URLs; a loopback one (http://localhost/…) matches on any port.
        #[arg(value_name = "URL")]
        uris: Vec<String>,
    },
    /// Issues a new client secret and prints it once; the old secret stops working at once,
    /// or with --keep-old-for after that overlap.
    RotateSecret {
        /// The application's id, e.g. app_9f86d081884c7d65 (see `app list`).
        #[arg(value_name = "APP_ID", value_parser = parse_app_id)]
        app_id: EntityId,
        /// The old secret keeps getting tokens this long (at most 30 days): seconds, or a
        /// number with s, m, h or d, e.g. 3600, 90m, 12h, 7d [default: not at all]
        #[arg(long, value_name = "DURATION", value_parser = parse_overlap_seconds)]
        keep_old_for: Option<i64>,
    },
    /// Asks the operator to verify a pilot; prints the production price list.
    RequestVerification {
        /// The pilot application's id, e.g. app_9f86d081884c7d65 (see `app list`).
        #[arg(value_name = "APP_ID", value_parser = parse_app_id)]
        app_id: EntityId,
    },
    /// Approves a pilot awaiting verification: creates its production application with new
    /// credentials (printed once) and a Connect service for dealers.
    Approve {
        /// The pilot application's id, e.g. app_9f86d081884c7d65 (see `app list`).
        #[arg(value_name = "APP_ID", value_parser = parse_app_id)]
        app_id: EntityId,
        /// The solution's name; the Connect service is named Connect<partner><solution>.
        #[arg(long, value_name = "NAME")]
        solution: String,
    },
}

#[derive(Debug, Args)]
pub struct AppCreate {
    /// Organisation number of the partner that owns the application.
    #[arg(long, value_name = "ORGNR", value_parser = parse_org_number)]
    partner: OrgNumber,
    /// The application's name, e.g. "Switchboard".
    #[arg(long, value_name = "NAME")]
    name: String,
    /// API products, comma separated: mobile-subscription-info, mobile-subscription-order,
    /// mbn-catalog, mbn-user, mbn-queue, mbn-status-push, kpn-msm.
    #[arg(long, value_name = "A,B,C", value_parser = parse_products)]
    products: ProductList,
    /// The partner's billing account for the application's API use.
    #[arg(long, value_name = "ID")]
    billing_account: Option<String>,
    /// The person who owns the application at the partner [default: the --created-by value].
    #[arg(long, value_name = "NAME")]
    owner: Option<String>,
    /// Who registered the application, for the record.
    #[arg(long, value_name = "WHO", default_value = "cli")]
    created_by: String,
    /// For a KPN client: the organisation number of the one customer whose hierarchy it acts in.
    /// Such clients authenticate in the form body only (no HTTP Basic).
    #[arg(long, value_name = "ORGNR", value_parser = parse_org_number)]
    kpn_customer: Option<OrgNumber>,
    /// A redirect URI for the authorization-code flow (repeat for several); a loopback one
    /// (http://localhost/…) matches on any port.
    #[arg(long = "redirect-uri", value_name = "URL")]
    redirect_uris: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum SystemUserCommand {
    /// Creates a system user on an agreement and sends its password by SMS to the contact.
    Create(SystemUserCreate),
    /// Lets a system user reach one more company or account.
    Grant {
        /// The system user's name: api followed by 10 digits, e.g. api0000000001.
        #[arg(value_name = "USERNAME", value_parser = parse_username)]
        username: SystemUserName,
        #[command(flatten)]
        target: GrantTo,
    },
    /// Sends a new password by SMS to the contact person; the old password and the user's
    /// tokens stop working at once.
    SendPassword {
        /// The system user's name: api followed by 10 digits, e.g. api0000000001.
        #[arg(value_name = "USERNAME", value_parser = parse_username)]
        username: SystemUserName,
    },
}

#[derive(Debug, Args)]
pub struct SystemUserCreate {
    /// Organisation number of the partner whose applications use the system user.
    #[arg(long, value_name = "ORGNR", value_parser = parse_org_number)]
    partner: OrgNumber,
    /// The id of the customer's agreement that carries the system user.
    #[arg(long, value_name = "ID", value_parser = parse_agreement_id)]
    agreement: String,
    /// Name of the contact person at the partner.
    #[arg(long, value_name = "NAME")]
    contact_name: String,
    /// Mobile number of the contact person; the password is sent there by SMS.
    #[arg(long, value_name = "MSISDN", value_parser = parse_msisdn)]
    contact_mobile: Msisdn,
    /// E-mail address of the contact person.
    #[arg(long, value_name = "EMAIL", value_parser = parse_email)]
    contact_email: String,
    /// A company the system user may reach (repeat the flag for more); must be covered by the
    /// agreement.
    #[arg(long = "company", value_name = "ORGNR", value_parser = parse_org_number)]
    companies: Vec<OrgNumber>,
    /// A single account the system user may reach: 1 to 8 digits (repeat the flag for more).
    #[arg(long = "account", value_name = "ID", value_parser = parse_account)]
    accounts: Vec<String>,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct GrantTo {
    /// Grant a whole company, by organisation number.
    #[arg(long, value_name = "ORGNR", value_parser = parse_org_number)]
    company: Option<OrgNumber>,
    /// Grant a single account: 1 to 8 digits.
    #[arg(long, value_name = "ID", value_parser = parse_account)]
    account: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AgreementCommand {
    /// Creates an agreement for a customer (and the customer organisation if it is new).
    Create(AgreementCreate),
}

#[derive(Debug, Args)]
pub struct AgreementCreate {
    /// The agreement's id, e.g. 10000001.
    #[arg(long, value_name = "ID", value_parser = parse_agreement_id)]
    id: String,
    /// The customer's organisation number.
    #[arg(long, value_name = "ORGNR", value_parser = parse_org_number)]
    org_number: OrgNumber,
    /// The customer's name; used when the organisation is new to the platform.
    #[arg(long, value_name = "NAME")]
    org_name: String,
    /// The agreement's category.
    #[arg(
        long,
        value_name = "TEXT",
        default_value = "Mobilt Bedriftsnett avtale"
    )]
    category: String,
    /// First day of the agreement, YYYY-MM-DD [default: today, by the platform clock].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    valid_from: Option<String>,
    /// Digits in the private numbering plan's short numbers, 2 to 6.
    #[arg(long, value_name = "DIGITS", default_value_t = 3,
          value_parser = clap::value_parser!(u8).range(2..=6))]
    internal_number_length: u8,
}

#[derive(Debug, Subcommand)]
pub enum ConnectCommand {
    /// A dealer adds a Connect service to a customer's agreement: from then on the service's
    /// production application reaches that customer.
    Add {
        /// The Connect service's name, as printed by `app approve`, e.g. ConnectDemoPartnerASSwitchboard.
        #[arg(long, value_name = "NAME")]
        service: String,
        /// The id of the customer's agreement.
        #[arg(long, value_name = "ID", value_parser = parse_agreement_id)]
        agreement: String,
    },
}

/// The parsed value of `--products`: sorted, without duplicates, never empty.
#[derive(Debug, Clone)]
pub struct ProductList(Vec<ApiProduct>);

// ---- parsers: each names the rule; clap adds the flag and the value -------------------------

fn parse_org_number(text: &str) -> Result<OrgNumber, String> {
    OrgNumber::parse(text.trim()).map_err(|e| e.to_string())
}

fn parse_msisdn(text: &str) -> Result<Msisdn, String> {
    Msisdn::parse(text).map_err(|e| e.to_string())
}

fn parse_username(text: &str) -> Result<SystemUserName, String> {
    SystemUserName::parse(text.trim()).map_err(|e| e.to_string())
}

fn parse_products(text: &str) -> Result<ProductList, String> {
    ApiProduct::parse_list(text)
        .map(ProductList)
        .map_err(|e| e.to_string())
}

/// `--keep-old-for`: seconds, or a number with s, m, h or d; more than 0, at most 30 days.
fn parse_overlap_seconds(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((at, 's' | 'm' | 'h' | 'd')) => (&text[..at], &text[at..]),
        _ => (text, "s"),
    };
    let count: i64 = number.trim().parse().map_err(|_| {
        format!(
            "a duration is seconds or a number with s, m, h or d (e.g. 3600, 90m, 7d), got {text:?}"
        )
    })?;
    let seconds = count.saturating_mul(match unit {
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 1,
    });
    if seconds <= 0 || seconds > sentral_services::admin::MAX_SECRET_OVERLAP_SECONDS {
        return Err(format!(
            "the old secret may stay valid for more than 0 s and at most 30 days, got {text:?}"
        ));
    }
    Ok(seconds)
}

fn parse_app_id(text: &str) -> Result<EntityId, String> {
    let text = text.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-');
    if text.is_empty() || text.len() > 64 || !text.chars().all(allowed) {
        return Err(format!(
            "an application id is letters, digits and '_', e.g. app_9f86d081884c7d65, got {text:?}; \
             list them with `{PROGRAM} app list`"
        ));
    }
    Ok(EntityId::new(text))
}

fn parse_agreement_id(text: &str) -> Result<String, String> {
    let text = text.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-');
    if text.is_empty() || text.len() > 64 || !text.chars().all(allowed) {
        return Err(format!(
            "an agreement id is 1 to 64 letters, digits, '-' or '_', e.g. 10000001, got {text:?}"
        ));
    }
    Ok(text.to_owned())
}

fn parse_account(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() || text.len() > 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("an account id is 1 to 8 digits, got {text:?}"));
    }
    Ok(text.to_owned())
}

fn parse_email(text: &str) -> Result<String, String> {
    let text = text.trim();
    let well_formed = match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        }
        None => false,
    };
    if !well_formed || text.len() > 200 || text.chars().any(char::is_whitespace) {
        return Err(format!(
            "an e-mail address looks like name@example.no, got {text:?}"
        ));
    }
    Ok(text.to_owned())
}

/// A calendar date `YYYY-MM-DD` (days checked against the month, leap years included).
fn parse_date(text: &str) -> Result<String, String> {
    let text = text.trim();
    let invalid = || format!("a date is YYYY-MM-DD, e.g. 2024-01-01, got {text:?}");
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape {
        return Err(invalid());
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().map_err(|_| invalid());
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(invalid()),
    };
    if year == 0 || !(1..=days_in_month).contains(&day) {
        return Err(invalid());
    }
    Ok(text.to_owned())
}

// ---- running --------------------------------------------------------------------------------

/// What a command prints: one JSON document, or lines for people.
struct Output {
    json: String,
    text: String,
}

impl Output {
    fn new<T: Serialize>(value: &T, text: String) -> Result<Self, ServiceError> {
        let json = serde_json::to_string_pretty(value).map_err(|e| {
            ServiceError::Internal(format!("cannot encode the result as JSON: {e}"))
        })?;
        Ok(Self { json, text })
    }
}

/// Runs one admin command as the actor `cli` and prints its result to stdout: readable lines,
/// or exactly one JSON document when `json` is set. The error is a message for people that
/// says what to do next; print it to stderr and exit non-zero.
pub async fn run(platform: &Platform, command: AdminCommand, json: bool) -> Result<(), String> {
    let actor = Actor::cli();
    let output = match command {
        AdminCommand::Partner(PartnerCommand::Create(args)) => {
            create_partner(platform, &actor, args).await
        }
        AdminCommand::App(command) => run_app(platform, &actor, command).await,
        AdminCommand::SystemUser(command) => run_system_user(platform, &actor, command).await,
        AdminCommand::Agreement(AgreementCommand::Create(args)) => {
            create_agreement(platform, &actor, args).await
        }
        AdminCommand::Connect(ConnectCommand::Add { service, agreement }) => {
            add_connect_service(platform, &actor, &service, &agreement).await
        }
        AdminCommand::Audit(args) => audit::show(platform, args).await,
        AdminCommand::PortalLogin(command) => portal_login::run(platform, &actor, command).await,
    }
    .map_err(explain)?;
    let mut stdout = std::io::stdout().lock();
    let written = if json {
        writeln!(stdout, "{}", output.json)
    } else {
        write!(stdout, "{}", output.text)
    };
    written
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("the command succeeded but its result could not be printed: {e}"))
}

async fn run_app(
    platform: &Platform,
    actor: &Actor,
    command: AppCommand,
) -> Result<Output, ServiceError> {
    match command {
        AppCommand::Create(args) => create_application(platform, actor, args).await,
        AppCommand::List { partner } => {
            let views = platform.list_applications(partner.as_ref()).await?;
            Output::new(&views, application_table(&views, partner.as_ref()))
        }
        AppCommand::Show { app_id } => {
            let view = platform.show_application(&app_id).await?;
            Output::new(&view, application_details(&view))
        }
        AppCommand::SetRedirectUris { app_id, uris } => {
            let view = platform.set_redirect_uris(actor, &app_id, uris).await?;
            Output::new(&view, application_details(&view))
        }
        AppCommand::RotateSecret {
            app_id,
            keep_old_for,
        } => {
            let keep_old_until = keep_old_for.map(|seconds| platform.now().plus_seconds(seconds));
            let issued = platform
                .rotate_secret(actor, &app_id, keep_old_until)
                .await?;
            let old = match keep_old_until {
                Some(until) => format!("the old secret works until {}", until.to_rfc3339()),
                None => "the old secret no longer works".to_owned(),
            };
            let mut text = format!(
                "New client secret for application {} ({}); {old}.\n\
                 Tokens issued before stay valid until they expire.\n",
                issued.app.id, issued.app.name
            );
            push_credentials(&mut text, &issued);
            Output::new(&issued, text)
        }
        AppCommand::RequestVerification { app_id } => {
            let quote = platform.request_verification(actor, &app_id).await?;
            Output::new(&quote, price_list(&quote))
        }
        AppCommand::Approve { app_id, solution } => {
            let approval = platform.approve(actor, &app_id, &solution).await?;
            Output::new(&approval, approval_text(&app_id, &approval))
        }
    }
}

async fn run_system_user(
    platform: &Platform,
    actor: &Actor,
    command: SystemUserCommand,
) -> Result<Output, ServiceError> {
    match command {
        SystemUserCommand::Create(args) => create_system_user(platform, actor, args).await,
        SystemUserCommand::Grant { username, target } => {
            let (kind, value) = match (target.company, target.account) {
                (Some(company), _) => (GrantTarget::Company, company.to_string()),
                (None, Some(account)) => (GrantTarget::Account, account),
                (None, None) => {
                    return Err(ServiceError::invalid(
                        "grant",
                        "give --company ORGNR or --account ID",
                    ));
                }
            };
            let user = platform
                .grant_system_user(actor, &username, kind, &value)
                .await?;
            let what = match kind {
                GrantTarget::Company => "company",
                GrantTarget::Account => "account",
            };
            let mut text = format!(
                "System user {} may now reach {what} {value}.\n",
                user.username
            );
            push_grants(&mut text, &user.grants);
            Output::new(&user, text)
        }
        SystemUserCommand::SendPassword { username } => {
            let mobile = platform.send_new_password(actor, &username).await?;
            let text = format!(
                "New password for system user {username} sent by SMS to {mobile}.\n\
                 The old password no longer works and the user's tokens are revoked: update the \
                 applications that use it.\n"
            );
            Output::new(
                &json!({"username": username, "password_sent_to": mobile}),
                text,
            )
        }
    }
}

async fn create_partner(
    platform: &Platform,
    actor: &Actor,
    args: PartnerCreate,
) -> Result<Output, ServiceError> {
    let new = NewPartner {
        org_number: args.org_number,
        name: args.name,
        admin_name: args.admin_name.clone(),
        admin_email: args.admin_email.clone(),
    };
    let partner = platform.create_partner(actor, new).await?;
    let text = format!(
        "Created partner {} ({}), id {}.\n\
         Super administrator: {} <{}>\n\
         Next: give them a portal login with `{PROGRAM} portal-login create --role \
         administrator --org-number {} --email {}`, and create an application with \
         `{PROGRAM} app create --partner {} --name NAME --products PRODUCTS`.\n",
        partner.name,
        partner.org_number,
        partner.id,
        args.admin_name.trim(),
        args.admin_email,
        partner.org_number,
        args.admin_email,
        partner.org_number,
    );
    Output::new(&partner, text)
}

async fn create_application(
    platform: &Platform,
    actor: &Actor,
    args: AppCreate,
) -> Result<Output, ServiceError> {
    let new = NewApplication {
        partner: args.partner,
        name: args.name,
        products: args.products.0,
        billing_account: args
            .billing_account
            .filter(|account| !account.trim().is_empty()),
        owner: args.owner.unwrap_or_else(|| args.created_by.clone()),
        created_by: args.created_by,
        kpn_customer: args.kpn_customer,
        client_id: None,
        client_secret: None,
        redirect_uris: args.redirect_uris,
    };
    let issued = platform.create_application(actor, new).await?;
    let mut text = format!(
        "Created pilot application {} ({}).\n{:<16} {}\n",
        issued.app.name,
        issued.app.id,
        "Products:",
        ApiProduct::join(&issued.app.products, ", "),
    );
    if let Some(customer) = &issued.app.kpn_customer {
        let _ = writeln!(
            text,
            "{:<16} {customer} (form-body authentication only)",
            "KPN customer:"
        );
    }
    push_credentials(&mut text, &issued);
    Output::new(&issued, text)
}

async fn create_agreement(
    platform: &Platform,
    actor: &Actor,
    args: AgreementCreate,
) -> Result<Output, ServiceError> {
    let valid_from = args
        .valid_from
        .unwrap_or_else(|| platform.now().to_rfc3339().chars().take(10).collect());
    let agreement = Agreement {
        id: args.id,
        org_number: args.org_number,
        category: args.category.trim().to_owned(),
        valid_from,
        valid_to: None,
        status: "ACTIVE".into(),
        internal_number_length: args.internal_number_length,
    };
    let agreement = platform
        .create_agreement(actor, agreement, &args.org_name)
        .await?;
    let text = format!(
        "Created agreement {} ({}) for organisation {}, valid from {}, status {}.\n\
         Short numbers have {} digits.\n",
        agreement.id,
        agreement.category,
        agreement.org_number,
        agreement.valid_from,
        agreement.status,
        agreement.internal_number_length,
    );
    Output::new(&agreement, text)
}

async fn create_system_user(
    platform: &Platform,
    actor: &Actor,
    args: SystemUserCreate,
) -> Result<Output, ServiceError> {
    let new = NewSystemUser {
        partner: args.partner,
        agreement_id: args.agreement,
        contact: ContactPerson {
            name: args.contact_name.trim().to_owned(),
            mobile: args.contact_mobile,
            email: args.contact_email,
        },
        grants: Grants {
            companies: dedup(args.companies),
            accounts: dedup(args.accounts),
        },
        password: None,
        username: None,
    };
    let created = platform.create_system_user(actor, new).await?;
    let user = &created.system_user;
    let mut text = format!(
        "Created system user {} on agreement {}.\n\
         Password sent by SMS to {} (contact {}); it is not shown here.\n",
        user.username, user.agreement_id, created.password_sent_to, user.contact.name,
    );
    push_grants(&mut text, &user.grants);
    if user.grants.companies.is_empty() && user.grants.accounts.is_empty() {
        let _ = writeln!(
            text,
            "Grant it a company or an account with `{PROGRAM} system-user grant {} --company ORGNR`.",
            user.username
        );
    }
    Output::new(&created, text)
}

async fn add_connect_service(
    platform: &Platform,
    actor: &Actor,
    service: &str,
    agreement: &str,
) -> Result<Output, ServiceError> {
    let service = service.trim();
    platform
        .add_connect_service(actor, service, agreement)
        .await?;
    let text = format!(
        "Added Connect service {service} to agreement {agreement}.\n\
         The service's production application now reaches the customer of that agreement.\n"
    );
    Output::new(&json!({"service": service, "agreement": agreement}), text)
}

fn dedup<T: Ord>(mut values: Vec<T>) -> Vec<T> {
    values.sort();
    values.dedup();
    values
}

// ---- the cluster ----------------------------------------------------------------------------

/// How long a command waits, after its change, for NATS to take the change's invalidations.
#[cfg(feature = "nats")]
const PUBLISH_WAIT: Duration = Duration::from_secs(2);

/// The invalidations of one command, held until it ends: the process lives for one change, so
/// they go out together after its commit and the process can wait until NATS has them.
#[cfg(feature = "nats")]
#[derive(Default)]
struct HeldInvalidations(Mutex<Vec<Vec<u8>>>);

#[cfg(feature = "nats")]
impl InvalidationTransport for HeldInvalidations {
    fn send(&self, message: Vec<u8>) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(message);
        true
    }

    /// Nothing has reached the other nodes before [`ClusterNotice::publish`].
    fn connected(&self) -> bool {
        false
    }
}

/// What a command tells the running nodes of its cluster through NATS.
#[cfg(feature = "nats")]
pub struct ClusterNotice {
    held: Arc<HeldInvalidations>,
    bus: sentral_events::nats::NatsBus,
}

/// Built without NATS there is no cluster to tell (`open_bus` refuses a URL).
#[cfg(not(feature = "nats"))]
pub enum ClusterNotice {}

/// With the cluster's NATS, holds the invalidations `platform` makes from now on for
/// [`ClusterNotice::publish`]; without it, nothing (the nodes' recheck is all there is).
#[cfg(feature = "nats")]
pub fn notify_cluster(
    platform: &Platform,
    bus: crate::serve::Nats,
) -> Result<Option<ClusterNotice>, String> {
    let Some(bus) = bus else {
        return Ok(None);
    };
    let held = Arc::new(HeldInvalidations::default());
    platform.invalidations().connect(held.clone())?;
    Ok(Some(ClusterNotice { held, bus }))
}

#[cfg(not(feature = "nats"))]
pub fn notify_cluster(
    _platform: &Platform,
    bus: crate::serve::Nats,
) -> Result<Option<ClusterNotice>, String> {
    Ok(bus.map(|never| match never {}))
}

#[cfg(feature = "nats")]
impl ClusterNotice {
    /// Publishes what the command held (its change is committed by now) and waits up to
    /// [`PUBLISH_WAIT`] for NATS to take it. The command succeeds either way: when NATS does
    /// not answer, a warning on stderr says how soon the nodes see the change regardless.
    pub async fn publish(self, token_recheck_seconds: u32, nats_url: &str) {
        let messages =
            std::mem::take(&mut *self.held.0.lock().unwrap_or_else(PoisonError::into_inner));
        if messages.is_empty() {
            return;
        }
        let bus = &self.bus;
        let sent = tokio::time::timeout(PUBLISH_WAIT, async {
            for message in messages {
                bus.publish_invalidation(message).await?;
            }
            bus.flush().await
        })
        .await;
        let why = match sent {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!("no answer within {} s", PUBLISH_WAIT.as_secs()),
        };
        eprintln!(
            "warning: the change is committed, but NATS at {} did not take it ({why}): running \
             nodes that cached what it changed see it within their token_recheck_seconds \
             ({token_recheck_seconds} s unless configured otherwise)",
            sentral_events::nats::redacted(nats_url)
        );
    }
}

#[cfg(not(feature = "nats"))]
impl ClusterNotice {
    pub async fn publish(self, _token_recheck_seconds: u32, _nats_url: &str) {
        match self {}
    }
}

// ---- text for people ------------------------------------------------------------------------

fn push_credentials(text: &mut String, issued: &IssuedCredentials) {
    let _ = writeln!(text, "{:<16} {}", "Application id:", issued.app.id);
    let _ = writeln!(text, "{:<16} {}", "Client id:", issued.client_id);
    let _ = writeln!(
        text,
        "{:<16} {}",
        "Client secret:",
        issued.client_secret.expose()
    );
    let _ = writeln!(
        text,
        "The client secret is shown only this once: store it now. It cannot be shown again; \
         `{PROGRAM} app rotate-secret {}` issues a new one.",
        issued.app.id
    );
}

fn push_grants(text: &mut String, grants: &Grants) {
    let list = |values: Vec<String>| {
        if values.is_empty() {
            "none".to_owned()
        } else {
            values.join(", ")
        }
    };
    let companies = list(grants.companies.iter().map(ToString::to_string).collect());
    let _ = writeln!(text, "{:<11} {companies}", "Companies:");
    let _ = writeln!(
        text,
        "{:<11} {}",
        "Accounts:",
        list(grants.accounts.clone())
    );
}

fn application_table(views: &[ApplicationView], partner: Option<&OrgNumber>) -> String {
    if views.is_empty() {
        return match partner {
            Some(org) => format!(
                "Partner {org} has no applications; create one with `{PROGRAM} app create \
                 --partner {org} ...`.\n"
            ),
            None => format!("No applications yet; create one with `{PROGRAM} app create`.\n"),
        };
    }
    let rows: Vec<[String; 6]> = views
        .iter()
        .map(|view| {
            [
                view.app.id.to_string(),
                view.app.kind.as_str().to_owned(),
                view.app.verification.as_str().to_owned(),
                view.client_ids
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                view.partner_name.clone(),
                view.app.name.clone(),
            ]
        })
        .collect();
    let header = ["ID", "KIND", "VERIFICATION", "CLIENT ID", "PARTNER", "NAME"].map(String::from);
    let mut widths = header.clone().map(|cell| cell.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (index, (cell, width)) in row.iter().zip(widths).enumerate() {
            if index + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ");
            }
        }
        let _ = writeln!(text, "{}", line.trim_end());
    }
    text
}

fn application_details(view: &ApplicationView) -> String {
    let app = &view.app;
    let mut text = String::new();
    let mut field = |label: &str, value: &str| {
        let _ = writeln!(text, "{:<14} {value}", format!("{label}:"));
    };
    field("Application", app.id.as_str());
    field("Name", &app.name);
    field("Partner", &view.partner_name);
    field("Kind", app.kind.as_str());
    field("Verification", app.verification.as_str());
    if let Some(pilot) = &app.pilot_id {
        field("Pilot", pilot.as_str());
    }
    field("Products", &ApiProduct::join(&app.products, ", "));
    let client_ids = view
        .client_ids
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    field(
        "Client ids",
        &if client_ids.is_empty() {
            "none".to_owned()
        } else {
            client_ids.join(", ")
        },
    );
    field(
        "Redirect URIs",
        &if app.redirect_uris.is_empty() {
            "none (`app set-redirect-uris` registers them)".to_owned()
        } else {
            app.redirect_uris.join(" ")
        },
    );
    field("Billing", app.billing_account.as_deref().unwrap_or("none"));
    field("Owner", &app.owner);
    field("Created by", &app.created_by);
    field("Created at", &app.created_at.to_rfc3339());
    if let Some(customer) = &app.kpn_customer {
        field("KPN customer", customer.as_str());
    }
    field(
        "HTTP Basic",
        if app.basic_auth_allowed {
            "allowed"
        } else {
            "not allowed"
        },
    );
    text.push_str("Client secrets are never stored; `app rotate-secret` issues a new one.\n");
    text
}

fn price_list(quote: &VerificationQuote) -> String {
    let mut text = format!(
        "Verification requested for {} (status {}). Production prices in NOK:\n",
        quote.app_id,
        quote.status.as_str()
    );
    let width = quote
        .lines
        .iter()
        .map(|line| line.product.id().len())
        .chain([7])
        .max()
        .unwrap_or(7);
    let _ = writeln!(
        text,
        "{:<width$}  {:>8}  {:>13}",
        "PRODUCT", "MONTHLY", "ESTABLISHMENT"
    );
    for line in &quote.lines {
        let _ = writeln!(
            text,
            "{:<width$}  {:>8}  {:>13}",
            line.product.id(),
            line.monthly_price_nok,
            line.establishment_price_nok
        );
    }
    let _ = writeln!(
        text,
        "{:<width$}  {:>8}  {:>13}",
        "Total", quote.monthly_total_nok, quote.establishment_total_nok
    );
    let _ = writeln!(
        text,
        "The operator approves it with `{PROGRAM} app approve {} --solution NAME`.",
        quote.app_id
    );
    text
}

fn approval_text(pilot: &EntityId, approval: &Approval) -> String {
    let production = &approval.production;
    let service = &approval.connect_service.name;
    let mut text = format!(
        "Approved pilot {pilot}: production application {} ({}).\n",
        production.app.id, production.app.name
    );
    let _ = writeln!(text, "{:<16} {service}", "Connect service:");
    push_credentials(&mut text, production);
    let _ = writeln!(
        text,
        "Dealers add the service to a customer's agreement with \
         `{PROGRAM} connect add --service {service} --agreement ID`."
    );
    text
}

// ---- errors ---------------------------------------------------------------------------------

/// The command line flag that carries a field the services name in their errors.
fn flag_of(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "--name",
        "admin name" => "--admin-name",
        "admin e-mail" => "--admin-email",
        "products" => "--products",
        "internal number length" => "--internal-number-length",
        "organisation name" => "--org-name",
        "contact name" => "--contact-name",
        "contact e-mail" => "--contact-email",
        "grants" | "company" => "--company",
        "account" => "--account",
        "solution name" => "--solution",
        _ => return None,
    })
}

/// Turns a service error into a message that says what went wrong and what to do next.
fn explain(error: ServiceError) -> String {
    match error {
        ServiceError::Corporate(error) => error.to_string(),
        ServiceError::Conflicting(reason) => reason,
        ServiceError::Csta(error) => error.to_string(),
        ServiceError::Portal(failure) => failure.to_string(),
        ServiceError::Invalid { field, message } => match flag_of(&field) {
            Some(flag) => format!("invalid {flag}: {field} {message}"),
            None => format!("invalid {field}: {message}"),
        },
        ServiceError::NotFound { what } => {
            let hint = if what.starts_with("application") || what.starts_with("client credentials")
            {
                format!("list them with `{PROGRAM} app list`")
            } else if what.starts_with("partner") {
                format!("register it with `{PROGRAM} partner create`, or check --partner")
            } else if what.starts_with("agreement") {
                format!("create it with `{PROGRAM} agreement create`, or check the agreement id")
            } else if what.starts_with("organisation") {
                format!(
                    "an organisation becomes known with its agreement: `{PROGRAM} agreement create`"
                )
            } else if what.starts_with("system user") {
                format!(
                    "check the name (api + 10 digits); `{PROGRAM} system-user create` makes one"
                )
            } else if what.starts_with("Connect service") {
                format!(
                    "a Connect service is created when a pilot is approved (`{PROGRAM} app approve`), \
                     which prints its exact name"
                )
            } else {
                "check the identifier".to_owned()
            };
            format!("{what} not found; {hint}")
        }
        ServiceError::Conflict { what } => {
            let hint = if what.contains(" on agreement ") {
                "it is on the agreement already, nothing to do"
            } else if what.starts_with("partner") {
                "that organisation is a partner already; see its applications with `app list --partner`"
            } else if what.starts_with("agreement") {
                "choose another --id"
            } else if what.starts_with("administrator") {
                "that e-mail address belongs to another administrator; choose another --admin-email"
            } else if what.starts_with("system user") {
                "another system user took that name at the same time; run the command again"
            } else {
                "choose another name or id"
            };
            format!("{what} already exists; nothing was changed: {hint}")
        }
        ServiceError::NotAllowed(message) => {
            format!("{message}; nothing was changed (see `{PROGRAM} app show` for the state)")
        }
        ServiceError::Store(error) => {
            format!("storage failed: {error}; check --data-dir (or the database URL) and try again")
        }
        ServiceError::Internal(message) => {
            format!("internal error: {message}; nothing was changed, please report this")
        }
        other @ (ServiceError::Auth(_)
        | ServiceError::RateLimited { .. }
        | ServiceError::SyncExpired(_)
        | ServiceError::NotOwner { .. }) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        command: AdminCommand,
    }

    #[test]
    fn keep_old_for_is_seconds_or_a_unit_and_at_most_30_days() {
        assert_eq!(parse_overlap_seconds("3600"), Ok(3600));
        assert_eq!(parse_overlap_seconds("90m"), Ok(5400));
        assert_eq!(parse_overlap_seconds("12h"), Ok(43_200));
        assert_eq!(parse_overlap_seconds("30d"), Ok(30 * 86_400));
        for bad in ["31d", "0", "-5", "x", "7w", ""] {
            assert!(parse_overlap_seconds(bad).is_err(), "{bad}");
        }
        match parse(&["app", "rotate-secret", "app_1", "--keep-old-for", "7d"]).unwrap() {
            AdminCommand::App(AppCommand::RotateSecret {
                keep_old_for: Some(seconds),
                ..
            }) => assert_eq!(seconds, 7 * 86_400),
            other => panic!("{other:?}"),
        }
    }

    fn parse(args: &[&str]) -> Result<AdminCommand, String> {
        Cli::try_parse_from(std::iter::once("admin").chain(args.iter().copied()))
            .map(|cli| cli.command)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_flag_and_command_has_help() {
        fn walk(command: &clap::Command, path: &str) {
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                assert!(
                    builtin || arg.get_help().is_some() || arg.get_long_help().is_some(),
                    "{path} {} has no help",
                    arg.get_id()
                );
            }
            for sub in command.get_subcommands() {
                if sub.get_name() == "help" {
                    continue;
                }
                assert!(
                    sub.get_about().is_some(),
                    "{path} {} has no help",
                    sub.get_name()
                );
                walk(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        walk(&Cli::command(), "admin");
    }

    #[test]
    fn products_help_names_every_product() {
        let command = Cli::command();
        let create = command
            .find_subcommand("app")
            .and_then(|app| app.find_subcommand("create"))
            .expect("app create");
        let help = create
            .get_arguments()
            .find(|arg| arg.get_id() == "products")
            .and_then(|arg| arg.get_help())
            .expect("--products help")
            .to_string();
        for product in ApiProduct::ALL {
            assert!(help.contains(product.id()), "{help} lacks {product}");
        }
    }

    #[test]
    fn bad_identifiers_name_their_flag() {
        let error = parse(&[
            "partner",
            "create",
            "--org-number",
            "123456789",
            "--name",
            "X",
            "--admin-name",
            "Y",
            "--admin-email",
            "y@x.no",
        ])
        .unwrap_err();
        assert!(error.contains("--org-number"), "{error}");
        assert!(error.contains("check digit"), "{error}");

        let error = parse(&["app", "create", "--partner", "920000002", "--name", "A"]).unwrap_err();
        assert!(error.contains("--products"), "{error}");

        let error = parse(&[
            "app",
            "create",
            "--partner",
            "920000002",
            "--name",
            "A",
            "--products",
            "mbn-user,mbn-everything",
        ])
        .unwrap_err();
        assert!(
            error.contains("--products") && error.contains("mbn-everything"),
            "{error}"
        );

        let error = parse(&["system-user", "send-password", "bob"]).unwrap_err();
        assert!(
            error.contains("USERNAME") && error.contains("api"),
            "{error}"
        );

        let error = parse(&["system-user", "grant", "api0000000001"]).unwrap_err();
        assert!(
            error.contains("--company") && error.contains("--account"),
            "{error}"
        );

        let error = parse(&[
            "system-user",
            "grant",
            "api0000000001",
            "--company",
            "930000000",
            "--account",
            "1",
        ])
        .unwrap_err();
        assert!(error.contains("cannot be used with"), "{error}");

        let error = parse(&[
            "agreement",
            "create",
            "--id",
            "1",
            "--org-number",
            "930000000",
            "--org-name",
            "K",
            "--valid-from",
            "2024-02-30",
        ])
        .unwrap_err();
        assert!(error.contains("--valid-from"), "{error}");
    }

    #[test]
    fn good_command_lines_parse_into_domain_values() {
        let command = parse(&[
            "app",
            "create",
            "--partner",
            "920000002",
            "--name",
            "Switchboard",
            "--products",
            "mbn-user,mbn-catalog,mbn-user",
        ])
        .unwrap();
        let AdminCommand::App(AppCommand::Create(args)) = command else {
            panic!("{command:?}")
        };
        assert_eq!(args.partner.as_str(), "920000002");
        assert_eq!(
            args.products.0,
            vec![ApiProduct::MbnCatalog, ApiProduct::MbnUser]
        );
        assert_eq!(args.created_by, "cli");

        let command = parse(&[
            "system-user",
            "create",
            "--partner",
            "920000002",
            "--agreement",
            "10000001",
            "--contact-name",
            "Per",
            "--contact-mobile",
            "+47 990 00 001",
            "--contact-email",
            "per@demopartner.no",
            "--company",
            "930000000",
            "--company",
            "930000019",
            "--account",
            "55000001",
        ])
        .unwrap();
        let AdminCommand::SystemUser(SystemUserCommand::Create(args)) = command else {
            panic!("{command:?}")
        };
        assert_eq!(args.contact_mobile.as_str(), "4799000001");
        assert_eq!(args.companies.len(), 2);
        assert_eq!(args.accounts, vec!["55000001".to_owned()]);

        let command = parse(&[
            "agreement",
            "create",
            "--id",
            "10000002",
            "--org-number",
            "930000000",
            "--org-name",
            "Kunde AS",
        ])
        .unwrap();
        let AdminCommand::Agreement(AgreementCommand::Create(args)) = command else {
            panic!("{command:?}")
        };
        assert_eq!(args.category, "Mobilt Bedriftsnett avtale");
        assert_eq!(args.internal_number_length, 3);
        assert_eq!(args.valid_from, None);
    }

    #[test]
    fn dates_are_checked_against_the_calendar() {
        assert!(parse_date("2024-02-29").is_ok());
        assert!(parse_date("2023-02-29").is_err());
        assert!(parse_date("2024-13-01").is_err());
        assert!(parse_date("2024-1-01").is_err());
        assert!(parse_date("24-01-01xx").is_err());
    }

    #[test]
    fn service_errors_say_what_to_do_next() {
        let message = explain(ServiceError::not_found("application app_1"));
        assert!(message.contains("app list"), "{message}");
        let message = explain(ServiceError::invalid("admin e-mail", "must not be empty"));
        assert!(message.contains("--admin-email"), "{message}");
        let message = explain(ServiceError::not_found("Connect service ConnectX"));
        assert!(message.contains("app approve"), "{message}");
    }
}
