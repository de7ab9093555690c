#![forbid(unsafe_code)]
//! The `seatkeeper` binary: parse the command line, load settings, run.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use entity::enums::Role;
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
    /// API tokens, minted on the server's own database: the way back when the admin token
    /// is lost (whoever can run this can read the database anyway).
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Print the GraphQL schema (SDL), or write it to a file.
    ExportSchema {
        /// Write to this file instead of standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Mint a token and print it once on standard output (only the token, for scripts).
    Create {
        /// A role it holds; repeat for several (admin holds reclaimer and viewer).
        #[arg(long = "role", value_enum, required = true)]
        roles: Vec<RoleArg>,
        /// What it is for, as listed by `apiTokens`.
        #[arg(long)]
        name: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Viewer,
    Reclaimer,
    Admin,
    Integrator,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Reclaimer => Role::Reclaimer,
            RoleArg::Admin => Role::Admin,
            RoleArg::Integrator => Role::Integrator,
        }
    }
}

/// The admin token generated at first start, framed so it stands out of the log.
fn print_generated_token(token: &str) {
    let rule = "=".repeat(72);
    println!("{rule}");
    println!("  Admin API token (shown once, store it now):");
    println!();
    println!("      {token}");
    println!();
    println!("  Send it as `Authorization: Bearer <token>`. Lost it? On this machine:");
    println!("      seatkeeper token create --role admin --name <NAME>");
    println!("{rule}");
}

async fn create_token(roles: Vec<RoleArg>, name: String) -> anyhow::Result<()> {
    let settings = load_settings();
    seatkeeper::telemetry::init(settings.log_format);
    let db = seatkeeper::db::connect(&settings).await?;
    seatkeeper::db::migrate(&db).await?;
    let roles: Vec<Role> = roles.into_iter().map(Role::from).collect();
    match seatkeeper::domain::tokens::create_from_command_line(&db, &name, &roles).await {
        Ok(minted) => {
            let roles: Vec<String> = minted.roles.iter().map(|r| r.to_string()).collect();
            eprintln!(
                "API token \"{}\" (id {}, roles: {}) created; it is shown once:",
                minted.name,
                minted.id,
                roles.join(", ")
            );
            println!("{}", minted.token.expose());
            Ok(())
        }
        Err(err) => {
            eprintln!("seatkeeper: token not created: {}", err.message());
            std::process::exit(1);
        }
    }
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
        Command::Token {
            action: TokenAction::Create { roles, name },
        } => create_token(roles, name).await?,
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
            let mut inbox = None;
            if demo {
                settings.prepare_demo();
                inbox = seatkeeper::demo::inbox::Inbox::reserve_for(&mut settings)?;
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
                print_generated_token(token);
            }
            println!(
                "Seatkeeper listening on http://{}:{} (console at /, GraphiQL at /graphql)",
                addr.ip(),
                app.port
            );
            let _demo = if demo {
                let demo = seatkeeper::demo::start(&app.state, inbox).await?;
                println!(
                    "Demo mode: simulated Zoom, GoTo and Aha! tenants are syncing; try {{ jobRuns {{ edges {{ node {{ kind state }} }} }} }}"
                );
                let console = format!("http://{}:{}/", addr.ip(), app.port);
                match &app.generated_token {
                    // The fragment never reaches the server; the console keeps the token
                    // for the tab and drops it from the address bar.
                    Some(token) => {
                        println!("Demo mode: open the console at {console}#token={token}")
                    }
                    None => println!(
                        "Demo mode: open the console at {console} and sign in with your admin token"
                    ),
                }
                if let Some((url, _)) = &demo.inbox {
                    println!("Demo mode: notices to seat holders arrive at {url} (GET lists them)");
                }
                Some(demo)
            } else {
                None
            };
            app.run().await?;
        }
    }
    Ok(())
}
