//! Subscriptions over WebSocket: both protocols, authenticated in `connection_init`.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::db_test;
use crate::helpers::{ADMIN_TOKEN, Db, TestApp, spawn_app};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, protocol: &str, upgrade: &str) -> Ws {
    let url = app.graphql_url().replace("http://", "ws://");
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("sec-websocket-protocol", protocol.parse().unwrap());
    req.headers_mut()
        .insert("upgrade", upgrade.parse().unwrap());
    let (ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("upgrade accepted");
    assert_eq!(resp.headers()["sec-websocket-protocol"], protocol);
    ws
}

async fn next_json(ws: &mut Ws) -> Option<Value> {
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .ok()??;
        match msg.ok()? {
            Message::Text(text) => return serde_json::from_str(&text).ok(),
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

async fn send(ws: &mut Ws, value: Value) {
    ws.send(Message::Text(value.to_string())).await.unwrap();
}

async fn ping_over(
    app: &TestApp,
    protocol: &str,
    start: &str,
    data: &str,
    init: Value,
) -> Vec<u64> {
    let mut ws = connect(app, protocol, "WebSocket").await;
    send(
        &mut ws,
        json!({ "type": "connection_init", "payload": init }),
    )
    .await;
    assert_eq!(next_json(&mut ws).await.unwrap()["type"], "connection_ack");
    send(
        &mut ws,
        json!({ "id": "1", "type": start, "payload": { "query": "subscription { ping(count: 3, intervalMs: 10) }" } }),
    )
    .await;
    let mut pongs = Vec::new();
    while let Some(msg) = next_json(&mut ws).await {
        match msg["type"].as_str() {
            Some(t) if t == data => pongs.push(msg["payload"]["data"]["ping"].as_u64().unwrap()),
            Some("complete") => break,
            Some("ka") | Some("ping") => continue,
            other => panic!("unexpected {other:?}: {msg}"),
        }
    }
    pongs
}

async fn subscriptions_speak_both_protocols(app: TestApp) {
    let bearer = json!({ "authorization": format!("Bearer {ADMIN_TOKEN}") });
    let pongs = ping_over(&app, "graphql-transport-ws", "subscribe", "next", bearer).await;
    assert_eq!(pongs, [1, 2, 3]);
    let token = json!({ "token": ADMIN_TOKEN });
    let pongs = ping_over(&app, "graphql-ws", "start", "data", token).await;
    assert_eq!(pongs, [1, 2, 3]);
}
db_test!(subscriptions_speak_both_protocols);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_init_without_a_valid_token_is_refused() {
    let app = spawn_app(Db::Sqlite).await;
    for init in [
        json!({}),
        json!({ "token": "sk_wrong" }),
        json!({ "authorization": "Basic abc" }),
    ] {
        let mut ws = connect(&app, "graphql-transport-ws", "websocket").await;
        send(
            &mut ws,
            json!({ "type": "connection_init", "payload": init }),
        )
        .await;
        // graphql-transport-ws: "4403: Forbidden", so a client knows not to retry.
        let close = close_frame(&mut ws).await;
        assert_eq!(close.map(|(code, _)| code), Some(4403), "{init}");
    }
}

/// The code and reason of the close frame the server sends, skipping anything before it.
async fn close_frame(ws: &mut Ws) -> Option<(u16, String)> {
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .ok()??;
        match msg.ok()? {
            Message::Close(Some(frame)) => {
                return Some((frame.code.into(), frame.reason.to_string()));
            }
            Message::Close(None) => return None,
            Message::Text(text) => {
                let reply: Value = serde_json::from_str(&text).unwrap_or_default();
                assert_ne!(reply["type"], "connection_ack", "refused, got {reply}");
            }
            _ => continue,
        }
    }
}
