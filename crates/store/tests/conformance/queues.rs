//! Call queues and their agents: the queue's number as its plan entry, agent positions, states,
//! the agent search, what the engine loads, and what points at a queue, on every backend.

use sentral_domain::directory::{
    Agent, AgentState, Destination, Member, PlanDevice, PlanEntry, Queue, QueueSettings,
    QueueStrategy, ShortNumber,
};
use sentral_domain::{EntityId, Msisdn, OrgNumber, Timestamp};
use sentral_store::directory::{self as repo, members, queues};
use sentral_store::{Connection, StoreError};

use crate::backends;
use crate::contacts::enterprises;

const NOW: Timestamp = Timestamp::from_millis(1_790_000_000_000);

fn member(id: &str, enterprise: &str, org: &str, last: &str, mobile: &str) -> Member {
    Member {
        id: EntityId::new(id),
        org_number: OrgNumber::parse(org).unwrap(),
        enterprise_id: Some(enterprise.into()),
        group_id: None,
        first_name: "Kari".into(),
        last_name: last.into(),
        mobile: Msisdn::parse(mobile).unwrap(),
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
    }
}

fn queue(id: &str, enterprise: &str, name: &str, number: &str) -> Queue {
    Queue {
        id: id.into(),
        enterprise_id: enterprise.into(),
        name: name.into(),
        number: ShortNumber::parse(number, 3).unwrap(),
        settings: QueueSettings {
            strategy: QueueStrategy::Linear,
            overflow_target: Some(Destination::Short("101".into())),
            no_agent_target: Some(Destination::External("4791500000".into())),
            ..QueueSettings::default()
        },
        created_at: NOW,
        updated_at: NOW,
    }
}

fn agent(member: &str, queue: &str, position: u32, state: AgentState) -> Agent {
    Agent {
        member_id: EntityId::new(member),
        queue_id: queue.into(),
        position,
        state,
        state_changed_at: NOW,
        added_at: NOW,
    }
}

async fn world(conn: &mut Connection) {
    enterprises(conn).await;
    for (id, enterprise, org, last, mobile, short) in [
        ("mem_a", "E1", "987654325", "Aas", "4790000001", "101"),
        ("mem_b", "E1", "987654325", "Berg", "4790000002", "102"),
        ("mem_c", "E2", "923609016", "Aas", "4790000003", "101"),
    ] {
        members::insert_member(conn, &member(id, enterprise, org, last, mobile), None)
            .await
            .unwrap();
        let entry = PlanEntry {
            short_number: ShortNumber::parse(short, 3).unwrap(),
            device: PlanDevice::Member(id.into()),
        };
        repo::insert_entry(conn, enterprise, &entry).await.unwrap();
    }
}

#[tokio::test]
async fn queues_and_agents_round_trip() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        world(&mut tx).await;
        let id = queues::next_queue_id(&mut tx).await.unwrap();
        let mut support = queue(&id, "E1", "Support", "800");
        queues::insert(&mut tx, &support).await.unwrap();
        assert_eq!(
            queues::queue(&mut tx, &id).await.unwrap().as_ref(),
            Some(&support),
            "{}",
            backend.name
        );
        let other = queue(
            &queues::next_queue_id(&mut tx).await.unwrap(),
            "E2",
            "Other",
            "800",
        );
        queues::insert(&mut tx, &other).await.unwrap();
        assert_ne!(other.id, support.id);
        tx.commit().await.unwrap();

        // The name is unique in the enterprise, the number in the plan.
        let mut tx = backend.store.write().await.unwrap();
        let twin = queue("q_twin", "E1", "Support", "801");
        let error = queues::insert(&mut tx, &twin).await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict { .. }), "{error}");
        drop(tx);
        let mut tx = backend.store.write().await.unwrap();
        let taken = queue("q_taken", "E1", "Taken", "101");
        let error = queues::insert(&mut tx, &taken).await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict { .. }), "{error}");
        drop(tx);

        // Agents: positions shift on insert and close up on removal.
        let mut tx = backend.store.write().await.unwrap();
        let not_ready = AgentState::NotReady {
            reason: Some("Lunsj".into()),
        };
        queues::insert_agent(&mut tx, &agent("mem_a", &id, 1, AgentState::Ready))
            .await
            .unwrap();
        queues::insert_agent(&mut tx, &agent("mem_b", &id, 1, not_ready.clone()))
            .await
            .unwrap();
        let listed = queues::agents(&mut tx, &id).await.unwrap();
        let order: Vec<(&str, u32)> = listed
            .iter()
            .map(|(a, _)| (a.member_id.as_str(), a.position))
            .collect();
        assert_eq!(order, [("mem_b", 1), ("mem_a", 2)], "{}", backend.name);
        assert_eq!(listed[0].0.state, not_ready);
        assert_eq!(listed[0].1.short_number.as_deref(), Some("102"));
        assert_eq!(listed[0].1.last_name, "Berg");
        tx.commit().await.unwrap();
        let mut tx = backend.store.write().await.unwrap();
        let error = queues::insert_agent(&mut tx, &agent("mem_a", &id, 3, AgentState::Ready))
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Conflict { .. }), "{error}");
        drop(tx);

        let mut tx = backend.store.write().await.unwrap();
        queues::set_agent_state(
            &mut tx,
            &id,
            "mem_a",
            &AgentState::WorkingAfterCall,
            NOW.plus_seconds(60),
        )
        .await
        .unwrap();
        let (changed, _) = queues::agent(&mut tx, &id, "mem_a").await.unwrap().unwrap();
        assert_eq!(changed.state, AgentState::WorkingAfterCall);
        assert_eq!(changed.state_changed_at, NOW.plus_seconds(60));

        // The search stays in the enterprises asked for: mem_c (E2) is no agent anyway.
        let found = queues::search_agents(&mut tx, &["E1".into()], Some("aas"))
            .await
            .unwrap();
        let ids: Vec<&str> = found.iter().map(|(a, _)| a.member_id.as_str()).collect();
        assert_eq!(ids, ["mem_a"]);
        let by_short = queues::search_agents(&mut tx, &["E1".into()], Some("102"))
            .await
            .unwrap();
        assert_eq!(by_short.len(), 1);
        let none = queues::search_agents(&mut tx, &["E2".into()], None)
            .await
            .unwrap();
        assert!(none.is_empty());

        // What the engine loads: every queue of the enterprise with its agents in order.
        let loaded = queues::load_enterprise_queues(&mut tx, "E1").await.unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].0.id, id);
        let members: Vec<&str> = loaded[0].1.iter().map(|a| a.member_id.as_str()).collect();
        assert_eq!(members, ["mem_b", "mem_a"]);

        // The queue's own entry and its short-number target are plan uses, named by queue.
        let uses = repo::plan_uses(&mut tx, "E1", NOW).await.unwrap();
        let own: Vec<(&PlanDevice, Option<&str>)> = uses
            .iter()
            .map(|u| (&u.device, u.queue.as_deref()))
            .collect();
        assert!(own.contains(&(&PlanDevice::Queue(id.clone()), Some(id.as_str()))));
        assert!(own.contains(&(&PlanDevice::Virtual("101".into()), Some(id.as_str()))));

        // A new number moves the plan entry.
        support.number = ShortNumber::parse("805", 3).unwrap();
        support.name = "Kundestøtte".into();
        queues::update(&mut tx, &support).await.unwrap();
        let enterprise = repo::enterprise(&mut tx, "E1").await.unwrap().unwrap();
        let plan = repo::plan(&mut tx, &enterprise).await.unwrap();
        assert!(plan.entry("800").is_none());
        assert_eq!(
            plan.entry("805").map(|e| &e.device),
            Some(&PlanDevice::Queue(id.clone()))
        );
        assert_eq!(
            queues::queue(&mut tx, &id).await.unwrap().unwrap().name,
            "Kundestøtte"
        );

        assert!(queues::delete_agent(&mut tx, &id, "mem_b").await.unwrap());
        assert!(!queues::delete_agent(&mut tx, &id, "mem_b").await.unwrap());
        let (left, _) = queues::agent(&mut tx, &id, "mem_a").await.unwrap().unwrap();
        assert_eq!(left.position, 1);

        // Deleting takes the agents and the entry with it; the other enterprise keeps its own.
        queues::delete(&mut tx, &support).await.unwrap();
        assert!(queues::queue(&mut tx, &id).await.unwrap().is_none());
        assert_eq!(queues::agent_count(&mut tx, &id).await.unwrap(), 0);
        let plan = repo::plan(&mut tx, &enterprise).await.unwrap();
        assert!(plan.entry("805").is_none());
        assert!(queues::queue(&mut tx, &other.id).await.unwrap().is_some());
        tx.commit().await.unwrap();
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn new_queue_ids_skip_ids_plan_entries_hold() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        world(&mut tx).await;
        // A plan entry made before queues were stored, pointing at queue "1".
        let entry = PlanEntry {
            short_number: ShortNumber::parse("899", 3).unwrap(),
            device: PlanDevice::Queue("1".into()),
        };
        repo::insert_entry(&mut tx, "E1", &entry).await.unwrap();
        let id = queues::next_queue_id(&mut tx).await.unwrap();
        assert_eq!(id, "2", "{}", backend.name);
        tx.commit().await.unwrap();
        backend.cleanup().await;
    }
}
