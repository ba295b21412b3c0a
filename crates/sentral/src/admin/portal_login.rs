//! `sentral admin portal-login`: logins to the web portal made at the operator's console — the
//! operator's staff, dealers, and a new partner's super-administrator. Other administrators are
//! made by their super-administrator in the portal (*Ny administrator*, the password by SMS).

use clap::{Args, Subcommand, ValueEnum};
use sentral_domain::OrgNumber;
use sentral_domain::portal::PortalRole;
use sentral_services::platform::Actor;
use sentral_services::{Platform, ServiceError};
use serde::Serialize;

use super::{Output, parse_email, parse_org_number};

#[derive(Debug, Subcommand)]
pub enum PortalLoginCommand {
    /// Makes a portal login with a generated password, printed once.
    Create(PortalLoginCreate),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// An administrator of a customer or partner (Min Bedrift, the Developer Portal).
    Administrator,
    /// The operator's staff (the back office).
    Operator,
    /// A dealer's staff (the ordering system).
    Dealer,
}

#[derive(Debug, Args)]
pub struct PortalLoginCreate {
    /// Who the login is for: an administrator of a customer or partner, the operator's staff,
    /// or a dealer.
    #[arg(long, value_enum)]
    role: RoleArg,
    /// The login's e-mail address: the login name. For an administrator, the e-mail of the
    /// company's administrator record (a partner's super-administrator: `partner create`).
    #[arg(long, value_name = "EMAIL", value_parser = parse_email)]
    email: String,
    /// Full name [default for an administrator: the administrator record's].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Norwegian mobile number, 8 digits: also a login name.
    #[arg(long, value_name = "MOBILE")]
    mobile: Option<String>,
    /// The company: the administrator's customer or partner, the dealer's own company.
    #[arg(long, value_name = "ORGNR", value_parser = parse_org_number)]
    org_number: Option<OrgNumber>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedLogin {
    id: String,
    role: &'static str,
    name: String,
    email: String,
    mobile: Option<String>,
    org_number: Option<String>,
    /// Shown once; only its Argon2id hash is kept.
    password: String,
}

pub(super) async fn run(
    platform: &Platform,
    actor: &Actor,
    command: PortalLoginCommand,
) -> Result<Output, ServiceError> {
    let PortalLoginCommand::Create(args) = command;
    let role = match args.role {
        RoleArg::Administrator => PortalRole::Administrator,
        RoleArg::Operator => PortalRole::Operator,
        RoleArg::Dealer => PortalRole::Dealer,
    };
    let (login, password) = platform
        .create_portal_login_with_new_password(
            actor,
            role,
            args.name,
            &args.email,
            args.mobile,
            args.org_number,
        )
        .await?;
    let created = CreatedLogin {
        id: login.id.to_string(),
        role: login.role.as_str(),
        name: login.name,
        email: login.email,
        mobile: login.mobile,
        org_number: login.org_number.map(|org| org.to_string()),
        password: password.expose().to_owned(),
    };
    let login_names = match &created.mobile {
        Some(mobile) => format!("{} or {mobile}", created.email),
        None => created.email.clone(),
    };
    let text = format!(
        "Created the portal login {} ({}) for {}.\n\
         Password (shown once, give it to the person safely): {}\n\
         They log in at /portal/login with {login_names}.\n",
        created.email, created.role, created.name, created.password,
    );
    Output::new(&created, text)
}
