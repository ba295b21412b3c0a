//! The onboarding portal's logins and sessions, the operator's back office and the dealer
//! ordering system.

pub mod back_office;
pub mod dealer;
mod logins;
pub mod min_bedrift;
mod sessions;

pub use logins::{
    insert_login, login, login_by_administrator, login_by_name, logins_of_org, record_failed_login,
    record_successful_login, set_login_password,
};
pub use sessions::{
    delete_expired_sessions, delete_session, delete_sessions_of_login, insert_session,
    mark_reauthenticated, session, touch_session,
};
