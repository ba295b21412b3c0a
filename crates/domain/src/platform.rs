//! The partner platform: partners, their administrators, applications, client credentials,
//! system users and Connect services.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::error::DomainError;
use crate::ids::{ClientId, EntityId, Msisdn, OrgNumber, SystemUserName};
use crate::products::ApiProduct;

/// The name of the agreement product that carries a partner's pilot system users.
pub const CONNECT_TEST_PRODUCT: &str = "Connect Vendor MBN API Test";

/// Pilot applications are for development against the partner's own test agreement; production
/// applications reach customers whose agreement carries the partner's Connect service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AppKind {
    Pilot,
    Production,
}

impl AppKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            AppKind::Pilot => "pilot",
            AppKind::Production => "production",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "pilot" => Ok(AppKind::Pilot),
            "production" => Ok(AppKind::Production),
            other => Err(DomainError::UnknownAppKind(other.to_owned())),
        }
    }
}

impl fmt::Display for AppKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a pilot application stands on its way to production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VerificationStatus {
    None,
    Requested,
    Approved,
}

impl VerificationStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            VerificationStatus::None => "none",
            VerificationStatus::Requested => "requested",
            VerificationStatus::Approved => "approved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "none" => Some(VerificationStatus::None),
            "requested" => Some(VerificationStatus::Requested),
            "approved" => Some(VerificationStatus::Approved),
            _ => None,
        }
    }
}

/// What an administrator of a company may do in the self-service portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdminRight {
    Mobile,
    Fixed,
    Reports,
    Mbn,
    /// Register and remove applications, give developers access, order APIs.
    Apis,
}

impl AdminRight {
    pub const ALL: [AdminRight; 5] = [
        AdminRight::Mobile,
        AdminRight::Fixed,
        AdminRight::Reports,
        AdminRight::Mbn,
        AdminRight::Apis,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            AdminRight::Mobile => "mobile",
            AdminRight::Fixed => "fixed",
            AdminRight::Reports => "reports",
            AdminRight::Mbn => "mbn",
            AdminRight::Apis => "apis",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|right| right.as_str() == text)
            .ok_or_else(|| DomainError::UnknownAdminRight(text.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    pub org_number: OrgNumber,
    pub name: String,
    /// The parent company, for subsidiaries.
    pub parent: Option<OrgNumber>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partner {
    pub id: EntityId,
    pub org_number: OrgNumber,
    pub name: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Administrator {
    pub id: EntityId,
    pub org_number: OrgNumber,
    pub name: String,
    pub email: String,
    pub super_admin: bool,
    pub rights: Vec<AdminRight>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Application {
    pub id: EntityId,
    pub partner_id: EntityId,
    pub name: String,
    pub kind: AppKind,
    pub products: Vec<ApiProduct>,
    pub billing_account: Option<String>,
    pub owner: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub verification: VerificationStatus,
    /// For a production application: the pilot it was approved from.
    pub pilot_id: Option<EntityId>,
    /// KPN clients act within one customer's hierarchy.
    pub kpn_customer: Option<OrgNumber>,
    /// Some clients (KPN) authenticate in the form body and may not use HTTP Basic.
    pub basic_auth_allowed: bool,
    /// Where the authorization-code flow may send a browser back (absolute http(s) URLs).
    pub redirect_uris: Vec<String>,
}

impl Application {
    pub fn holds(&self, product: ApiProduct) -> bool {
        self.products.contains(&product)
    }

    /// Whether the flow may redirect to `uri`: a registered URI exactly, or, for a registered
    /// loopback URI (`http://localhost/…`, `http://127.0.0.1/…`, `http://[::1]/…`), the same URI
    /// on any port, as native and development clients need (RFC 8252, 7.3).
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|registered| registered == uri || same_loopback(registered, uri))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientCredential {
    pub client_id: ClientId,
    pub app_id: EntityId,
    /// Argon2id PHC string: what a presented secret is verified against.
    pub secret_hash: String,
    pub created_at: Timestamp,
    /// The secret sealed with the seal key (the Developer Portal reveals it); `None` for
    /// credentials made before the key existed.
    pub sealed_secret: Option<String>,
    /// After a rotation with an overlap: the previous secret's hash, valid until the instant.
    pub previous_secret_hash: Option<String>,
    pub previous_valid_until: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactPerson {
    pub name: String,
    pub mobile: Msisdn,
    pub email: String,
}

/// What a system user may reach: whole companies, and single accounts of other companies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Grants {
    pub companies: Vec<OrgNumber>,
    pub accounts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemUser {
    pub id: EntityId,
    pub username: SystemUserName,
    pub partner_id: EntityId,
    /// The agreement whose Connect product carries this system user.
    pub agreement_id: String,
    pub contact: ContactPerson,
    pub grants: Grants,
    #[serde(skip)]
    pub password_hash: String,
    pub password_set_at: Timestamp,
    pub created_at: Timestamp,
}

/// An MBN agreement (or any corporate agreement) of a customer organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agreement {
    pub id: String,
    pub org_number: OrgNumber,
    pub category: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub status: String,
    /// Digits in the private numbering plan's short numbers, e.g. 3.
    pub internal_number_length: u8,
}

/// `Connect<partner name><solution name>`: makes a production application reach every customer
/// whose agreement carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectService {
    pub id: EntityId,
    pub name: String,
    pub partner_id: EntityId,
    pub app_id: EntityId,
    pub created_at: Timestamp,
}

impl ConnectService {
    /// The operator's naming rule: `Connect` + partner name + solution name, without spaces.
    pub fn name_for(partner_name: &str, solution_name: &str) -> String {
        let squeeze = |text: &str| text.split_whitespace().collect::<String>();
        format!("Connect{}{}", squeeze(partner_name), squeeze(solution_name))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsMessage {
    pub to: Msisdn,
    pub text: String,
    pub sent_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_service_name_squeezes_spaces() {
        assert_eq!(
            ConnectService::name_for("Demo Partner AS", "Switch Board"),
            "ConnectDemoPartnerASSwitchBoard"
        );
    }
}

/// `http://<loopback host>[:port]<rest>` split into host and rest, the port dropped.
fn loopback_parts(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("http://")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = match authority.strip_prefix('[') {
        Some(v6) => &authority[..v6.find(']')? + 2],
        None => authority.split(':').next()?,
    };
    let port = &authority[host.len()..];
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    (matches!(host, "localhost" | "127.0.0.1" | "[::1]") && port_ok).then_some((host, path))
}

fn same_loopback(registered: &str, uri: &str) -> bool {
    matches!((loopback_parts(registered), loopback_parts(uri)), (Some(a), Some(b)) if a == b)
}

#[cfg(test)]
mod redirect_tests {
    use super::same_loopback;

    #[test]
    fn loopback_redirects_match_on_any_port_and_nothing_else() {
        assert!(same_loopback(
            "http://localhost/callback",
            "http://localhost:9999/callback"
        ));
        assert!(same_loopback(
            "http://127.0.0.1:80/cb",
            "http://127.0.0.1:3000/cb"
        ));
        assert!(same_loopback("http://[::1]/cb", "http://[::1]:8080/cb"));
        assert!(!same_loopback(
            "http://localhost/callback",
            "http://localhost:9999/other"
        ));
        assert!(!same_loopback(
            "http://localhost/cb",
            "http://localhost.evil.com/cb"
        ));
        assert!(!same_loopback(
            "http://localhost/cb",
            "http://localhost:99x/cb"
        ));
        assert!(!same_loopback("http://localhost/cb", "http://127.0.0.1/cb"));
        assert!(!same_loopback(
            "https://app.example/cb",
            "https://app.example:444/cb"
        ));
        assert!(!same_loopback(
            "http://localhost/cb",
            "http://localhost@evil.com/cb"
        ));
    }
}
