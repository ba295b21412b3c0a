//! Names in the cluster: this node, and the resources nodes take leases on.

use std::fmt;
use std::str::FromStr;

use sentral_domain::Secret;

use crate::ServiceError;

/// Longest node id accepted: it is stored with every lease and printed in logs.
const MAX_NODE_ID: usize = 64;

/// The name of one running node, the holder of its leases. Random per process unless
/// configured; a configured id must not be shared by two processes running at once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeId(String);

impl NodeId {
    /// A fresh id for this process: `node-` and 12 random hex digits.
    pub fn random() -> Self {
        Self(format!("node-{}", Secret::random_hex(6).expose()))
    }

    /// A configured id: 1 to 64 ASCII letters, digits, `-`, `_` or `.`.
    pub fn parse(text: &str) -> Result<Self, ServiceError> {
        let valid = !text.is_empty()
            && text.len() <= MAX_NODE_ID
            && text
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'));
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(ServiceError::invalid(
                "node-id",
                format!("must be 1 to {MAX_NODE_ID} ASCII letters, digits, '-', '_' or '.'"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for NodeId {
    type Err = ServiceError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// Something one node at a time owns, named as its lease row is (`telephony:<enterprise id>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resource(String);

impl Resource {
    /// The telephony engine of one enterprise.
    pub fn telephony(enterprise_id: &str) -> Self {
        Self(format!("telephony:{enterprise_id}"))
    }

    /// A resource named as stored (read back from a lease row).
    pub fn from_stored(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_node_ids_are_random_or_parsed_strictly() {
        let (a, b) = (NodeId::random(), NodeId::random());
        assert_ne!(a, b);
        assert!(
            a.as_str().starts_with("node-") && a.as_str().len() == 17,
            "{a}"
        );
        assert_eq!(NodeId::parse(a.as_str()).unwrap(), a);
        assert_eq!(
            "sentral-1.eu".parse::<NodeId>().unwrap().as_str(),
            "sentral-1.eu"
        );
        for bad in ["", "has space", "ünï", &"x".repeat(65)] {
            assert!(NodeId::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Resource::telephony("ent_1").as_str(), "telephony:ent_1");
    }
}
