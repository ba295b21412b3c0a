//! Call control that lands on a node which does not own the enterprise's engine goes to the owner
//! over the cluster's transport (NATS request/reply) and its answer comes back. Each forwarded
//! input carries an idempotency key that the owner journals with it: a retry after a timeout —
//! to the same owner or to the one that took over — is answered from the journal, never applied
//! twice. When no owner answers and none can be found, the caller gets 503 with `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use sentral_domain::secret::random_id;
use sentral_engine::{Engine, Input};
use sentral_events::MonitorControl;
use sentral_events::bus::BoxFuture;

use super::DirectoryChange;
use super::journal::Answer;
use super::monitors::SnapshotOf;
use crate::cluster::Resource;
use crate::{Platform, ServiceError};

/// How long a forwarded command may take before it is retried (with the same key).
const FORWARD_TIMEOUT: Duration = Duration::from_secs(3);
/// Attempts at one command: the owner, then whoever owns it after a takeover.
const ATTEMPTS: usize = 3;

/// Carries an encoded command to one node and brings its answer back (NATS in `sentral-events`;
/// this crate stays free of a NATS client).
pub trait CommandTransport: Send + Sync + 'static {
    fn request(
        &self,
        node: &str,
        message: Vec<u8>,
        timeout: Duration,
    ) -> BoxFuture<'static, Result<Vec<u8>, ForwardFailure>>;
}

/// Why a forwarded command got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardFailure {
    /// Nobody serves that node: it died or stopped.
    NoResponder,
    /// No answer in time: it may have been applied; a retry with the same key is safe.
    TimedOut,
    Unavailable(String),
}

/// A forwarded request as it travels (`R` is the request, or a reference to it when sent).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Forwarded<R = Request> {
    enterprise_id: String,
    request: R,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
enum Request {
    /// Call control or a network signal, at most once per key.
    Input { key: String, input: Input },
    /// A directory change committed on the sender: the owner's engine learns of it.
    DirectoryChange { change: DirectoryChange },
    /// A look at the engine (a device's snapshot, a queue's live status).
    Read { read: EngineRead },
    /// A replicated monitor's control for the owner to dispatch among its events (applying one
    /// twice changes nothing: a retry is safe), with the snapshot it goes with.
    Monitor {
        control: MonitorControl,
        snapshot: Option<SnapshotOf>,
    },
}

/// A read of an engine that another node may own: what it answers is the JSON of the value
/// the same read answers on the owner.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub(crate) enum EngineRead {
    /// `Result<DeviceSnapshot, CstaError>`.
    DeviceSnapshot { device: String },
    /// `Option<QueueStatus>`.
    QueueStatus { queue_id: String },
    /// `Vec<String>`: the queues the device is an agent of.
    AgentQueues { device: String },
}

impl EngineRead {
    fn answer(&self, engine: &Engine) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            Self::DeviceSnapshot { device } => serde_json::to_value(engine.snapshot_device(device)),
            Self::QueueStatus { queue_id } => serde_json::to_value(engine.queue_status(queue_id)),
            Self::AgentQueues { device } => serde_json::to_value(engine.agent_queues(device)),
        }
    }
}

/// The owner's answer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
enum Response {
    Answered {
        answer: Answer,
    },
    Done,
    Monitor {
        snapshot: Option<serde_json::Value>,
    },
    /// What the read answered on the owner, as JSON of the same type.
    Read {
        value: serde_json::Value,
    },
    /// The receiver does not own the engine (any more): ask the lease again.
    NotOwner {
        owner: Option<String>,
        retry_after_secs: u64,
    },
    Failed {
        message: String,
    },
}

impl Platform {
    /// Connects call-control forwarding to other nodes (once: later calls are ignored).
    pub fn connect_forwarding(&self, transport: Arc<dyn CommandTransport>) -> bool {
        self.telephony.forwarding.set(transport).is_ok()
    }

    /// Serves one command another node forwarded here: applies it on this node's engine if it
    /// owns (or can take) the lease, and answers the encoded response.
    pub async fn receive_forwarded(&self, message: &[u8]) -> Vec<u8> {
        let response = match serde_json::from_slice::<Forwarded>(message) {
            Ok(forwarded) => self.serve_forwarded(forwarded).await,
            Err(error) => Response::Failed {
                message: format!("undecodable forwarded command: {error}"),
            },
        };
        serde_json::to_vec(&response).unwrap_or_default()
    }

    async fn serve_forwarded(&self, forwarded: Forwarded) -> Response {
        let enterprise_id = forwarded.enterprise_id;
        match forwarded.request {
            Request::Input { key, input } => {
                let handle = match self.engine(&enterprise_id).await {
                    Ok(handle) => handle,
                    Err(error) => return refused(error),
                };
                match handle.input(input, self.now(), Some(key)).await {
                    Ok(answer) => Response::Answered { answer },
                    Err(error) => refused(error),
                }
            }
            Request::DirectoryChange { change } => {
                self.telephony_changed_here(&enterprise_id, change).await;
                Response::Done
            }
            Request::Read { read } => {
                let handle = match self.engine(&enterprise_id).await {
                    Ok(handle) => handle,
                    Err(error) => return refused(error),
                };
                match handle.run(move |engine, _| read.answer(engine)).await {
                    Ok(Ok(value)) => Response::Read { value },
                    Ok(Err(error)) => Response::Failed {
                        message: error.to_string(),
                    },
                    Err(error) => refused(error),
                }
            }
            Request::Monitor { control, snapshot } => {
                let handle = match self.engine(&enterprise_id).await {
                    Ok(handle) => handle,
                    Err(error) => return refused(error),
                };
                match handle.monitor_control(control, snapshot).await {
                    Ok(snapshot) => Response::Monitor { snapshot },
                    Err(error) => refused(error),
                }
            }
        }
    }

    /// Runs `input` on the owner of the enterprise's engine, wherever it is: here when this
    /// node owns or can take the lease, else forwarded with one key for every attempt.
    pub(crate) async fn telephony_input_anywhere(
        &self,
        enterprise_id: &str,
        input: Input,
    ) -> Result<Answer, ServiceError> {
        let owner = match self.engine(enterprise_id).await {
            Ok(handle) => return handle.input(input, self.now(), None).await,
            Err(error) => self.forwardable(error)?,
        };
        let key = random_id("fwd");
        let request = Request::Input {
            key: key.clone(),
            input: input.clone(),
        };
        let accept = |response| match response {
            Response::Answered { answer } => Some(Ok(answer)),
            other => otherwise(other),
        };
        let now = self.now();
        self.on_owner(
            enterprise_id,
            owner,
            &request,
            accept,
            async move |handle| handle.input(input, now, Some(key)).await,
        )
        .await
    }

    /// Reads the enterprise's engine where it runs: `local` here when this node owns it, else
    /// `read` on the owner, whose answer is the JSON of what `local` would have answered there.
    pub(crate) async fn engine_read<T>(
        &self,
        enterprise_id: &str,
        read: EngineRead,
        local: impl FnOnce(&Engine) -> T + Send + 'static,
    ) -> Result<T, ServiceError>
    where
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        let owner = match self.engine(enterprise_id).await {
            Ok(handle) => return handle.run(move |engine, _| local(engine)).await,
            Err(error) => self.forwardable(error)?,
        };
        let accept = |response| match response {
            Response::Read { value } => {
                Some(serde_json::from_value(value).map_err(ServiceError::internal))
            }
            other => otherwise(other),
        };
        self.on_owner(
            enterprise_id,
            owner,
            &Request::Read { read },
            accept,
            async move |handle| handle.run(move |engine, _| local(engine)).await,
        )
        .await
    }

    /// Has the owner of the enterprise's engine, here or on another node, dispatch a monitor
    /// control among its events; answers the snapshot asked for.
    pub(crate) async fn monitor_control_anywhere(
        &self,
        enterprise_id: &str,
        control: MonitorControl,
        snapshot: Option<SnapshotOf>,
    ) -> Result<Option<serde_json::Value>, ServiceError> {
        let owner = match self.engine(enterprise_id).await {
            Ok(handle) => return handle.monitor_control(control, snapshot).await,
            Err(error) => self.forwardable(error)?,
        };
        let request = Request::Monitor {
            control: control.clone(),
            snapshot: snapshot.clone(),
        };
        let accept = |response| match response {
            Response::Monitor { snapshot } => Some(Ok(snapshot)),
            other => otherwise(other),
        };
        self.on_owner(
            enterprise_id,
            owner,
            &request,
            accept,
            async move |handle| handle.monitor_control(control, snapshot).await,
        )
        .await
    }

    /// The owner to forward to, when `error` says another node owns the engine and this node
    /// can forward; else the error as it is.
    fn forwardable(&self, error: ServiceError) -> Result<String, ServiceError> {
        match error {
            ServiceError::NotOwner {
                owner: Some(owner), ..
            } if self.telephony.forwarding.get().is_some() => Ok(owner),
            other => Err(other),
        }
    }

    /// Sends `request` to `owner`; when the owner is gone or has moved, runs `here` if this
    /// node can take the engine now, or sends it to the next owner — [`ATTEMPTS`] at most.
    /// `accept` reads an answer: `None` for "not the owner (any more)".
    async fn on_owner<T>(
        &self,
        enterprise_id: &str,
        mut owner: String,
        request: &Request,
        accept: impl Fn(Response) -> Option<Result<T, ServiceError>>,
        here: impl AsyncFnOnce(super::EngineHandle) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let Some(transport) = self.telephony.forwarding.get() else {
            return Err(ServiceError::internal("forwarding is not connected"));
        };
        let message = serde_json::to_vec(&Forwarded {
            enterprise_id: enterprise_id.to_owned(),
            request,
        })
        .map_err(ServiceError::internal)?;
        for _ in 0..ATTEMPTS {
            let sent = transport
                .request(&owner, message.clone(), FORWARD_TIMEOUT)
                .await;
            self.telephony
                .forwarded
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::debug!(
                enterprise_id,
                owner,
                ok = sent.is_ok(),
                "forwarded to the owner"
            );
            let answered = sent
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Response>(&bytes).ok())
                .and_then(&accept);
            if let Some(answer) = answered {
                return answer;
            }
            // The owner moved or died: this node may take the lease now, or learn the new owner.
            self.telephony.forget_owner(enterprise_id);
            match self.engine(enterprise_id).await {
                Ok(handle) => return here(handle).await,
                Err(ServiceError::NotOwner {
                    owner: Some(next), ..
                }) if next != owner => owner = next,
                // Still the silent owner's lease (the caller retries once it has run out), or
                // the store.
                Err(error) => return Err(error),
            }
        }
        Err(ServiceError::NotOwner {
            enterprise: enterprise_id.to_owned(),
            owner: Some(owner),
            retry_after_secs: 1,
        })
    }

    /// Tells the owner of the enterprise's engine, on another node, of a directory change
    /// committed here (best effort: a new owner reads the directory when it starts).
    pub(crate) async fn forward_directory_change(
        &self,
        enterprise_id: &str,
        change: DirectoryChange,
    ) {
        let (Some(transport), Some(ownership)) = (self.telephony.forwarding.get(), &self.ownership)
        else {
            return;
        };
        let owner = match ownership.holder(&Resource::telephony(enterprise_id)).await {
            Ok(Some((owner, _))) if owner != ownership.node().as_str() => owner,
            _ => return,
        };
        let request = Forwarded {
            enterprise_id: enterprise_id.to_owned(),
            request: Request::DirectoryChange { change },
        };
        let Ok(message) = serde_json::to_vec(&request) else {
            return;
        };
        if let Err(failure) = transport.request(&owner, message, FORWARD_TIMEOUT).await {
            tracing::warn!(
                enterprise_id,
                owner,
                ?failure,
                "the engine's owner did not take a directory change"
            );
        }
    }
}

/// Any answer but the one expected: `None` (ask the lease again) for "not the owner", else the
/// owner's failure.
fn otherwise<T>(response: Response) -> Option<Result<T, ServiceError>> {
    match response {
        Response::NotOwner { .. } => None,
        Response::Failed { message } => Some(Err(ServiceError::internal(message))),
        _ => Some(Err(ServiceError::internal(
            "the owner answered another kind of result",
        ))),
    }
}

/// A refusal as the forwarding node reads it.
fn refused(error: ServiceError) -> Response {
    match error {
        ServiceError::NotOwner {
            owner,
            retry_after_secs,
            ..
        } => Response::NotOwner {
            owner,
            retry_after_secs,
        },
        other => Response::Failed {
            message: other.to_string(),
        },
    }
}
