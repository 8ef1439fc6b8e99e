//! The `adbridge` binary: parses the command line, sets up logging, runs the command.

use std::io::Read;

use anyhow::Context;
use clap::Parser;

use adbridge::app::{App, Overrides};
use adbridge::config::{Cli, Command, Config, LogFormat};
use adbridge::domain::accounts::{Role, SignUp};
use adbridge::domain::clock::SystemClock;
use adbridge::store::Store;

/// mimalloc returns freed pages to the system promptly (glibc keeps the high-water mark of a
/// burst of connections as RSS) and is cheaper per allocation; see BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.config.log_format);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // Once, through the log (which goes to the terminal or the log collector).
            tracing::error!("{err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::Migrate => {
            let store = Store::connect(&cli.config.database_url, cli.config.db_max_connections).await?;
            store.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::CheckMoney => {
            let store = Store::connect(&cli.config.database_url, cli.config.db_max_connections).await?;
            let breaches = store.money_invariant_violations().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            for breach in &breaches {
                println!("{breach}");
            }
            anyhow::ensure!(breaches.is_empty(), "{} breaches of the money invariants", breaches.len());
            println!("money invariants hold");
            Ok(())
        }
        Command::PrintSchema => {
            print!("{}", adbridge::graphql::sdl());
            Ok(())
        }
        Command::Seed { influencers, spaces, advertisers, seed } => {
            let store = Store::connect(&cli.config.database_url, cli.config.db_max_connections).await?;
            store.migrate().await?;
            adbridge::seed::seed(&store, adbridge::seed::SeedOptions { influencers, spaces, advertisers, seed }).await
        }
        Command::CreateAdmin { email, password_stdin: _, display_name } => create_admin(cli.config, email, display_name).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = App::build(config, Overrides::default()).await?;
    let addr = app.addr();
    tracing::info!("GraphiQL:  http://{addr}/");
    tracing::info!("GraphQL:   http://{addr}/graphql");
    tracing::info!("Websocket: ws://{addr}/graphql/ws");
    app.run(async {
        let signal = stop_signal().await;
        tracing::info!(signal, "shutting down");
    })
    .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGTERM (what systemd and Kubernetes send) or SIGINT (Ctrl-C); returns its name.
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        let _ = tokio::signal::ctrl_c().await;
        return "SIGINT";
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}

async fn create_admin(config: Config, email: String, display_name: String) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    let store = Store::connect(&config.database_url, config.db_max_connections).await?;
    store.migrate().await?;
    let services = adbridge::app::build_services(
        &config,
        &store,
        std::sync::Arc::new(SystemClock),
        std::sync::Arc::new(adbridge::domain::orders::history::NoListeners),
    );
    let input = SignUp { email, password, display_name, role: Role::Admin };
    let user = services.accounts.register(input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    tracing::info!(id = user.id, email = %user.email, "administrator created");
    Ok(())
}

fn init_tracing(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    // Colours only on a terminal: files and pipes get plain text.
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(std::io::stdout().is_terminal());
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
