//! Seat limits (`SimConfig::seat_limit`, `set_seat_limit`, `/_sim/seats`): a grant past the
//! limit gets the vendor's "no licences" error and changes nothing; reclaims always work.

use reqwest::StatusCode;
use seatkeeper_sim::{
    Product, SimConfig, SimError, Simulator, TruthUser, UserRole, UserStatus, Vendor,
};
use serde_json::{Value, json};

use crate::common::{call, client, config, start};

fn member(u: &TruthUser) -> bool {
    u.role == UserRole::Member && u.status == UserStatus::Active
}

/// `GET /_sim/seats`, the entry for `product`.
async fn seats(sim: &Simulator, product: &str) -> Value {
    let (status, _, list) = call(client().get(format!("{}/seats", sim.control_url()))).await;
    assert_eq!(status, StatusCode::OK);
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["product"] == product)
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoom_grants_past_the_limit_get_2033_or_3412_and_reclaims_never_do() {
    let sim = start(config(Vendor::Zoom, 300).seat_limit(Product::ZoomWebinar, 0)).await;
    let http = client();
    let token = sim.access_token();
    let base = sim.base_url();
    let ctl = sim.control_url();
    let patch = |path: String, body: Value| {
        call(
            http.patch(format!("{base}{path}"))
                .bearer_auth(&token)
                .json(&body),
        )
    };
    let truth = sim.truth();
    let webinar_holders = truth.holders(Product::ZoomWebinar).count() as u64;
    assert_eq!(
        seats(&sim, "zoom_webinar").await,
        json!({"product": "zoom_webinar", "limit": 0, "seats": 0, "holders": webinar_holders}),
        "a limit below the holders takes no licence away"
    );
    let a = truth
        .holders(Product::ZoomWebinar)
        .find(|u| member(u))
        .unwrap();
    let settings = format!("/v2/users/{}/settings", a.id);

    let (status, _, _) = patch(settings.clone(), json!({"feature": {"webinar": false}})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "reclaims are never limited");
    let (status, _, body) = patch(settings.clone(), json!({"feature": {"webinar": true}})).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(3412)),
        "{body}"
    );
    let (_, _, got) = call(http.get(format!("{base}{settings}")).bearer_auth(&token)).await;
    assert_eq!(got["feature"]["webinar"], false);

    let (status, _, listed) = call(
        http.post(format!("{ctl}/seats"))
            .json(&json!({"product": "zoom_webinar", "limit": null})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let webinar = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["product"] == "zoom_webinar")
        .unwrap();
    assert!(webinar["limit"].is_null() && webinar["seats"].as_u64() > Some(webinar_holders));
    let (status, _, _) = patch(settings.clone(), json!({"feature": {"webinar": true}})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "the limit is gone");

    // The Meetings licence: full at the current holders.
    let licensed = truth.holders(Product::ZoomMeetings).count() as u32;
    sim.set_seat_limit(Product::ZoomMeetings, Some(licensed))
        .unwrap();
    let b = truth
        .users
        .iter()
        .find(|u| member(u) && u.subscriptions.is_empty())
        .unwrap();
    let (status, _, body) = patch(format!("/v2/users/{}", b.id), json!({"type": 2})).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(2033)),
        "{body}"
    );
    let (_, _, got) = call(
        http.get(format!("{base}/v2/users/{}", b.id))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(got["type"], 1, "the grant did not happen");
    let (status, _, _) = patch(format!("/v2/users/{}", a.id), json!({"type": 1})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = patch(format!("/v2/users/{}", b.id), json!({"type": 2})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "the reclaim freed a seat");
    let (status, _, body) = patch(format!("/v2/users/{}", a.id), json!({"type": 2})).await;
    assert_eq!(body["code"], 2033, "{status}");
    assert_eq!(
        sim.truth().holders(Product::ZoomMeetings).count() as u32,
        licensed
    );

    // Bad limits; a reset goes back to the configured ones.
    for body in [
        json!({"product": "zoom_meetings"}),
        json!({"product": "aha_roadmaps", "limit": 3}),
        json!({"product": "zoom_meetings", "limit": -1}),
    ] {
        let (status, _, _) = call(http.post(format!("{ctl}/seats")).json(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert!(matches!(
        sim.set_seat_limit(Product::GoToMeeting, Some(1)),
        Err(SimError::InvalidConfig(_))
    ));
    sim.reset();
    assert_eq!(seats(&sim, "zoom_webinar").await["limit"], 0);
    assert!(seats(&sim, "zoom_meetings").await["limit"].is_null());
    sim.stop().await;

    let foreign = SimConfig::new(Vendor::Zoom).seat_limit(Product::AhaRoadmaps, 1);
    assert!(matches!(
        Simulator::start(foreign).await.err(),
        Some(SimError::InvalidConfig(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goto_licence_keys_past_the_limit_get_409_and_the_licence_shows_no_seats_left() {
    let sim = start(config(Vendor::GoTo, 200)).await;
    let http = client();
    let token = sim.access_token();
    let (_, _, me) = call(
        http.get(format!("{}/admin/rest/v1/me", sim.base_url()))
            .bearer_auth(&token),
    )
    .await;
    let base = format!(
        "{}/admin/rest/v1/accounts/{}",
        sim.base_url(),
        me["accountKey"].as_str().unwrap()
    );
    let truth = sim.truth();
    let g2m = truth.holders(Product::GoToMeeting).count();
    let (status, _, _) = call(
        http.post(format!("{}/seats", sim.control_url()))
            .json(&json!({"product": "go_to_meeting", "limit": g2m})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let d = truth
        .holders(Product::GoToMeeting)
        .find(|u| member(u))
        .unwrap();
    let g2m_key = d
        .subscription(Product::GoToMeeting)
        .unwrap()
        .license_key
        .clone()
        .unwrap();
    let c = truth
        .users
        .iter()
        .find(|u| member(u) && u.subscription(Product::GoToMeeting).is_none())
        .unwrap();
    let mut wanted: Vec<String> = c
        .subscriptions
        .iter()
        .map(|s| s.license_key.clone().unwrap())
        .collect();
    wanted.push(g2m_key.clone());
    let put = |user: &str| {
        call(
            http.put(format!("{base}/users/{user}"))
                .bearer_auth(&token)
                .json(&json!({"licenseKeys": wanted})),
        )
    };
    let licence = || async {
        let (_, _, list) = call(http.get(format!("{base}/licenses")).bearer_auth(&token)).await;
        list["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["key"] == g2m_key.as_str())
            .cloned()
            .unwrap()
    };

    let (status, _, body) = put(&c.id).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::CONFLICT, Some("BAD_REQUEST")),
        "{body}"
    );
    let (_, _, user) = call(
        http.get(format!("{base}/users/{}", c.id))
            .bearer_auth(&token),
    )
    .await;
    assert!(!user["products"].as_array().unwrap().contains(&json!("G2M")));
    let l = licence().await;
    assert_eq!(
        (l["seats"].as_u64(), l["remaining"].as_u64()),
        (Some(g2m as u64), Some(0))
    );

    let (status, _, _) = call(
        http.delete(format!("{base}/licenses/{g2m_key}/users"))
            .bearer_auth(&token)
            .json(&json!({"userKeys": [d.id]})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "reclaims are never limited");
    assert_eq!(licence().await["remaining"], 1);
    let (status, _, _) = put(&c.id).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "the freed seat");
    let (_, _, user) = call(
        http.get(format!("{base}/users/{}", c.id))
            .bearer_auth(&token),
    )
    .await;
    assert!(user["products"].as_array().unwrap().contains(&json!("G2M")));
    assert_eq!(licence().await["remaining"], 0);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aha_enabling_a_paid_user_past_the_limit_gets_422_and_stays_disabled() {
    let sim = start(config(Vendor::Aha, 200)).await;
    let http = client();
    let token = sim.access_token();
    let truth = sim.truth();
    let paid: Vec<&TruthUser> = truth
        .holders(Product::AhaRoadmaps)
        .filter(|u| member(u))
        .take(2)
        .collect();
    let put = |id: &str, enabled: bool| {
        call(
            http.put(format!("{}/api/v1/users/{id}", sim.base_url()))
                .bearer_auth(&token)
                .json(&json!({"user": {"enabled": enabled}})),
        )
    };
    for u in &paid {
        assert_eq!(put(&u.id, false).await.0, StatusCode::OK);
    }
    let holders = sim.truth().holders(Product::AhaRoadmaps).count() as u32;
    sim.set_seat_limit(Product::AhaRoadmaps, Some(holders))
        .unwrap();

    let (status, _, body) = put(&paid[0].id, true).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("unprocessable_entity")
        ),
        "{body}"
    );
    let (_, _, got) = call(
        http.get(format!("{}/api/v1/users/{}", sim.base_url(), paid[0].id))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(
        (&got["user"]["enabled"], &got["user"]["paid_seat"]),
        (&json!(false), &json!(false)),
        "the user stays disabled"
    );

    sim.set_seat_limit(Product::AhaRoadmaps, Some(holders + 1))
        .unwrap();
    let (status, _, body) = put(&paid[0].id, true).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&body["enabled"], &body["paid_seat"]),
        (&json!(true), &json!(true))
    );
    let (status, _, _) = put(&paid[1].id, true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        sim.truth().holders(Product::AhaRoadmaps).count() as u32,
        holders + 1
    );
    sim.stop().await;
}
