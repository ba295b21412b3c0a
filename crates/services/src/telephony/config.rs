//! An enterprise's engine configuration, read from the directory: members' mobiles with their
//! short numbers, forwarding and absences; memberlines, queues and the virtual numbers (short
//! numbers naming another number) of the plan; the switchboard and the network's voice mail.

use std::collections::HashMap;

use sentral_domain::Timestamp;
use sentral_domain::directory::{Enterprise, PlanDevice, StatusSource};
use sentral_engine::{AgentConfig, DeviceConfig, DeviceKind, EnterpriseConfig, QueueConfig};
use sentral_store::directory::{self as repo, queues};
use sentral_store::telephony as store;

use crate::{Platform, ServiceError};

/// The network's voice mail (Telenor's Mobilsvar): answers every call diverted to it.
pub const VOICEMAIL_NUMBER: &str = "4791500000";

/// The number a queue, which has none of its own in the plan, is reached on: the
/// switchboard number with its last digits replaced by the short number (direct dialling in),
/// or, without a switchboard number, `{enterpriseId}{short}` (reachable by short number only).
pub fn direct_number(enterprise: &Enterprise, short: &str) -> String {
    match &enterprise.switchboard_number {
        Some(main) if main.len() >= 10 && short.len() < main.len() => {
            format!("{}{short}", &main[..main.len() - short.len()])
        }
        _ => format!("{}{short}", enterprise.id),
    }
}

impl Platform {
    pub(crate) async fn engine_config(
        &self,
        enterprise_id: &str,
        now: Timestamp,
    ) -> Result<EnterpriseConfig, ServiceError> {
        let mut conn = self.store.read().await?;
        let enterprise = repo::enterprise(&mut conn, enterprise_id)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("enterprise {enterprise_id}")))?;
        let plan = repo::plan(&mut conn, &enterprise).await?;
        let members = store::member_numbers(&mut conn, enterprise_id).await?;
        let mut forwarding: HashMap<String, _> =
            store::forwarding_of_enterprise(&mut conn, enterprise_id)
                .await?
                .into_iter()
                .collect();
        let mut absences: HashMap<String, Vec<_>> = HashMap::new();
        for absence in store::absences_of_enterprise(&mut conn, enterprise_id, now).await? {
            absences
                .entry(absence.member_id.as_str().to_owned())
                .or_default()
                .push(absence);
        }
        let terminals: HashMap<String, _> =
            store::terminals_of_enterprise(&mut conn, enterprise_id)
                .await?
                .into_iter()
                .map(|t| (t.number.clone(), t))
                .collect();
        let enterprise_queues = queues::load_enterprise_queues(&mut conn, enterprise_id).await?;
        drop(conn);

        let mut config = EnterpriseConfig::new(enterprise_id);
        config.switchboard = enterprise.switchboard_number.clone();
        let mut short_of_member: HashMap<&str, &str> = HashMap::new();
        for entry in &plan.entries {
            if let PlanDevice::Member(member) = &entry.device {
                short_of_member.insert(member, entry.short_number.as_str());
            }
        }
        let mut mobile_of_member: HashMap<String, String> = HashMap::new();
        for (member_id, mobile) in &members {
            let mut device = DeviceConfig::new(
                mobile.clone(),
                short_of_member.get(member_id.as_str()).copied(),
                DeviceKind::Mobile {
                    member_id: member_id.clone(),
                },
            );
            device.forwarding = forwarding.remove(member_id).unwrap_or_default();
            device.absences = absences.remove(member_id).unwrap_or_default();
            config.devices.push(device);
            mobile_of_member.insert(member_id.clone(), mobile.clone());
        }
        for entry in &plan.entries {
            let short = entry.short_number.as_str();
            let device = match &entry.device {
                PlanDevice::Member(_) => continue,
                PlanDevice::Memberline(number) => {
                    let terminal = terminals.get(number);
                    DeviceConfig::new(
                        number.clone(),
                        Some(short),
                        DeviceKind::Memberline {
                            member_id: terminal
                                .and_then(|t| t.member_id.as_ref())
                                .map(|m| m.as_str().to_owned()),
                            status_source: terminal
                                .map_or(StatusSource::Network, |t| t.status_source),
                        },
                    )
                }
                PlanDevice::Queue(queue_id) => DeviceConfig::new(
                    direct_number(&enterprise, short),
                    Some(short),
                    DeviceKind::Queue {
                        queue_id: queue_id.clone(),
                    },
                ),
                // The plan maps the short number to the number it names (the store finds the
                // enterprise by that number too): no device of its own, so events show that
                // number — e.g. 899 is the switchboard 4722990000, not a made-up 4722990899.
                PlanDevice::Virtual(target) => {
                    config
                        .short_aliases
                        .push((short.to_owned(), target.clone()));
                    continue;
                }
            };
            config.devices.push(device);
        }
        let taken = |config: &EnterpriseConfig, number: &str| {
            config.devices.iter().any(|d| d.number == number)
        };
        if !taken(&config, VOICEMAIL_NUMBER) {
            config.devices.push(DeviceConfig::new(
                VOICEMAIL_NUMBER,
                None,
                DeviceKind::Voicemail,
            ));
        }
        // The switchboard number itself reaches the first queue of the plan.
        let first_queue = enterprise_queues
            .iter()
            .map(|(queue, _)| queue.number.as_str().to_owned())
            .min();
        if let (Some(main), Some(queue)) = (&enterprise.switchboard_number, first_queue)
            && !taken(&config, main)
        {
            config.devices.push(DeviceConfig::new(
                main.clone(),
                None,
                DeviceKind::Virtual { target: queue },
            ));
        }
        for (queue, agents) in enterprise_queues {
            let settings = &queue.settings;
            let mut engine_queue = QueueConfig::new(
                queue.id.clone(),
                direct_number(&enterprise, queue.number.as_str()),
                settings.strategy,
            );
            engine_queue.ring_timeout = settings.ring_timeout;
            engine_queue.max_length = settings.max_length;
            engine_queue.max_wait = settings.max_wait;
            engine_queue.max_wait_no_agent = settings.max_wait_no_agent;
            engine_queue.wrap_up_time = settings.wrap_up_time;
            engine_queue.overflow_target = settings
                .overflow_target
                .as_ref()
                .map(|d| d.as_str().to_owned());
            engine_queue.no_agent_target = settings
                .no_agent_target
                .as_ref()
                .map(|d| d.as_str().to_owned());
            engine_queue.service_level_seconds = settings.service_level_seconds;
            engine_queue.agents = agents
                .into_iter()
                .filter_map(|agent| {
                    Some(AgentConfig {
                        device: mobile_of_member.get(agent.member_id.as_str())?.clone(),
                        position: agent.position,
                        state: agent.state,
                    })
                })
                .collect();
            config.queues.push(engine_queue);
        }
        for terminal in terminals.values() {
            if let Some(status) = terminal.status
                && terminal.status_source == StatusSource::Application
            {
                config
                    .terminal_statuses
                    .push((terminal.number.clone(), status));
            }
        }
        Ok(config)
    }
}
