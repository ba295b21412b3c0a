//! MBN Catalog: who the token acts as, enterprises, groups, the numbering plan and members.

use sentral_domain::directory::{
    ContactNumber, Enterprise, Group, Member, NumberRange, NumberingPlan, PlanDevice, PlanEntry,
    ShortNumber,
};
use sentral_domain::platform::Organization;
use sentral_store::directory::{self as repo, members};
use serde_json::json;

use super::{Acting, acting};
use crate::corporate::{JsonPaged, PageRequest};
use crate::platform::audit;
use crate::{Platform, Principal, ServiceError};

/// `GET /catalog/userInfo`: the machine user and its enterprises, or the end user.
#[derive(Debug, Clone)]
pub enum UserInfo {
    MachineUser {
        username: String,
        enterprises: Vec<Enterprise>,
        organizations: Vec<Organization>,
    },
    EndUser {
        member: Box<Member>,
        enterprise: Option<Enterprise>,
    },
}

/// A new numbering plan as sent: ranges and (optionally) every entry.
#[derive(Debug, Clone, Default)]
pub struct PlanChange {
    pub internal_number_length: Option<i64>,
    pub ranges: Vec<(String, String)>,
    /// `None` keeps the entries; `Some` replaces them all: `(short number, kind, target)`.
    pub entries: Option<Vec<(String, String, String)>>,
}

/// A change to a member's directory entry: `None` keeps a field, `Some(None)` clears an
/// optional one.
#[derive(Debug, Clone, Default)]
pub struct MemberUpdate {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub title: Option<Option<String>>,
    pub department: Option<Option<String>>,
    pub company: Option<Option<String>>,
    pub street_address: Option<Option<String>>,
    pub postal_code: Option<Option<String>>,
    pub postal_place: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
    pub group_id: Option<Option<String>>,
    pub other_numbers: Option<Vec<ContactNumber>>,
}

pub(super) fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::invalid(field, message)
}

/// Trims a text field and checks its length; empty optional fields become absent.
pub(crate) fn text_field(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, ServiceError> {
    match value.map(|v| v.trim().to_owned()) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.chars().count() > max => {
            Err(invalid(field, format!("is longer than {max} characters")))
        }
        Some(v) if v.chars().any(char::is_control) => {
            Err(invalid(field, "must not contain control characters"))
        }
        Some(v) => Ok(Some(v)),
    }
}

fn required_text(field: &str, value: String, max: usize) -> Result<String, ServiceError> {
    text_field(field, Some(value), max)?.ok_or_else(|| invalid(field, "must not be empty"))
}

pub(crate) fn check_email(field: &str, email: &str) -> Result<(), ServiceError> {
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(())
    } else {
        Err(invalid(field, "is not an e-mail address"))
    }
}

impl Platform {
    pub async fn user_info(&self, principal: &Principal) -> Result<UserInfo, ServiceError> {
        let mut conn = self.store.read().await?;
        match acting(principal)? {
            Acting::MachineUser => {
                let companies: Vec<String> = principal
                    .visibility
                    .companies
                    .iter()
                    .map(|org| org.as_str().to_owned())
                    .collect();
                let numbers: Vec<_> = principal.visibility.companies.iter().cloned().collect();
                Ok(UserInfo::MachineUser {
                    username: principal
                        .system_user
                        .as_ref()
                        .map(|user| user.username.to_string())
                        .unwrap_or_default(),
                    enterprises: repo::enterprises_of(&mut conn, &companies).await?,
                    organizations: sentral_store::platform::organizations_among(
                        &mut conn, &numbers,
                    )
                    .await?,
                })
            }
            Acting::EndUser { member_id } => {
                let member = members::member(&mut conn, member_id)
                    .await?
                    .ok_or_else(|| ServiceError::not_found(format!("member {member_id}")))?;
                let enterprise = match &member.enterprise_id {
                    Some(id) => repo::enterprise(&mut conn, id).await?,
                    None => None,
                };
                Ok(UserInfo::EndUser {
                    member: Box::new(member),
                    enterprise,
                })
            }
        }
    }

    pub async fn enterprise_details(
        &self,
        principal: &Principal,
        enterprise_id: &str,
    ) -> Result<(Enterprise, Vec<Group>), ServiceError> {
        let enterprise = self
            .visible_enterprise_row(principal, enterprise_id)
            .await?;
        let mut conn = self.store.read().await?;
        let groups = repo::groups_of(&mut conn, &enterprise.id).await?;
        Ok((enterprise, groups))
    }

    /// The enterprise a groupId belongs to.
    pub async fn enterprise_of_group(
        &self,
        principal: &Principal,
        group_id: &str,
    ) -> Result<(Enterprise, Vec<Group>), ServiceError> {
        let group = {
            let mut conn = self.store.read().await?;
            repo::group(&mut conn, group_id).await?
        };
        let not_found = || ServiceError::not_found(format!("group {group_id}"));
        let group = group.ok_or_else(not_found)?;
        self.enterprise_details(principal, &group.enterprise_id)
            .await
            .map_err(|error| match error {
                ServiceError::NotFound { .. } => not_found(),
                other => other,
            })
    }

    pub async fn numbering_plan(
        &self,
        principal: &Principal,
        enterprise_id: &str,
    ) -> Result<NumberingPlan, ServiceError> {
        let enterprise = self
            .visible_enterprise_row(principal, enterprise_id)
            .await?;
        let mut conn = self.store.read().await?;
        Ok(repo::plan(&mut conn, &enterprise).await?)
    }

    /// Replaces the plan's length and ranges (and entries, when given). A change that would
    /// leave an entry outside the plan is refused with every conflicting entry named.
    pub async fn replace_numbering_plan(
        &self,
        principal: &Principal,
        enterprise_id: &str,
        change: PlanChange,
    ) -> Result<NumberingPlan, ServiceError> {
        if let Acting::EndUser { .. } = acting(principal)? {
            return Err(ServiceError::NotAllowed(
                "only a machine user may change the numbering plan".into(),
            ));
        }
        let enterprise = self
            .visible_enterprise_row(principal, enterprise_id)
            .await?;
        let length = match change.internal_number_length {
            None => enterprise.internal_number_length,
            Some(length) => u8::try_from(length)
                .ok()
                .filter(|l| NumberingPlan::LENGTHS.contains(l))
                .ok_or_else(|| invalid("internalNumberLength", "must be from 2 to 6"))?,
        };
        let short = |field: &str, text: &str| {
            ShortNumber::parse(text, length).map_err(|e| invalid(field, e.to_string()))
        };
        let ranges = change
            .ranges
            .iter()
            .map(|(from, to)| {
                Ok(NumberRange {
                    from: short("ranges.from", from)?,
                    to: short("ranges.to", to)?,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        if ranges.is_empty() {
            return Err(invalid("ranges", "give at least one range"));
        }
        let now = self.now();
        let mut tx = self.store.write().await?;
        let current = repo::plan(&mut tx, &enterprise).await?;
        let entries = match change.entries {
            None => current.entries,
            Some(entries) => {
                let mut parsed = Vec::with_capacity(entries.len());
                for (number, kind, target) in entries {
                    let device =
                        PlanDevice::from_parts(&kind, target.clone()).ok_or_else(|| {
                            invalid(
                                "entries.kind",
                                format!(
                                    "{kind:?} is not one of member, memberline, queue, virtual"
                                ),
                            )
                        })?;
                    if let PlanDevice::Member(member_id) = &device {
                        let member = members::member(&mut tx, member_id).await?;
                        if member.is_none_or(|m| m.enterprise_id.as_deref() != Some(&enterprise.id))
                        {
                            return Err(invalid(
                                "entries.target",
                                format!(
                                    "{member_id} is not a member of enterprise {}",
                                    enterprise.id
                                ),
                            ));
                        }
                    }
                    // Queues are made with the Queue API; a plan entry can only point at one.
                    if let PlanDevice::Queue(queue_id) = &device {
                        let queue =
                            sentral_store::directory::queues::queue(&mut tx, queue_id).await?;
                        if queue.is_none_or(|q| q.enterprise_id != enterprise.id) {
                            return Err(invalid(
                                "entries.target",
                                format!(
                                    "{queue_id} is not a queue of enterprise {}; create queues with POST /queue/queues",
                                    enterprise.id
                                ),
                            ));
                        }
                    }
                    // An entry's number may have another length: it is then a conflict below.
                    let short_number =
                        ShortNumber::parse(&number, u8::try_from(number.len()).unwrap_or(0))
                            .map_err(|e| invalid("entries.shortNumber", e.to_string()))?;
                    parsed.push(PlanEntry {
                        short_number,
                        device,
                    });
                }
                parsed
            }
        };
        let plan = NumberingPlan {
            internal_number_length: length,
            ranges,
            entries,
        };
        let outside = plan
            .check()
            .map_err(|e| invalid("numberingPlan", e.to_string()))?;
        if !outside.is_empty() {
            let listed: Vec<String> = outside
                .iter()
                .map(|entry| {
                    format!(
                        "{} ({} {})",
                        entry.short_number.as_str(),
                        entry.device.kind(),
                        entry.device.target()
                    )
                })
                .collect();
            return Err(ServiceError::Conflicting(format!(
                "the plan would leave these entries outside it: {}; move or remove them first \
                 (give `entries`)",
                listed.join(", ")
            )));
        }
        // Forwarding and absences that point into the plan must still find what they point at.
        let stranded: Vec<String> = repo::plan_uses(&mut tx, &enterprise.id, now)
            .await?
            .into_iter()
            .filter(|using| match &using.device {
                PlanDevice::Queue(queue) => !plan
                    .entries
                    .iter()
                    .any(|entry| matches!(&entry.device, PlanDevice::Queue(id) if id == queue)),
                other => plan.entry(other.target()).is_none(),
            })
            .map(|using| match using.device {
                PlanDevice::Queue(queue) => format!("{} (queue {queue})", using.what),
                other => format!("{} (short number {})", using.what, other.target()),
            })
            .collect();
        if !stranded.is_empty() {
            return Err(ServiceError::Conflicting(format!(
                "the plan would take away what these point at: {}; change them first",
                stranded.join(", ")
            )));
        }
        repo::replace_plan(&mut tx, &enterprise.id, &plan, now).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "numbering-plan.replace",
            &enterprise.id,
            json!({
                "internalNumberLength": length,
                "ranges": plan.ranges.iter().map(|r| [r.from.as_str(), r.to.as_str()]).collect::<Vec<_>>(),
                "entries": plan.entries.len(),
            }),
        )
        .await?;
        tx.commit().await?;
        self.invalidate_enterprises();
        self.telephony_reload(&enterprise.id).await;
        Ok(plan)
    }

    pub async fn search_members(
        &self,
        principal: &Principal,
        enterprise_id: &str,
        query: Option<&str>,
        group_id: Option<&str>,
        page: PageRequest,
    ) -> Result<JsonPaged, ServiceError> {
        let enterprise = self.visible_enterprise(principal, enterprise_id).await?;
        let mut conn = self.store.read().await?;
        let found = members::search_json(
            &mut conn,
            &enterprise.id,
            query,
            group_id,
            page.offset(),
            page.limit(),
        )
        .await?;
        Ok(JsonPaged {
            content: found.content,
            request: page,
            total: found.total,
        })
    }

    pub async fn member_entry(
        &self,
        principal: &Principal,
        member_id: &str,
    ) -> Result<Member, ServiceError> {
        self.actable_member(principal, member_id).await
    }

    pub async fn update_member(
        &self,
        principal: &Principal,
        member_id: &str,
        update: MemberUpdate,
    ) -> Result<Member, ServiceError> {
        let mut member = self.actable_member(principal, member_id).await?;
        if let Some(first) = update.first_name {
            member.first_name = required_text("firstName", first, 100)?;
        }
        if let Some(last) = update.last_name {
            member.last_name = required_text("lastName", last, 100)?;
        }
        if let Some(email) = update.email {
            let email = required_text("email", email, 254)?;
            check_email("email", &email)?;
            member.email = email;
        }
        let optional = |field: &str,
                        value: Option<Option<String>>,
                        current: Option<String>,
                        max| {
            match value {
                None => Ok(current),
                Some(value) => text_field(field, value, max),
            }
        };
        member.title = optional("title", update.title, member.title.take(), 100)?;
        member.department = optional(
            "department",
            update.department,
            member.department.take(),
            100,
        )?;
        member.company = optional("company", update.company, member.company.take(), 100)?;
        member.street_address = optional(
            "streetAddress",
            update.street_address,
            member.street_address.take(),
            100,
        )?;
        member.postal_code = optional(
            "postalCode",
            update.postal_code,
            member.postal_code.take(),
            10,
        )?;
        member.postal_place = optional(
            "postalPlace",
            update.postal_place,
            member.postal_place.take(),
            100,
        )?;
        member.external_id = optional(
            "externalId",
            update.external_id,
            member.external_id.take(),
            100,
        )?;
        if let Some(numbers) = update.other_numbers {
            member.other_numbers = check_numbers("otherNumbers", numbers)?;
        }
        let now = self.now();
        let mut tx = self.store.write().await?;
        if let Some(group_id) = update.group_id {
            member.group_id = match group_id.filter(|g| !g.trim().is_empty()) {
                None => None,
                Some(group_id) => {
                    let group = repo::group(&mut tx, &group_id).await?;
                    if group.is_none_or(|g| Some(&g.enterprise_id) != member.enterprise_id.as_ref())
                    {
                        return Err(invalid(
                            "groupId",
                            format!("{group_id} is not a group of the member's enterprise"),
                        ));
                    }
                    Some(group_id)
                }
            };
        }
        members::update_member(&mut tx, &member, now).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "member.update",
            member.id.as_str(),
            json!({"externalId": member.external_id}),
        )
        .await?;
        let updated = members::member(&mut tx, member.id.as_str())
            .await?
            .ok_or_else(|| ServiceError::Internal("the member vanished".into()))?;
        tx.commit().await?;
        Ok(updated)
    }
}

/// Checks further numbers: a known kind and E.164 digits (a leading `+` allowed).
pub(crate) fn check_numbers(
    field: &str,
    numbers: Vec<ContactNumber>,
) -> Result<Vec<ContactNumber>, ServiceError> {
    const KINDS: [&str; 6] = ["work", "home", "mobile", "fax", "switchboard", "other"];
    if numbers.len() > 10 {
        return Err(invalid(field, "at most 10 numbers"));
    }
    numbers
        .into_iter()
        .map(|entry| {
            if !KINDS.contains(&entry.kind.as_str()) {
                return Err(invalid(
                    &format!("{field}.kind"),
                    format!("{:?} is not one of {}", entry.kind, KINDS.join(", ")),
                ));
            }
            let digits = entry.number.trim().trim_start_matches('+').replace(' ', "");
            if !(3..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    &format!("{field}.number"),
                    format!("{:?} is not a phone number (3-15 digits)", entry.number),
                ));
            }
            Ok(ContactNumber {
                kind: entry.kind,
                number: digits,
            })
        })
        .collect()
}
