//! The demo enterprise and the member generator behind `sentral seed --scale N`: groups, a
//! numbering plan and members whose names and numbers match their subscriptions.

use sentral_domain::directory::{
    ContactNumber, Enterprise, Group, Member, NumberRange, NumberingPlan, PlanDevice, PlanEntry,
    ShortNumber,
};
use sentral_domain::{EntityId, Msisdn, OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::directory::{self as repo, members};

use crate::corporate::demo::{FIRST_NAMES, LAST_NAMES};
use crate::{Platform, ServiceError, demo};

pub const DEMO_ENTERPRISE_ID: &str = "100001";
pub const DEMO_SWITCHBOARD: &str = "4722990000";
pub const GROUP_NAMES: &[&str] = &["Salg", "Service", "Økonomi", "IT", "Ledelse"];

/// The name of the `index`th generated person (the same as on the subscription).
pub fn person_name(index: usize) -> (&'static str, &'static str) {
    (
        FIRST_NAMES[index % FIRST_NAMES.len()],
        LAST_NAMES[(index / FIRST_NAMES.len() + index) % LAST_NAMES.len()],
    )
}

/// Which members to generate for an enterprise.
#[derive(Debug, Clone)]
pub struct MemberPlan<'a> {
    pub enterprise: &'a Enterprise,
    pub org_number: OrgNumber,
    pub company: &'a str,
    pub groups: &'a [Group],
    pub first_mobile: u32,
    /// Member ids are this prefix and a running number.
    pub id_prefix: &'a str,
    /// The first short number; members past the plan's range get none.
    pub first_short_number: u32,
    pub last_short_number: u32,
    pub email_domain: &'a str,
}

/// Members number `range` of the plan, with their short numbers.
pub async fn generate_members(
    conn: &mut Connection,
    plan: &MemberPlan<'_>,
    range: std::ops::Range<usize>,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let length = plan.enterprise.internal_number_length;
    for index in range {
        let number = u32::try_from(index).map_err(ServiceError::internal)?;
        let (first, last) = person_name(index);
        let group = &plan.groups[index % plan.groups.len()];
        let member = Member {
            id: EntityId::new(format!("{}{:06}", plan.id_prefix, index + 1)),
            org_number: plan.org_number.clone(),
            enterprise_id: Some(plan.enterprise.id.clone()),
            group_id: Some(group.id.clone()),
            first_name: first.into(),
            last_name: last.into(),
            mobile: Msisdn::parse(&format!("{:08}", plan.first_mobile + number))
                .map_err(ServiceError::internal)?,
            other_numbers: if index % 4 == 0 {
                vec![ContactNumber {
                    kind: "work".into(),
                    number: format!("4722{:06}", 990_000 + index % 10_000),
                }]
            } else {
                Vec::new()
            },
            email: format!(
                "{}.{}{}@{}",
                first.to_lowercase(),
                last.to_lowercase(),
                index + 1,
                plan.email_domain
            ),
            title: Some(
                if index % 10 == 0 {
                    "Leder"
                } else {
                    "Rådgiver"
                }
                .into(),
            ),
            department: Some(group.name.clone()),
            company: Some(plan.company.into()),
            street_address: Some(format!("Karl Johans gate {}", 1 + index % 40)),
            postal_code: Some("0154".into()),
            postal_place: Some("Oslo".into()),
            external_id: Some(format!("ad-{}{:06}", plan.id_prefix, index + 1)),
            short_number: None,
            updated_at: now,
        };
        members::insert_member(conn, &member, None).await?;
        let short = plan.first_short_number + number;
        if short <= plan.last_short_number {
            let entry = PlanEntry {
                short_number: ShortNumber::parse(&short.to_string(), length)
                    .map_err(ServiceError::internal)?,
                device: PlanDevice::Member(member.id.to_string()),
            };
            repo::insert_entry(conn, &plan.enterprise.id, &entry).await?;
        }
    }
    Ok(())
}

/// An enterprise with its groups and a plan of `ranges`.
pub async fn create_enterprise(
    conn: &mut Connection,
    enterprise: &Enterprise,
    group_first_id: u32,
    ranges: &[(&str, &str)],
) -> Result<Vec<Group>, ServiceError> {
    repo::insert_enterprise(conn, enterprise).await?;
    let mut groups = Vec::new();
    for (offset, name) in GROUP_NAMES.iter().enumerate() {
        let group = Group {
            id: (group_first_id + u32::try_from(offset).map_err(ServiceError::internal)?)
                .to_string(),
            enterprise_id: enterprise.id.clone(),
            name: (*name).into(),
        };
        repo::insert_group(conn, &group).await?;
        groups.push(group);
    }
    let length = enterprise.internal_number_length;
    let plan = NumberingPlan {
        internal_number_length: length,
        ranges: ranges
            .iter()
            .map(|(from, to)| {
                Ok(NumberRange {
                    from: ShortNumber::parse(from, length).map_err(ServiceError::internal)?,
                    to: ShortNumber::parse(to, length).map_err(ServiceError::internal)?,
                })
            })
            .collect::<Result<_, ServiceError>>()?,
        entries: Vec::new(),
    };
    repo::replace_plan(conn, &enterprise.id, &plan, enterprise.created_at).await?;
    Ok(groups)
}

impl Platform {
    /// The demo enterprise: 5 groups, a 3-digit plan, 60 members (the three end users among
    /// them) whose numbers are the demo subscriptions', a switchboard number and two call queues.
    pub(crate) async fn seed_demo_directory(&self, now: Timestamp) -> Result<(), ServiceError> {
        let org = |number: &str| OrgNumber::parse(number).map_err(ServiceError::internal);
        let enterprise = Enterprise {
            id: DEMO_ENTERPRISE_ID.into(),
            agreement_id: demo::MBN_AGREEMENT_ID.into(),
            org_number: org(demo::CUSTOMER_ORG)?,
            name: demo::CUSTOMER_NAME.into(),
            internal_number_length: 3,
            switchboard_number: Some(DEMO_SWITCHBOARD.into()),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.write().await?;
        let groups = create_enterprise(
            &mut tx,
            &enterprise,
            200_001,
            &[("100", "299"), ("800", "899")],
        )
        .await?;
        // The end users made with the platform join the enterprise, with short numbers 101….
        for (index, _) in demo::END_USERS.iter().enumerate() {
            let member_id = format!("mem_demo_{:03}", index + 1);
            let group = &groups[index % groups.len()];
            members::join_enterprise(&mut tx, &member_id, &enterprise.id, Some(&group.id)).await?;
            let entry = PlanEntry {
                short_number: ShortNumber::parse(&(101 + index).to_string(), 3)
                    .map_err(ServiceError::internal)?,
                device: PlanDevice::Member(member_id),
            };
            repo::insert_entry(&mut tx, &enterprise.id, &entry).await?;
        }
        let parent = MemberPlan {
            enterprise: &enterprise,
            org_number: org(demo::CUSTOMER_ORG)?,
            company: demo::CUSTOMER_NAME,
            groups: &groups,
            first_mobile: 91_000_001,
            id_prefix: "mem_dk_",
            first_short_number: 101,
            last_short_number: 299,
            email_domain: "demokunde.no",
        };
        let count = demo::END_USERS.len();
        generate_members(&mut tx, &parent, count..48, now).await?;
        let subsidiary = MemberPlan {
            org_number: org(demo::SUBSIDIARY_ORG)?,
            company: demo::SUBSIDIARY_NAME,
            first_mobile: 91_000_101,
            id_prefix: "mem_dd_",
            first_short_number: 201,
            email_domain: "demokundedatter.no",
            ..parent.clone()
        };
        generate_members(&mut tx, &subsidiary, 0..12, now).await?;
        let entry = PlanEntry {
            short_number: ShortNumber::parse("899", 3).map_err(ServiceError::internal)?,
            device: PlanDevice::Virtual(DEMO_SWITCHBOARD.into()),
        };
        repo::insert_entry(&mut tx, &enterprise.id, &entry).await?;
        super::queue_demo::seed_demo_queues(&mut tx, &enterprise.id, now).await?;
        crate::telephony::demo::seed_demo_memberlines(&mut tx, &enterprise.id, now).await?;
        super::user_demo::seed_demo_user_settings(&mut tx, now).await?;
        super::contact_seed::seed_contacts(
            &mut tx,
            &enterprise.id,
            "ct_demo_",
            0..super::contact_seed::DEMO_CONTACTS,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
