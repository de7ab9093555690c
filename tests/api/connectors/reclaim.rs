//! Reclaims change the simulator's truth; reclaiming an owner's or admin's license fails
//! with the vendor's own error.

use chrono::DateTime;
use entity::enums::Vendor;
use seatkeeper::connectors::{
    Connector, ConnectorError, ConnectorOptions, GoToReclaim, ReclaimTarget, reclaim, restore,
};
use seatkeeper_sim::{Product, Simulator, TruthUser, UserRole, Vendor as SimVendor};

use super::{authorized, config, connector, fast_options, fixed, identifier, start};

fn target(u: &TruthUser, product: Product) -> ReclaimTarget {
    ReclaimTarget {
        external_user_id: u.id.clone(),
        user_principal_name: u.email.clone(),
        product: [Vendor::Zoom, Vendor::GoTo, Vendor::Aha]
            .into_iter()
            .find_map(|v| seatkeeper::connectors::product(v, identifier(product)))
            .expect("a known product"),
        used_since: None,
    }
}

/// Reclaims through the product's declared capability, checking the seat before and after.
async fn reclaim_seat(c: &dyn Connector, t: &ReclaimTarget) -> Result<(), ConnectorError> {
    let before = c.seat(t).await?;
    let result = reclaim(c, t).await;
    if result.is_ok() {
        assert!(!c.seat(t).await.unwrap().held, "the seat is gone after it");
    } else {
        assert_eq!(
            c.seat(t).await.unwrap().held,
            before.held,
            "a refusal changes nothing"
        );
    }
    result
}

fn member_holding(sim: &Simulator, product: Product, skip: usize) -> TruthUser {
    sim.truth()
        .holders(product)
        .filter(|u| u.role == UserRole::Member)
        .nth(skip)
        .cloned()
        .expect("a member holds it")
}

fn holds(sim: &Simulator, id: &str, product: Product) -> bool {
    sim.truth()
        .user(id)
        .unwrap()
        .subscription(product)
        .is_some()
}

fn refused_with(err: ConnectorError, code: &str) {
    assert!(
        matches!(&err, ConnectorError::Permanent { vendor_code: Some(c), .. } if c == code),
        "{err:?}"
    );
}

#[tokio::test]
async fn zoom_reclaims_downgrade_and_remove_the_add_on_but_not_for_the_owner() {
    let sim = start(SimVendor::Zoom, 200).await;
    let c = connector(config(&sim), fast_options());

    let webinar = member_holding(&sim, Product::ZoomWebinar, 0);
    reclaim_seat(c.as_ref(), &target(&webinar, Product::ZoomWebinar))
        .await
        .unwrap();
    assert!(!holds(&sim, &webinar.id, Product::ZoomWebinar));
    assert!(
        holds(&sim, &webinar.id, Product::ZoomMeetings),
        "only the add-on goes"
    );

    let licensed = member_holding(&sim, Product::ZoomMeetings, 3);
    reclaim_seat(c.as_ref(), &target(&licensed, Product::ZoomMeetings))
        .await
        .unwrap();
    assert!(!holds(&sim, &licensed.id, Product::ZoomMeetings));
    // Again: the user is Basic already, so there is nothing left to do.
    reclaim_seat(c.as_ref(), &target(&licensed, Product::ZoomMeetings))
        .await
        .unwrap();

    let reclaimed = sim.reclaimed();
    assert_eq!(reclaimed.len(), 2);
    assert_eq!(
        reclaimed[1].request,
        format!("PATCH /v2/users/{}", licensed.id)
    );

    let owner = sim.truth().users[0].clone();
    assert_eq!(owner.role, UserRole::Owner);
    refused_with(
        reclaim_seat(c.as_ref(), &target(&owner, Product::ZoomMeetings))
            .await
            .unwrap_err(),
        "1108",
    );
    assert!(holds(&sim, &owner.id, Product::ZoomMeetings));
}

#[tokio::test]
async fn goto_reclaims_by_either_documented_call_but_not_for_the_super_user() {
    let sim = start(SimVendor::GoTo, 200).await;
    let cfg = authorized(&sim).await;
    let put = connector(cfg.clone(), fast_options());
    let delete = connector(
        cfg,
        ConnectorOptions {
            goto_reclaim: GoToReclaim::DeleteFromLicense,
            ..fast_options()
        },
    );

    let meeting = member_holding(&sim, Product::GoToMeeting, 0);
    let others: Vec<Product> = meeting
        .subscriptions
        .iter()
        .map(|s| s.product)
        .filter(|p| *p != Product::GoToMeeting)
        .collect();
    reclaim_seat(put.as_ref(), &target(&meeting, Product::GoToMeeting))
        .await
        .unwrap();
    assert!(!holds(&sim, &meeting.id, Product::GoToMeeting));
    for p in others {
        assert!(holds(&sim, &meeting.id, p), "{p:?} stays");
    }

    let webinar = member_holding(&sim, Product::GoToWebinar, 1);
    reclaim_seat(delete.as_ref(), &target(&webinar, Product::GoToWebinar))
        .await
        .unwrap();
    assert!(!holds(&sim, &webinar.id, Product::GoToWebinar));

    let requests: Vec<String> = sim.reclaimed().into_iter().map(|r| r.request).collect();
    assert!(
        requests[0].starts_with("PUT /admin/rest/v1/accounts/"),
        "{requests:?}"
    );
    assert!(
        requests[1].starts_with("DELETE /admin/rest/v1/accounts/"),
        "{requests:?}"
    );

    let owner = sim.truth().users[0].clone();
    refused_with(
        reclaim_seat(put.as_ref(), &target(&owner, Product::GoToConnect))
            .await
            .unwrap_err(),
        "AUTHZ_INSUFFICIENT_SCOPE",
    );
    let training = target(&owner, Product::GoToTraining);
    assert!(matches!(
        reclaim_seat(put.as_ref(), &training).await,
        Err(ConnectorError::Permanent {
            vendor_code: None,
            ..
        })
    ));
    assert!(holds(&sim, &owner.id, Product::GoToConnect));
}

#[tokio::test]
async fn aha_reclaim_disables_the_user_but_not_an_administrator() {
    let sim = start(SimVendor::Aha, 200).await;
    let mut cfg = config(&sim);
    cfg.tokens = fixed(&sim.credentials().api_key.unwrap());
    let c = connector(cfg, fast_options());

    let member = member_holding(&sim, Product::AhaRoadmaps, 0);
    let seat = c
        .seat(&target(&member, Product::AhaRoadmaps))
        .await
        .unwrap();
    assert!(seat.held);
    assert_eq!(
        seat.last_used_at,
        member
            .subscription(Product::AhaRoadmaps)
            .unwrap()
            .last_activity,
        "accessed_at is the last use"
    );
    reclaim_seat(c.as_ref(), &target(&member, Product::AhaRoadmaps))
        .await
        .unwrap();
    assert!(!holds(&sim, &member.id, Product::AhaRoadmaps));
    assert_eq!(
        sim.reclaimed()[0].request,
        format!(
            "PUT /{}/api/v1/users/{}",
            sim.credentials().subdomain.unwrap(),
            member.id
        )
    );

    let admin = sim.truth().users[1].clone();
    assert_eq!(admin.role, UserRole::Admin);
    refused_with(
        reclaim_seat(c.as_ref(), &target(&admin, Product::AhaRoadmaps))
            .await
            .unwrap_err(),
        "forbidden",
    );
    assert!(holds(&sim, &admin.id, Product::AhaRoadmaps));
}

/// Reclaims, then restores: the seat is back; with every seat taken the vendor refuses.
async fn reclaim_and_restore(sim: &Simulator, c: &dyn Connector, product: Product) {
    let member = member_holding(sim, product, 2);
    let t = target(&member, product);
    reclaim_seat(c, &t).await.unwrap();
    assert!(!holds(sim, &member.id, product));
    restore(c, &t).await.unwrap();
    assert!(holds(sim, &member.id, product), "{product:?} is back");
    // Restoring what is held changes nothing.
    restore(c, &t).await.unwrap();

    let other = member_holding(sim, product, 3);
    let t = target(&other, product);
    reclaim_seat(c, &t).await.unwrap();
    let holders = sim.truth().holders(product).count() as u32;
    sim.set_seat_limit(product, Some(holders)).unwrap();
    let err = restore(c, &t).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Permanent { .. }), "{err:?}");
    assert!(!holds(sim, &other.id, product));
    sim.set_seat_limit(product, None).unwrap();
}

#[tokio::test]
async fn restores_give_the_seat_back_unless_the_vendor_has_none_free() {
    let zoom = start(SimVendor::Zoom, 200).await;
    let c = connector(config(&zoom), fast_options());
    reclaim_and_restore(&zoom, c.as_ref(), Product::ZoomWebinar).await;
    reclaim_and_restore(&zoom, c.as_ref(), Product::ZoomMeetings).await;

    let goto = start(SimVendor::GoTo, 200).await;
    let c = connector(authorized(&goto).await, fast_options());
    reclaim_and_restore(&goto, c.as_ref(), Product::GoToMeeting).await;

    let aha = start(SimVendor::Aha, 200).await;
    let mut cfg = config(&aha);
    cfg.tokens = fixed(&aha.credentials().api_key.unwrap());
    let c = connector(cfg, fast_options());
    reclaim_and_restore(&aha, c.as_ref(), Product::AhaRoadmaps).await;
}

/// The seat check just before a reclaim reads the user's exact per-user history since the
/// judged window's start, counting only the product's own qualifying activity.
#[tokio::test]
async fn the_seat_check_reads_exact_per_user_use_of_the_product() {
    for (vendor, product, other) in [
        (SimVendor::Zoom, Product::ZoomMeetings, None),
        (
            SimVendor::Zoom,
            Product::ZoomWebinar,
            Some(Product::ZoomMeetings),
        ),
        (
            SimVendor::GoTo,
            Product::GoToMeeting,
            Some(Product::GoToConnect),
        ),
        (
            SimVendor::GoTo,
            Product::GoToConnect,
            Some(Product::GoToMeeting),
        ),
    ] {
        let sim = start(vendor, 200).await;
        let cfg = match vendor {
            SimVendor::GoTo => authorized(&sim).await,
            _ => config(&sim),
        };
        let c = connector(cfg, fast_options());
        let now = sim.now();
        // A member idle in this product for the last 20 days (and who holds `other`).
        let idle_since = now - chrono::Duration::days(20);
        let user = sim
            .truth()
            .holders(product)
            .find(|u| {
                u.role == UserRole::Member
                    && u.subscription(product)
                        .unwrap()
                        .last_activity
                        .is_none_or(|t| t < idle_since)
                    && other.is_none_or(|o| u.subscription(o).is_some())
            })
            .cloned()
            .expect("an idle member");
        let mut t = target(&user, product);
        t.used_since = Some(idle_since);
        let before = c.seat(&t).await.unwrap();
        assert!(before.held);
        assert_eq!(before.last_used_at, None, "{vendor:?} {product:?}");
        // Use of another product does not count for this one.
        if let Some(other) = other {
            sim.record_activity(&user.id, other, now - chrono::Duration::days(3))
                .unwrap();
            let seat = c.seat(&t).await.unwrap();
            assert_eq!(seat.last_used_at, None, "{vendor:?} {product:?}: {other:?}");
        }
        let used =
            DateTime::from_timestamp((now - chrono::Duration::days(2)).timestamp(), 0).unwrap();
        sim.record_activity(&user.id, product, used).unwrap();
        let seat = c.seat(&t).await.unwrap();
        assert_eq!(seat.last_used_at, Some(used), "{vendor:?} {product:?}");
        // Without a window to check, no history is read.
        t.used_since = None;
        assert_eq!(c.seat(&t).await.unwrap().last_used_at, None);
    }
}
