//! `seatkeeper-sim`: serve one vendor's simulator, or all three on their own listeners, and
//! print the URLs and credentials to configure a client with.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Parser;
use seatkeeper_sim::{Fault, RateLimitMode, SimConfig, Simulator, Vendor, ZoomPlan};

#[derive(Parser)]
#[command(version, about = "Local simulators of the Zoom, GoTo and Aha! APIs")]
struct Args {
    /// zoom, goto, aha or all.
    #[arg(long, default_value = "all")]
    vendor: String,
    /// Users per tenant (10 to 1,000,000).
    #[arg(long, default_value_t = 1000)]
    users: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// With `all` and a non-zero port P, Zoom gets P, GoTo P+1 and Aha! P+2.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// vendor (documented limits), off, or N requests per second per bucket.
    #[arg(long, default_value = "vendor")]
    rate_limit: RateLimitMode,
    /// Faults to start with, comma-separated: 429, 500, 502, 503, 504, slow=MS, timeout,
    /// malformed, truncated (each optionally xN), revoke=N, empty-page=P, drop=P:COUNT,
    /// duplicate=COUNT.
    #[arg(long, value_delimiter = ',')]
    faults: Vec<Fault>,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl: u64,
    /// Zoom plan: free, pro or business.
    #[arg(long, default_value = "pro")]
    zoom_plan: String,
    #[arg(long)]
    aha_subdomain: Option<String>,
    /// The registered OAuth redirect URI (default: any loopback URI).
    #[arg(long)]
    redirect_uri: Option<String>,
    /// GoTo: grant Connect's call history to a second OAuth client of its own, so the main
    /// client's tokens lack `cr.v1.read`.
    #[arg(long)]
    goto_connect_client: bool,
    /// The tenant's "today" (RFC 3339); default now.
    #[arg(long)]
    now: Option<DateTime<Utc>>,
    #[arg(long, default_value_t = 2)]
    workers: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let args = Args::parse();
    let vendors: Vec<Vendor> = match args.vendor.as_str() {
        "all" => Vendor::ALL.to_vec(),
        one => vec![one.parse()?],
    };
    let zoom_plan = match args.zoom_plan.as_str() {
        "free" => ZoomPlan::Free,
        "pro" => ZoomPlan::Pro,
        "business" => ZoomPlan::Business,
        other => anyhow::bail!("unknown Zoom plan {other:?}"),
    };
    let now = args.now.unwrap_or_else(Utc::now);
    let mut sims = Vec::new();
    for (i, vendor) in vendors.into_iter().enumerate() {
        let mut listen = args.listen;
        if listen.port() != 0 {
            listen.set_port(listen.port() + i as u16);
        }
        let mut config = SimConfig::new(vendor)
            .users(args.users)
            .seed(args.seed)
            .listen(listen)
            .rate_limit(args.rate_limit)
            .token_ttl(Duration::from_secs(args.token_ttl))
            .now(now)
            .goto_connect_client(args.goto_connect_client);
        config.zoom_plan = zoom_plan;
        config.aha_subdomain = args.aha_subdomain.clone();
        config.redirect_uri = args.redirect_uri.clone();
        config.workers = args.workers;
        let sim = Simulator::start(config)
            .await
            .with_context(|| format!("starting {}", vendor.as_str()))?;
        for fault in &args.faults {
            sim.set_fault(fault.clone())?;
        }
        print_sim(&sim);
        sims.push(sim);
    }
    println!("Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    for sim in sims {
        sim.stop().await;
    }
    Ok(())
}

fn print_sim(sim: &Simulator) {
    let c = sim.credentials();
    println!("{}", sim.vendor().as_str());
    println!("  base_url      {}", sim.base_url());
    println!("  control       {}", sim.control_url());
    println!("  client_id     {}", c.client_id);
    println!("  client_secret {}", c.client_secret);
    if let Some(account) = &c.account_id {
        println!("  account_id    {account}");
    }
    if let Some(sub) = &c.subdomain {
        println!("  subdomain     {sub} (path prefix, X-AHA-ACCOUNT or Host {sub}.localhost)");
    }
    if let Some(key) = &c.api_key {
        println!("  api_key       {key}");
    }
    if let (Some(id), Some(secret)) = (&c.connect_client_id, &c.connect_client_secret) {
        println!("  connect_client_id     {id}");
        println!("  connect_client_secret {secret}");
    }
}
