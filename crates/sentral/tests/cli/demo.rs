//! The admin command line over the demo world that `sentral serve --demo` seeds.

use sentral_domain::ApiProduct;

use crate::support::{DataDir, labelled};

const DEMO_PARTNER: &str = "Demo Partner AS";
const DEMO_PARTNER_ORG: &str = "920000002";
const DEMO_AGREEMENT: &str = "10000001";
const DEMO_CLIENT_ID: &str = "demo-client";
const DEMO_SYSTEM_USER: &str = "api0000000001";

#[test]
fn the_demo_pilot_is_verified_approved_and_connected() {
    let dir = DataDir::new("demo");
    dir.seed_demo_world();

    let apps = dir
        .admin_json(&["app", "list", "--partner", DEMO_PARTNER_ORG])
        .ok()
        .json();
    let apps = apps.as_array().expect("app list --json is an array");
    let pilot = apps
        .iter()
        .find(|app| app["client_ids"] == serde_json::json!([DEMO_CLIENT_ID]))
        .unwrap_or_else(|| panic!("no application with client id {DEMO_CLIENT_ID}: {apps:#?}"));
    let app_id = pilot["id"].as_str().expect("an application id").to_owned();
    assert_eq!(pilot["partner_name"], DEMO_PARTNER, "{pilot:#}");

    // The demo pilot holds every product: the price list has a line for each and their sums.
    let quote = dir
        .admin_json(&["app", "request-verification", &app_id])
        .ok()
        .json();
    let lines = quote["lines"].as_array().expect("price lines");
    assert_eq!(lines.len(), ApiProduct::ALL.len(), "{quote:#}");
    let monthly: u32 = ApiProduct::ALL
        .iter()
        .map(|p| p.production_prices_nok().0)
        .sum();
    let establishment: u32 = ApiProduct::ALL
        .iter()
        .map(|p| p.production_prices_nok().1)
        .sum();
    assert_eq!(quote["monthly_total_nok"], monthly, "{quote:#}");
    assert_eq!(quote["establishment_total_nok"], establishment, "{quote:#}");
    assert_eq!(quote["status"], "requested", "{quote:#}");

    let approval = dir
        .admin(&["app", "approve", &app_id, "--solution", "Switch Board"])
        .ok();
    let service = labelled(&approval.stdout, "Connect service:");
    assert_eq!(
        service,
        "ConnectDemoPartnerASSwitchBoard",
        "{}",
        approval.describe()
    );

    let added = dir
        .admin(&[
            "connect",
            "add",
            "--service",
            &service,
            "--agreement",
            DEMO_AGREEMENT,
        ])
        .ok();
    added
        .assert_stdout_contains(&service)
        .assert_stdout_contains(DEMO_AGREEMENT);
}

#[test]
fn the_demo_system_user_gets_a_new_password_by_sms() {
    let dir = DataDir::new("demo-password");
    dir.seed_demo_world();

    let sent = dir
        .admin(&["system-user", "send-password", DEMO_SYSTEM_USER])
        .ok();
    sent.assert_stdout_contains(DEMO_SYSTEM_USER)
        .assert_stdout_contains("4799000001");
    assert!(
        !sent.stdout.contains("demo-password"),
        "{}",
        sent.describe()
    );

    // A second system user on the demo agreement takes the next free name.
    let created = dir
        .admin_json(&[
            "system-user",
            "create",
            "--partner",
            DEMO_PARTNER_ORG,
            "--agreement",
            DEMO_AGREEMENT,
            "--contact-name",
            "Per Partner",
            "--contact-mobile",
            "+47 990 00 003",
            "--contact-email",
            "per@demopartner.no",
            "--company",
            "930000019",
        ])
        .ok()
        .json();
    assert_eq!(
        created["system_user"]["username"], "api0000000002",
        "{created:#}"
    );
    assert_eq!(created["password_sent_to"], "4799000003", "{created:#}");
    assert_eq!(
        created["system_user"]["grants"]["companies"],
        serde_json::json!(["930000019"])
    );
}
