//! CSTA use cases: call control, device forwarding and agent state, snapshots —
//! each checked against who the caller acts for. A machine user controls every device of the
//! enterprises it is granted; an end user only its own phone.

use sentral_domain::{ApiProduct, Msisdn};
use sentral_engine::{CallId, Command, Input, Outcome};
use sentral_store::directory::members;
use sentral_store::telephony as store;

use super::forwarding::EngineRead;
use crate::directory::{Acting, acting};
use crate::{Platform, Principal, ServiceError};

/// A call-control service on one call, as the CSTA endpoints name them.
#[derive(Debug, Clone)]
pub enum CallService {
    Answer {
        device: String,
    },
    /// ClearConnection: the device leaves (ClearCall is [`Platform::clear_call`]).
    Clear {
        device: String,
    },
    Hold {
        device: String,
    },
    Retrieve {
        device: String,
    },
    Deflect {
        device: String,
        to: String,
    },
    SingleStepTransfer {
        device: String,
        to: String,
    },
    Consultation {
        device: String,
        to: String,
    },
}

impl CallService {
    /// The device the service acts for.
    fn device(&self) -> &str {
        match self {
            CallService::Clear { device }
            | CallService::Answer { device }
            | CallService::Hold { device }
            | CallService::Retrieve { device }
            | CallService::Deflect { device, .. }
            | CallService::SingleStepTransfer { device, .. }
            | CallService::Consultation { device, .. } => device,
        }
    }
}

/// What a call-control service answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallAnswer {
    /// The call the service made or acted on.
    pub call_id: String,
    /// The controlling device's connection in it.
    pub device: String,
}

/// A device number as clients write it (E.164 with or without `+`, or 8 national digits).
pub fn device_number(text: &str) -> Result<String, ServiceError> {
    Msisdn::parse(text)
        .map(|number| number.as_str().to_owned())
        .map_err(|_| {
            ServiceError::invalid(
                "device",
                format!("{text:?} is not a device number: use E.164 digits, e.g. 4791000001"),
            )
        })
}

impl Platform {
    /// The enterprise of a device the caller may act on. Unknown devices and devices of other
    /// customers are not found; another member's phone is forbidden to an end user.
    pub(crate) async fn device_enterprise(
        &self,
        principal: &Principal,
        device: &str,
    ) -> Result<String, ServiceError> {
        let acting = acting(principal)?;
        let mut conn = self.store.read().await?;
        let enterprise_id = store::enterprise_of_number(&mut conn, device)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("device {device}")))?;
        drop(conn);
        self.visible_enterprise(principal, &enterprise_id)
            .await
            .map_err(|_| ServiceError::not_found(format!("device {device}")))?;
        if let Acting::EndUser { member_id } = acting {
            let mut conn = self.store.read().await?;
            let own = members::member(&mut conn, member_id)
                .await?
                .is_some_and(|member| member.mobile.as_str() == device);
            if !own {
                return Err(ServiceError::NotAllowed(format!(
                    "an end-user token controls only its own phone, not {device}"
                )));
            }
        }
        Ok(enterprise_id)
    }

    /// The enterprise of a call id (`{enterpriseId}-{n}`) the caller may see.
    async fn call_enterprise(
        &self,
        principal: &Principal,
        call_id: &str,
    ) -> Result<(String, CallId), ServiceError> {
        let not_found = || ServiceError::not_found(format!("call {call_id}"));
        let (enterprise_id, n) = call_id.rsplit_once('-').ok_or_else(not_found)?;
        let n: u64 = n.parse().map_err(|_| not_found())?;
        self.visible_enterprise(principal, enterprise_id)
            .await
            .map_err(|_| not_found())?;
        Ok((enterprise_id.to_owned(), CallId(n)))
    }

    /// An end user may only act with its own phone.
    async fn check_own_device(
        &self,
        principal: &Principal,
        device: &str,
    ) -> Result<String, ServiceError> {
        let device = device_number(device)?;
        if let Acting::EndUser { .. } = acting(principal)? {
            self.device_enterprise(principal, &device).await?;
        }
        Ok(device)
    }

    /// MakeCall: rings `calling` first, then dials `called` (E.164 or a short number).
    pub async fn make_call(
        &self,
        principal: &Principal,
        calling: &str,
        called: &str,
    ) -> Result<CallAnswer, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        let calling = device_number(calling)?;
        let enterprise_id = self.device_enterprise(principal, &calling).await?;
        let command = Command::MakeCall {
            calling,
            called: called.trim().to_owned(),
        };
        let outcome = self
            .telephony_input(&enterprise_id, Input::Command(command))
            .await?;
        self.call_answer(&enterprise_id, outcome)
    }

    fn call_answer(
        &self,
        enterprise_id: &str,
        outcome: Outcome,
    ) -> Result<CallAnswer, ServiceError> {
        match outcome {
            Outcome::Call { call, device } => Ok(CallAnswer {
                call_id: format!("{enterprise_id}-{}", call.0),
                device,
            }),
            Outcome::Done => Err(ServiceError::internal("a call service made no call")),
        }
    }

    /// A service on one call.
    pub async fn call_service(
        &self,
        principal: &Principal,
        call_id: &str,
        service: CallService,
    ) -> Result<CallAnswer, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        let (enterprise_id, call) = self.call_enterprise(principal, call_id).await?;
        let device = self.check_own_device(principal, service.device()).await?;
        let command = match service {
            CallService::Answer { .. } => Command::AnswerCall {
                call,
                device: device.clone(),
            },
            CallService::Clear { .. } => Command::ClearConnection {
                call,
                device: device.clone(),
            },
            CallService::Hold { .. } => Command::HoldCall {
                call,
                device: device.clone(),
            },
            CallService::Retrieve { .. } => Command::RetrieveCall {
                call,
                device: device.clone(),
            },
            CallService::Deflect { to, .. } => Command::DeflectCall {
                call,
                device: device.clone(),
                to,
            },
            CallService::SingleStepTransfer { to, .. } => Command::SingleStepTransferCall {
                call,
                device: device.clone(),
                to,
            },
            CallService::Consultation { to, .. } => Command::ConsultationCall {
                call,
                device: device.clone(),
                to,
            },
        };
        match self
            .telephony_input(&enterprise_id, Input::Command(command))
            .await?
        {
            outcome @ Outcome::Call { .. } => self.call_answer(&enterprise_id, outcome),
            Outcome::Done => Ok(CallAnswer {
                call_id: call_id.to_owned(),
                device,
            }),
        }
    }

    /// ClearCall: every party of the call leaves. Answers the call id: the service acts for
    /// no device, so it names no connection (ECMA-269). Machine users only.
    pub async fn clear_call(
        &self,
        principal: &Principal,
        call_id: &str,
    ) -> Result<String, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        let (enterprise_id, call) = self.call_enterprise(principal, call_id).await?;
        if let Acting::EndUser { .. } = acting(principal)? {
            return Err(ServiceError::invalid(
                "device",
                "an end user clears its own connection: name its device",
            ));
        }
        self.telephony_input(&enterprise_id, Input::Command(Command::ClearCall { call }))
            .await?;
        Ok(call_id.to_owned())
    }

    /// TransferCall or ConferenceCall: `device` holds `held` and is connected in `active`.
    pub async fn join_calls(
        &self,
        principal: &Principal,
        device: &str,
        held: &str,
        active: &str,
        conference: bool,
    ) -> Result<CallAnswer, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        let (enterprise_id, held_call) = self.call_enterprise(principal, held).await?;
        let (active_enterprise, active_call) = self.call_enterprise(principal, active).await?;
        if active_enterprise != enterprise_id {
            return Err(ServiceError::invalid(
                "activeCall",
                "heldCall and activeCall must be calls of the same enterprise",
            ));
        }
        let device = self.check_own_device(principal, device).await?;
        let command = if conference {
            Command::ConferenceCall {
                device: device.clone(),
                held_call,
                active_call,
            }
        } else {
            Command::TransferCall {
                device: device.clone(),
                held_call,
                active_call,
            }
        };
        self.telephony_input(&enterprise_id, Input::Command(command))
            .await?;
        Ok(CallAnswer {
            call_id: if conference { held } else { active }.to_owned(),
            device,
        })
    }

    /// SnapshotDevice.
    pub async fn device_snapshot(
        &self,
        principal: &Principal,
        device: &str,
    ) -> Result<sentral_engine::DeviceSnapshot, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        let device = device_number(device)?;
        let enterprise_id = self.device_enterprise(principal, &device).await?;
        let read = EngineRead::DeviceSnapshot {
            device: device.clone(),
        };
        self.engine_read(&enterprise_id, read, move |engine| {
            engine.snapshot_device(&device)
        })
        .await?
        .map_err(ServiceError::Csta)
    }

    /// Do-not-disturb of a device (CSTA forwardDND).
    pub async fn set_do_not_disturb(
        &self,
        principal: &Principal,
        device: &str,
        on: bool,
    ) -> Result<(), ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        let device = device_number(device)?;
        let enterprise_id = self.device_enterprise(principal, &device).await?;
        self.telephony_input(
            &enterprise_id,
            Input::Command(Command::SetDoNotDisturb { device, on }),
        )
        .await?;
        Ok(())
    }

    /// The member behind a device, for forwarding (which the directory keeps per member).
    pub async fn member_of_device(
        &self,
        principal: &Principal,
        device: &str,
    ) -> Result<String, ServiceError> {
        let device = device_number(device)?;
        Ok(self.device_member(principal, &device).await?.1)
    }

    /// The enterprise and member of a member's mobile (`device` already a device number).
    async fn device_member(
        &self,
        principal: &Principal,
        device: &str,
    ) -> Result<(String, String), ServiceError> {
        let enterprise_id = self.device_enterprise(principal, device).await?;
        let number =
            Msisdn::parse(device).map_err(|e| ServiceError::invalid("device", e.to_string()))?;
        let mut conn = self.store.read().await?;
        let member = members::member_by_mobile(&mut conn, &number)
            .await?
            .ok_or_else(|| {
                ServiceError::invalid(
                    "device",
                    format!("{device} is not a member's mobile: forwarding and agent states are set on members' phones"),
                )
            })?;
        Ok((enterprise_id, member.id.as_str().to_owned()))
    }

    /// SetAgentState from the CSTA interface: stored through the Queue API's rules for the
    /// given queue or every queue the device is an agent of (the engine follows the store).
    pub async fn set_device_agent_state(
        &self,
        principal: &Principal,
        device: &str,
        queue: Option<&str>,
        state: &str,
        reason: Option<String>,
    ) -> Result<(), ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        let device = device_number(device)?;
        let (enterprise_id, member_id) = self.device_member(principal, &device).await?;
        let lookup = device.clone();
        let read = EngineRead::AgentQueues {
            device: device.clone(),
        };
        let queues: Vec<String> = self
            .engine_read(&enterprise_id, read, move |engine| {
                engine.agent_queues(&lookup)
            })
            .await?;
        let chosen: Vec<String> = match queue {
            Some(queue_id) if queues.iter().any(|q| q == queue_id) => vec![queue_id.to_owned()],
            Some(queue_id) => {
                return Err(ServiceError::Csta(
                    sentral_engine::CstaError::InvalidDeviceIdentifier(format!(
                        "{device} (not an agent of queue {queue_id})"
                    )),
                ));
            }
            None if queues.is_empty() => {
                return Err(ServiceError::Csta(
                    sentral_engine::CstaError::InvalidDeviceIdentifier(format!(
                        "{device} (not an agent of any queue)"
                    )),
                ));
            }
            None => queues,
        };
        for queue_id in chosen {
            self.set_agent_state(principal, &queue_id, &member_id, state, reason.clone())
                .await?;
        }
        Ok(())
    }
}
