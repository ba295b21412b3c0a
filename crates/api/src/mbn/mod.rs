//! The Mobilt Bedriftsnett partner APIs (Catalog, User, Queue; the discontinued End User API)
//! in the Telenor dialect: same tokens, same error envelope.

pub mod absences;
pub mod agents;
pub mod calls;
pub mod catalog;
pub mod contact_batch;
pub mod contacts;
pub mod csta;
pub mod enduser;
pub mod fields;
pub mod forwarding;
pub mod members;
pub mod queue_status;
pub mod queues;
pub mod status;
pub mod stream;

use axum::Router;
use axum::routing::{any, delete, get, post, put};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalog/userInfo", get(catalog::user_info))
        .route(
            "/catalog/enterprises/{enterpriseId}",
            get(catalog::enterprise),
        )
        .route(
            "/catalog/groups/{groupId}/enterprise",
            get(catalog::group_enterprise),
        )
        .route(
            "/catalog/enterprises/{enterpriseId}/numbering-plan",
            get(catalog::numbering_plan).put(catalog::replace_numbering_plan),
        )
        .route(
            "/catalog/enterprises/{enterpriseId}/members",
            get(members::search),
        )
        .route(
            "/catalog/members/{memberId}",
            get(members::get_one).put(members::update),
        )
        .route(
            "/user/users/{memberId}/absences",
            get(absences::list).post(absences::create),
        )
        .route(
            "/user/users/{memberId}/absences/{absenceId}",
            get(absences::get_one)
                .put(absences::replace)
                .delete(absences::delete),
        )
        .route(
            "/user/users/{memberId}/call-forwarding",
            get(forwarding::get_one).put(forwarding::update),
        )
        .route(
            "/catalog/contacts",
            get(contacts::list).post(contacts::create),
        )
        .route("/catalog/contacts/batch", post(contact_batch::batch))
        .route(
            "/catalog/contacts/{contactId}",
            get(contacts::get_one)
                .put(contacts::update)
                .delete(contacts::delete),
        )
        .route("/queue/queues", get(queues::list).post(queues::create))
        .route(
            "/queue/queues/{queueId}",
            get(queues::get_one)
                .put(queues::update)
                .delete(queues::delete),
        )
        .route(
            "/queue/queues/{queueId}/agents",
            get(agents::list).post(agents::add),
        )
        .route(
            "/queue/queues/{queueId}/agents/{memberId}",
            delete(agents::remove),
        )
        .route(
            "/queue/queues/{queueId}/agents/{memberId}/state",
            put(agents::set_state),
        )
        .route("/queue/queues/{queueId}/status", get(queue_status::status))
        .route("/queue/agents", get(agents::search))
        .route("/status/token", post(csta::status_token))
        .route("/status/users/{memberId}", get(status::user))
        .route(
            "/status/enterprises/{enterpriseId}/users",
            get(status::enterprise_users),
        )
        .route("/status/terminals/{terminalId}", put(status::set_terminal))
        .route("/csta/authentication/token", post(csta::login))
        .route("/csta/monitors", post(csta::start))
        .route(
            "/csta/monitors/{crossRefId}",
            put(csta::renew).delete(csta::stop),
        )
        .route("/csta/monitors/{crossRefId}/snapshot", get(csta::snapshot))
        .route("/csta/monitors/{crossRefId}/events", get(csta::events))
        .route("/csta/calls", post(calls::make_call))
        .route("/csta/calls/transfer", post(calls::transfer))
        .route("/csta/calls/conference", post(calls::conference))
        .route("/csta/calls/{callId}/answer", post(calls::answer))
        .route("/csta/calls/{callId}/clear", post(calls::clear))
        .route("/csta/calls/{callId}/hold", post(calls::hold))
        .route("/csta/calls/{callId}/retrieve", post(calls::retrieve))
        .route("/csta/calls/{callId}/deflect", post(calls::deflect))
        .route(
            "/csta/calls/{callId}/single-step-transfer",
            post(calls::single_step_transfer),
        )
        .route(
            "/csta/calls/{callId}/consultation",
            post(calls::consultation),
        )
        .route(
            "/csta/devices/{device}/forwarding",
            get(calls::get_forwarding).put(calls::set_forwarding),
        )
        .route(
            "/csta/devices/{device}/agent-state",
            put(calls::set_agent_state),
        )
        .route(
            "/csta/devices/{device}/snapshot",
            get(calls::device_snapshot),
        )
        .route("/enduser", any(enduser::discontinued))
        .route("/enduser/{*rest}", any(enduser::discontinued))
}
