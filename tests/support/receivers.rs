//! Real receivers for notices, shared by the tests and the bench: an SMTP server (Python's
//! aiosmtpd on loopback, `smtp_sink.py`) and an HTTP receiver for the webhook.
#![allow(dead_code)] // each includer uses its own part

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// The SMTP server: a Python aiosmtpd process writing each message it accepts as JSON.
pub struct SmtpSink {
    child: Option<tokio::process::Child>,
    pub dir: PathBuf,
    pub port: u16,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    /// A sink for `port` that is not listening yet (the mail server is down).
    pub fn down(port: u16) -> SmtpSink {
        let dir = std::env::temp_dir().join(format!("seatkeeper-smtp-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        SmtpSink {
            child: None,
            dir,
            port,
        }
    }

    pub async fn start() -> SmtpSink {
        let mut sink = SmtpSink::down(free_port());
        sink.up().await;
        sink
    }

    /// Starts the server on the sink's port.
    pub async fn up(&mut self) {
        use tokio::io::AsyncBufReadExt;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let mut child = tokio::process::Command::new("python3")
            .arg(script)
            .arg(self.port.to_string())
            .arg(&self.dir)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 runs (install aiosmtpd: .ci/run does)");
        let stdout = child.stdout.take().unwrap();
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP sink starts within 20 s")
            .unwrap();
        assert_eq!(ready.as_deref(), Some("ready"), "aiosmtpd is installed");
        self.child = Some(child);
    }

    /// Refuses mail to these addresses with a permanent 550 (none: accepts all again).
    pub fn refuse(&self, addresses: &[&str]) {
        std::fs::write(self.dir.join("refuse"), addresses.join("\n")).unwrap();
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<Value> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && !p.file_name().unwrap().to_string_lossy().starts_with('.')
            })
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One request the webhook receiver got.
#[derive(Debug, Clone)]
pub struct Hooked {
    pub signature: String,
    pub delivery: String,
    pub body: Vec<u8>,
}

/// An HTTP receiver for the webhook that records every request and answers 204.
pub struct Webhook {
    pub url: String,
    pub got: Arc<Mutex<Vec<Hooked>>>,
}

impl Webhook {
    pub async fn start() -> Webhook {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        let got: Arc<Mutex<Vec<Hooked>>> = Arc::default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/seatkeeper", listener.local_addr().unwrap());
        let shared = got.clone();
        let server = HttpServer::new(move || {
            let shared = shared.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let shared = shared.clone();
                async move {
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    shared.lock().unwrap().push(Hooked {
                        signature: header("seatkeeper-signature"),
                        delivery: header("seatkeeper-delivery"),
                        body: body.to_vec(),
                    });
                    HttpResponse::NoContent().finish()
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Webhook { url, got }
    }

    pub fn requests(&self) -> Vec<Hooked> {
        self.got.lock().unwrap().clone()
    }
}
