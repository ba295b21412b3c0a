use sentral_domain::{ApiProduct, EntityId, OrgNumber, SystemUserName};
use sentral_services::platform::Actor;
use sentral_store::{Store, StoreError, StoreLocation};
use serde_json::Value;

use crate::harness::{TestServer, expect_telenor_error, sandbox_config};

fn org(number: &str) -> OrgNumber {
    OrgNumber::parse(number).unwrap()
}

#[tokio::test]
async fn restart_keeps_data_and_does_not_reseed() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_on_dir(dir.path().to_owned(), sandbox_config()).await;
    let token = server.demo_token().await;
    server.stop().await;
    let server = TestServer::start_on_dir(dir.path().to_owned(), sandbox_config()).await;
    assert_eq!(
        server
            .get("/organizations/v1/organizations", &token)
            .await
            .status(),
        200,
        "token survives"
    );
    let sms: Value = server
        .http
        .get(server.url("/sandbox/v1/sms"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        sms.as_array().unwrap().len(),
        1,
        "the demo world was not seeded twice: {sms}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_second_process_on_the_same_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let location = StoreLocation::SqliteDir(dir.path().to_owned());
    let first = Store::open(&location).await.unwrap();
    let second = Store::open(&location).await;
    assert!(
        matches!(second, Err(StoreError::DataDirInUse(_))),
        "{:?}",
        second.err()
    );
    first.close().await;
}

#[tokio::test]
async fn send_password_puts_an_sms_in_the_outbox_and_the_old_password_stops_working() {
    let server = TestServer::demo().await;
    let old_token = server.demo_token().await;
    let username = SystemUserName::parse("api0000000001").unwrap();
    server
        .platform
        .send_new_password(&Actor::cli(), &username)
        .await
        .unwrap();
    let sms: Value = server
        .http
        .get(server.url("/sandbox/v1/sms"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let newest = &sms[0];
    assert_eq!(newest["to"], "4799000001");
    let text = newest["text"].as_str().unwrap();
    let new_password = text.rsplit(' ').next().unwrap();
    assert_ne!(new_password, "demo-password");
    let old = server
        .password_token(
            "demo-client",
            "demo-secret",
            "api0000000001",
            "demo-password",
        )
        .await;
    expect_telenor_error(old, 400, 40011).await;
    let new = server
        .password_token("demo-client", "demo-secret", "api0000000001", new_password)
        .await;
    assert_eq!(new.status(), 200);
    expect_telenor_error(
        server
            .get("/organizations/v1/organizations", &old_token)
            .await,
        401,
        40105,
    )
    .await;
    server.stop().await;
}

/// A second partner with its own customer: neither sees the other's data, and a system user
/// cannot be used with another partner's client.
#[tokio::test]
async fn partners_are_isolated_from_each_other() {
    for server in TestServer::every_backend().await {
        let other = server
            .other_partner(vec![ApiProduct::MobileSubscriptionOrder])
            .await;
        let (client, secret, username) = (&other.client_id, &other.client_secret, &other.username);
        assert_eq!(username, "api0000000002");
        let token = serde_json::json!({ "access_token": other.token(&server).await });
        let seen: Value = server
            .get(
                "/organizations/v1/organizations",
                token["access_token"].as_str().unwrap(),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            seen,
            serde_json::json!([{"organizationNumber": "920000029", "name": "Other Customer AS"}]),
            "{}",
            server.name
        );

        let crossed = server
            .password_token(
                client.as_str(),
                secret.as_str(),
                "api0000000001",
                "demo-password",
            )
            .await;
        expect_telenor_error(crossed, 400, 40011).await;
        let crossed = server
            .password_token(
                "demo-client",
                "demo-secret",
                username.as_str(),
                "other-password",
            )
            .await;
        expect_telenor_error(crossed, 400, 40011).await;
        server.stop().await;
    }
}

/// Pilot → verification → approval → Connect service added by a dealer → the production
/// application reaches the customer, and only then.
#[tokio::test]
async fn an_approved_pilot_reaches_customers_through_its_connect_service() {
    let server = TestServer::demo().await;
    let cli = Actor::cli();
    let platform = &server.platform;
    let pilot = platform
        .list_applications(Some(&org("920000002")))
        .await
        .unwrap();
    let pilot = pilot
        .iter()
        .find(|view| {
            view.client_ids
                .iter()
                .any(|id| id.as_str() == "demo-client")
        })
        .unwrap();
    let quote = platform
        .request_verification(&cli, &pilot.app.id)
        .await
        .unwrap();
    assert_eq!(quote.lines.len(), 7);
    assert_eq!(
        quote.monthly_total_nok,
        quote
            .lines
            .iter()
            .map(|line| line.monthly_price_nok)
            .sum::<u32>()
    );
    let approval = platform
        .approve(&cli, &pilot.app.id, "Switch Board")
        .await
        .unwrap();
    assert_eq!(
        approval.connect_service.name,
        "ConnectDemoPartnerASSwitchBoard"
    );
    let production = approval.production;
    let client = production.client_id.to_string();
    let secret = production.client_secret.expose().to_owned();
    let token = || async {
        let body: Value = server
            .password_token(
                client.as_str(),
                secret.as_str(),
                "api0000000001",
                "demo-password",
            )
            .await
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    };
    let before: Value = server
        .get("/organizations/v1/organizations", &token().await)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        before,
        serde_json::json!([]),
        "no customer carries the Connect service yet"
    );
    platform
        .add_connect_service(&cli, &approval.connect_service.name, "10000001")
        .await
        .unwrap();
    let after: Value = server
        .get("/organizations/v1/organizations", &token().await)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after.as_array().unwrap().len(), 2, "{after}");
    assert!(
        platform
            .approve(&cli, &EntityId::new(pilot.app.id.as_str()), "Again")
            .await
            .is_err(),
        "approved once"
    );
    server.stop().await;
}
