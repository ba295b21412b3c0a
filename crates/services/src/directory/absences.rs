//! MBN User API: members' absences, and the current absence that status and call routing use.

use sentral_domain::directory::{
    Absence, AbsenceAction, AbsenceKind, Destination, Enterprise, Member, NumberingPlan, PlanDevice,
};
use sentral_domain::secret::random_id;
use sentral_domain::{EntityId, Timestamp};
use sentral_store::Connection;
use sentral_store::directory::{self as repo, absences};
use serde_json::json;

use super::catalog::text_field;
use crate::platform::audit;
use crate::{Platform, Principal, ServiceError};

/// What to do with calls during an absence, as asked for: destinations and queues are checked
/// against the enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRequest {
    None,
    ForwardTo(String),
    Voicemail,
    Switchboard,
    Queue(String),
}

/// A new absence, or the whole of a replaced one.
#[derive(Debug, Clone)]
pub struct AbsenceRequest {
    pub kind: AbsenceKind,
    pub from: Timestamp,
    pub until: Timestamp,
    pub note: Option<String>,
    pub action: ActionRequest,
}

/// The member's enterprise and its numbering plan, which destinations are checked against.
pub(crate) async fn enterprise_and_plan(
    conn: &mut Connection,
    member: &Member,
) -> Result<(Enterprise, NumberingPlan), ServiceError> {
    let enterprise_id = member
        .enterprise_id
        .as_deref()
        .ok_or_else(|| ServiceError::Internal(format!("member {} has no enterprise", member.id)))?;
    let enterprise = repo::enterprise(conn, enterprise_id)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("enterprise {enterprise_id} vanished")))?;
    let plan = repo::plan(conn, &enterprise).await?;
    Ok((enterprise, plan))
}

/// A destination of the member's enterprise that does not lead back to the member.
pub(crate) fn destination_for(
    field: &str,
    text: &str,
    member: &Member,
    plan: &NumberingPlan,
) -> Result<Destination, ServiceError> {
    let destination =
        Destination::parse(text, plan).map_err(|e| ServiceError::invalid(field, e.to_string()))?;
    if destination.reaches(&member.mobile, member.short_number.as_deref()) {
        return Err(ServiceError::invalid(
            field,
            format!(
                "{} is the member's own number; the call would come straight back",
                destination.as_str()
            ),
        ));
    }
    Ok(destination)
}

fn action_for(
    request: ActionRequest,
    member: &Member,
    enterprise: &Enterprise,
    plan: &NumberingPlan,
) -> Result<AbsenceAction, ServiceError> {
    Ok(match request {
        ActionRequest::None => AbsenceAction::None,
        ActionRequest::Voicemail => AbsenceAction::Voicemail,
        ActionRequest::Switchboard if enterprise.switchboard_number.is_none() => {
            return Err(ServiceError::invalid(
                "action.type",
                format!("enterprise {} has no switchboard number", enterprise.id),
            ));
        }
        ActionRequest::Switchboard => AbsenceAction::Switchboard,
        ActionRequest::ForwardTo(text) => {
            AbsenceAction::ForwardTo(destination_for("action.destination", &text, member, plan)?)
        }
        ActionRequest::Queue(queue_id) => {
            let known = plan
                .entries
                .iter()
                .any(|entry| entry.device == PlanDevice::Queue(queue_id.clone()));
            if !known {
                return Err(ServiceError::invalid(
                    "action.queueId",
                    format!(
                        "{queue_id:?} is not a queue of enterprise {}",
                        enterprise.id
                    ),
                ));
            }
            AbsenceAction::Queue(queue_id)
        }
    })
}

fn describe(absence: &Absence) -> String {
    format!(
        "absence {} ({} from {} until {})",
        absence.id,
        absence.kind.as_str(),
        absence.from.to_rfc3339(),
        absence.until.to_rfc3339()
    )
}

fn audit_detail(absence: &Absence) -> serde_json::Value {
    json!({
        "absenceId": absence.id.as_str(),
        "kind": absence.kind.as_str(),
        "from": absence.from.to_rfc3339(),
        "until": absence.until.to_rfc3339(),
        "action": absence.action.type_name(),
        "target": absence.action.target(),
    })
}

fn absence_not_found(member_id: &str, absence_id: &str) -> ServiceError {
    ServiceError::not_found(format!("absence {absence_id} of member {member_id}"))
}

impl Platform {
    pub async fn absences(
        &self,
        principal: &Principal,
        member_id: &str,
    ) -> Result<Vec<Absence>, ServiceError> {
        let member = self.actable_member(principal, member_id).await?;
        let mut conn = self.store.read().await?;
        Ok(absences::of_member(&mut conn, member.id.as_str()).await?)
    }

    pub async fn absence(
        &self,
        principal: &Principal,
        member_id: &str,
        absence_id: &str,
    ) -> Result<Absence, ServiceError> {
        let member = self.actable_member(principal, member_id).await?;
        let mut conn = self.store.read().await?;
        absences::absence(&mut conn, member.id.as_str(), absence_id)
            .await?
            .ok_or_else(|| absence_not_found(member_id, absence_id))
    }

    pub async fn create_absence(
        &self,
        principal: &Principal,
        member_id: &str,
        request: AbsenceRequest,
    ) -> Result<Absence, ServiceError> {
        self.write_absence(principal, member_id, None, request)
            .await
    }

    /// Replaces every field of the absence (the same rules as a new one).
    pub async fn replace_absence(
        &self,
        principal: &Principal,
        member_id: &str,
        absence_id: &str,
        request: AbsenceRequest,
    ) -> Result<Absence, ServiceError> {
        self.write_absence(principal, member_id, Some(absence_id), request)
            .await
    }

    async fn write_absence(
        &self,
        principal: &Principal,
        member_id: &str,
        replacing: Option<&str>,
        request: AbsenceRequest,
    ) -> Result<Absence, ServiceError> {
        let member = self.actable_member(principal, member_id).await?;
        let now = self.now();
        Absence::check_window(request.from, request.until)
            .map_err(|_| ServiceError::invalid("until", "must be after from"))?;
        if request.until <= now {
            return Err(ServiceError::invalid(
                "until",
                format!(
                    "{} has passed (now is {}); an absence must end in the future",
                    request.until.to_rfc3339(),
                    now.to_rfc3339()
                ),
            ));
        }
        let note = text_field("note", request.note, Absence::NOTE_MAX_CHARS)?;
        let mut tx = self.store.write().await?;
        absences::lock_member(&mut tx, member.id.as_str()).await?;
        let (enterprise, plan) = enterprise_and_plan(&mut tx, &member).await?;
        let action = action_for(request.action, &member, &enterprise, &plan)?;
        let existing = absences::of_member(&mut tx, member.id.as_str()).await?;
        let previous = match replacing {
            Some(absence_id) => Some(
                existing
                    .iter()
                    .find(|a| a.id.as_str() == absence_id)
                    .cloned()
                    .ok_or_else(|| absence_not_found(member_id, absence_id))?,
            ),
            None if existing.len() >= Absence::MAX_PER_MEMBER => {
                return Err(ServiceError::Conflicting(format!(
                    "member {member_id} already has {} absences; delete some first",
                    existing.len()
                )));
            }
            None => None,
        };
        let except = previous.as_ref().map(|a| &a.id);
        if let Some(clash) = Absence::first_overlap(&existing, request.from, request.until, except)
        {
            return Err(ServiceError::Conflicting(format!(
                "the absence overlaps {} of member {member_id}; change or delete that one first",
                describe(clash)
            )));
        }
        let absence = Absence {
            id: previous
                .as_ref()
                .map_or_else(|| EntityId::new(random_id("abs")), |a| a.id.clone()),
            member_id: member.id.clone(),
            kind: request.kind,
            from: request.from,
            until: request.until,
            note,
            action,
            created_at: previous.as_ref().map_or(now, |a| a.created_at),
            updated_at: now,
        };
        let verb = if previous.is_some() {
            absences::update(&mut tx, &absence).await?;
            "absence.replace"
        } else {
            absences::insert(&mut tx, &absence).await?;
            "absence.create"
        };
        audit(
            &mut tx,
            now,
            &principal.actor(),
            verb,
            member.id.as_str(),
            audit_detail(&absence),
        )
        .await?;
        tx.commit().await?;
        self.absences_changed(&member).await?;
        Ok(absence)
    }

    pub async fn delete_absence(
        &self,
        principal: &Principal,
        member_id: &str,
        absence_id: &str,
    ) -> Result<(), ServiceError> {
        let member = self.actable_member(principal, member_id).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        if !absences::delete(&mut tx, member.id.as_str(), absence_id).await? {
            return Err(absence_not_found(member_id, absence_id));
        }
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "absence.delete",
            member.id.as_str(),
            json!({ "absenceId": absence_id }),
        )
        .await?;
        tx.commit().await?;
        self.absences_changed(&member).await?;
        Ok(())
    }

    /// Hands the member's absences to a running engine: routing and presence follow them.
    async fn absences_changed(
        &self,
        member: &sentral_domain::directory::Member,
    ) -> Result<(), ServiceError> {
        let Some(enterprise_id) = &member.enterprise_id else {
            return Ok(());
        };
        let now = self.now();
        let mut conn = self.store.read().await?;
        let current: Vec<Absence> = absences::of_member(&mut conn, member.id.as_str())
            .await?
            .into_iter()
            .filter(|a| a.until > now)
            .collect();
        drop(conn);
        let change = crate::telephony::DirectoryChange::Absences {
            device: member.mobile.as_str().to_owned(),
            absences: current,
        };
        self.telephony_changed(enterprise_id, change).await;
        Ok(())
    }

    /// The member's absence at `now`, if any: what status and call routing go by. No
    /// authorisation: for the platform's own use.
    pub async fn current_absence(
        &self,
        member_id: &str,
        now: Timestamp,
    ) -> Result<Option<Absence>, ServiceError> {
        let mut conn = self.store.read().await?;
        Ok(absences::current(&mut conn, member_id, now).await?)
    }

    /// Deletes absences that ended more than [`Absence::KEPT_AFTER_END_SECONDS`] ago by the
    /// platform's clock; returns how many.
    pub async fn purge_past_absences(&self) -> Result<u64, ServiceError> {
        let cutoff = Absence::purge_cutoff(self.now());
        let mut conn = self.store.read().await?;
        Ok(absences::purge_ended_before(&mut conn, cutoff).await?)
    }
}
