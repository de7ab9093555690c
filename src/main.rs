#![forbid(unsafe_code)]
//! The `seatkeeper` binary: parse the command line, load settings, run.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use seatkeeper::config::{ServeRole, Settings};
use seatkeeper::startup::Application;

#[derive(Parser)]
#[command(
    name = "seatkeeper",
    version,
    about = "SaaS license management: find and reclaim unused seats"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server and the job workers.
    Serve {
        /// Which part of the system this process runs: `api` only enqueues jobs, `worker`
        /// runs them (and the scheduler), `all` both. Default: SEATKEEPER_ROLE, else all.
        #[arg(long, value_enum)]
        role: Option<ServeRole>,
        /// Start simulated Zoom, GoTo and Aha! tenants and connect a published profile to
        /// each (own database `seatkeeper-demo.db` unless SEATKEEPER_DATABASE_URL is set).
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Write a consistent copy of the SQLite database (and its key file, as `<FILE>.key`)
    /// while the server runs; start a server on the copy to restore. PostgreSQL: pg_dump.
    Backup {
        /// The copy to write; it must not exist.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Print the GraphQL schema (SDL), or write it to a file.
    ExportSchema {
        /// Write to this file instead of standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
}

fn load_settings() -> Settings {
    match Settings::load() {
        Ok(s) => s,
        Err(err) => {
            eprintln!("seatkeeper: {err}");
            std::process::exit(2);
        }
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::ExportSchema { output } => {
            let sdl = seatkeeper::graphql::sdl();
            match output {
                Some(path) => std::fs::write(&path, sdl)?,
                None => print!("{sdl}"),
            }
        }
        Command::Backup { output } => {
            let settings = load_settings();
            match seatkeeper::backup::backup(&settings, &output).await {
                Ok(done) => {
                    println!("database copied to {}", done.database.display());
                    match done.key_file {
                        Some(key) => println!("key file copied to {}", key.display()),
                        None => println!(
                            "the master key is SEATKEEPER_MASTER_KEY: keep it with the copy"
                        ),
                    }
                }
                Err(err) => {
                    eprintln!("seatkeeper: backup not taken: {err}");
                    std::process::exit(1);
                }
            }
        }
        Command::Migrate => {
            let settings = load_settings();
            seatkeeper::telemetry::init(settings.log_format);
            let db = seatkeeper::db::connect(&settings).await?;
            seatkeeper::db::migrate(&db).await?;
            tracing::info!("migrations applied");
        }
        Command::Serve { role, demo } => {
            let mut settings = load_settings();
            settings.role = role.unwrap_or(settings.role);
            if demo {
                settings.prepare_demo();
            }
            seatkeeper::telemetry::init(settings.log_format);
            let app = match Application::build(settings).await {
                Ok(app) => app,
                Err(err) => {
                    eprintln!("seatkeeper: {err:#}");
                    std::process::exit(1);
                }
            };
            let addr = app.state.settings.listen;
            if let Some(token) = &app.generated_token {
                // Printed once, on stdout, never logged: the only copy the operator gets.
                println!("Admin API token (shown once, store it now): {token}");
            }
            println!(
                "Seatkeeper listening on http://{}:{} (GraphiQL at /graphql)",
                addr.ip(),
                app.port
            );
            let _demo = if demo {
                let demo = seatkeeper::demo::start(&app.state).await?;
                println!(
                    "Demo mode: simulated Zoom, GoTo and Aha! tenants are syncing; try {{ jobRuns {{ edges {{ node {{ kind state }} }} }} }}"
                );
                Some(demo)
            } else {
                None
            };
            app.run().await?;
        }
    }
    Ok(())
}
