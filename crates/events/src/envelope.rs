//! The one versioned envelope every monitor receives, and the event as the engine hands it over.
//!
//! An event is serialized once per publish (everything but the monitor's own fields) and once more
//! per monitor for the head (`eventId`, `monitorCrossRefId`, `seq`); the resulting JSON is shared by
//! the replay buffer, the live stream and the webhook queue.

use std::fmt::Write;
use std::sync::Arc;

use sentral_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::monitor::CrossRefId;

/// The `version` field of every envelope; bumped when a field changes meaning.
pub const ENVELOPE_VERSION: u32 = 1;

/// Event types the delivery layer itself produces (the engine's are the CSTA names).
pub mod event_types {
    /// The last event of a monitor (stopped, or its lease ran out); it has a `seq`.
    pub const MONITOR_ENDED: &str = "MonitorEnded";
    /// The `after` a stream asked for is older than the replay buffer: take a new snapshot.
    pub const RESYNC_REQUIRED: &str = "ResyncRequired";
    /// A newer stream for the same monitor took over; this one ends.
    pub const STREAM_REPLACED: &str = "StreamReplaced";
    /// The client fell too far behind the live events; it resumes with `after=<last seq seen>`.
    pub const STREAM_DROPPED: &str = "StreamDropped";
    /// Keeps idle WebSocket connections and proxies alive; not an envelope, has no `seq`.
    pub const HEARTBEAT: &str = "Heartbeat";
}

/// Causes of the delivery layer's own events.
pub mod causes {
    pub const MONITOR_STOPPED: &str = "monitorStopped";
    pub const LEASE_EXPIRED: &str = "leaseExpired";
    pub const AFTER_TOO_OLD: &str = "afterTooOld";
    pub const NEWER_STREAM: &str = "newerStream";
    pub const CLIENT_TOO_SLOW: &str = "clientTooSlow";
    /// This node missed events of the enterprise on the bus between nodes; unlike the other
    /// `ResyncRequired`, a numbered event of the monitor (replayed, sent to the webhook too).
    pub const EVENTS_MISSED: &str = "eventsMissed";
}

/// One event as the engine produced it, before it is addressed to monitors.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub enterprise_id: String,
    /// Devices (E.164 numbers) this event concerns: a device monitor gets the event when its
    /// device is among them; an enterprise monitor of `enterprise_id` gets every event.
    pub devices: Vec<String>,
    /// CSTA name, e.g. `Delivered`.
    pub event_type: String,
    /// e.g. `newCall`.
    pub cause: Option<String>,
    /// The device the event is about.
    pub subject: Option<String>,
    pub occurred_at: Timestamp,
    /// The CSTA fields of the event.
    pub payload: serde_json::Value,
}

impl Published {
    /// The part of the envelope that is the same for every monitor, from `"occurredAt"` to the
    /// closing brace.
    pub(crate) fn envelope_tail(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Tail<'a> {
            occurred_at: Timestamp,
            #[serde(rename = "type")]
            event_type: &'a str,
            subject: Option<&'a str>,
            cause: Option<&'a str>,
            payload: &'a serde_json::Value,
        }
        let tail = Tail {
            occurred_at: self.occurred_at,
            event_type: &self.event_type,
            subject: self.subject.as_deref(),
            cause: self.cause.as_deref(),
            payload: &self.payload,
        };
        // Serializing a struct of strings and a `Value` cannot fail.
        let mut json = serde_json::to_string(&tail).unwrap_or_else(|_| "{}".to_owned());
        // Drop the opening brace; the monitor's head supplies it.
        json.remove(0);
        json
    }
}

/// The envelope as a client reads it (the hub writes the same JSON without building this struct).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub version: u32,
    /// Unique per monitor and event; the `webhook-id` of its deliveries, the same on every retry.
    pub event_id: String,
    pub monitor_cross_ref_id: String,
    /// Monotonic per monitor from 1. Notices that are not monitor events (`ResyncRequired`,
    /// `StreamReplaced`, `StreamDropped`) carry the last `seq` issued so far.
    pub seq: u64,
    /// RFC 3339, UTC, milliseconds.
    pub occurred_at: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub subject: Option<String>,
    pub cause: Option<String>,
    pub payload: serde_json::Value,
}

/// The part of an event that is the same for every monitor it is addressed to, serialized once
/// per publish and shared by their frames.
#[derive(Debug)]
pub(crate) struct SharedEvent {
    event_type: Box<str>,
    occurred_at: Timestamp,
    /// The envelope from `"occurredAt"` to the closing brace.
    tail: Box<str>,
}

impl SharedEvent {
    pub(crate) fn of(published: &Published) -> Arc<Self> {
        Arc::new(Self {
            event_type: published.event_type.as_str().into(),
            occurred_at: published.occurred_at,
            tail: published.envelope_tail().into_boxed_str(),
        })
    }
}

/// One envelope addressed to one monitor; cheap to clone. The monitor's own fields (`eventId`,
/// `monitorCrossRefId`, `seq`) are kept apart from the shared rest, so an event addressed to many
/// monitors is stored once plus a small head per monitor.
#[derive(Debug, Clone)]
pub struct Frame(Arc<FrameData>);

#[derive(Debug)]
struct FrameData {
    seq: u64,
    event_id: Box<str>,
    head: Box<str>,
    shared: Arc<SharedEvent>,
}

impl Frame {
    fn build(
        cross_ref_id: &CrossRefId,
        seq: u64,
        event_id: String,
        shared: Arc<SharedEvent>,
    ) -> Self {
        let mut head = String::with_capacity(72 + 2 * event_id.len());
        let _ = write!(head, "{{\"version\":{ENVELOPE_VERSION},\"eventId\":");
        push_json_string(&mut head, &event_id);
        head.push_str(",\"monitorCrossRefId\":");
        push_json_string(&mut head, cross_ref_id.as_str());
        let _ = write!(head, ",\"seq\":{seq},");
        Self(Arc::new(FrameData {
            seq,
            event_id: event_id.into_boxed_str(),
            head: head.into_boxed_str(),
            shared,
        }))
    }

    /// A monitor event: `eventId` is `<crossRefId>-<seq>`.
    pub(crate) fn event(cross_ref_id: &CrossRefId, seq: u64, shared: Arc<SharedEvent>) -> Self {
        Self::build(cross_ref_id, seq, format!("{cross_ref_id}-{seq}"), shared)
    }

    /// A notice to one stream that is not a monitor event; it carries the last `seq` issued.
    pub(crate) fn notice(
        cross_ref_id: &CrossRefId,
        last_seq: u64,
        event_type: &str,
        cause: &str,
        occurred_at: Timestamp,
        payload: serde_json::Value,
    ) -> Self {
        let published = Published {
            enterprise_id: String::new(),
            devices: Vec::new(),
            event_type: event_type.to_owned(),
            cause: Some(cause.to_owned()),
            subject: None,
            occurred_at,
            payload,
        };
        let event_id = format!("{cross_ref_id}-{last_seq}-{event_type}");
        Self::build(
            cross_ref_id,
            last_seq,
            event_id,
            SharedEvent::of(&published),
        )
    }

    /// Its fields as they travel to a node that copies a monitor ([`FrameParts::frame`]).
    #[cfg(feature = "nats")]
    pub(crate) fn parts(&self) -> FrameParts {
        FrameParts {
            seq: self.0.seq,
            event_id: self.0.event_id.to_string(),
            head: self.0.head.to_string(),
            event_type: self.0.shared.event_type.to_string(),
            occurred_at_millis: self.0.shared.occurred_at.millis(),
            tail: self.0.shared.tail.to_string(),
        }
    }

    pub fn seq(&self) -> u64 {
        self.0.seq
    }

    pub fn event_type(&self) -> &str {
        &self.0.shared.event_type
    }

    pub fn event_id(&self) -> &str {
        &self.0.event_id
    }

    pub fn occurred_at(&self) -> Timestamp {
        self.0.shared.occurred_at
    }

    /// The envelope, one JSON object.
    pub fn json(&self) -> String {
        let (head, tail) = (&self.0.head, &self.0.shared.tail);
        let mut json = String::with_capacity(head.len() + tail.len());
        json.push_str(head);
        json.push_str(tail);
        json
    }
}

/// A [`Frame`] as it travels between nodes: the same envelope, byte for byte.
#[cfg(feature = "nats")]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FrameParts {
    seq: u64,
    event_id: String,
    head: String,
    event_type: String,
    occurred_at_millis: i64,
    tail: String,
}

#[cfg(feature = "nats")]
impl FrameParts {
    pub(crate) fn frame(self) -> Frame {
        Frame(Arc::new(FrameData {
            seq: self.seq,
            event_id: self.event_id.into_boxed_str(),
            head: self.head.into_boxed_str(),
            shared: Arc::new(SharedEvent {
                event_type: self.event_type.into_boxed_str(),
                occurred_at: Timestamp::from_millis(self.occurred_at_millis),
                tail: self.tail.into_boxed_str(),
            }),
        }))
    }
}

fn push_json_string(out: &mut String, value: &str) {
    if value
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    {
        out.push('"');
        out.push_str(value);
        out.push('"');
    } else {
        out.push_str(&serde_json::Value::from(value).to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_built_envelope_is_the_serde_envelope() {
        let cross_ref_id = CrossRefId::new("mon_0123");
        let published = Published {
            enterprise_id: "100001".to_owned(),
            devices: vec!["+4791000001".to_owned()],
            event_type: "Delivered".to_owned(),
            cause: Some("newCall".to_owned()),
            subject: Some("+4791000001".to_owned()),
            occurred_at: Timestamp::from_millis(1_795_000_000_123),
            payload: serde_json::json!({"callId": "c1", "alertingDevice": {"deviceId": "+4791000001"}}),
        };
        let frame = Frame::event(&cross_ref_id, 7, SharedEvent::of(&published));
        let parsed: Envelope = serde_json::from_str(&frame.json()).expect("valid envelope");
        assert_eq!(
            parsed,
            Envelope {
                version: ENVELOPE_VERSION,
                event_id: "mon_0123-7".to_owned(),
                monitor_cross_ref_id: "mon_0123".to_owned(),
                seq: 7,
                occurred_at: "2026-11-18T11:06:40.123Z".to_owned(),
                event_type: "Delivered".to_owned(),
                subject: Some("+4791000001".to_owned()),
                cause: Some("newCall".to_owned()),
                payload: published.payload.clone(),
            }
        );
        assert_eq!(frame.seq(), 7);
        assert_eq!(frame.event_type(), "Delivered");
        assert_eq!(frame.event_id(), "mon_0123-7");
    }

    #[test]
    fn identifiers_with_quotes_are_escaped() {
        let frame = Frame::notice(
            &CrossRefId::new("a\"b"),
            1,
            "X",
            "c",
            Timestamp::from_millis(0),
            serde_json::json!({}),
        );
        let parsed: serde_json::Value = serde_json::from_str(&frame.json()).expect("valid json");
        assert_eq!(parsed["monitorCrossRefId"], "a\"b");
    }
}
