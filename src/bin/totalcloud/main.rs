//! `totalcloud`: the command-line face of the library.
//!
//! Exit codes: 0 success, 1 a service or transport error, 2 bad input (an
//! invalid filter, id, option or configuration). Errors are one line on
//! stderr; a filter error adds its caret excerpt.

mod args;
mod output;

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use futures::{FutureExt, StreamExt};
use totalcloud::sandbox::Sandbox;
use totalcloud::{Client, Filter, Sort};
use tracing_subscriber::EnvFilter;

use args::{
    Cli, Command, ConnectorsCommand, FilterCommand, Format, Global, ListArgs, SandboxCommand,
    SortArg,
};
use output::ListingWriter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&anyhow::Error::new(e).context("failed to start the async runtime")),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// Logs go to stderr; `RUST_LOG` wins over `-v`.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(io::stderr).init();
}

/// Prints the error and picks the exit code: 2 for input, 1 for the rest.
fn fail(error: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(error) {
        // The reader went away (`| head`): that is how pipelines end.
        return ExitCode::SUCCESS;
    }
    let api = error.chain().find_map(|e| e.downcast_ref::<totalcloud::Error>());
    let filter = error.chain().find_map(|e| e.downcast_ref::<totalcloud::FilterError>());
    let input = error.is::<clap::Error>() || api.is_some_and(totalcloud::Error::is_invalid_input);

    match filter {
        Some(filter) => eprintln!("{filter}"),
        None => eprintln!("error: {error:#}"),
    }
    ExitCode::from(if input || filter.is_some() || error.is::<InputError>() { 2 } else { 1 })
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// An error in what the user typed or configured.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct InputError(String);

async fn run(cli: Cli) -> Result<()> {
    if let Command::Filter(FilterCommand::Check { expression }) = &cli.command {
        let filter: Filter = expression.parse()?;
        println!("{filter}");
        return Ok(());
    }

    if let Command::Sandbox(SandboxCommand::Serve { connectors, latency_ms, seed }) = cli.command {
        return serve(connectors, latency_ms, seed).await;
    }

    // Keep the sandbox alive until the command is done.
    let (client, _sandbox) = connect(&cli.global).await?;
    let stdout = io::stdout().lock();
    match cli.command {
        Command::Filter(_) | Command::Sandbox(_) => unreachable!("handled above"),
        Command::Connectors(ConnectorsCommand::List(args)) => {
            list(&client, args, stdout, cli.global.format).await
        }
        Command::Connectors(ConnectorsCommand::Get { id }) => {
            let connector = client.connector(id).await?;
            Ok(output::write_one(stdout, &connector, cli.global.format)?)
        }
        Command::BaseAccount => {
            let account = client.aws_base_account().await?;
            Ok(output::write_one(stdout, &account, cli.global.format)?)
        }
    }
}

/// Builds the client: against a fresh sandbox, or a platform or URL with
/// credentials from `QUALYS_USERNAME` / `QUALYS_PASSWORD`.
async fn connect(global: &Global) -> Result<(Client, Option<Sandbox>)> {
    if global.sandbox {
        let sandbox = Sandbox::start().await.context("failed to start the sandbox")?;
        return Ok((sandbox.client()?, Some(sandbox)));
    }

    let mut builder = Client::builder();
    builder =
        match (&global.base_url, global.platform) {
            (Some(url), _) => builder.base_url(url),
            (None, Some(platform)) => builder.platform(platform),
            (None, None) => return Err(InputError(
                "no service to talk to: pass --platform or --base-url, or --sandbox to try it out"
                    .to_string(),
            )
            .into()),
        };
    let username = std::env::var("QUALYS_USERNAME").ok().filter(|u| !u.is_empty());
    let password = std::env::var("QUALYS_PASSWORD").ok().filter(|p| !p.is_empty());
    let (Some(username), Some(password)) = (username, password) else {
        let missing = "credentials missing: set QUALYS_USERNAME and QUALYS_PASSWORD";
        return Err(InputError(missing.to_string()).into());
    };
    Ok((builder.basic_auth(username, password).build()?, None))
}

/// Serves a sandbox until Ctrl-C; the first line of stdout says where.
async fn serve(connectors: usize, latency_ms: u64, seed: Option<u64>) -> Result<()> {
    let mut builder = Sandbox::builder()
        .connectors(connectors)
        .latency(std::time::Duration::from_millis(latency_ms));
    if let Some(seed) = seed {
        builder = builder.seed(seed);
    }
    let sandbox = builder.start().await.context("failed to start the sandbox")?;
    println!("{} {} {}", sandbox.base_url(), sandbox.username(), sandbox.password());
    io::stdout().flush()?;
    tokio::signal::ctrl_c().await.context("failed to wait for Ctrl-C")?;
    Ok(())
}

async fn list(client: &Client, args: ListArgs, out: impl Write, format: Format) -> Result<()> {
    let mut request = client.connectors().start_page(args.start_page);
    if let Some(filter) = args.filter {
        request = request.filter(filter);
    }
    if let Some(sort) = args.sort {
        request = request.sort(match sort {
            SortArg::Asc => Sort::LastSyncedAsc,
            SortArg::Desc => Sort::LastSyncedDesc,
        });
    }
    if let Some(size) = args.page_size {
        request = request.page_size(size);
    }
    if let Some(pages) = args.max_pages {
        request = request.max_pages(pages);
    }
    if let Some(k) = args.max_in_flight {
        request = request.max_in_flight(k);
    }

    let mut stream = request.stream();
    let mut writer = ListingWriter::new(io::BufWriter::new(out), format);
    loop {
        // Flush only when the next connector is not ready yet: whole pages go
        // out in one write, and nothing waits in the buffer while we wait.
        let next = match stream.next().now_or_never() {
            Some(next) => next,
            None => {
                writer.flush()?;
                stream.next().await
            }
        };
        match next {
            Some(connector) => writer.write(&connector?)?,
            None => break,
        }
    }
    let count = writer.finish()?;
    tracing::info!(connectors = count, "listing done");
    Ok(())
}
