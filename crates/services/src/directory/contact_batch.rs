//! All-or-nothing batches of contacts keyed by `externalId`: every entry is checked before
//! anything is written, then everything is written in one transaction.

use std::collections::HashMap;

use sentral_domain::directory::{Contact, ContactDetails};
use sentral_store::directory::contacts;
use serde_json::json;

use super::catalog::{invalid, text_field};
use super::contacts::{ContactInput, created, details_from, require_machine_user};
use crate::platform::audit;
use crate::{Platform, Principal, ServiceError};

/// Entries in one batch at most.
pub const BATCH_LIMIT: usize = 1_000;

/// One entry of a batch, keyed by `externalId`.
#[derive(Debug, Clone)]
pub enum BatchEntry {
    /// Creates the contact, or replaces every field of the one with this `externalId`.
    Upsert(Box<ContactInput>),
    Delete {
        external_id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    Created,
    Updated,
    Deleted,
    /// The upsert changed nothing, or the contact to delete did not exist.
    Unchanged,
}

impl BatchOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchOutcome::Created => "created",
            BatchOutcome::Updated => "updated",
            BatchOutcome::Deleted => "deleted",
            BatchOutcome::Unchanged => "unchanged",
        }
    }
}

/// What a batch did to each entry, in the order sent.
#[derive(Debug, Clone)]
pub struct BatchResult {
    pub entries: Vec<BatchEntryResult>,
}

#[derive(Debug, Clone)]
pub struct BatchEntryResult {
    pub external_id: String,
    /// The contact's id; `None` for a delete of a contact that did not exist.
    pub contact_id: Option<String>,
    pub outcome: BatchOutcome,
}

impl BatchResult {
    pub fn count(&self, outcome: BatchOutcome) -> usize {
        self.entries.iter().filter(|e| e.outcome == outcome).count()
    }
}

impl Platform {
    /// Upserts and deletes by `externalId`, all or nothing. Every entry is checked before
    /// anything is written; an invalid one fails the batch naming its index and field.
    pub async fn contact_batch(
        &self,
        principal: &Principal,
        enterprise_id: Option<&str>,
        entries: Vec<BatchEntry>,
    ) -> Result<BatchResult, ServiceError> {
        require_machine_user(principal)?;
        if entries.is_empty() {
            return Err(invalid("entries", "give at least one entry"));
        }
        if entries.len() > BATCH_LIMIT {
            return Err(invalid(
                "entries",
                format!(
                    "at most {BATCH_LIMIT} entries per batch, got {}",
                    entries.len()
                ),
            ));
        }
        let checked = check_batch(entries)?;
        let enterprise = self.contacts_enterprise(principal, enterprise_id).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        contacts::lock_changes(&mut tx, &enterprise.id).await?;
        let keys: Vec<String> = checked.iter().map(|(key, _)| key.clone()).collect();
        let mut existing: HashMap<String, Contact> =
            contacts::by_external_ids(&mut tx, &enterprise.id, &keys)
                .await?
                .into_iter()
                .filter_map(|c| c.details.external_id.clone().map(|key| (key, c)))
                .collect();
        // Decide every entry first, then hand out change numbers in entry order.
        let mut results = Vec::with_capacity(checked.len());
        let mut writes: Vec<(Contact, bool)> = Vec::new();
        for (key, change) in checked {
            let current = existing.remove(&key);
            let (outcome, write) = match (change, current) {
                (Some(details), None) => (
                    BatchOutcome::Created,
                    Some((created(&enterprise.id, None, details, now, 0), true)),
                ),
                (Some(details), Some(tombstone)) if tombstone.is_deleted() => (
                    BatchOutcome::Created,
                    Some((
                        created(&enterprise.id, Some(tombstone), details, now, 0),
                        false,
                    )),
                ),
                (Some(details), Some(live)) if details == live.details => {
                    results.push(BatchEntryResult {
                        external_id: key,
                        contact_id: Some(live.id),
                        outcome: BatchOutcome::Unchanged,
                    });
                    continue;
                }
                (Some(details), Some(mut live)) => {
                    live.details = details;
                    live.updated_at = now;
                    (BatchOutcome::Updated, Some((live, false)))
                }
                (None, Some(mut live)) if !live.is_deleted() => {
                    live.details = live.details.tombstone();
                    live.updated_at = now;
                    live.deleted_at = Some(now);
                    (BatchOutcome::Deleted, Some((live, false)))
                }
                (None, gone) => {
                    results.push(BatchEntryResult {
                        external_id: key,
                        contact_id: gone.map(|c| c.id),
                        outcome: BatchOutcome::Unchanged,
                    });
                    continue;
                }
            };
            if let Some((contact, insert)) = write {
                results.push(BatchEntryResult {
                    external_id: key,
                    contact_id: Some(contact.id.clone()),
                    outcome,
                });
                writes.push((contact, insert));
            }
        }
        let result = BatchResult { entries: results };
        if writes.is_empty() {
            return Ok(result);
        }
        let count = i64::try_from(writes.len()).map_err(ServiceError::internal)?;
        let first = contacts::reserve_seqs(&mut tx, &enterprise.id, count).await?;
        let mut inserts = Vec::new();
        for (seq, (mut contact, insert)) in (first..).zip(writes) {
            contact.change_seq = seq;
            if insert {
                inserts.push(contact);
            } else {
                contacts::update(&mut tx, &contact).await?;
            }
        }
        contacts::insert_many(&mut tx, &inserts).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "contacts.batch",
            &enterprise.id,
            json!({
                "created": result.count(BatchOutcome::Created),
                "updated": result.count(BatchOutcome::Updated),
                "deleted": result.count(BatchOutcome::Deleted),
                "unchanged": result.count(BatchOutcome::Unchanged),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(result)
    }
}

/// Every entry checked: its key, and the details to upsert (`None`: delete).
pub(super) fn check_batch(
    entries: Vec<BatchEntry>,
) -> Result<Vec<(String, Option<ContactDetails>)>, ServiceError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut checked = Vec::with_capacity(entries.len());
    for (index, entry) in entries.into_iter().enumerate() {
        let prefix = format!("entries[{index}].");
        let (key, details) = match entry {
            BatchEntry::Upsert(input) => {
                let details = details_from(*input, &prefix)?;
                let key = details
                    .external_id
                    .clone()
                    .ok_or_else(|| invalid(&format!("{prefix}externalId"), "must not be empty"))?;
                (key, Some(details))
            }
            BatchEntry::Delete { external_id } => {
                let key = text_field(&format!("{prefix}externalId"), Some(external_id), 100)?
                    .ok_or_else(|| invalid(&format!("{prefix}externalId"), "must not be empty"))?;
                (key, None)
            }
        };
        if let Some(first) = seen.insert(key.clone(), index) {
            return Err(invalid(
                &format!("{prefix}externalId"),
                format!("{key:?} appears twice in the batch (also at entries[{first}])"),
            ));
        }
        checked.push((key, details));
    }
    Ok(checked)
}
