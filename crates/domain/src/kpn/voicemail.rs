//! Business voicemail (KPN part 3): one voicemail box for the subscriptions of a CSV file.

use serde::{Deserialize, Serialize};

/// What `POST /contracting/bvm/order` does when its order finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoicemailChange {
    pub company_name: String,
    pub company_name_pronunciation: String,
    /// `EN` or `NL`.
    pub voice_language: String,
    pub voice_mail_message: String,
    /// The contracts of the file's subscriptions.
    pub contract_ids: Vec<i64>,
}
