//! The demo world's orders and service requests (KPN.md: "some orders and service requests in
//! every status"), accepted through the engine's own order store: finished ones with their
//! outcome, open ones the ticker completes in time, and held ones (DRAFT, UNAUTHORIZED,
//! THIRD_PARTY, HOLD_CUSTOMER, WAITING, NEW) that rest until someone acts or cancels them.
//! Deterministic: the same orders, relative to the seeding time, on every reset.

use sentral_domain::corporate::{Order, OrderId, OrderStatus, OrderSubject, OrderType};
use sentral_domain::kpn::{
    HELD_DUE_AT, KpnChange, KpnOrderRecord, KpnStatus, Receiver, RequestKind, SubscriberData,
};
use sentral_domain::{OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::corporate::orders as engine_repo;
use sentral_store::kpn::orders as kpn_repo;

use super::demo::CUSTOMER_NAME;
use super::{KpnResult, next_item_id};

/// A seeded subscriber the orders are about.
pub(crate) struct DemoSubscriber {
    pub id: i64,
    pub parent_id: i64,
    pub data: SubscriberData,
    /// Its contract: id, mobile number and SIM card number.
    pub contract: Option<(i64, String, String)>,
}

/// Who placed a seeded order: the engine's actor and the name track & trace shows.
const FLEET_MANAGER: (&str, &str) = ("client:demo-kpn-client", "Demo Fleet Manager (KPN)");
const PORTAL_USER: (&str, &str) = ("client:mijn-kpn-zakelijk", "Mijn KPN Zakelijk");

/// How a seeded order ended, or where it stands.
enum Outcome {
    Finished,
    Rejected(&'static str),
    Canceled(&'static str),
    /// Open; the ticker completes it this many seconds after seeding.
    DueIn(i64),
    /// Open and resting in this status.
    Held(KpnStatus),
}

struct Seeded {
    subject: OrderSubject,
    operation: OrderType,
    kind: RequestKind,
    change: KpnChange,
    reference: &'static str,
    context_name: String,
    receiver: Receiver,
    msisdn: Option<String>,
    sim: Option<String>,
    /// Seconds before the seeding time that it was placed.
    placed_ago: i64,
    outcome: Outcome,
    by: (&'static str, &'static str),
}

const DAY: i64 = 24 * 3600;

fn receiver(id: i64, data: &SubscriberData) -> Receiver {
    Receiver {
        id: Some(id),
        first_name: data.first_name.clone(),
        prefix: data.surname_prefix.clone(),
        last_name: Some(data.surname.clone()),
        employee_number: data.employee_number.clone(),
        company_name: Some(CUSTOMER_NAME.into()),
    }
}

/// An order about `subscriber` (its receiver and context name filled in).
fn about(
    subscriber: &DemoSubscriber,
    operation: OrderType,
    kind: RequestKind,
    change: KpnChange,
) -> Seeded {
    Seeded {
        subject: OrderSubject::KpnItem(subscriber.id),
        operation,
        kind,
        change,
        reference: "",
        context_name: subscriber.data.display_name(),
        receiver: receiver(subscriber.id, &subscriber.data),
        msisdn: None,
        sim: None,
        placed_ago: 0,
        outcome: Outcome::Finished,
        by: FLEET_MANAGER,
    }
}

/// A SIM order on `subscriber`'s contract.
fn sim_order(subscriber: &DemoSubscriber, block: bool) -> Seeded {
    let (contract_id, mobile, sim) = subscriber.contract.clone().unwrap_or_default();
    let (operation, change) = if block {
        (OrderType::BlockSim, KpnChange::BlockSim)
    } else {
        (OrderType::UnblockSim, KpnChange::UnblockSim)
    };
    Seeded {
        subject: OrderSubject::KpnContract(contract_id),
        msisdn: Some(mobile),
        sim: Some(sim),
        ..about(subscriber, operation, RequestKind::ServiceRequest, change)
    }
}

/// A subscriber to be created (not in the tree yet).
async fn new_hire(
    conn: &mut Connection,
    group_id: i64,
    first: &str,
    prefix: Option<&str>,
    surname: &str,
    employee_number: &str,
) -> KpnResult<Seeded> {
    let id = next_item_id(conn).await?;
    let data = SubscriberData {
        first_name: Some(first.into()),
        surname_prefix: prefix.map(str::to_owned),
        surname: surname.into(),
        email: Some(format!(
            "{}.{}@demoklant.nl",
            first.to_lowercase(),
            surname.to_lowercase()
        )),
        employee_number: Some(employee_number.into()),
        preferred_language: Some("NL".into()),
        ..SubscriberData::default()
    };
    let subscriber = DemoSubscriber {
        id,
        parent_id: group_id,
        data: data.clone(),
        contract: None,
    };
    Ok(about(
        &subscriber,
        OrderType::CreateUser,
        RequestKind::Order,
        KpnChange::CreateSubscriber { group_id, data },
    ))
}

/// Seeds the demo customer's orders and service requests in `conn` (the seeding transaction):
/// orders in every track-and-trace status, service requests in several. `subscribers` are the
/// seeded ones in order; `places` the groups they were spread over.
pub(crate) async fn seed_demo_orders(
    conn: &mut Connection,
    org_number: &OrgNumber,
    subscribers: &[DemoSubscriber],
    places: &[i64],
    now: Timestamp,
) -> KpnResult<()> {
    let at = |index: usize| &subscribers[index.min(subscribers.len() - 1)];
    let update = |index: usize| {
        let subscriber = at(index);
        about(
            subscriber,
            OrderType::ChangeUserData,
            RequestKind::Order,
            KpnChange::UpdateSubscriber {
                data: subscriber.data.clone(),
            },
        )
    };
    let relocate = |index: usize, kind: RequestKind, destination_id: i64| {
        about(
            at(index),
            OrderType::MoveUser,
            kind,
            KpnChange::Move { destination_id },
        )
    };
    // places: Verkoop, Marketing, Directie (Noord), Logistiek, ICT, Projecten (Zuid).
    let orders = vec![
        Seeded {
            reference: "HR-2024-0001",
            placed_ago: 30 * DAY,
            change: KpnChange::CreateSubscriber {
                group_id: at(0).parent_id,
                data: at(0).data.clone(),
            },
            operation: OrderType::CreateUser,
            ..update(0)
        },
        Seeded {
            reference: "HR-2024-0002",
            placed_ago: 12 * DAY,
            ..update(1)
        },
        Seeded {
            reference: "HR-offboarding-3",
            placed_ago: 9 * DAY,
            operation: OrderType::DeleteUser,
            change: KpnChange::DeleteSubscriber,
            outcome: Outcome::Rejected(
                "the subscriber still holds a contract; terminate or move it first",
            ),
            ..update(2)
        },
        Seeded {
            reference: "reorg-logistiek",
            placed_ago: 5 * DAY,
            outcome: Outcome::Canceled("wrong cost centre chosen"),
            ..relocate(3, RequestKind::Order, places[4])
        },
        Seeded {
            reference: "HR-2025-0005",
            placed_ago: 60,
            outcome: Outcome::Held(KpnStatus::Initialized),
            ..update(20)
        },
        Seeded {
            reference: "reorg-ict",
            placed_ago: 3600,
            outcome: Outcome::DueIn(DAY),
            ..relocate(21, RequestKind::Order, places[4])
        },
        Seeded {
            reference: "new-hire-draft",
            placed_ago: 2 * DAY,
            outcome: Outcome::Held(KpnStatus::Draft),
            ..new_hire(conn, places[0], "Kees", None, "Koning", "1101").await?
        },
        Seeded {
            reference: "new-hire-0007",
            placed_ago: DAY,
            outcome: Outcome::Held(KpnStatus::WaitingForAuthorization),
            by: PORTAL_USER,
            ..new_hire(conn, places[1], "Maarten", Some("de"), "Wit", "1102").await?
        },
        Seeded {
            reference: "number-plan-8",
            placed_ago: 4 * DAY,
            outcome: Outcome::Held(KpnStatus::ExternalScheduled),
            ..update(22)
        },
        Seeded {
            reference: "email-check-9",
            placed_ago: 3 * DAY,
            outcome: Outcome::Held(KpnStatus::Suspended),
            by: PORTAL_USER,
            ..update(23)
        },
        Seeded {
            reference: "HR-2025-0010",
            placed_ago: 2 * 3600,
            outcome: Outcome::Held(KpnStatus::Waiting),
            ..update(24)
        },
    ];
    let requests = vec![
        Seeded {
            reference: "lost phone",
            placed_ago: 20 * DAY,
            ..sim_order(at(7), true)
        },
        Seeded {
            reference: "phone found",
            placed_ago: 3 * DAY,
            outcome: Outcome::Canceled("the phone is still missing"),
            ..sim_order(at(7), false)
        },
        Seeded {
            reference: "stolen phone",
            placed_ago: 6 * DAY,
            outcome: Outcome::Rejected(
                "the SIM card is being replaced; block the new card once it is active",
            ),
            ..sim_order(at(31), true)
        },
        Seeded {
            reference: "left on the train",
            placed_ago: 120,
            outcome: Outcome::DueIn(3600),
            ..sim_order(at(30), true)
        },
        Seeded {
            reference: "move-to-zuid",
            placed_ago: 30,
            outcome: Outcome::Held(KpnStatus::Initialized),
            ..relocate(25, RequestKind::ServiceRequest, places[3])
        },
        Seeded {
            reference: "sim-check",
            placed_ago: 7200,
            outcome: Outcome::Held(KpnStatus::Waiting),
            ..sim_order(at(32), true)
        },
        Seeded {
            reference: "move-to-noord",
            placed_ago: 2 * DAY,
            outcome: Outcome::Held(KpnStatus::Suspended),
            by: PORTAL_USER,
            ..relocate(26, RequestKind::ServiceRequest, places[0])
        },
    ];
    for seeded in orders.into_iter().chain(requests) {
        insert(conn, org_number, seeded, now).await?;
    }
    Ok(())
}

/// Accepts one seeded order in the engine's store, with its outcome.
async fn insert(
    conn: &mut Connection,
    org_number: &OrgNumber,
    seeded: Seeded,
    now: Timestamp,
) -> KpnResult<()> {
    let number = sentral_store::corporate::next_number(conn, "order", 70_000_001).await?;
    let id = OrderId::from_number(number);
    let created_at = now.plus_seconds(-seeded.placed_ago);
    // Finished orders took the subscriber delay of KPN.md decision 1.
    let ended = created_at.plus_seconds(super::SUBSCRIBER_ORDER_SECONDS);
    let (status, failure, due_at, completed_at, held, note) = match seeded.outcome {
        Outcome::Finished => (OrderStatus::Completed, None, ended, Some(ended), None, None),
        Outcome::Rejected(reason) => (
            OrderStatus::Failed,
            Some(reason.to_owned()),
            ended,
            Some(ended),
            None,
            None,
        ),
        Outcome::Canceled(note) => (
            OrderStatus::Canceled,
            Some(note.to_owned()),
            ended,
            Some(ended),
            None,
            Some(note.to_owned()),
        ),
        Outcome::DueIn(seconds) => (
            OrderStatus::InProgress,
            None,
            now.plus_seconds(seconds),
            None,
            None,
            None,
        ),
        Outcome::Held(status) => (
            OrderStatus::InProgress,
            None,
            HELD_DUE_AT,
            None,
            Some(status),
            None,
        ),
    };
    let order = Order {
        id: id.clone(),
        subject: seeded.subject,
        org_number: org_number.clone(),
        order_type: seeded.operation,
        product_offer_id: None,
        product_id: None,
        billing_account_id: None,
        configurations: Vec::new(),
        status,
        failure,
        created_at,
        due_at,
        completed_at,
        created_by: seeded.by.0.to_owned(),
    };
    engine_repo::insert_order(conn, &order).await?;
    let record = KpnOrderRecord {
        order_id: id.as_str().to_owned(),
        kind: seeded.kind,
        reference_number: seeded.reference.to_owned(),
        kpn_reference: format!("KPN-{number}"),
        context_name: seeded.context_name,
        ordered_by: seeded.by.1.to_owned(),
        receiver: seeded.receiver,
        msisdn: seeded.msisdn,
        sim: seeded.sim,
        starts_at: created_at,
        change: seeded.change,
        note,
        held,
    };
    kpn_repo::insert_record(conn, org_number, &record).await?;
    Ok(())
}
