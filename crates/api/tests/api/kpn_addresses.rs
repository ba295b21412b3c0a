//! KPN delivery addresses (`/address/…`): general and personal addresses created, listed,
//! edited (full replace) and deleted; each rule of `DeliveryAddressRequest` a 400 naming its
//! field; another customer's and another caller's personal addresses not found, also as a basket
//! order's `addressId`; on every backend.

use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::kpn_harness::{BASE, expect_error, get, kpn_client_for, kpn_token, kpn_token_for, post};

fn wilhelminakade() -> Value {
    json!({
        "addressName": "Kantoor Kop van Zuid",
        "attention": "Inkoop",
        "city": "Rotterdam",
        "companyName": "Demo Klant B.V.",
        "country": "nl",
        "floor": "3",
        "houseNumber": "125",
        "location": "Toren B",
        "postalCode": "3072 ap",
        "room": "3.14",
        "street": "Wilhelminakade"
    })
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|address| address["id"].as_i64().expect("id"))
        .collect()
}

async fn listed(server: &TestServer, path: &str, token: &str) -> Value {
    let (status, list) = get(server, path, token).await;
    assert_eq!(status, 200, "{path}: {list}");
    list
}

/// A client of another customer (the frozen demo customer) and a second client of the demo
/// customer, with their tokens.
async fn other_callers(server: &TestServer) -> (String, String) {
    let (client, secret, _) = kpn_client_for(server, "NL70427135", "Frozen fleet").await;
    let frozen = kpn_token_for(server, &client, &secret).await;
    let (client, secret, _) = kpn_client_for(server, "NL69599084", "Second fleet tool").await;
    let colleague = kpn_token_for(server, &client, &secret).await;
    (frozen, colleague)
}

#[tokio::test]
async fn general_and_personal_addresses_are_created_listed_edited_and_deleted() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        // The demo world: three general addresses and one personal of the demo client.
        let general = listed(&server, "/address/customer", &token).await;
        let personal = listed(&server, "/address/user", &token).await;
        assert_eq!(general.as_array().unwrap().len(), 3, "{general}");
        assert_eq!(general[0]["street"], "Wilhelminakade", "{general}");
        assert_eq!(general[0]["postalCode"], "3072AP", "{general}");
        assert_eq!(personal.as_array().unwrap().len(), 1, "{personal}");
        let all = listed(&server, "/address/all", &token).await;
        let mut expected = [ids(&general), ids(&personal)].concat();
        expected.sort_unstable();
        assert_eq!(ids(&all), expected, "{all}");

        // A general one: answered as stored, the postal code and country normalised.
        let (status, created) = post(&server, "/address/customer", &token, wilhelminakade()).await;
        assert_eq!(status, 200, "{created}");
        let general_id = created["id"].as_i64().expect("id");
        assert_eq!(created["postalCode"], "3072AP", "{created}");
        assert_eq!(created["country"], "NL", "{created}");
        assert_eq!(created["room"], "3.14", "{created}");
        // A personal one, the house number given as a JSON number.
        let mut home = wilhelminakade();
        home["houseNumber"] = json!(7);
        home["addressName"] = json!("Thuis");
        let (status, mine) = post(&server, "/address/user", &token, home).await;
        assert_eq!(status, 200, "{mine}");
        let personal_id = mine["id"].as_i64().expect("id");
        assert_eq!(mine["houseNumber"], "7", "{mine}");
        assert!(personal_id > general_id);

        let general = listed(&server, "/address/customer", &token).await;
        assert_eq!(ids(&general).last(), Some(&general_id));
        assert!(!ids(&general).contains(&personal_id));
        let personal = listed(&server, "/address/user", &token).await;
        assert_eq!(ids(&personal).last(), Some(&personal_id));
        assert!(!ids(&personal).contains(&general_id));
        let all = listed(&server, "/address/all", &token).await;
        assert_eq!(
            &ids(&all)[ids(&all).len() - 2..],
            &[general_id, personal_id]
        );

        // Edit is a full replace: the optional fields left out are cleared.
        let (status, answer) = post(
            &server,
            &format!("/address/{general_id}/edit"),
            &token,
            json!({
                "city": "Utrecht", "companyName": "Demo Klant B.V.", "country": "NL",
                "houseNumber": "1", "postalCode": "3511CE", "street": "Stationsplein"
            }),
        )
        .await;
        assert_eq!((status, &answer), (200, &Value::Null));
        let general = listed(&server, "/address/customer", &token).await;
        let edited = general
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == general_id)
            .expect("edited address");
        assert_eq!(edited["city"], "Utrecht", "{edited}");
        assert_eq!(edited.get("attention"), None, "{edited}");
        assert_eq!(edited.get("room"), None, "{edited}");

        // Delete, then it is gone (a second delete and an edit are 404).
        for id in [general_id, personal_id] {
            let (status, answer) =
                post(&server, &format!("/address/{id}/delete"), &token, json!({})).await;
            assert_eq!((status, &answer), (200, &Value::Null));
            let again = post(&server, &format!("/address/{id}/delete"), &token, json!({})).await;
            expect_error(&again, 404, "CONTEXT_OBJECT_NOT_FOUND");
            let edit = post(
                &server,
                &format!("/address/{id}/edit"),
                &token,
                wilhelminakade(),
            )
            .await;
            expect_error(&edit, 404, "CONTEXT_OBJECT_NOT_FOUND");
        }
        let all = listed(&server, "/address/all", &token).await;
        assert_eq!(ids(&all), expected, "{all}");
        server.stop().await;
    }
}

/// A 400 `bad_request` whose message starts with the field and says the rule.
fn expect_bad_field(outcome: &(u16, Value), field: &str, rule: &str) {
    expect_error(outcome, 400, "bad_request");
    let message = outcome.1["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(field) && message.contains(rule),
        "{field} ({rule}): {}",
        outcome.1
    );
}

#[tokio::test]
async fn each_rule_of_an_address_is_a_400_naming_its_field() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let before = listed(&server, "/address/all", &token).await;
        let cases: &[(&str, Value, &str)] = &[
            ("city", Value::Null, "is required"),
            ("city", json!("   "), "is required"),
            ("city", json!("R".repeat(31)), "1 to 30"),
            ("companyName", json!(""), "is required"),
            ("companyName", json!("C".repeat(36)), "1 to 35"),
            ("country", Value::Null, "is required"),
            ("country", json!("BE"), "only \"NL\""),
            ("houseNumber", json!("123456"), "1 to 5"),
            ("houseNumber", json!(123456), "1 to 5"),
            (
                "postalCode",
                json!("12345"),
                "4 digits first and then 2 letters",
            ),
            (
                "postalCode",
                json!("AB1234"),
                "4 digits first and then 2 letters",
            ),
            (
                "postalCode",
                json!("3072-AP"),
                "4 digits first and then 2 letters",
            ),
            ("postalCode", Value::Null, "is required"),
            ("street", json!("S".repeat(25)), "1 to 24"),
            ("attention", json!("A".repeat(36)), "at most 35"),
            ("floor", json!("F".repeat(22)), "at most 21"),
            ("location", json!("L".repeat(22)), "at most 21"),
            ("room", json!("R".repeat(21)), "at most 20"),
            (
                "street",
                json!({"name": "Wilhelminakade"}),
                "must be a string",
            ),
            // A NUL would not even store on PostgreSQL: a 400, never a 500.
            ("city", json!("Rotter\u{0}dam"), "control characters"),
        ];
        let target = ids(&listed(&server, "/address/customer", &token).await)[0];
        for (field, value, rule) in cases {
            let mut body = wilhelminakade();
            body[*field] = value.clone();
            for path in ["/address/customer", "/address/user"] {
                expect_bad_field(
                    &post(&server, path, &token, body.clone()).await,
                    field,
                    rule,
                );
            }
            let edit = post(&server, &format!("/address/{target}/edit"), &token, body).await;
            expect_bad_field(&edit, field, rule);
        }
        // The lengths are the spec's: at the limit is taken, in characters (not bytes).
        let mut longest = wilhelminakade();
        longest["street"] = json!("é".repeat(24));
        longest["city"] = json!("ö".repeat(30));
        let (status, answer) = post(&server, "/address/user", &token, longest).await;
        assert_eq!(status, 200, "{answer}");
        // Nothing refused was stored, nor the edited address changed.
        let after = listed(&server, "/address/all", &token).await;
        assert_eq!(
            after.as_array().unwrap().len(),
            before.as_array().unwrap().len() + 1
        );
        assert_eq!(after[0], before[0]);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_form_content_type_body_text_ids_and_a_listed_address_sent_back_are_taken() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        // A JSON body under a form content type (as scripting clients send it).
        let response = server
            .http
            .post(server.url(&format!("{BASE}/address/customer")))
            .bearer_auth(&token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(wilhelminakade().to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let created: Value = response.json().await.unwrap();
        let id = created["id"].as_i64().expect("id");

        // The address as the list answers it, sent back changed, its id as text and an
        // unknown field beside (KPN clients echo what they read).
        let mut body = created.clone();
        body["id"] = json!(id.to_string());
        body["city"] = json!("Schiedam");
        body["roundTripSurplus"] = json!(1);
        let (status, answer) = post(&server, &format!("/address/{id}/edit"), &token, body).await;
        assert_eq!(status, 200, "{answer}");
        let general = listed(&server, "/address/customer", &token).await;
        let edited = general
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap();
        let mut expected = created.clone();
        expected["city"] = json!("Schiedam");
        assert_eq!(edited, &expected);

        // Another id in the body is refused, naming it; a path id that is no number too.
        let mut other = created.clone();
        other["id"] = json!(id + 1);
        let refused = post(&server, &format!("/address/{id}/edit"), &token, other).await;
        expect_bad_field(&refused, "id", "read-only");
        let refused = post(&server, "/address/first/delete", &token, json!({})).await;
        expect_error(&refused, 400, "bad_request");
        assert!(
            refused.1["message"].as_str().unwrap().starts_with("id "),
            "{}",
            refused.1
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn another_customer_and_another_caller_see_none_of_theirs() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let (frozen, colleague) = other_callers(&server).await;
        let demo_general = ids(&listed(&server, "/address/customer", &token).await);
        let demo_personal = ids(&listed(&server, "/address/user", &token).await);

        // Another customer sees none of the demo customer's, and finds none of its ids. It may
        // keep addresses while its ordering is frozen: managing addresses is not ordering.
        for path in ["/address/all", "/address/customer", "/address/user"] {
            assert_eq!(listed(&server, path, &frozen).await, json!([]), "{path}");
        }
        for id in demo_general.iter().chain(&demo_personal) {
            let edit = post(
                &server,
                &format!("/address/{id}/edit"),
                &frozen,
                wilhelminakade(),
            )
            .await;
            expect_error(&edit, 404, "CONTEXT_OBJECT_NOT_FOUND");
            let delete = post(
                &server,
                &format!("/address/{id}/delete"),
                &frozen,
                json!({}),
            )
            .await;
            expect_error(&delete, 404, "CONTEXT_OBJECT_NOT_FOUND");
        }
        let (status, theirs) = post(&server, "/address/customer", &frozen, wilhelminakade()).await;
        assert_eq!(status, 200, "{theirs}");
        assert!(
            !ids(&listed(&server, "/address/all", &token).await)
                .contains(&theirs["id"].as_i64().unwrap())
        );

        // A second client of the same customer shares the general addresses, not the
        // personal ones of the first.
        assert_eq!(
            ids(&listed(&server, "/address/customer", &colleague).await),
            demo_general
        );
        assert_eq!(
            listed(&server, "/address/user", &colleague).await,
            json!([])
        );
        assert_eq!(
            ids(&listed(&server, "/address/all", &colleague).await),
            demo_general
        );
        for id in &demo_personal {
            let edit = post(
                &server,
                &format!("/address/{id}/edit"),
                &colleague,
                wilhelminakade(),
            )
            .await;
            expect_error(&edit, 404, "CONTEXT_OBJECT_NOT_FOUND");
            let delete = post(
                &server,
                &format!("/address/{id}/delete"),
                &colleague,
                json!({}),
            )
            .await;
            expect_error(&delete, 404, "CONTEXT_OBJECT_NOT_FOUND");
        }
        assert_eq!(
            ids(&listed(&server, "/address/user", &token).await),
            demo_personal
        );
        // Its own personal address is its alone.
        let (_, own) = post(&server, "/address/user", &colleague, wilhelminakade()).await;
        let own = own["id"].as_i64().unwrap();
        assert_eq!(
            ids(&listed(&server, "/address/user", &colleague).await),
            vec![own]
        );
        assert!(!ids(&listed(&server, "/address/all", &token).await).contains(&own));
        // A general address is the customer's: the colleague may change it.
        let (status, _) = post(
            &server,
            &format!("/address/{}/edit", demo_general[0]),
            &colleague,
            wilhelminakade(),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            listed(&server, "/address/customer", &token).await[0]["houseNumber"],
            "125"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn addresses_need_an_ordering_privilege() {
    for server in TestServer::every_backend().await {
        let (client, secret, app) = kpn_client_for(&server, "NL69599084", "Tracker only").await;
        server
            .platform
            .set_kpn_privileges(&app, &[sentral_domain::kpn::Privilege::OrdersTrackAndTrace])
            .await
            .unwrap();
        let tracker = kpn_token_for(&server, &client, &secret).await;
        expect_error(
            &get(&server, "/address/all", &tracker).await,
            403,
            "FORBIDDEN_FOR_USER",
        );
        let create = post(&server, "/address/customer", &tracker, wilhelminakade()).await;
        expect_error(&create, 403, "FORBIDDEN_FOR_USER");

        let (client, secret, app) = kpn_client_for(&server, "NL69599084", "Authoriser").await;
        server
            .platform
            .set_kpn_privileges(&app, &[sentral_domain::kpn::Privilege::OrdersAuthorization])
            .await
            .unwrap();
        let authoriser = kpn_token_for(&server, &client, &secret).await;
        let (status, list) = get(&server, "/address/customer", &authoriser).await;
        assert_eq!(status, 200, "{list}");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_basket_order_delivers_only_to_an_address_its_caller_sees() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let (frozen, colleague) = other_callers(&server).await;
        let demo_personal = ids(&listed(&server, "/address/user", &token).await)[0];
        let demo_general = ids(&listed(&server, "/address/customer", &token).await)[0];
        let (_, theirs) = post(&server, "/address/customer", &frozen, wilhelminakade()).await;
        let theirs = theirs["id"].as_i64().unwrap();

        // The colleague's basket: a subscription with a handset, which is delivered.
        let (_, found) = get(
            &server,
            "/hierarchy/subscribers?filters=EMPLOYEE_NUMBER:%221037%22",
            &colleague,
        )
        .await;
        let employee = found["result"][0]["id"].as_i64().expect("employee 1037");
        let (status, opened) = post(
            &server,
            "/contracting/basket",
            &colleague,
            json!({"accountGroupId": employee}),
        )
        .await;
        assert_eq!(status, 200, "{opened}");
        let session = opened["sessionId"].as_str().unwrap().to_owned();
        let (status, answer) = post(
            &server,
            &format!("/contracting/basket?sessionId={session}"),
            &colleague,
            json!({"productActions": [
                {"productId": "TreeNode_2001", "type": "PUT"},
                {"productId": "TreeNode_3001", "type": "PUT"}
            ]}),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        let order_path = format!("/contracting/basket/order?sessionId={session}");

        // The first client's personal address and another customer's are not found.
        for id in [demo_personal, theirs] {
            let refused = post(&server, &order_path, &colleague, json!({"addressId": id})).await;
            expect_error(&refused, 404, "CONTEXT_OBJECT_NOT_FOUND");
        }
        let both = post(
            &server,
            &order_path,
            &colleague,
            json!({"addressId": demo_general, "address": wilhelminakade()}),
        )
        .await;
        expect_bad_field(&both, "addressId", "not both");
        let mut inline = wilhelminakade();
        inline["postalCode"] = json!("3072");
        let refused = post(&server, &order_path, &colleague, json!({"address": inline})).await;
        expect_bad_field(&refused, "address.postalCode", "4 digits");
        // An inline address that keeps the rules is taken (`""` for addressId is none).
        let (status, confirmation) = post(
            &server,
            &order_path,
            &colleague,
            json!({"address": wilhelminakade(), "addressId": ""}),
        )
        .await;
        assert_eq!(status, 200, "{confirmation}");
        assert!(confirmation["orderId"].is_i64(), "{confirmation}");
        server.stop().await;
    }
}
