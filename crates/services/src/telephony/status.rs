//! The Status interface: a member's presence (device state, absence, availability), every
//! member's of an enterprise, and the status an application sets for its PBX memberlines.

use sentral_domain::ApiProduct;
use sentral_domain::directory::PlanDevice;
use sentral_domain::directory::{StatusSource, Terminal, TerminalStatus};
use sentral_engine::Presence;
use sentral_store::directory as repo;
use sentral_store::telephony as store;
use serde_json::json;

use super::DirectoryChange;
use super::csta::device_number;
use crate::directory::{Acting, acting};
use crate::platform::audit;
use crate::{Platform, Principal, ServiceError};

/// A member's presence as the Status API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberStatus {
    pub member_id: String,
    pub device: String,
    pub short_number: Option<String>,
    pub presence: Presence,
}

impl Platform {
    /// `GET /status/users/{memberId}`.
    pub async fn member_status(
        &self,
        principal: &Principal,
        member_id: &str,
    ) -> Result<MemberStatus, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        let member = self.actable_member(principal, member_id).await?;
        let enterprise_id = member
            .enterprise_id
            .clone()
            .ok_or_else(|| ServiceError::not_found(format!("member {member_id}")))?;
        let mut statuses = self.statuses(&enterprise_id).await?;
        statuses
            .drain(..)
            .find(|status| status.member_id == member.id.as_str())
            .ok_or_else(|| ServiceError::not_found(format!("status of member {member_id}")))
    }

    /// `GET /status/enterprises/{enterpriseId}/users`: every member's presence, by member id.
    pub async fn enterprise_statuses(
        &self,
        principal: &Principal,
        enterprise_id: &str,
    ) -> Result<Vec<MemberStatus>, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        let enterprise = self.visible_enterprise(principal, enterprise_id).await?;
        self.statuses(&enterprise.id).await
    }

    async fn statuses(&self, enterprise_id: &str) -> Result<Vec<MemberStatus>, ServiceError> {
        let handle = self.engine(enterprise_id).await?;
        let mut statuses: Vec<MemberStatus> = handle
            .run(|engine, _| {
                engine
                    .member_presences()
                    .into_iter()
                    .map(|(member_id, device, presence)| MemberStatus {
                        member_id,
                        short_number: engine.device_ref_of(&device).short_number,
                        device,
                        presence,
                    })
                    .collect()
            })
            .await?;
        statuses.sort_by(|a, b| (&a.member_id, &a.device).cmp(&(&b.member_id, &b.device)));
        Ok(statuses)
    }

    /// `PUT /status/terminals/{terminalId}`: only a PBX memberline configured to be updated by
    /// an application takes a status; any other answers a conflict saying why.
    pub async fn set_terminal_status(
        &self,
        principal: &Principal,
        terminal_id: &str,
        status: TerminalStatus,
    ) -> Result<Terminal, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        if let Acting::EndUser { .. } = acting(principal)? {
            return Err(ServiceError::NotAllowed(
                "memberline status is set by the enterprise's application, with a machine user"
                    .into(),
            ));
        }
        let number = device_number(terminal_id)
            .map_err(|_| ServiceError::not_found(format!("terminal {terminal_id}")))?;
        let not_found = || ServiceError::not_found(format!("terminal {terminal_id}"));
        let mut conn = self.store.read().await?;
        let enterprise_id = store::enterprise_of_number(&mut conn, &number)
            .await?
            .ok_or_else(not_found)?;
        drop(conn);
        self.visible_enterprise(principal, &enterprise_id)
            .await
            .map_err(|_| not_found())?;
        if !self
            .memberline_numbers(&enterprise_id)
            .await?
            .contains(&number)
        {
            return Err(ServiceError::Conflicting(format!(
                "{number} is not a PBX memberline terminal; only memberlines configured to be updated by an application take a status"
            )));
        }
        let now = self.now();
        let mut tx = self.store.write().await?;
        let terminal = store::terminal(&mut tx, &number).await?;
        let Some(mut terminal) = terminal.filter(|t| t.status_source == StatusSource::Application)
        else {
            return Err(ServiceError::Conflicting(format!(
                "terminal {number} is updated by the network, not by an application; an administrator configures that in MBN Admin"
            )));
        };
        terminal.status = Some(status);
        terminal.updated_at = now;
        store::save_terminal(&mut tx, &terminal).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "terminal.status",
            &number,
            json!({"status": status.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.telephony_changed(
            &enterprise_id,
            DirectoryChange::TerminalStatus {
                device: number,
                status,
            },
        )
        .await;
        Ok(terminal)
    }

    /// Devices of the plan that are memberlines, for the Status API.
    pub(crate) async fn memberline_numbers(
        &self,
        enterprise_id: &str,
    ) -> Result<Vec<String>, ServiceError> {
        let mut conn = self.store.read().await?;
        let enterprise = repo::enterprise(&mut conn, enterprise_id)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("enterprise {enterprise_id}")))?;
        let plan = repo::plan(&mut conn, &enterprise).await?;
        Ok(plan
            .entries
            .into_iter()
            .filter_map(|entry| match entry.device {
                PlanDevice::Memberline(number) => Some(number),
                _ => None,
            })
            .collect())
    }
}
