//! What a monitor is: who owns it, what it watches, which events it wants, where its webhook goes.

use std::fmt;
use std::sync::Arc;

use sentral_domain::Timestamp;
use sentral_domain::secret::Secret;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The identifier of a monitor (`crossRefId`), e.g. `mon_3f1c9a0b7d2e4f6a8c1b`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrossRefId(Arc<str>);

impl CrossRefId {
    /// Wraps an identifier a client sent; lookups of unknown ids simply find nothing.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().into())
    }

    pub(crate) fn generate() -> Self {
        Self::new(format!("mon_{}", Secret::random_hex(10).expose()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CrossRefId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A plain JSON string.
impl Serialize for CrossRefId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CrossRefId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// Who may see a monitor: an opaque principal the API layer derives from the access token (e.g.
/// application + system user, or the end user). Compared for equality only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MonitorOwner(Arc<str>);

impl MonitorOwner {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plain JSON string.
impl Serialize for MonitorOwner {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MonitorOwner {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// What a monitor watches. As JSON (between nodes): `{"enterprise":"100001"}` or
/// `{"device":{"enterpriseId":"100001","device":"+4791000001"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum MonitorObject {
    /// Every event of the enterprise.
    Enterprise(String),
    /// Events that concern one device (E.164 number) of the enterprise.
    Device {
        enterprise_id: String,
        device: String,
    },
}

impl MonitorObject {
    pub fn enterprise_id(&self) -> &str {
        match self {
            Self::Enterprise(id)
            | Self::Device {
                enterprise_id: id, ..
            } => id,
        }
    }
}

/// Where a monitor's events are POSTed, and the key they are signed with.
///
/// The secret is either `whsec_<base64>` as Standard Webhooks defines it (the key is the decoded
/// bytes), or any other non-empty string, whose UTF-8 bytes are the key.
///
/// As JSON, `{"url":"…","secret":"…"}`, the secret in clear: only earlier versions sent it
/// between nodes (inside [`crate::MonitorControl::Created`]); now it stays on the node the
/// monitor was asked of and in the webhook outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookTarget {
    pub url: String,
    #[serde(with = "secret_text")]
    pub secret: Secret,
}

/// A [`Secret`] as its plain text (the domain's type has no serde on purpose).
mod secret_text {
    use sentral_domain::secret::Secret;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        secret: &Secret,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

/// What `MonitorHub::create` needs; the caller has already checked that `owner` may watch `object`.
#[derive(Debug, Clone)]
pub struct MonitorSpec {
    pub owner: MonitorOwner,
    pub object: MonitorObject,
    /// Event types to deliver; `None` delivers every type. `MonitorEnded` is always delivered.
    pub filter: Option<Vec<String>>,
    pub webhook: Option<WebhookTarget>,
}

/// A monitor as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorInfo {
    pub cross_ref_id: CrossRefId,
    /// The last `seq` issued (0 before the first event): a snapshot taken now is current as of it.
    pub seq: u64,
    pub expires_at: Timestamp,
    pub object: MonitorObject,
    pub filter: Option<Vec<String>>,
    /// The webhook URL, without its secret.
    pub webhook_url: Option<String>,
}
