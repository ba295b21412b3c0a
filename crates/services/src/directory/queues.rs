//! MBN Queue API: call queues of an enterprise and their settings (the agents are in
//! [`super::queue_agents`]). Distributing calls is the telephony engine's; it reads the queues
//! through [`Platform::load_enterprise_queues`], and a running engine reloads after every change.

use sentral_domain::Timestamp;
use sentral_domain::directory::{
    Agent, Destination, Enterprise, NumberingPlan, PlanDevice, PlanEntry, Queue, QueueSettings,
    QueueStrategy, ShortNumber,
};
use sentral_store::Connection;
use sentral_store::directory::{self as repo, PlanUse, members, queues};
use serde_json::json;

use super::catalog::text_field;
use super::{Acting, acting};
use crate::platform::audit;
use crate::{Platform, Principal, ServiceError};

/// A queue's fields as sent: `None` keeps a value (or takes the default on a new queue);
/// `Some(None)` clears a target.
#[derive(Debug, Clone, Default)]
pub struct QueueChange {
    pub name: Option<String>,
    pub number: Option<String>,
    pub strategy: Option<String>,
    pub ring_timeout: Option<i64>,
    pub max_length: Option<i64>,
    pub max_wait: Option<i64>,
    pub max_wait_no_agent: Option<i64>,
    pub wrap_up_time: Option<i64>,
    pub overflow_target: Option<Option<String>>,
    pub no_agent_target: Option<Option<String>>,
    pub service_level_seconds: Option<i64>,
}

pub(super) fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::invalid(field, message)
}

pub(super) fn machine_user_only(principal: &Principal) -> Result<(), ServiceError> {
    match acting(principal)? {
        Acting::MachineUser => Ok(()),
        Acting::EndUser { .. } => Err(ServiceError::NotAllowed(
            "only a machine user may change queues and their agents; an end user may set its \
             own agent state"
                .into(),
        )),
    }
}

pub(super) fn queue_not_found(queue_id: &str) -> ServiceError {
    ServiceError::not_found(format!("queue {queue_id}"))
}

fn ranges_of(plan: &NumberingPlan) -> String {
    plan.ranges
        .iter()
        .map(|r| format!("{}-{}", r.from.as_str(), r.to.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A short number of the plan that is free (or already `queue_id`'s).
fn free_number(
    text: &str,
    plan: &NumberingPlan,
    queue_id: Option<&str>,
) -> Result<ShortNumber, ServiceError> {
    let number = ShortNumber::parse(text.trim(), plan.internal_number_length)
        .map_err(|e| invalid("number", e.to_string()))?;
    if !plan.allows(&number) {
        return Err(invalid(
            "number",
            format!(
                "{} is outside the numbering plan's ranges ({})",
                number.as_str(),
                ranges_of(plan)
            ),
        ));
    }
    match plan.entry(number.as_str()) {
        Some(entry) if queue_id.is_some_and(|id| entry.device == PlanDevice::Queue(id.into())) => {
            Ok(number)
        }
        Some(entry) => Err(ServiceError::Conflicting(format!(
            "short number {} is taken by {} {}; choose a free number of the plan",
            number.as_str(),
            entry.device.kind(),
            entry.device.target()
        ))),
        None => Ok(number),
    }
}

fn bounded(
    bound: &sentral_domain::directory::queues::Bound,
    value: Option<i64>,
    current: u32,
) -> Result<u32, ServiceError> {
    match value {
        None => Ok(current),
        Some(value) => bound
            .check(value)
            .map_err(|e| invalid(bound.field, e.to_string())),
    }
}

/// Applies `change` to `queue` (whose number is already set), checking every field.
fn apply(queue: &mut Queue, change: QueueChange, plan: &NumberingPlan) -> Result<(), ServiceError> {
    if let Some(name) = change.name {
        queue.name = text_field("name", Some(name), Queue::NAME_MAX_CHARS)?
            .ok_or_else(|| invalid("name", "must not be empty"))?;
    }
    let settings = &mut queue.settings;
    if let Some(strategy) = change.strategy {
        settings.strategy = QueueStrategy::parse(strategy.trim())
            .map_err(|e| invalid("strategy", e.to_string()))?;
    }
    settings.ring_timeout = bounded(
        &QueueSettings::RING_TIMEOUT,
        change.ring_timeout,
        settings.ring_timeout,
    )?;
    settings.max_length = bounded(
        &QueueSettings::MAX_LENGTH,
        change.max_length,
        settings.max_length,
    )?;
    settings.max_wait = bounded(&QueueSettings::MAX_WAIT, change.max_wait, settings.max_wait)?;
    settings.max_wait_no_agent = bounded(
        &QueueSettings::MAX_WAIT_NO_AGENT,
        change.max_wait_no_agent,
        settings.max_wait_no_agent,
    )?;
    settings.wrap_up_time = bounded(
        &QueueSettings::WRAP_UP_TIME,
        change.wrap_up_time,
        settings.wrap_up_time,
    )?;
    settings.service_level_seconds = bounded(
        &QueueSettings::SERVICE_LEVEL_SECONDS,
        change.service_level_seconds,
        settings.service_level_seconds,
    )?;
    // Targets are checked against the plan as it will be, with the queue's own entry in it.
    let mut plan = plan.clone();
    plan.entries
        .retain(|e| e.device != PlanDevice::Queue(queue.id.clone()));
    plan.entries.push(PlanEntry {
        short_number: queue.number.clone(),
        device: PlanDevice::Queue(queue.id.clone()),
    });
    let target = |field: &str, text: Option<String>| -> Result<Option<Destination>, ServiceError> {
        let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
            return Ok(None);
        };
        let destination =
            Destination::parse(&text, &plan).map_err(|e| invalid(field, e.to_string()))?;
        queue
            .check_target(&destination)
            .map_err(|e| invalid(field, e.to_string()))?;
        Ok(Some(destination))
    };
    let overflow = match change.overflow_target {
        None => queue.settings.overflow_target.clone(),
        Some(text) => target("overflowTarget", text)?,
    };
    let no_agent = match change.no_agent_target {
        None => queue.settings.no_agent_target.clone(),
        Some(text) => target("noAgentTarget", text)?,
    };
    // A number change may make a kept target the queue's own number.
    for (field, kept) in [("overflowTarget", &overflow), ("noAgentTarget", &no_agent)] {
        if let Some(destination) = kept {
            queue
                .check_target(destination)
                .map_err(|e| invalid(field, e.to_string()))?;
        }
    }
    queue.settings.overflow_target = overflow;
    queue.settings.no_agent_target = no_agent;
    Ok(())
}

fn audit_detail(queue: &Queue) -> serde_json::Value {
    let s = &queue.settings;
    json!({
        "enterpriseId": queue.enterprise_id,
        "name": queue.name,
        "number": queue.number.as_str(),
        "strategy": s.strategy.as_str(),
        "ringTimeout": s.ring_timeout,
        "maxLength": s.max_length,
        "maxWait": s.max_wait,
        "maxWaitNoAgent": s.max_wait_no_agent,
        "wrapUpTime": s.wrap_up_time,
        "overflowTarget": s.overflow_target.as_ref().map(Destination::as_str),
        "noAgentTarget": s.no_agent_target.as_ref().map(Destination::as_str),
        "serviceLevelSeconds": s.service_level_seconds,
    })
}

/// What else in the enterprise points at the queue, named: by its id (absences sending calls
/// to it), and by its short number `number` (forwarding, absences, other queues' targets).
async fn pointing_at(
    conn: &mut Connection,
    queue: &Queue,
    number: &str,
    now: Timestamp,
) -> Result<(Vec<String>, Vec<String>), ServiceError> {
    let uses: Vec<PlanUse> = repo::plan_uses(conn, &queue.enterprise_id, now).await?;
    let (mut by_id, mut by_number) = (Vec::new(), Vec::new());
    for using in uses {
        if using.queue.as_deref() == Some(queue.id.as_str()) {
            continue;
        }
        match using.device {
            PlanDevice::Queue(id) if id == queue.id => {
                by_id.push(format!("{} (queue {id})", using.what));
            }
            PlanDevice::Virtual(short) if short == number => {
                by_number.push(format!("{} (short number {short})", using.what));
            }
            _ => {}
        }
    }
    Ok((by_id, by_number))
}

async fn enterprise_and_plan(
    conn: &mut Connection,
    enterprise_id: &str,
) -> Result<(Enterprise, NumberingPlan), ServiceError> {
    let enterprise = repo::enterprise(conn, enterprise_id)
        .await?
        .ok_or_else(|| ServiceError::internal(format!("enterprise {enterprise_id} vanished")))?;
    let plan = repo::plan(conn, &enterprise).await?;
    Ok((enterprise, plan))
}

impl Platform {
    /// The enterprises the caller may see: a machine user's granted companies', an end user's own.
    async fn visible_enterprises(
        &self,
        principal: &Principal,
    ) -> Result<Vec<Enterprise>, ServiceError> {
        Ok(match acting(principal)? {
            Acting::EndUser { member_id } => {
                let mut conn = self.store.read().await?;
                match members::member(&mut conn, member_id)
                    .await?
                    .and_then(|m| m.enterprise_id)
                {
                    Some(id) => repo::enterprise(&mut conn, &id)
                        .await?
                        .into_iter()
                        .collect(),
                    None => Vec::new(),
                }
            }
            Acting::MachineUser => self.enterprises_of_companies(principal).await?.to_vec(),
        })
    }

    /// `enterprise_id` when given (it must be visible), otherwise every visible enterprise.
    pub(super) async fn queue_enterprises(
        &self,
        principal: &Principal,
        enterprise_id: Option<&str>,
    ) -> Result<Vec<String>, ServiceError> {
        match enterprise_id.map(str::trim).filter(|id| !id.is_empty()) {
            Some(id) => Ok(vec![self.visible_enterprise(principal, id).await?.id]),
            None => Ok(self
                .visible_enterprises(principal)
                .await?
                .into_iter()
                .map(|e| e.id)
                .collect()),
        }
    }

    /// A queue of an enterprise the caller may see; others (and unknown ids) are not found.
    pub(super) async fn visible_queue(
        &self,
        principal: &Principal,
        queue_id: &str,
    ) -> Result<Queue, ServiceError> {
        let queue = {
            let mut conn = self.store.read().await?;
            queues::queue(&mut conn, queue_id).await?
        }
        .ok_or_else(|| queue_not_found(queue_id))?;
        match self
            .visible_enterprise(principal, &queue.enterprise_id)
            .await
        {
            Ok(_) => Ok(queue),
            Err(ServiceError::NotFound { .. }) => Err(queue_not_found(queue_id)),
            Err(other) => Err(other),
        }
    }

    /// The queues of the caller's enterprises (or of `enterprise_id`), by enterprise and name.
    pub async fn queues(
        &self,
        principal: &Principal,
        enterprise_id: Option<&str>,
    ) -> Result<Vec<Queue>, ServiceError> {
        let enterprises = self.queue_enterprises(principal, enterprise_id).await?;
        let mut conn = self.store.read().await?;
        Ok(queues::of_enterprises(&mut conn, &enterprises).await?)
    }

    pub async fn queue(
        &self,
        principal: &Principal,
        queue_id: &str,
    ) -> Result<Queue, ServiceError> {
        self.visible_queue(principal, queue_id).await
    }

    /// Creates a queue with its entry in the enterprise's numbering plan. `enterprise_id` may
    /// be left out when the token reaches one enterprise.
    pub async fn create_queue(
        &self,
        principal: &Principal,
        enterprise_id: Option<&str>,
        change: QueueChange,
    ) -> Result<Queue, ServiceError> {
        machine_user_only(principal)?;
        let mut enterprises = self.queue_enterprises(principal, enterprise_id).await?;
        let enterprise_id = match enterprises.len() {
            1 => enterprises.remove(0),
            0 => {
                return Err(ServiceError::not_found(
                    "an enterprise among the companies you may act for",
                ));
            }
            _ => {
                return Err(invalid(
                    "enterpriseId",
                    format!(
                        "the token reaches several enterprises ({}); give enterpriseId",
                        enterprises.join(", ")
                    ),
                ));
            }
        };
        let name = change
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| invalid("name", "is required"))?;
        let number = change
            .number
            .clone()
            .ok_or_else(|| invalid("number", "is required: a free short number of the plan"))?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let (_, plan) = enterprise_and_plan(&mut tx, &enterprise_id).await?;
        let number = free_number(&number, &plan, None)?;
        let mut queue = Queue {
            id: queues::next_queue_id(&mut tx).await?,
            enterprise_id,
            name,
            number,
            settings: QueueSettings::default(),
            created_at: now,
            updated_at: now,
        };
        apply(&mut queue, change, &plan)?;
        queues::insert(&mut tx, &queue).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "queue.create",
            &queue.id,
            audit_detail(&queue),
        )
        .await?;
        tx.commit().await?;
        self.telephony_reload(&queue.enterprise_id).await;
        Ok(queue)
    }

    /// Changes a queue's name, number or settings; fields left out keep their value.
    pub async fn update_queue(
        &self,
        principal: &Principal,
        queue_id: &str,
        mut change: QueueChange,
    ) -> Result<Queue, ServiceError> {
        machine_user_only(principal)?;
        let visible = self.visible_queue(principal, queue_id).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        queues::lock(&mut tx, &visible.id).await?;
        let mut queue = queues::queue(&mut tx, &visible.id)
            .await?
            .ok_or_else(|| queue_not_found(queue_id))?;
        let (_, plan) = enterprise_and_plan(&mut tx, &queue.enterprise_id).await?;
        let old_number = queue.number.clone();
        if let Some(number) = change.number.take() {
            queue.number = free_number(&number, &plan, Some(&queue.id))?;
        }
        if queue.number != old_number {
            let (_, stranded) = pointing_at(&mut tx, &queue, old_number.as_str(), now).await?;
            if !stranded.is_empty() {
                return Err(ServiceError::Conflicting(format!(
                    "queue {} keeps number {}: these point at it: {}; change them first",
                    queue.id,
                    old_number.as_str(),
                    stranded.join(", ")
                )));
            }
        }
        apply(&mut queue, change, &plan)?;
        queue.updated_at = now;
        queues::update(&mut tx, &queue).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "queue.update",
            &queue.id,
            audit_detail(&queue),
        )
        .await?;
        tx.commit().await?;
        self.telephony_reload(&queue.enterprise_id).await;
        Ok(queue)
    }

    /// Deletes a queue with its agents and plan entry, unless absences, call forwarding or
    /// another queue point at it.
    pub async fn delete_queue(
        &self,
        principal: &Principal,
        queue_id: &str,
    ) -> Result<(), ServiceError> {
        machine_user_only(principal)?;
        let visible = self.visible_queue(principal, queue_id).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        queues::lock(&mut tx, &visible.id).await?;
        let queue = queues::queue(&mut tx, &visible.id)
            .await?
            .ok_or_else(|| queue_not_found(queue_id))?;
        let (mut users, by_number) =
            pointing_at(&mut tx, &queue, queue.number.as_str(), now).await?;
        users.extend(by_number);
        if !users.is_empty() {
            return Err(ServiceError::Conflicting(format!(
                "queue {} cannot be deleted: these point at it: {}; change them first",
                queue.id,
                users.join(", ")
            )));
        }
        let agents = queues::agent_count(&mut tx, &queue.id).await?;
        queues::delete(&mut tx, &queue).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "queue.delete",
            &queue.id,
            json!({
                "enterpriseId": queue.enterprise_id,
                "name": queue.name,
                "number": queue.number.as_str(),
                "agents": agents,
            }),
        )
        .await?;
        tx.commit().await?;
        self.telephony_reload(&queue.enterprise_id).await;
        Ok(())
    }

    /// Every queue of the enterprise with its agents in position order. No authorisation: for
    /// the platform's own use (the telephony engine's queues).
    pub async fn load_enterprise_queues(
        &self,
        enterprise_id: &str,
    ) -> Result<Vec<(Queue, Vec<Agent>)>, ServiceError> {
        let mut conn = self.store.read().await?;
        Ok(queues::load_enterprise_queues(&mut conn, enterprise_id).await?)
    }
}
