//! GraphQL over WebSocket on `/graphql`: graphql-transport-ws (and the older graphql-ws).
//!
//! async-graphql speaks the protocol; this session carries it over actix and enforces what
//! its stock actix glue cannot: a `connection_init` without a live token closes the socket
//! with `4403: Forbidden`, as graphql-transport-ws defines (the glue closes with 1002, a
//! protocol error, which clients retry as if the network had failed).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix::{
    Actor, ActorContext, ActorFutureExt, ActorStreamExt, AsyncContext, ContextFutureSpawner,
    StreamHandler, WrapFuture, WrapStream,
};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_actors::ws::{self, CloseCode, CloseReason, WebsocketContext};
use async_graphql::Data;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocket, WebSocketProtocols, WsMessage};
use serde_json::json;

use super::graphql::bearer;
use crate::domain::tokens;
use crate::error::AppError;
use crate::graphql::AppSchema;
use crate::state::AppState;

/// How often the server pings, and how long a silent client is kept.
const PING_EVERY: Duration = Duration::from_secs(5);
const SILENCE_LIMIT: Duration = Duration::from_secs(15);
/// graphql-transport-ws: the server refuses the connection's initialisation.
const FORBIDDEN: u16 = 4403;
/// The largest message a client may send, in fragments or whole.
const MAX_MESSAGE_BYTES: usize = super::MAX_BODY_BYTES;

/// The token a `connection_init` payload carries: `{"authorization": "Bearer …"}` or
/// `{"token": "…"}` (keys in any letter case).
fn init_token(payload: &serde_json::Value) -> Option<String> {
    let map = payload.as_object()?;
    map.iter().find_map(|(k, v)| {
        let v = v.as_str()?;
        if k.eq_ignore_ascii_case("authorization") {
            bearer(v).map(str::to_owned)
        } else if k.eq_ignore_ascii_case("token") {
            Some(v.trim().to_owned()).filter(|t| !t.is_empty())
        } else {
            None
        }
    })
}

/// Upgrades `/graphql` to a GraphQL WebSocket session.
pub async fn upgrade(
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let protocol = req
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|offered| {
            offered
                .split(',')
                .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        });
    let Some(protocol) = protocol else {
        return Ok(HttpResponse::BadRequest().json(json!({ "errors": [{
            "message": "offer the WebSocket subprotocol graphql-transport-ws (or graphql-ws)",
            "extensions": { "code": "BAD_USER_INPUT" }
        }] })));
    };
    // A non-browser client may also authenticate the upgrade request itself.
    let header_token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .map(str::to_owned);
    let session = Session {
        schema: AppSchema::clone(&schema),
        state: state.get_ref().clone(),
        protocol,
        header_token,
        refused: Arc::new(AtomicBool::new(false)),
        inbox: None,
        heard_at: Instant::now(),
        partial: Vec::new(),
    };
    ws::WsResponseBuilder::new(session, &req, payload)
        .protocols(&ALL_WEBSOCKET_PROTOCOLS)
        .start()
}

/// One client's WebSocket: frames in, protocol messages out.
struct Session {
    schema: AppSchema,
    state: AppState,
    protocol: WebSocketProtocols,
    header_token: Option<String>,
    /// Set when `connection_init` was refused, so its close gets 4403.
    refused: Arc<AtomicBool>,
    /// Client messages on their way to the protocol engine.
    inbox: Option<async_channel::Sender<Vec<u8>>>,
    heard_at: Instant,
    /// A fragmented message being reassembled.
    partial: Vec<u8>,
}

impl Session {
    fn deliver(&self, message: Vec<u8>, ctx: &mut WebsocketContext<Self>) {
        let Some(inbox) = self.inbox.clone() else {
            return;
        };
        async move { inbox.send(message).await }
            .into_actor(self)
            .map(|sent, _, ctx| {
                if sent.is_err() {
                    ctx.stop();
                }
            })
            .spawn(ctx);
    }
}

impl Actor for Session {
    type Context = WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(PING_EVERY, |session, ctx| {
            if session.heard_at.elapsed() > SILENCE_LIMIT {
                ctx.stop();
            } else {
                ctx.ping(b"");
            }
        });
        let (inbox, messages) = async_channel::unbounded::<Vec<u8>>();
        self.inbox = Some(inbox);
        let state = self.state.clone();
        let header_token = self.header_token.take();
        let refused = Arc::clone(&self.refused);
        let on_init = move |init: serde_json::Value| async move {
            let principal = match init_token(&init).or(header_token) {
                Some(raw) => tokens::authenticate(&state.db, &state.tokens, &raw).await,
                None => Err(AppError::Unauthenticated),
            };
            match principal {
                Ok(principal) => {
                    let mut data = Data::default();
                    data.insert(principal);
                    Ok(data)
                }
                Err(err) => {
                    refused.store(true, Ordering::SeqCst);
                    Err(async_graphql::Error::from(err))
                }
            }
        };
        WebSocket::new(self.schema.clone(), messages, self.protocol)
            .on_connection_init(on_init)
            .into_actor(self)
            .map(|message, session, ctx| match message {
                WsMessage::Text(text) => ctx.text(text),
                WsMessage::Close(code, reason) => {
                    let code = if session.refused.load(Ordering::SeqCst) {
                        FORBIDDEN
                    } else {
                        code
                    };
                    ctx.close(Some(CloseReason {
                        code: CloseCode::from(code),
                        description: Some(reason),
                    }));
                    ctx.stop();
                }
            })
            .finish()
            .spawn(ctx);
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for Session {
    fn handle(&mut self, frame: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        let Ok(frame) = frame else {
            ctx.stop();
            return;
        };
        self.heard_at = Instant::now();
        let message = match frame {
            ws::Message::Ping(bytes) => {
                ctx.pong(&bytes);
                None
            }
            ws::Message::Pong(_) | ws::Message::Nop => None,
            ws::Message::Text(text) => Some(text.into_bytes().to_vec()),
            ws::Message::Binary(bytes) => Some(bytes.to_vec()),
            ws::Message::Continuation(item) => match item {
                actix_http::ws::Item::FirstText(bytes)
                | actix_http::ws::Item::FirstBinary(bytes) => {
                    self.partial = bytes.to_vec();
                    None
                }
                actix_http::ws::Item::Continue(bytes) => {
                    self.partial.extend_from_slice(&bytes);
                    None
                }
                actix_http::ws::Item::Last(bytes) => {
                    self.partial.extend_from_slice(&bytes);
                    Some(std::mem::take(&mut self.partial))
                }
            },
            ws::Message::Close(_) => {
                ctx.stop();
                None
            }
        };
        if self.partial.len() > MAX_MESSAGE_BYTES
            || message
                .as_ref()
                .is_some_and(|m| m.len() > MAX_MESSAGE_BYTES)
        {
            ctx.close(Some(CloseReason {
                code: CloseCode::Size,
                description: Some(format!("messages are limited to {MAX_MESSAGE_BYTES} bytes")),
            }));
            ctx.stop();
        } else if let Some(message) = message {
            self.deliver(message, ctx);
        }
    }
}
