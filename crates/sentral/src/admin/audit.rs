//! `sentral admin audit`: the audit log, newest first, with the back office's filters.

use clap::Args;
use sentral_domain::Timestamp;
use sentral_services::portal::back_office::{AuditPage, AuditQuery};
use sentral_services::{Platform, ServiceError};

use super::Output;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only entries by this actor, e.g. portal:per@demopartner.no, cli, client:<client id>.
    #[arg(long, value_name = "ACTOR")]
    actor: Option<String>,
    /// Only entries whose action starts with this, e.g. application. or portal.login
    #[arg(long, value_name = "PREFIX")]
    action: Option<String>,
    /// Only entries about this object id (an application, agreement, system user …).
    #[arg(long, value_name = "ID")]
    target: Option<String>,
    /// Only entries from this time on, RFC 3339 (2026-12-01T00:00:00Z).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    since: Option<Timestamp>,
    /// Only entries before this time, RFC 3339.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    until: Option<Timestamp>,
    /// Page of 50 entries, from 1.
    #[arg(long, value_name = "N", default_value_t = 1)]
    page: u32,
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text)
        .ok_or_else(|| format!("{text:?} is not an RFC 3339 time such as 2026-12-01T00:00:00Z"))
}

pub(super) async fn show(platform: &Platform, args: AuditArgs) -> Result<Output, ServiceError> {
    let query = AuditQuery {
        actor: args.actor,
        action_prefix: args.action,
        target: args.target,
        from: args.since,
        to: args.until,
        page: args.page.max(1),
    };
    let page = platform.audit_log(&query).await?;
    Output::new(&page, text(&page))
}

fn text(page: &AuditPage) -> String {
    if page.entries.is_empty() {
        return "No audit entries match.\n".to_owned();
    }
    let mut text = String::new();
    for entry in &page.entries {
        text.push_str(&format!(
            "{}  {}  {}  {}  {}\n",
            entry.at.to_rfc3339(),
            entry.actor,
            entry.action,
            entry.target,
            entry.detail
        ));
    }
    text.push_str(&format!(
        "Page {} of {} ({} entries); --page N for others.\n",
        page.page, page.pages, page.total
    ));
    text
}
