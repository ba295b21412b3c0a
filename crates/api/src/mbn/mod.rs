//! The Mobilt Bedriftsnett partner APIs (Catalog, User, Queue; the discontinued End User API)
//! in the Telenor dialect: same tokens, same error envelope.

pub mod absences;
pub mod agents;
pub mod catalog;
pub mod contact_batch;
pub mod contacts;
pub mod enduser;
pub mod fields;
pub mod forwarding;
pub mod members;
pub mod queues;
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
        .route("/queue/agents", get(agents::search))
        .route("/enduser", any(enduser::discontinued))
        .route("/enduser/{*rest}", any(enduser::discontinued))
}
