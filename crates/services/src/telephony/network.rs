//! The sandbox's side of the network: calls placed from handsets (outside numbers or members'
//! phones), and what people do with their phones — answer, reject, hang up, switch off.

use sentral_engine::{Input, Signal};
use sentral_store::telephony as store;

use super::csta::{CallAnswer, device_number};
use crate::{Platform, ServiceError};

/// What a person does with a handset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandsetAction {
    Answer,
    Reject,
    HangUp,
    Power { on: bool },
}

impl Platform {
    fn require_sandbox(&self) -> Result<(), ServiceError> {
        if self.is_sandbox() {
            Ok(())
        } else {
            Err(ServiceError::NotAllowed(
                "the sandbox network exists in sandbox mode only".into(),
            ))
        }
    }

    async fn enterprise_of(&self, number: &str) -> Result<Option<String>, ServiceError> {
        let mut conn = self.store.read().await?;
        Ok(store::enterprise_of_number(&mut conn, number).await?)
    }

    /// `POST /sandbox/v1/calls`: a call from `from` to the dialled `to`. The enterprise is the
    /// caller's when the caller is a member, else the called number's; `enterprise_id` names it
    /// when an outside caller dials a short number.
    pub async fn sandbox_call(
        &self,
        from: &str,
        to: &str,
        enterprise_id: Option<&str>,
    ) -> Result<CallAnswer, ServiceError> {
        self.require_sandbox()?;
        let from = device_number(from).map_err(|_| {
            ServiceError::invalid(
                "from",
                format!("{from:?} is not a phone number (E.164 digits)"),
            )
        })?;
        let to = to.trim();
        let enterprise_id = match enterprise_id {
            Some(id) => {
                let mut conn = self.store.read().await?;
                sentral_store::directory::enterprise(&mut conn, id)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::invalid("enterpriseId", format!("no enterprise {id}"))
                    })?
                    .id
            }
            None => match self.enterprise_of(&from).await? {
                Some(id) => id,
                None => {
                    let called = device_number(to).ok();
                    let found = match called {
                        Some(number) => self.enterprise_of(&number).await?,
                        None => None,
                    };
                    found.ok_or_else(|| {
                        ServiceError::invalid(
                            "to",
                            format!("neither {from} nor {to:?} is a number of an enterprise: give enterpriseId to dial a short number from outside"),
                        )
                    })?
                }
            },
        };
        let outcome = self
            .telephony_input(
                &enterprise_id,
                Input::Signal(Signal::PlaceCall {
                    from,
                    to: to.to_owned(),
                }),
            )
            .await?;
        match outcome {
            sentral_engine::Outcome::Call { call, device } => Ok(CallAnswer {
                call_id: format!("{enterprise_id}-{}", call.0),
                device,
            }),
            sentral_engine::Outcome::Done => {
                Err(ServiceError::internal("a placed call made no call"))
            }
        }
    }

    /// `POST /sandbox/v1/devices/{number}/answer|reject|hangup`, `PUT …/power`.
    pub async fn sandbox_handset(
        &self,
        number: &str,
        action: HandsetAction,
    ) -> Result<(), ServiceError> {
        self.require_sandbox()?;
        let device = device_number(number)?;
        let enterprise_id = match self.enterprise_of(&device).await? {
            Some(id) => id,
            None => self
                .enterprise_with_call_of(&device)
                .await?
                .ok_or_else(|| {
                    ServiceError::not_found(format!(
                        "device {device} (neither a member's phone nor in a call)"
                    ))
                })?,
        };
        let signal = match action {
            HandsetAction::Answer => Signal::Answer { device },
            HandsetAction::Reject => Signal::Reject { device },
            HandsetAction::HangUp => Signal::HangUp { device },
            HandsetAction::Power { on } => Signal::Power { device, on },
        };
        self.telephony_input(&enterprise_id, Input::Signal(signal))
            .await?;
        Ok(())
    }

    /// The enterprise whose engine has a call with an outside number in it.
    async fn enterprise_with_call_of(&self, device: &str) -> Result<Option<String>, ServiceError> {
        let handles = self.telephony.started();
        for (enterprise_id, handle) in handles {
            let device = device.to_owned();
            if handle
                .run(move |engine, _| engine.involves(&device))
                .await?
            {
                return Ok(Some(enterprise_id));
            }
        }
        Ok(None)
    }
}
