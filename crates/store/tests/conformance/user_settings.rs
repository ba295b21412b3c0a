//! Members' absences and call forwarding (MBN User API) on every backend.

use sentral_domain::directory::{
    Absence, AbsenceAction, AbsenceKind, CallForwarding, Destination, ForwardingRule, Member,
};
use sentral_domain::platform::Organization;
use sentral_domain::{EntityId, Msisdn, OrgNumber, Timestamp};
use sentral_store::directory::{absences, forwarding, members};
use sentral_store::{Connection, platform};

use crate::backends;

const NOW: Timestamp = Timestamp::from_millis(1_790_000_000_000);
const HOUR: i64 = 3600;

async fn two_members(conn: &mut Connection) {
    let org = OrgNumber::parse("914742315").unwrap();
    let organization = Organization {
        org_number: org.clone(),
        name: "Org".into(),
        parent: None,
    };
    platform::insert_organization(conn, &organization, NOW)
        .await
        .unwrap();
    for (index, id) in ["mem_a", "mem_b"].into_iter().enumerate() {
        let member = Member {
            id: EntityId::new(id),
            org_number: org.clone(),
            enterprise_id: None,
            group_id: None,
            first_name: "Kari".into(),
            last_name: "Nordmann".into(),
            mobile: Msisdn::parse(&format!("9100000{index}")).unwrap(),
            other_numbers: Vec::new(),
            email: format!("{id}@example.no"),
            title: None,
            department: None,
            company: None,
            street_address: None,
            postal_code: None,
            postal_place: None,
            external_id: None,
            short_number: None,
            updated_at: NOW,
        };
        members::insert_member(conn, &member, None).await.unwrap();
    }
}

fn absence(id: &str, member: &str, from_hours: i64, until_hours: i64) -> Absence {
    Absence {
        id: EntityId::new(id),
        member_id: EntityId::new(member),
        kind: AbsenceKind::Meeting,
        from: NOW.plus_seconds(from_hours * HOUR),
        until: NOW.plus_seconds(until_hours * HOUR),
        note: None,
        action: AbsenceAction::None,
        created_at: NOW,
        updated_at: NOW,
    }
}

#[tokio::test]
async fn absences_round_trip_with_every_action() {
    for backend in backends::all().await {
        let mut conn = backend.store.read().await.unwrap();
        two_members(&mut conn).await;
        let actions = [
            AbsenceAction::None,
            AbsenceAction::ForwardTo(Destination::Short("899".into())),
            AbsenceAction::ForwardTo(Destination::External("4791234567".into())),
            AbsenceAction::Voicemail,
            AbsenceAction::Switchboard,
            AbsenceAction::Queue("1".into()),
        ];
        let mut stored = Vec::new();
        for (index, action) in actions.into_iter().enumerate() {
            let hours = i64::try_from(index).unwrap() * 2;
            let mut absence = absence(&format!("abs_{index}"), "mem_a", hours, hours + 1);
            absence.action = action;
            absence.note = (index % 2 == 0).then(|| format!("Notat {index} æøå"));
            absence.kind = AbsenceKind::ALL[index];
            absences::insert(&mut conn, &absence).await.unwrap();
            stored.push(absence);
        }
        let read = absences::of_member(&mut conn, "mem_a").await.unwrap();
        assert_eq!(read, stored, "{}", backend.name);
        assert_eq!(
            absences::absence(&mut conn, "mem_a", "abs_1")
                .await
                .unwrap(),
            Some(stored[1].clone()),
            "{}",
            backend.name
        );
        // Another member's absence is not found through this member.
        assert_eq!(
            absences::absence(&mut conn, "mem_b", "abs_1")
                .await
                .unwrap(),
            None
        );
        assert!(
            absences::of_member(&mut conn, "mem_b")
                .await
                .unwrap()
                .is_empty()
        );
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn absences_are_updated_and_deleted_only_through_their_member() {
    for backend in backends::all().await {
        let mut conn = backend.store.read().await.unwrap();
        two_members(&mut conn).await;
        let original = absence("abs_1", "mem_a", 1, 2);
        absences::insert(&mut conn, &original).await.unwrap();
        let duplicate = absences::insert(&mut conn, &original).await.unwrap_err();
        assert!(
            matches!(duplicate, sentral_store::StoreError::Conflict { .. }),
            "{}: {duplicate}",
            backend.name
        );

        let mut changed = original.clone();
        changed.kind = AbsenceKind::Illness;
        changed.until = NOW.plus_seconds(5 * HOUR);
        changed.note = Some("Syk".into());
        changed.action = AbsenceAction::Voicemail;
        changed.updated_at = NOW.plus_seconds(10);
        let mut wrong_member = changed.clone();
        wrong_member.member_id = EntityId::new("mem_b");
        assert!(!absences::update(&mut conn, &wrong_member).await.unwrap());
        assert!(absences::update(&mut conn, &changed).await.unwrap());
        assert_eq!(
            absences::absence(&mut conn, "mem_a", "abs_1")
                .await
                .unwrap(),
            Some(changed),
            "{}",
            backend.name
        );

        assert!(!absences::delete(&mut conn, "mem_b", "abs_1").await.unwrap());
        assert!(absences::delete(&mut conn, "mem_a", "abs_1").await.unwrap());
        assert!(!absences::delete(&mut conn, "mem_a", "abs_1").await.unwrap());
        drop(conn);
        backend.cleanup().await;
    }
}

async fn current(conn: &mut Connection, at: Timestamp) -> Option<String> {
    absences::current(conn, "mem_a", at)
        .await
        .unwrap()
        .map(|a| a.id.to_string())
}

#[tokio::test]
async fn the_current_absence_is_the_one_whose_window_holds_now() {
    for backend in backends::all().await {
        let mut conn = backend.store.read().await.unwrap();
        two_members(&mut conn).await;
        for absence in [
            absence("abs_past", "mem_a", -3, -1),
            absence("abs_now", "mem_a", -1, 1),
            absence("abs_next", "mem_a", 1, 2),
            absence("abs_other", "mem_b", -1, 1),
        ] {
            absences::insert(&mut conn, &absence).await.unwrap();
        }
        assert_eq!(current(&mut conn, NOW).await.as_deref(), Some("abs_now"));
        // from is inclusive, until exclusive: at the boundary the next one is current.
        assert_eq!(
            current(&mut conn, NOW.plus_seconds(HOUR)).await.as_deref(),
            Some("abs_next")
        );
        assert_eq!(
            current(&mut conn, NOW.plus_seconds(-HOUR)).await.as_deref(),
            Some("abs_now")
        );
        assert_eq!(current(&mut conn, NOW.plus_seconds(3 * HOUR)).await, None);
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn purge_deletes_absences_that_ended_before_the_cutoff() {
    for backend in backends::all().await {
        let mut conn = backend.store.read().await.unwrap();
        two_members(&mut conn).await;
        for absence in [
            absence("abs_old", "mem_a", -10, -5),
            absence("abs_edge", "mem_b", -10, -4),
            absence("abs_new", "mem_a", -2, 1),
        ] {
            absences::insert(&mut conn, &absence).await.unwrap();
        }
        let cutoff = NOW.plus_seconds(-4 * HOUR);
        let purged = absences::purge_ended_before(&mut conn, cutoff)
            .await
            .unwrap();
        assert_eq!(purged, 1, "{}", backend.name);
        let left: Vec<String> = [
            absences::of_member(&mut conn, "mem_a").await.unwrap(),
            absences::of_member(&mut conn, "mem_b").await.unwrap(),
        ]
        .concat()
        .into_iter()
        .map(|a| a.id.to_string())
        .collect();
        assert_eq!(left, ["abs_new", "abs_edge"], "{}", backend.name);
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn lock_member_runs_inside_a_write_transaction() {
    for backend in backends::all().await {
        {
            let mut conn = backend.store.read().await.unwrap();
            two_members(&mut conn).await;
        }
        let mut tx = backend.store.write().await.unwrap();
        absences::lock_member(&mut tx, "mem_a").await.unwrap();
        absences::insert(&mut tx, &absence("abs_1", "mem_a", 1, 2))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            absences::of_member(&mut conn, "mem_a").await.unwrap().len(),
            1,
            "{}",
            backend.name
        );
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn forwarding_defaults_then_saves_and_replaces() {
    for backend in backends::all().await {
        let mut conn = backend.store.read().await.unwrap();
        two_members(&mut conn).await;
        assert_eq!(
            forwarding::forwarding(&mut conn, "mem_a").await.unwrap(),
            CallForwarding::default(),
            "{}",
            backend.name
        );
        let mut settings = CallForwarding {
            immediate: ForwardingRule {
                active: false,
                destination: Some(Destination::Short("101".into())),
            },
            busy: ForwardingRule {
                active: true,
                destination: Some(Destination::External("4791500000".into())),
            },
            no_answer: ForwardingRule {
                active: true,
                destination: Some(Destination::Short("102".into())),
            },
            ring_seconds: 15,
            unavailable: ForwardingRule::default(),
            updated_at: Some(NOW),
        };
        forwarding::save(&mut conn, "mem_a", &settings, NOW)
            .await
            .unwrap();
        assert_eq!(
            forwarding::forwarding(&mut conn, "mem_a").await.unwrap(),
            settings,
            "{}",
            backend.name
        );

        settings.busy = ForwardingRule::default();
        settings.unavailable = ForwardingRule {
            active: true,
            destination: Some(Destination::External("4722990000".into())),
        };
        settings.ring_seconds = 60;
        let later = NOW.plus_seconds(60);
        settings.updated_at = Some(later);
        forwarding::save(&mut conn, "mem_a", &settings, later)
            .await
            .unwrap();
        assert_eq!(
            forwarding::forwarding(&mut conn, "mem_a").await.unwrap(),
            settings,
            "{}",
            backend.name
        );
        assert_eq!(
            forwarding::forwarding(&mut conn, "mem_b").await.unwrap(),
            CallForwarding::default(),
            "another member keeps the defaults"
        );
        drop(conn);
        backend.cleanup().await;
    }
}
