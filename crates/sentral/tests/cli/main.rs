//! The admin command line, end to end: the real `sentral` binary against a fresh data dir.
//!
//! Interface under test: `sentral --data-dir DIR admin [--json] <command>`. Each test has its own
//! data dir (the embedded store takes a lock on it), so the commands of one test run in order.

mod cluster_events;
mod cluster_faults;
mod cluster_support;
mod cluster_three_nodes;
mod cluster_tokens;
mod demo;
mod durability;
mod seed;
mod support;

use sentral_domain::ApiProduct;
use support::{DataDir, labelled, text_at};

const PARTNER_ORG: &str = "914742315";
const PARTNER_NAME: &str = "Acme Software AS";
const CUSTOMER_ORG: &str = "987654325";
const AGREEMENT: &str = "20000001";
const CONTACT_MOBILE: &str = "99000002";
/// `CONTACT_MOBILE` as the platform stores it: with the country code.
const CONTACT_MSISDN: &str = "4799000002";

fn create_partner(dir: &DataDir) {
    dir.admin(&[
        "partner",
        "create",
        "--org-number",
        PARTNER_ORG,
        "--name",
        PARTNER_NAME,
        "--admin-name",
        "Ada Acme",
        "--admin-email",
        "ada@acme.no",
    ])
    .ok()
    .assert_stdout_contains(PARTNER_NAME)
    .assert_stdout_contains(PARTNER_ORG);
}

/// The system user name (`api` + 10 digits) in a line of output.
fn username_in(output: &str) -> String {
    output
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|word| {
            word.len() == 13
                && word.starts_with("api")
                && word[3..].bytes().all(|b| b.is_ascii_digit())
        })
        .unwrap_or_else(|| panic!("no system user name in:\n{output}"))
        .to_owned()
}

/// The cells of the line of a price list that starts with `first`.
fn price_row(output: &str, first: &str) -> Vec<String> {
    output
        .lines()
        .map(|line| {
            line.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .find(|cells| cells.first().is_some_and(|cell| cell == first))
        .unwrap_or_else(|| panic!("no price line for {first} in:\n{output}"))
}

#[test]
fn a_partner_takes_a_pilot_to_production() {
    let dir = DataDir::new("journey");
    create_partner(&dir);

    let agreement = dir
        .admin_json(&[
            "agreement",
            "create",
            "--id",
            AGREEMENT,
            "--org-number",
            CUSTOMER_ORG,
            "--org-name",
            "Kunde AS",
            "--valid-from",
            "2024-01-01",
        ])
        .ok()
        .json();
    assert_eq!(agreement["id"], AGREEMENT, "{agreement:#}");
    assert_eq!(agreement["org_number"], CUSTOMER_ORG, "{agreement:#}");
    assert_eq!(agreement["status"], "ACTIVE", "{agreement:#}");
    assert_eq!(
        agreement["category"], "Mobilt Bedriftsnett avtale",
        "{agreement:#}"
    );
    assert_eq!(agreement["valid_from"], "2024-01-01", "{agreement:#}");
    assert_eq!(agreement["internal_number_length"], 3, "{agreement:#}");

    // A pilot application; its secret is in the JSON document this once.
    let issued = dir
        .admin_json(&[
            "app",
            "create",
            "--partner",
            PARTNER_ORG,
            "--name",
            "Switch Board",
            "--products",
            "mbn-user,mbn-queue",
            "--billing-account",
            "55000002",
            "--owner",
            "Ada Acme",
        ])
        .ok()
        .json();
    let app_id = text_at(&issued, "/app/id");
    let client_id = text_at(&issued, "/client_id");
    let secret = text_at(&issued, "/client_secret");
    assert!(app_id.starts_with("app_"), "{issued:#}");
    assert!(client_id.len() >= 3, "{issued:#}");
    assert!(secret.len() >= 32, "a secret should be long: {issued:#}");
    assert_eq!(issued["app"]["kind"], "pilot", "{issued:#}");
    assert_eq!(issued["app"]["owner"], "Ada Acme", "{issued:#}");
    assert_eq!(issued["app"]["billing_account"], "55000002", "{issued:#}");
    assert_eq!(
        issued["app"]["products"],
        serde_json::json!(["mbn-user", "mbn-queue"])
    );

    // Listed and shown with its client id, never with its secret.
    let list = dir.admin(&["app", "list"]).ok();
    list.assert_stdout_contains(&app_id)
        .assert_stdout_contains(&client_id)
        .assert_stdout_contains("Switch Board")
        .assert_stdout_contains(PARTNER_NAME);
    assert!(
        !list.stdout.contains(&secret),
        "app list printed the secret:\n{}",
        list.stdout
    );
    let apps = dir
        .admin_json(&["app", "list", "--partner", PARTNER_ORG])
        .ok()
        .json();
    let apps = apps.as_array().expect("app list --json is an array");
    assert_eq!(apps.len(), 1, "{apps:#?}");
    assert_eq!(apps[0]["id"], app_id.as_str());
    assert_eq!(apps[0]["partner_name"], PARTNER_NAME);
    assert_eq!(apps[0]["client_ids"], serde_json::json!([client_id]));
    let show = dir.admin(&["app", "show", &app_id]).ok();
    show.assert_stdout_contains(&client_id)
        .assert_stdout_contains("pilot");
    assert!(
        !show.stdout.contains(&secret),
        "app show printed the secret:\n{}",
        show.stdout
    );

    // A system user: its name is printed, its password goes by SMS only.
    let created = dir
        .admin(&[
            "system-user",
            "create",
            "--partner",
            PARTNER_ORG,
            "--agreement",
            AGREEMENT,
            "--contact-name",
            "Ada Acme",
            "--contact-mobile",
            CONTACT_MOBILE,
            "--contact-email",
            "ada@acme.no",
            "--company",
            CUSTOMER_ORG,
        ])
        .ok();
    let username = username_in(&created.stdout);
    assert!(
        created
            .stdout
            .to_lowercase()
            .contains(&format!("password sent by sms to {CONTACT_MSISDN}")),
        "{}",
        created.describe()
    );
    created.assert_stdout_contains(CUSTOMER_ORG);

    let granted = dir
        .admin_json(&["system-user", "grant", &username, "--account", "1234"])
        .ok()
        .json();
    assert_eq!(granted["username"], username.as_str(), "{granted:#}");
    assert_eq!(
        granted["grants"]["accounts"],
        serde_json::json!(["1234"]),
        "{granted:#}"
    );
    assert_eq!(
        granted["grants"]["companies"],
        serde_json::json!([CUSTOMER_ORG]),
        "{granted:#}"
    );
    assert!(granted.get("password_hash").is_none(), "{granted:#}");

    let sent = dir.admin(&["system-user", "send-password", &username]).ok();
    sent.assert_stdout_contains(&username)
        .assert_stdout_contains(CONTACT_MSISDN);
    let sent = dir
        .admin_json(&["system-user", "send-password", &username])
        .ok()
        .json();
    assert_eq!(sent["password_sent_to"], CONTACT_MSISDN, "{sent:#}");

    // Verification: the production price list of the application's products, with totals.
    let quote = dir.admin(&["app", "request-verification", &app_id]).ok();
    let (user_monthly, user_establishment) = ApiProduct::MbnUser.production_prices_nok();
    let (queue_monthly, queue_establishment) = ApiProduct::MbnQueue.production_prices_nok();
    assert_eq!(
        price_row(&quote.stdout, "mbn-user"),
        [
            "mbn-user".to_owned(),
            user_monthly.to_string(),
            user_establishment.to_string()
        ]
    );
    assert_eq!(
        price_row(&quote.stdout, "mbn-queue"),
        [
            "mbn-queue".to_owned(),
            queue_monthly.to_string(),
            queue_establishment.to_string()
        ]
    );
    assert_eq!(
        price_row(&quote.stdout, "Total"),
        [
            "Total".to_owned(),
            (user_monthly + queue_monthly).to_string(),
            (user_establishment + queue_establishment).to_string()
        ]
    );
    let shown = dir.admin_json(&["app", "show", &app_id]).ok().json();
    assert_eq!(shown["verification"], "requested", "{shown:#}");

    // Approval: a production application with new credentials and a Connect service.
    let approval = dir
        .admin(&["app", "approve", &app_id, "--solution", "Switch Board"])
        .ok();
    let service = labelled(&approval.stdout, "Connect service:");
    assert!(service.starts_with("Connect"), "{}", approval.describe());
    assert_eq!(service, "ConnectAcmeSoftwareASSwitchBoard");
    let production_client = labelled(&approval.stdout, "Client id:");
    let production_secret = labelled(&approval.stdout, "Client secret:");
    assert_ne!(production_client, client_id);
    assert!(production_secret.len() >= 32, "{}", approval.describe());
    approval.assert_stdout_contains("shown only this once");

    let apps = dir.admin_json(&["app", "list"]).ok().json();
    let apps = apps.as_array().expect("app list --json is an array");
    let production = apps
        .iter()
        .find(|app| app["kind"] == "production")
        .unwrap_or_else(|| panic!("no production application in {apps:#?}"));
    assert_eq!(production["pilot_id"], app_id.as_str(), "{production:#}");
    assert_eq!(
        production["client_ids"],
        serde_json::json!([production_client])
    );
    let pilot = apps
        .iter()
        .find(|app| app["id"] == app_id.as_str())
        .expect("the pilot");
    assert_eq!(pilot["verification"], "approved", "{pilot:#}");

    // A dealer adds the Connect service to the customer's agreement, once.
    let added = dir
        .admin(&[
            "connect",
            "add",
            "--service",
            &service,
            "--agreement",
            AGREEMENT,
        ])
        .ok();
    added
        .assert_stdout_contains(&service)
        .assert_stdout_contains(AGREEMENT);
    let again = dir
        .admin(&[
            "connect",
            "add",
            "--service",
            &service,
            "--agreement",
            AGREEMENT,
        ])
        .failed();
    assert!(again.stderr.contains("already"), "{}", again.describe());
}

#[test]
fn secrets_are_shown_once_and_rotation_replaces_them() {
    let dir = DataDir::new("secrets");
    create_partner(&dir);

    let created = dir
        .admin(&[
            "app",
            "create",
            "--partner",
            PARTNER_ORG,
            "--name",
            "Fleet",
            "--products",
            "kpn-msm",
        ])
        .ok();
    created
        .assert_stdout_contains("shown only this once")
        .assert_stdout_contains("kpn-msm");
    let app_id = labelled(&created.stdout, "Application id:");
    let client_id = labelled(&created.stdout, "Client id:");
    let secret = labelled(&created.stdout, "Client secret:");
    assert!(secret.len() >= 32, "{}", created.describe());

    let show = dir.admin_json(&["app", "show", &app_id]).ok();
    assert!(
        !show.stdout.contains(&secret),
        "app show printed the secret:\n{}",
        show.stdout
    );
    assert_eq!(show.json()["client_ids"], serde_json::json!([client_id]));

    let rotated = dir.admin(&["app", "rotate-secret", &app_id]).ok();
    rotated.assert_stdout_contains("shown only this once");
    assert_eq!(labelled(&rotated.stdout, "Client id:"), client_id);
    let new_secret = labelled(&rotated.stdout, "Client secret:");
    assert_ne!(new_secret, secret);

    let rotated = dir
        .admin_json(&["app", "rotate-secret", &app_id])
        .ok()
        .json();
    assert_eq!(rotated["client_id"], client_id.as_str(), "{rotated:#}");
    let newest = text_at(&rotated, "/client_secret");
    assert!(newest != new_secret && newest != secret, "{rotated:#}");

    // With an overlap the old secret keeps working a while; the key the secrets are sealed
    // with was generated into the data directory, private.
    let overlapping = dir
        .admin(&["app", "rotate-secret", &app_id, "--keep-old-for", "2h"])
        .ok();
    overlapping.assert_stdout_contains("the old secret works until");
    let too_long = dir
        .admin(&["app", "rotate-secret", &app_id, "--keep-old-for", "31d"])
        .failed();
    assert!(
        too_long.stderr.contains("at most 30 days"),
        "{}",
        too_long.describe()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = std::fs::metadata(dir.path().join("seal.key")).unwrap();
        assert_eq!(key.permissions().mode() & 0o777, 0o600);
    }

    // A pilot is approved only after verification was requested.
    let early = dir
        .admin(&["app", "approve", &app_id, "--solution", "Fleet"])
        .failed();
    assert!(
        early.stderr.contains("not a pilot awaiting verification"),
        "{}",
        early.describe()
    );
    assert!(early.stdout.is_empty(), "{}", early.describe());
}

#[test]
fn an_invalid_org_number_is_rejected_naming_the_flag() {
    let dir = DataDir::new("invalid");
    let run = dir
        .admin(&[
            "partner",
            "create",
            "--org-number",
            "914742316",
            "--name",
            PARTNER_NAME,
            "--admin-name",
            "Ada Acme",
            "--admin-email",
            "ada@acme.no",
        ])
        .failed();
    assert!(run.stderr.contains("--org-number"), "{}", run.describe());
    assert!(run.stderr.contains("914742316"), "{}", run.describe());
    assert!(run.stderr.contains("check digit"), "{}", run.describe());
    assert!(run.stdout.is_empty(), "{}", run.describe());

    let run = dir
        .admin(&[
            "app",
            "create",
            "--partner",
            "12345",
            "--name",
            "X",
            "--products",
            "mbn-user",
        ])
        .failed();
    assert!(run.stderr.contains("--partner"), "{}", run.describe());

    let run = dir
        .admin(&[
            "app",
            "create",
            "--partner",
            PARTNER_ORG,
            "--name",
            "X",
            "--products",
            "mbn-all",
        ])
        .failed();
    assert!(run.stderr.contains("--products"), "{}", run.describe());
    assert!(
        run.stderr.contains("mbn-user"),
        "the known products are listed: {}",
        run.describe()
    );

    let run = dir.admin(&["system-user", "send-password", "bob"]).failed();
    assert!(run.stderr.contains("api"), "{}", run.describe());

    // Nothing was created by the rejected commands.
    let apps = dir.admin_json(&["app", "list"]).ok().json();
    assert_eq!(apps, serde_json::json!([]));
}

#[test]
fn unknown_things_say_what_to_do_next() {
    let dir = DataDir::new("unknown");
    let run = dir.admin(&["app", "show", "app_0000000000000000"]).failed();
    assert!(
        run.stderr.contains("app_0000000000000000 not found"),
        "{}",
        run.describe()
    );
    assert!(
        run.stderr.contains("sentral admin app list"),
        "{}",
        run.describe()
    );

    let run = dir
        .admin(&[
            "app",
            "create",
            "--partner",
            PARTNER_ORG,
            "--name",
            "X",
            "--products",
            "mbn-user",
        ])
        .failed();
    assert!(run.stderr.contains(PARTNER_ORG), "{}", run.describe());
    assert!(run.stderr.contains("partner create"), "{}", run.describe());

    let run = dir
        .admin(&[
            "connect",
            "add",
            "--service",
            "ConnectNobody",
            "--agreement",
            AGREEMENT,
        ])
        .failed();
    assert!(
        run.stderr.contains("ConnectNobody not found"),
        "{}",
        run.describe()
    );
    assert!(run.stderr.contains("app approve"), "{}", run.describe());
}
