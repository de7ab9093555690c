//! Demo mode's notice inbox: a webhook receiver on loopback standing in for the mail a
//! notified seat holder would get, so a rule that notifies works without an SMTP server.
//! `GET /notices` on it lists what arrived, newest first, with the keep and release links
//! a holder would click.

use std::net::TcpListener;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use rand::RngCore;

use crate::config::{Settings, WebhookSettings};
use crate::secret::Secret;

/// Notices kept, the oldest dropped first.
const KEPT: usize = 200;

/// A bound, not yet serving, inbox.
pub struct Inbox {
    listener: TcpListener,
    url: String,
    secret: Secret,
}

type Received = Arc<Mutex<Vec<serde_json::Value>>>;

impl Inbox {
    /// Binds a free loopback port.
    pub fn bind() -> std::io::Result<Inbox> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}/notices", listener.local_addr()?);
        let mut key = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut key);
        let secret = Secret::new(key.iter().map(|b| format!("{b:02x}")).collect::<String>());
        Ok(Inbox {
            listener,
            url,
            secret,
        })
    }

    /// For `serve --demo`: an inbox as the notice webhook, unless the operator configured
    /// a channel of their own (then `None`, and notices go there).
    pub fn reserve_for(settings: &mut Settings) -> std::io::Result<Option<Inbox>> {
        if settings.notices.any_channel() {
            return Ok(None);
        }
        let inbox = Inbox::bind()?;
        settings.notices.webhook = Some(inbox.webhook());
        Ok(Some(inbox))
    }

    /// The webhook settings that deliver to this inbox.
    pub fn webhook(&self) -> WebhookSettings {
        WebhookSettings {
            url: self.url.clone(),
            secret: self.secret.clone(),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Starts serving; the server runs until the handle stops it or the process ends.
    pub fn serve(self) -> std::io::Result<ServerHandle> {
        let received: Received = Arc::default();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(received.clone()))
                .app_data(web::JsonConfig::default().limit(1024 * 1024))
                .route("/notices", web::post().to(receive))
                .route("/notices", web::get().to(list))
        })
        .workers(1)
        .disable_signals()
        .listen(self.listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(handle)
    }
}

async fn receive(
    received: web::Data<Received>,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    let notice = body.into_inner();
    tracing::debug!(
        kind = notice["type"].as_str().unwrap_or("?"),
        holder = notice["holder"].as_str().unwrap_or("?"),
        product = notice["product"].as_str().unwrap_or("?"),
        "demo inbox: notice received"
    );
    let mut all = received.lock().unwrap_or_else(PoisonError::into_inner);
    if all.len() == KEPT {
        all.remove(0);
    }
    all.push(notice);
    HttpResponse::NoContent().finish()
}

async fn list(received: web::Data<Received>) -> HttpResponse {
    let all = received.lock().unwrap_or_else(PoisonError::into_inner);
    let newest_first: Vec<&serde_json::Value> = all.iter().rev().collect();
    HttpResponse::Ok().json(newest_first)
}
