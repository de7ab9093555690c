//! Builds the application: settings → database → migrations → job queue → bootstrap token
//! → event bridge → HTTP server, plus the job workers and scheduler when the role runs them.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;

use crate::config::{DatabaseKind, Settings};
use crate::jobs::{JobEvents, JobQueue, Jobs, Workers};
use crate::metrics::Metrics;
use crate::secret::Cipher;
use crate::state::AppState;
use crate::{db, domain, graphql, http};

/// A server that is listening, with what tests and `main` need to know about it.
pub struct Application {
    pub state: AppState,
    pub port: u16,
    /// The bootstrap token, when one was generated at this start (printed once by `main`).
    pub generated_token: Option<String>,
    server: Server,
    workers: Option<Workers>,
}

impl Application {
    /// Connects, migrates and binds. Port 0 picks a free port (tests).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let cipher = load_cipher(&settings)?;
        let db = db::connect(&settings)
            .await
            .context("SEATKEEPER_DATABASE_URL: cannot open the database")?;
        db::migrate(&db)
            .await
            .context("database migration failed")?;
        let queue = JobQueue::open(&db, settings.worker_concurrency)
            .await
            .context("cannot prepare the job queue")?;
        let generated = domain::tokens::ensure_bootstrap_token(&db, settings.admin_token.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!("cannot prepare the admin token: {}", e.message()))?;
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("SEATKEEPER_LISTEN: cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let mut settings = settings;
        if settings.public_url.is_none() {
            settings.public_url = Some(format!("http://{}", listener.local_addr()?));
        }
        let events = JobEvents::new(&db);
        // Detached: it lives as long as the process (it holds one pooled connection).
        let _bridge = events
            .start_listener()
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen for job events: {e}"))?;
        let state = AppState {
            db,
            cipher,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::default()),
            tokens: Arc::default(),
            jobs: Jobs {
                queue,
                events,
                in_flight: Arc::default(),
            },
            clock: crate::clock::Clock::default(),
        };
        let server = serve(state.clone(), listener)?;
        let workers = state
            .settings
            .role
            .runs_workers()
            .then(|| Workers::spawn(state.clone()));
        Ok(Application {
            state,
            port,
            generated_token: generated.map(|s| s.expose().to_owned()),
            server,
            workers,
        })
    }

    /// Runs until the server stops (Ctrl-C or SIGTERM), then lets running jobs finish.
    pub async fn run(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(workers) = self.workers {
            workers.shutdown().await;
        }
        served
    }

    /// The server future, to spawn in tests; the workers keep running in the background.
    pub fn into_server(self) -> Server {
        if let Some(workers) = self.workers {
            workers.detach();
        }
        self.server
    }
}

fn load_cipher(settings: &Settings) -> anyhow::Result<Cipher> {
    if let Some(key) = &settings.master_key {
        return Cipher::from_base64(key.expose())
            .map_err(|reason| anyhow::anyhow!("invalid setting SEATKEEPER_MASTER_KEY: {reason}"));
    }
    debug_assert_eq!(settings.database_kind(), DatabaseKind::Sqlite);
    let path = settings.key_file_path();
    let existed = path.exists();
    let cipher = Cipher::load_or_create_key_file(&path).with_context(|| {
        format!(
            "SEATKEEPER_MASTER_KEY unset and key file {} unusable",
            path.display()
        )
    })?;
    if !existed {
        tracing::info!(path = %path.display(), "generated a master key file (mode 0600); back it up with the database");
    }
    Ok(cipher)
}

fn serve(state: AppState, listener: TcpListener) -> std::io::Result<Server> {
    let workers = state.settings.http_workers;
    let schema = graphql::build_schema(state.clone());
    let state = web::Data::new(state);
    let schema = web::Data::new(schema);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(schema.clone())
            .wrap(from_fn(http::json_errors))
            .wrap(from_fn(http::observe))
            .configure(http::configure)
    })
    .workers(workers)
    .listen(listener)?
    .run();
    Ok(server)
}
