//! MBN User API: members' call forwarding (immediate, busy, no answer, unavailable).

use sentral_domain::directory::{CallForwarding, ForwardingKind};
use sentral_store::directory::forwarding;
use serde_json::json;

use super::absences::{destination_for, enterprise_and_plan};
use crate::platform::audit;
use crate::{Platform, Principal, ServiceError};

/// A change to one rule: `None` keeps a value; `Some(None)` clears the destination.
#[derive(Debug, Clone, Default)]
pub struct RuleChange {
    pub active: Option<bool>,
    pub destination: Option<Option<String>>,
}

/// A change to a member's call forwarding: rules left out keep their settings.
#[derive(Debug, Clone, Default)]
pub struct ForwardingChange {
    pub immediate: Option<RuleChange>,
    pub busy: Option<RuleChange>,
    pub no_answer: Option<RuleChange>,
    /// The no-answer ring time in seconds.
    pub ring_seconds: Option<i64>,
    pub unavailable: Option<RuleChange>,
}

impl ForwardingChange {
    fn rule(&mut self, kind: ForwardingKind) -> Option<RuleChange> {
        match kind {
            ForwardingKind::Immediate => self.immediate.take(),
            ForwardingKind::Busy => self.busy.take(),
            ForwardingKind::NoAnswer => self.no_answer.take(),
            ForwardingKind::Unavailable => self.unavailable.take(),
        }
    }
}

impl Platform {
    /// The member's call forwarding; everything inactive when never set.
    pub async fn call_forwarding(
        &self,
        principal: &Principal,
        member_id: &str,
    ) -> Result<CallForwarding, ServiceError> {
        let member = self.actable_member(principal, member_id).await?;
        self.forwarding_of(member.id.as_str()).await
    }

    /// A member's call forwarding without authorisation: for the platform's own use (routing).
    pub async fn forwarding_of(&self, member_id: &str) -> Result<CallForwarding, ServiceError> {
        let mut conn = self.store.read().await?;
        Ok(forwarding::forwarding(&mut conn, member_id).await?)
    }

    pub async fn update_call_forwarding(
        &self,
        principal: &Principal,
        member_id: &str,
        mut change: ForwardingChange,
    ) -> Result<CallForwarding, ServiceError> {
        let member = self.actable_member(principal, member_id).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let (_, plan) = enterprise_and_plan(&mut tx, &member).await?;
        let mut settings = forwarding::forwarding(&mut tx, member.id.as_str()).await?;
        for kind in ForwardingKind::ALL {
            let Some(rule_change) = change.rule(kind) else {
                continue;
            };
            let rule = settings.rule_mut(kind);
            if let Some(active) = rule_change.active {
                rule.active = active;
            }
            match rule_change.destination {
                None => {}
                Some(None) => rule.destination = None,
                Some(Some(text)) if text.trim().is_empty() => rule.destination = None,
                Some(Some(text)) => {
                    let field = format!("{}.destination", kind.as_str());
                    rule.destination = Some(destination_for(&field, &text, &member, &plan)?);
                }
            }
        }
        if let Some(seconds) = change.ring_seconds {
            settings.ring_seconds = CallForwarding::ring_seconds(seconds)
                .map_err(|e| ServiceError::invalid("noAnswer.ringSeconds", e.to_string()))?;
        }
        settings.check().map_err(|(kind, error)| {
            ServiceError::invalid(format!("{}.destination", kind.as_str()), error.to_string())
        })?;
        forwarding::save(&mut tx, member.id.as_str(), &settings, now).await?;
        let summary = |kind: ForwardingKind| {
            let rule = settings.rule(kind);
            json!({
                "active": rule.active,
                "destination": rule.destination.as_ref().map(|d| d.as_str()),
            })
        };
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "call-forwarding.update",
            member.id.as_str(),
            json!({
                "immediate": summary(ForwardingKind::Immediate),
                "busy": summary(ForwardingKind::Busy),
                "noAnswer": summary(ForwardingKind::NoAnswer),
                "ringSeconds": settings.ring_seconds,
                "unavailable": summary(ForwardingKind::Unavailable),
            }),
        )
        .await?;
        tx.commit().await?;
        settings.updated_at = Some(now);
        if let Some(enterprise_id) = &member.enterprise_id {
            let change = crate::telephony::DirectoryChange::Forwarding {
                device: member.mobile.as_str().to_owned(),
                forwarding: settings.clone(),
            };
            self.telephony_changed(enterprise_id, change).await;
        }
        Ok(settings)
    }
}
