//! The Developer Portal over HTTP: who gets in, the applications grouped into pilot and
//! production, *Show* revealing the Client Secret (after the password when the login is old),
//! the search, a new secret, documentation, users and roles, both languages.

use sentral_domain::EntityId;
use sentral_services::demo::{CLIENT_ID, CLIENT_SECRET};
use sentral_services::portal::demo::{DEVELOPER_ADMIN, OPERATOR, SUPER_ADMIN};

use crate::back_office::between;
use crate::harness::PortalServer;

async fn demo_pilot(server: &PortalServer) -> EntityId {
    server
        .platform
        .list_applications(None)
        .await
        .unwrap()
        .into_iter()
        .find(|view| view.app.name == "Demo Switchboard")
        .unwrap()
        .app
        .id
}

#[tokio::test]
async fn the_developer_portal_lists_applications_and_shows_a_secret() {
    for server in PortalServer::every_backend().await {
        let pilot = demo_pilot(&server).await;
        // Not an administrator with APIer: no way in.
        for who in [DEVELOPER_ADMIN, OPERATOR] {
            let mut browser = server.browser();
            browser.login(who.email, who.password).await;
            for path in [
                "/portal/developer/",
                "/portal/developer/documentation",
                "/portal/developer/users",
            ] {
                assert_eq!(browser.get(path).await.status, 403, "{} {path}", who.email);
            }
        }

        let mut admin = server.browser();
        admin.login(SUPER_ADMIN.email, SUPER_ADMIN.password).await;
        let page = admin.visit("/portal/developer").await;
        assert_eq!(page.status, 200, "{}", server.name);
        page.assert_contains("Produksjon (0 applikasjoner)");
        page.assert_contains(&format!("id=\"app-{pilot}\""));
        page.assert_contains(CLIENT_ID);
        assert!(
            !page.contains(CLIENT_SECRET),
            "the list never shows a secret"
        );
        let pilots = between(&page.body, "<h2>Pilot (", " applikasjoner)");
        assert!(pilots.parse::<u32>().unwrap() >= 1);

        // The search.
        let found = admin.get("/portal/developer/?q=switchboard").await;
        found.assert_contains("Pilot (1 applikasjoner)");
        found.assert_contains(&format!("id=\"app-{pilot}\""));
        let none = admin.get("/portal/developer/?q=nothing-like-it").await;
        none.assert_contains("Pilot (0 applikasjoner)");

        // Show: a POST with the form token; never cached.
        admin.get("/portal/developer/").await;
        let shown = admin
            .post(
                &format!("/portal/developer/applications/{pilot}/secret"),
                &[],
            )
            .await;
        assert_eq!(shown.status, 200, "{}", shown.body);
        assert_eq!(
            between(&shown.body, "id=\"client-secret\">", "<"),
            CLIENT_SECRET
        );
        assert_eq!(shown.headers["cache-control"], "no-store");
        let refused = admin
            .post_with(
                &format!("/portal/developer/applications/{pilot}/secret"),
                &[],
                None,
                "same-origin",
            )
            .await;
        assert_eq!(refused.status, 403, "no form token");

        // An old login gives the password first, then comes back to Show.
        server.advance_clock(11 * 60).await;
        admin.get("/portal/developer/").await;
        let stale = admin
            .post(
                &format!("/portal/developer/applications/{pilot}/secret"),
                &[],
            )
            .await;
        assert_eq!(stale.status, 303);
        let location = stale.location.unwrap();
        assert_eq!(
            location,
            format!("/portal/reauth?next=/portal/developer/applications/{pilot}/secret")
        );
        admin.get(&location).await;
        let back = admin
            .post(
                "/portal/reauth",
                &[
                    ("password", SUPER_ADMIN.password),
                    (
                        "next",
                        &format!("/portal/developer/applications/{pilot}/secret"),
                    ),
                ],
            )
            .await;
        assert_eq!(back.status, 303);
        let confirm = admin.get(back.location.as_deref().unwrap()).await;
        assert_eq!(confirm.status, 200);
        confirm.assert_contains(&format!("id=\"show-{pilot}\""));
        assert!(!confirm.contains(CLIENT_SECRET), "a GET never reveals");
        let shown = admin
            .post(
                &format!("/portal/developer/applications/{pilot}/secret"),
                &[],
            )
            .await;
        assert_eq!(
            between(&shown.body, "id=\"client-secret\">", "<"),
            CLIENT_SECRET
        );

        // Another company's (or no) application: not found.
        let missing = admin
            .post("/portal/developer/applications/app_nope/secret", &[])
            .await;
        assert_eq!(missing.status, 404);

        // A new secret with a day's overlap, shown once; both work for now.
        admin.get("/portal/developer/").await;
        let rotated = admin
            .post(
                &format!("/portal/developer/applications/{pilot}/rotate"),
                &[("keep_old_days", "1")],
            )
            .await;
        assert_eq!(rotated.status, 200, "{}", rotated.body);
        rotated.assert_contains("Den gamle hemmeligheten virker til");
        let new_secret = between(&rotated.body, "id=\"client-secret\">", "<").to_owned();
        assert_eq!(new_secret.len(), 48);
        for secret in [CLIENT_SECRET, new_secret.as_str()] {
            let token = reqwest::Client::new()
                .post(server.url("/oauth/v2/token"))
                .basic_auth(CLIENT_ID, Some(secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap();
            assert_eq!(token.status(), 200, "{}", server.name);
        }
        let listed = admin.get("/portal/developer/").await;
        listed.assert_contains("Den gamle hemmeligheten virker til");

        // Documentation, users and roles.
        let docs = admin.get("/portal/developer/documentation").await;
        assert_eq!(docs.status, 200);
        for link in [
            "href=\"/docs\"",
            "/openapi/telenor.json",
            "/openapi/mbn.json",
            "/openapi/kpn.json",
        ] {
            docs.assert_contains(link);
        }
        let users = admin.get("/portal/developer/users").await;
        users.assert_contains(SUPER_ADMIN.email);
        assert!(!users.contains(DEVELOPER_ADMIN.email), "Kari has no APIer");

        // English.
        admin
            .visit("/portal/lang?set=en&next=/portal/developer/")
            .await;
        let english = admin.get("/portal/developer/").await;
        english.assert_contains("Production (0 applications)");
        english.assert_contains("Client Secret");
        server.stop().await;
    }
}
