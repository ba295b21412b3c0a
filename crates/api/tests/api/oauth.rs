use serde_json::Value;

use crate::harness::{TestServer, expect_telenor_error};

#[tokio::test]
async fn a_real_clients_password_grant_gets_a_string_expires_in() {
    for server in TestServer::every_backend().await {
        let response = server
            .password_token(
                "demo-client",
                "demo-secret",
                "api0000000001",
                "demo-password",
            )
            .await;
        assert_eq!(response.status(), 200, "{}", server.name);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(
            body["expires_in"], "3599",
            "expires_in is a string of digits"
        );
        let token = body["access_token"].as_str().unwrap();
        assert_eq!(token.len(), 40);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        server.stop().await;
    }
}

#[tokio::test]
async fn wrong_client_secret_is_40108_and_unknown_client_too() {
    let server = TestServer::demo().await;
    let wrong = server
        .password_token("demo-client", "nope", "api0000000001", "demo-password")
        .await;
    expect_telenor_error(wrong, 401, 40108).await;
    let unknown = server
        .password_token("no-such-client", "x", "api0000000001", "demo-password")
        .await;
    expect_telenor_error(unknown, 401, 40108).await;
    server.stop().await;
}

#[tokio::test]
async fn token_request_without_authorization_is_40102() {
    let server = TestServer::demo().await;
    let response = server
        .http
        .post(server.url("/oauth/v2/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    expect_telenor_error(response, 401, 40102).await;
    server.stop().await;
}

#[tokio::test]
async fn a_form_body_client_may_not_use_basic_40107() {
    let server = TestServer::demo().await;
    let response = server
        .http
        .post(server.url("/oauth/v2/token"))
        .basic_auth("demo-kpn-client", Some("demo-kpn-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let body = expect_telenor_error(response, 401, 40107).await;
    assert_eq!(body["error"], "unauthorized_client");
    server.stop().await;
}

#[tokio::test]
async fn wrong_password_and_unsupported_grant_are_oauth_errors() {
    let server = TestServer::demo().await;
    let wrong = server
        .password_token("demo-client", "demo-secret", "api0000000001", "guess")
        .await;
    let body = expect_telenor_error(wrong, 400, 40011).await;
    assert_eq!(body["error"], "invalid_grant");
    let unsupported = server
        .http
        .post(server.url("/oauth/v2/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "implicit")])
        .send()
        .await
        .unwrap();
    expect_telenor_error(unsupported, 400, 40012).await;
    let missing = server
        .http
        .post(server.url("/oauth/v2/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "password"), ("username", "api0000000001")])
        .send()
        .await
        .unwrap();
    let body = expect_telenor_error(missing, 400, 40010).await;
    assert!(
        body["detail"].as_str().unwrap().contains("password"),
        "{body}"
    );
    let json_body = server
        .http
        .post(server.url("/oauth/v2/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .json(&serde_json::json!({"grant_type": "password"}))
        .send()
        .await
        .unwrap();
    expect_telenor_error(json_body, 415, 41500).await;
    server.stop().await;
}

#[tokio::test]
async fn refresh_rotates_and_a_replayed_refresh_token_ends_the_chain() {
    let server = TestServer::demo().await;
    let first: Value = server
        .password_token(
            "demo-client",
            "demo-secret",
            "api0000000001",
            "demo-password",
        )
        .await
        .json()
        .await
        .unwrap();
    let refresh = first["refresh_token"].as_str().unwrap().to_owned();
    let refresh_request = |token: String| {
        server
            .http
            .post(server.url("/oauth/v2/token"))
            .basic_auth("demo-client", Some("demo-secret"))
            .form(&[
                ("grant_type", "refresh_token".to_owned()),
                ("refresh_token", token),
            ])
            .send()
    };
    let second = refresh_request(refresh.clone()).await.unwrap();
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.unwrap();
    let new_access = second["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        server
            .get("/organizations/v1/organizations", &new_access)
            .await
            .status(),
        200
    );

    expect_telenor_error(refresh_request(refresh).await.unwrap(), 400, 40011).await;
    let revoked = server
        .get("/organizations/v1/organizations", &new_access)
        .await;
    expect_telenor_error(revoked, 401, 40105).await;
    server.stop().await;
}

#[tokio::test]
async fn logout_answers_ok_and_revokes_the_token() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let response = server
        .http
        .get(server.url("/oauth/v2/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "OK!");
    expect_telenor_error(
        server.get("/organizations/v1/organizations", &token).await,
        401,
        40105,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn authorization_code_flow_logs_in_an_end_user() {
    let server = TestServer::demo().await;
    let redirect = "http://localhost:9999/callback";
    let page = server
        .http
        .get(server.url("/oauth/v2/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "demo-client"),
            ("redirect_uri", redirect),
            ("state", "xyz<"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<form") && html.contains("Demo Switchboard"),
        "{html}"
    );
    assert!(html.contains("xyz&lt;"), "state is escaped");

    let login = |password: &'static str| {
        server
            .http
            .post(server.url("/oauth/v2/authorize"))
            .form(&[
                ("client_id", "demo-client"),
                ("redirect_uri", redirect),
                ("state", "xyz"),
                ("username", "91000001"),
                ("password", password),
            ])
            .send()
    };
    assert_eq!(login("wrong").await.unwrap().status(), 401);
    let accepted = login("demo-user-password").await.unwrap();
    assert_eq!(accepted.status(), 302);
    let location = accepted.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(redirect) && location.ends_with("&state=xyz"),
        "{location}"
    );
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();

    let exchange = |code: String| {
        server
            .http
            .post(server.url("/oauth/v2/token"))
            .basic_auth("demo-client", Some("demo-secret"))
            .form(&[
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("redirect_uri", redirect.to_owned()),
            ])
            .send()
    };
    let tokens = exchange(code.clone()).await.unwrap();
    assert_eq!(tokens.status(), 200);
    let tokens: Value = tokens.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let organizations: Value = server
        .get("/organizations/v1/organizations", access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        organizations[0]["organizationNumber"], "930000000",
        "the end user's company only"
    );
    assert_eq!(organizations.as_array().unwrap().len(), 1);
    expect_telenor_error(exchange(code).await.unwrap(), 400, 40011).await;
    server.stop().await;
}

#[tokio::test]
async fn repeated_failed_authentications_are_throttled_with_retry_after() {
    let server = TestServer::demo().await;
    let limit = server.platform.config().login_throttle.max_failures;
    assert!(limit > 0, "the throttle is on by default");
    let retry_after = |response: &reqwest::Response| -> u64 {
        response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };

    // Successful grants never count.
    for _ in 0..=limit {
        server.demo_token().await;
    }

    // A client secret guessed `limit` times: the next attempt is refused, even the right one.
    for _ in 0..limit {
        let wrong = server
            .password_token("demo-client", "guess", "api0000000001", "demo-password")
            .await;
        expect_telenor_error(wrong, 401, 40108).await;
    }
    let locked = server
        .password_token(
            "demo-client",
            "demo-secret",
            "api0000000001",
            "demo-password",
        )
        .await;
    assert!(retry_after(&locked) >= 1);
    expect_telenor_error(locked, 429, 42902).await;

    // Another client is not affected; the KPN endpoint answers in the KPN envelope.
    let kpn_attempt = |secret: &'static str| {
        server
            .http
            .post(server.url("/oauth/grip/msm/accesstoken?grant_type=client_credentials"))
            .form(&[("client_id", "demo-kpn-client"), ("client_secret", secret)])
            .send()
    };
    assert_eq!(kpn_attempt("demo-kpn-secret").await.unwrap().status(), 200);
    for _ in 0..limit {
        assert_eq!(kpn_attempt("guess").await.unwrap().status(), 500);
    }
    let kpn_locked = kpn_attempt("demo-kpn-secret").await.unwrap();
    assert_eq!(kpn_locked.status(), 429);
    assert!(retry_after(&kpn_locked) >= 1);
    let body: Value = kpn_locked.json().await.unwrap();
    assert_eq!(body["name"], "too_many_requests", "{body}");
    assert!(body["transactionId"].is_string(), "{body}");

    // A password guessed `limit` times locks that user name, through a client that still works.
    server.platform.reset_sandbox().await.unwrap();
    for _ in 0..limit {
        let wrong = server
            .password_token("demo-client", "demo-secret", "api0000000001", "guess")
            .await;
        expect_telenor_error(wrong, 400, 40011).await;
    }
    let user_locked = server
        .password_token(
            "demo-client",
            "demo-secret",
            "api0000000001",
            "demo-password",
        )
        .await;
    expect_telenor_error(user_locked, 429, 42902).await;
    let client_credentials = server
        .http
        .post(server.url("/oauth/v2/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        client_credentials.status(),
        200,
        "the client itself is fine"
    );

    // The lock ends with the window.
    let window = server.platform.config().login_throttle.window_seconds;
    server.advance_clock(window).await;
    assert_eq!(
        server
            .password_token(
                "demo-client",
                "demo-secret",
                "api0000000001",
                "demo-password"
            )
            .await
            .status(),
        200
    );
    server.stop().await;
}

/// The authorization-code flow sends a browser back only to a registered redirect URI (a
/// loopback one on any port); anything else is an error page, never a redirect.
#[tokio::test]
async fn only_registered_redirect_uris_get_a_code() {
    let server = TestServer::demo().await;
    let page = |redirect: &'static str| {
        server
            .http
            .get(server.url("/oauth/v2/authorize"))
            .query(&[
                ("response_type", "code"),
                ("client_id", "demo-client"),
                ("redirect_uri", redirect),
            ])
            .send()
    };
    let login = |redirect: &'static str| {
        server
            .http
            .post(server.url("/oauth/v2/authorize"))
            .form(&[
                ("client_id", "demo-client"),
                ("redirect_uri", redirect),
                ("username", "91000001"),
                ("password", "demo-user-password"),
            ])
            .send()
    };
    for allowed in [
        "http://localhost:3000/callback",
        "http://127.0.0.1/callback",
        "https://oauth.pstmn.io/v1/callback",
    ] {
        assert_eq!(page(allowed).await.unwrap().status(), 200, "{allowed}");
        assert_eq!(login(allowed).await.unwrap().status(), 302, "{allowed}");
    }
    for refused in [
        "https://evil.example/callback",
        "http://localhost:3000/other",
        "http://localhost.evil.example/callback",
    ] {
        let shown = page(refused).await.unwrap();
        assert_eq!(shown.status(), 400, "{refused}");
        assert!(
            shown
                .text()
                .await
                .unwrap()
                .contains("not a registered redirect URI")
        );
        let posted = login(refused).await.unwrap();
        assert_eq!(posted.status(), 400, "{refused}");
        assert!(posted.headers().get("location").is_none());
    }

    let pilot = server
        .platform
        .list_applications(None)
        .await
        .unwrap()
        .into_iter()
        .find(|view| {
            view.client_ids
                .iter()
                .any(|id| id.as_str() == "demo-client")
        })
        .unwrap();
    server
        .platform
        .set_redirect_uris(
            &sentral_services::platform::Actor::cli(),
            &pilot.app.id,
            Vec::new(),
        )
        .await
        .unwrap();
    let none = page("http://localhost/callback").await.unwrap();
    assert_eq!(none.status(), 400);
    assert!(none.text().await.unwrap().contains("set-redirect-uris"));
    let bad = server
        .platform
        .set_redirect_uris(
            &sentral_services::platform::Actor::cli(),
            &pilot.app.id,
            vec!["https://user:pw@host/cb".into()],
        )
        .await;
    assert!(bad.is_err());
    server.stop().await;
}
