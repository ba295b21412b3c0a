//! MBN Catalog contacts: the enterprise's shared directory, written by machine users (one by one
//! or in all-or-nothing batches keyed by `externalId`), read by everyone of the enterprise, and
//! followed by sync clients through an exact change feed.
//!
//! The change feed: every write takes the enterprise's change counter first, so changes are
//! numbered in commit order (see `sentral_store::directory::contacts`). A client reads changes
//! after its cursor, oldest first, and stores the cursor of the last page. Deletions stay as
//! tombstones for [`TOMBSTONE_RETENTION_SECONDS`]; a client whose cursor is older than a purged
//! tombstone gets [`ServiceError::SyncExpired`] and must sync in full (from cursor 0).

use sentral_domain::Timestamp;
use sentral_domain::directory::{Contact, ContactDetails, ContactNumber, Enterprise, SyncCursor};
use sentral_domain::secret::random_id;
use sentral_store::directory::{self as repo, contacts, members};
use sentral_store::{Connection, JsonPage};
use serde_json::json;

use super::catalog::{check_email, check_numbers, invalid, text_field};
pub use super::contact_batch::{
    BATCH_LIMIT, BatchEntry, BatchEntryResult, BatchOutcome, BatchResult,
};
use super::{Acting, acting};
use crate::corporate::{JsonPaged, PageRequest};
use crate::platform::audit;
use crate::{Platform, Principal, ServiceError};

/// How long a deleted contact stays as a tombstone for sync clients: 30 days.
pub const TOMBSTONE_RETENTION_SECONDS: i64 = 30 * 86_400;

/// A contact as a client writes it whole (create, batch upsert).
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub external_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    pub numbers: Vec<ContactNumber>,
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub postal_place: Option<String>,
    pub note: Option<String>,
}

/// A partial change: `None` keeps a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ContactUpdate {
    pub external_id: Option<Option<String>>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub company: Option<Option<String>>,
    pub title: Option<Option<String>>,
    pub department: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub numbers: Option<Vec<ContactNumber>>,
    pub street_address: Option<Option<String>>,
    pub postal_code: Option<Option<String>>,
    pub postal_place: Option<Option<String>>,
    pub note: Option<Option<String>>,
}

/// What `GET /catalog/contacts` asks for.
#[derive(Debug, Clone)]
pub enum ContactQuery {
    /// Live contacts by name, one page.
    List {
        search: Option<String>,
        page: PageRequest,
    },
    /// Changes made strictly after a time, oldest first.
    ChangedSince { since: Timestamp, limit: u32 },
    /// Changes after a cursor from an earlier answer (0: from the beginning), oldest first.
    After { cursor: SyncCursor, limit: u32 },
}

/// One page of the change feed.
#[derive(Debug, Clone)]
pub struct Changes {
    /// Contacts and tombstones, oldest change first: the response's `content` array, written
    /// by the store (the same JSON as the contact body of the API).
    pub contacts: JsonPage,
    /// Where the next request continues: the last change in this page, or where the client was.
    pub cursor: SyncCursor,
    pub has_more: bool,
}

#[derive(Debug, Clone)]
pub enum ContactListing {
    /// A listing, its contacts written by the store as the API's objects.
    Page(JsonPaged),
    Changes(Changes),
}

/// Checks and normalises a whole contact; field names in errors start with `prefix`.
pub(crate) fn details_from(
    input: ContactInput,
    prefix: &str,
) -> Result<ContactDetails, ServiceError> {
    let field = |name: &str| format!("{prefix}{name}");
    let text = |name: &str, value: Option<String>, max| text_field(&field(name), value, max);
    let email = text("email", input.email, 254)?;
    if let Some(email) = &email {
        check_email(&field("email"), email)?;
    }
    let details = ContactDetails {
        external_id: text("externalId", input.external_id, 100)?,
        first_name: text("firstName", input.first_name, 100)?.unwrap_or_default(),
        last_name: text("lastName", input.last_name, 100)?.unwrap_or_default(),
        company: text("company", input.company, 100)?,
        title: text("title", input.title, 100)?,
        department: text("department", input.department, 100)?,
        email,
        numbers: check_numbers(&field("numbers"), input.numbers)?,
        street_address: text("address.streetAddress", input.street_address, 100)?,
        postal_code: text("address.postalCode", input.postal_code, 10)?,
        postal_place: text("address.postalPlace", input.postal_place, 100)?,
        note: text("note", input.note, 1_000)?,
    };
    if details.first_name.is_empty() && details.last_name.is_empty() && details.company.is_none() {
        return Err(invalid(
            &field("lastName"),
            "give at least one of firstName, lastName and company",
        ));
    }
    Ok(details)
}

/// The whole contact after a partial change.
fn merged(current: &ContactDetails, update: ContactUpdate) -> ContactInput {
    let keep = |change: Option<Option<String>>, current: &Option<String>| match change {
        None => current.clone(),
        Some(value) => value,
    };
    let name = |value: &String| Some(value.clone()).filter(|v| !v.is_empty());
    ContactInput {
        external_id: keep(update.external_id, &current.external_id),
        first_name: keep(update.first_name, &name(&current.first_name)),
        last_name: keep(update.last_name, &name(&current.last_name)),
        company: keep(update.company, &current.company),
        title: keep(update.title, &current.title),
        department: keep(update.department, &current.department),
        email: keep(update.email, &current.email),
        numbers: update.numbers.unwrap_or_else(|| current.numbers.clone()),
        street_address: keep(update.street_address, &current.street_address),
        postal_code: keep(update.postal_code, &current.postal_code),
        postal_place: keep(update.postal_place, &current.postal_place),
        note: keep(update.note, &current.note),
    }
}

pub(super) fn require_machine_user(principal: &Principal) -> Result<(), ServiceError> {
    match acting(principal)? {
        Acting::MachineUser => Ok(()),
        Acting::EndUser { .. } => Err(ServiceError::NotAllowed(
            "an end user may read the enterprise's contacts but not change them".into(),
        )),
    }
}

pub(super) fn audit_detail(contact: &Contact) -> serde_json::Value {
    json!({
        "enterpriseId": contact.enterprise_id,
        "externalId": contact.details.external_id,
        "changeSeq": contact.change_seq,
    })
}

/// A fresh contact (or a revived tombstone, which keeps its id) with `details`.
pub(super) fn created(
    enterprise_id: &str,
    revived: Option<Contact>,
    details: ContactDetails,
    now: Timestamp,
    seq: i64,
) -> Contact {
    Contact {
        id: revived.map_or_else(|| random_id("ct"), |tombstone| tombstone.id),
        enterprise_id: enterprise_id.to_owned(),
        details,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        change_seq: seq,
    }
}

impl Platform {
    /// The enterprise whose contacts are meant: `enterprise_id` when given, otherwise the
    /// token's one enterprise (an end user's own; a machine user's only one).
    pub async fn contacts_enterprise(
        &self,
        principal: &Principal,
        enterprise_id: Option<&str>,
    ) -> Result<Enterprise, ServiceError> {
        if let Some(id) = enterprise_id.map(str::trim).filter(|id| !id.is_empty()) {
            return self.visible_enterprise(principal, id).await;
        }
        let mut enterprises = match acting(principal)? {
            Acting::EndUser { member_id } => {
                let mut conn = self.store.read().await?;
                let member = members::member(&mut conn, member_id).await?;
                match member.and_then(|m| m.enterprise_id) {
                    Some(id) => repo::enterprise(&mut conn, &id)
                        .await?
                        .into_iter()
                        .collect(),
                    None => Vec::new(),
                }
            }
            Acting::MachineUser => self.enterprises_of_companies(principal).await?.to_vec(),
        };
        match enterprises.len() {
            0 => Err(ServiceError::not_found(
                "an enterprise among the companies you may act for",
            )),
            1 => Ok(enterprises.remove(0)),
            _ => {
                let ids: Vec<&str> = enterprises.iter().map(|e| e.id.as_str()).collect();
                Err(invalid(
                    "enterpriseId",
                    format!(
                        "the token reaches several enterprises ({}); give enterpriseId",
                        ids.join(", ")
                    ),
                ))
            }
        }
    }

    /// A live contact of an enterprise the caller may see.
    async fn visible_contact(
        &self,
        principal: &Principal,
        contact_id: &str,
    ) -> Result<Contact, ServiceError> {
        let not_found = || ServiceError::not_found(format!("contact {contact_id}"));
        let contact = {
            let mut conn = self.store.read().await?;
            contacts::contact(&mut conn, contact_id).await?
        };
        let contact = contact.filter(|c| !c.is_deleted()).ok_or_else(not_found)?;
        self.contact_visible(principal, contact_id, &contact.enterprise_id)
            .await?;
        Ok(contact)
    }

    /// The principal may see contacts of `enterprise_id`; one of another enterprise is not
    /// found, as an unknown one.
    async fn contact_visible(
        &self,
        principal: &Principal,
        contact_id: &str,
        enterprise_id: &str,
    ) -> Result<(), ServiceError> {
        self.visible_enterprise(principal, enterprise_id)
            .await
            .map(|_| ())
            .map_err(|error| match error {
                ServiceError::NotFound { .. } => {
                    ServiceError::not_found(format!("contact {contact_id}"))
                }
                other => other,
            })
    }

    pub async fn contact(
        &self,
        principal: &Principal,
        contact_id: &str,
    ) -> Result<Contact, ServiceError> {
        self.visible_contact(principal, contact_id).await
    }

    /// [`Platform::contact`] written by the store as the API's JSON object.
    pub async fn contact_json(
        &self,
        principal: &Principal,
        contact_id: &str,
    ) -> Result<String, ServiceError> {
        let contact = {
            let mut conn = self.store.read().await?;
            contacts::live_contact_json(&mut conn, contact_id).await?
        };
        let contact =
            contact.ok_or_else(|| ServiceError::not_found(format!("contact {contact_id}")))?;
        self.contact_visible(principal, contact_id, &contact.enterprise_id)
            .await?;
        Ok(contact.json)
    }

    /// Lists contacts, or reads the change feed (see [`ContactQuery`]).
    pub async fn contacts(
        &self,
        principal: &Principal,
        enterprise_id: Option<&str>,
        query: ContactQuery,
    ) -> Result<ContactListing, ServiceError> {
        let enterprise = self.contacts_enterprise(principal, enterprise_id).await?;
        let mut conn = self.store.read().await?;
        let id = enterprise.id.as_str();
        match query {
            ContactQuery::List { search, page } => {
                let found = contacts::list_json(
                    &mut conn,
                    id,
                    search.as_deref(),
                    page.offset(),
                    page.limit(),
                )
                .await?;
                Ok(ContactListing::Page(JsonPaged {
                    content: found.content,
                    request: page,
                    total: found.total,
                }))
            }
            ContactQuery::After { cursor, limit } => {
                let page = contacts::changes_after(&mut conn, id, cursor, i64::from(limit)).await?;
                // Read after the changes: a purge that removed one of them has committed by now.
                let mark = contacts::purge_mark(&mut conn, id).await?;
                if mark.outdates_cursor(cursor) {
                    return Err(expired(format!(
                        "cursor {cursor} is older than deleted contacts purged after {} days \
                         (purged up to change {})",
                        TOMBSTONE_RETENTION_SECONDS / 86_400,
                        mark.seq
                    )));
                }
                if cursor.seq() > contacts::high_water(&mut conn, id).await? {
                    return Err(invalid(
                        "cursor",
                        format!("{cursor} was not handed out for enterprise {id}"),
                    ));
                }
                Ok(ContactListing::Changes(changes_page(page, cursor)))
            }
            ContactQuery::ChangedSince { since, limit } => {
                let before = SyncCursor::at(contacts::high_water(&mut conn, id).await?);
                let page = contacts::changed_since(&mut conn, id, since, i64::from(limit)).await?;
                let mark = contacts::purge_mark(&mut conn, id).await?;
                if mark.outdates_time(since) {
                    return Err(expired(format!(
                        "changedSince {} is older than deleted contacts purged after {} days",
                        since.to_rfc3339(),
                        TOMBSTONE_RETENTION_SECONDS / 86_400
                    )));
                }
                Ok(ContactListing::Changes(changes_page(page, before)))
            }
        }
    }

    pub async fn create_contact(
        &self,
        principal: &Principal,
        enterprise_id: Option<&str>,
        input: ContactInput,
    ) -> Result<Contact, ServiceError> {
        require_machine_user(principal)?;
        let details = details_from(input, "")?;
        let enterprise = self.contacts_enterprise(principal, enterprise_id).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        contacts::lock_changes(&mut tx, &enterprise.id).await?;
        let mut revived = None;
        if let Some(external_id) = &details.external_id {
            let existing = contacts::by_external_ids(
                &mut tx,
                &enterprise.id,
                std::slice::from_ref(external_id),
            )
            .await?;
            match existing.into_iter().next() {
                Some(live) if !live.is_deleted() => {
                    return Err(ServiceError::Conflicting(format!(
                        "contact {} has externalId {external_id} already; update it or use the batch",
                        live.id
                    )));
                }
                tombstone => revived = tombstone,
            }
        }
        let seq = contacts::reserve_seqs(&mut tx, &enterprise.id, 1).await?;
        let contact = match revived {
            Some(tombstone) => {
                let contact = created(&enterprise.id, Some(tombstone), details, now, seq);
                contacts::update(&mut tx, &contact).await?;
                contact
            }
            None => {
                let contact = created(&enterprise.id, None, details, now, seq);
                contacts::insert(&mut tx, &contact).await?;
                contact
            }
        };
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "contact.create",
            &contact.id,
            audit_detail(&contact),
        )
        .await?;
        tx.commit().await?;
        Ok(contact)
    }

    /// A partial update; a change that alters nothing keeps the contact's change number.
    pub async fn update_contact(
        &self,
        principal: &Principal,
        contact_id: &str,
        update: ContactUpdate,
    ) -> Result<Contact, ServiceError> {
        require_machine_user(principal)?;
        let visible = self.visible_contact(principal, contact_id).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let mut contact = locked_live_contact(&mut tx, &visible).await?;
        let details = details_from(merged(&contact.details, update), "")?;
        if details == contact.details {
            return Ok(contact);
        }
        contact.details = details;
        contact.updated_at = now;
        contact.change_seq = contacts::reserve_seqs(&mut tx, &contact.enterprise_id, 1).await?;
        contacts::update(&mut tx, &contact).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "contact.update",
            &contact.id,
            audit_detail(&contact),
        )
        .await?;
        tx.commit().await?;
        Ok(contact)
    }

    /// Deletes a contact: a tombstone keeping only its ids stays for sync clients.
    pub async fn delete_contact(
        &self,
        principal: &Principal,
        contact_id: &str,
    ) -> Result<(), ServiceError> {
        require_machine_user(principal)?;
        let visible = self.visible_contact(principal, contact_id).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let mut contact = locked_live_contact(&mut tx, &visible).await?;
        contact.details = contact.details.tombstone();
        contact.updated_at = now;
        contact.deleted_at = Some(now);
        contact.change_seq = contacts::reserve_seqs(&mut tx, &contact.enterprise_id, 1).await?;
        contacts::update(&mut tx, &contact).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "contact.delete",
            &contact.id,
            audit_detail(&contact),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes tombstones older than the retention in every enterprise; returns how many.
    pub async fn purge_contact_tombstones(&self) -> Result<u64, ServiceError> {
        let before = self.now().plus_seconds(-TOMBSTONE_RETENTION_SECONDS);
        let mut tx = self.store.write().await?;
        let purged = contacts::purge_tombstones(&mut tx, before).await?;
        tx.commit().await?;
        if purged > 0 {
            tracing::info!(purged, "purged contact tombstones past their retention");
        }
        Ok(purged)
    }
}

fn expired(reason: String) -> ServiceError {
    ServiceError::SyncExpired(format!(
        "{reason}; sync in full: read GET /catalog/contacts?cursor=0 to the end, replace your copy \
         with what it returns, and continue from its last cursor"
    ))
}

fn changes_page(page: contacts::ChangesPage, from: SyncCursor) -> Changes {
    Changes {
        cursor: page.last_seq.map_or(from, SyncCursor::at),
        contacts: page.content,
        has_more: page.has_more,
    }
}

/// A live contact as it is now, with the enterprise's change counter held.
async fn locked_live_contact(
    tx: &mut Connection,
    visible: &Contact,
) -> Result<Contact, ServiceError> {
    contacts::lock_changes(tx, &visible.enterprise_id).await?;
    contacts::contact(tx, &visible.id)
        .await?
        .filter(|c| !c.is_deleted())
        .ok_or_else(|| ServiceError::not_found(format!("contact {}", visible.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::contact_batch::check_batch;

    #[test]
    fn a_batch_names_the_entry_and_field_that_is_wrong() {
        let good = |key: &str| {
            BatchEntry::Upsert(Box::new(ContactInput {
                external_id: Some(key.into()),
                last_name: Some("Hansen".into()),
                ..ContactInput::default()
            }))
        };
        let bad_email = BatchEntry::Upsert(Box::new(ContactInput {
            external_id: Some("c".into()),
            last_name: Some("Berg".into()),
            email: Some("nope".into()),
            ..ContactInput::default()
        }));
        let error = check_batch(vec![good("a"), good("b"), bad_email]).unwrap_err();
        assert!(
            matches!(&error, ServiceError::Invalid { field, .. } if field == "entries[2].email"),
            "{error:?}"
        );
        let error = check_batch(vec![
            good("a"),
            BatchEntry::Delete {
                external_id: "a".into(),
            },
        ])
        .unwrap_err();
        assert!(
            matches!(&error, ServiceError::Invalid { field, .. } if field == "entries[1].externalId"),
            "{error:?}"
        );
    }

    #[test]
    fn a_partial_update_keeps_what_is_left_out() {
        let current = ContactDetails {
            first_name: "Kari".into(),
            last_name: "Nordmann".into(),
            company: Some("Firma AS".into()),
            ..ContactDetails::default()
        };
        let update = ContactUpdate {
            company: Some(None),
            title: Some(Some("Sjef".into())),
            ..ContactUpdate::default()
        };
        let details = details_from(merged(&current, update), "").unwrap();
        assert_eq!(details.first_name, "Kari");
        assert_eq!(details.company, None);
        assert_eq!(details.title.as_deref(), Some("Sjef"));
    }
}
