//! `totalcloud`: the command-line face of the library.
//!
//! Exit codes: 0 success, 1 a service or transport error, 2 bad input (an
//! invalid filter, id, option or configuration). Errors are one line on
//! stderr; a filter error adds its caret excerpt.

mod args;
mod listing;
mod output;
mod progress;
mod records;
mod table;
mod terminal;

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser};
use clap_complete::Shell;
use totalcloud::sandbox::Sandbox;
use totalcloud::{AuthMethod, Client, Filter};
use tracing_subscriber::EnvFilter;

use args::{AuthArg, Cli, Command, ConnectorsCommand, FilterCommand, Global, SandboxCommand};
use output::ListingWriter;
use progress::Progress;
use terminal::Surroundings;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let surroundings = Surroundings::observe();
    let listing = matches!(cli.command, Command::Connectors(ConnectorsCommand::List(_)));
    let progress = Progress::new(listing && surroundings.progress(cli.global.quiet));
    init_logging(&cli.global, &surroundings, &progress);

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&anyhow::Error::new(e).context("failed to start the async runtime")),
    };
    let result = runtime.block_on(run(cli, &surroundings, &progress));
    progress.clear();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// Logs go to stderr, around the progress bar; `RUST_LOG` wins over `-v`
/// and `-q`.
fn init_logging(global: &Global, surroundings: &Surroundings, progress: &Progress) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let progress = progress.clone();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(surroundings.stderr_is_terminal)
        .with_writer(move || progress.log_writer())
        .init();
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

fn input_error(message: impl Into<String>) -> anyhow::Error {
    InputError(message.into()).into()
}

async fn run(cli: Cli, surroundings: &Surroundings, progress: &Progress) -> Result<()> {
    let format = surroundings.format(cli.global.format);
    let width = surroundings.width();
    match cli.command {
        Command::Filter(FilterCommand::Check { expression }) => return check_filter(&expression),
        Command::Completions { shell } => return completions(shell),
        Command::Sandbox(SandboxCommand::Serve { connectors, latency_ms, seed }) => {
            return serve(connectors, latency_ms, seed).await;
        }
        _ => {}
    }

    // Keep the sandbox alive until the command is done.
    let (client, _sandbox) = connect(&cli.global).await?;
    match cli.command {
        Command::Connectors(ConnectorsCommand::List(args)) => {
            let stdout = io::BufWriter::new(progress.wrap(io::stdout().lock()));
            let writer = ListingWriter::new(stdout, format, width)?;
            listing::list(&client, args, writer, progress).await
        }
        Command::Connectors(ConnectorsCommand::Get { id }) => {
            let connector = client.connector(id).await?;
            Ok(output::write_one(io::stdout().lock(), &connector, format, width)?)
        }
        Command::BaseAccount => {
            let account = client.aws_base_account().await?;
            Ok(output::write_one(io::stdout().lock(), &account, format, width)?)
        }
        Command::Filter(_) | Command::Completions { .. } | Command::Sandbox(_) => {
            unreachable!("handled above")
        }
    }
}

fn check_filter(expression: &str) -> Result<()> {
    let filter: Filter = expression.parse()?;
    println!("{filter}");
    Ok(())
}

/// Writes the script in one go: clap_complete panics on a failed write, and
/// a closed pipe is not worth a panic.
fn completions(shell: Shell) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "totalcloud", &mut script);
    let mut stdout = io::stdout().lock();
    stdout.write_all(&script)?;
    Ok(stdout.flush()?)
}

/// Builds the client: against a fresh sandbox, or a platform or URL with the
/// user's credentials.
async fn connect(global: &Global) -> Result<(Client, Option<Sandbox>)> {
    if global.sandbox {
        let sandbox = Sandbox::start().await.context("failed to start the sandbox")?;
        let client = Client::builder()
            .base_url(sandbox.base_url())
            .basic_auth(sandbox.username(), sandbox.password())
            .auth_method(auth_method(global.auth))
            .build()?;
        return Ok((client, Some(sandbox)));
    }

    let builder = match (&global.base_url, global.platform) {
        (Some(url), _) => Client::builder().base_url(url),
        (None, Some(platform)) => Client::builder().platform(platform),
        (None, None) => {
            return Err(input_error(
                "no service to talk to: pass --platform or --base-url, or --sandbox to try it out",
            ));
        }
    };
    let (username, password) = credentials(global)?;
    let builder = builder.basic_auth(username, password).auth_method(auth_method(global.auth));
    Ok((builder.build()?, None))
}

/// The user name from `--username` or `QUALYS_USERNAME`, and the password
/// from stdin or `QUALYS_PASSWORD`, never from a flag, where `ps` would show
/// it.
fn credentials(global: &Global) -> Result<(String, String)> {
    let username = global.username.clone().filter(|u| !u.is_empty());
    let Some(username) = username else {
        return Err(input_error("no user name: set QUALYS_USERNAME or pass --username"));
    };
    let password = if global.password_stdin {
        read_password(io::stdin().lock())?
    } else {
        let password = std::env::var("QUALYS_PASSWORD").ok().filter(|p| !p.is_empty());
        password.ok_or_else(|| {
            input_error("no password: set QUALYS_PASSWORD or pipe it to --password-stdin")
        })?
    };
    Ok((username, password))
}

/// The first line of `input`, without its line end.
fn read_password(mut input: impl BufRead) -> Result<String> {
    let mut line = String::new();
    if let Err(e) = input.read_line(&mut line) {
        return Err(input_error(format!("failed to read the password from stdin: {e}")));
    }
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err(input_error(
            "no password on stdin: --password-stdin reads it from the first line",
        ));
    }
    Ok(password.to_string())
}

fn auth_method(auth: AuthArg) -> AuthMethod {
    match auth {
        AuthArg::Basic => AuthMethod::Basic,
        AuthArg::Jwt => AuthMethod::Jwt,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn password(stdin: &str) -> String {
        match read_password(stdin.as_bytes()) {
            Ok(password) => format!("ok `{password}`"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn read_password_takes_the_first_line_without_its_line_end() {
        insta::assert_snapshot!(password("hunter2\n"), @"ok `hunter2`");
        insta::assert_snapshot!(password("hunter2\r\nsecond line\n"), @"ok `hunter2`");
        insta::assert_snapshot!(password(" spaced \n"), @"ok ` spaced `");
        insta::assert_snapshot!(password("no line end"), @"ok `no line end`");
    }

    #[test]
    fn read_password_rejects_an_empty_first_line() {
        insta::assert_snapshot!(password(""), @"no password on stdin: --password-stdin reads it from the first line");
        insta::assert_snapshot!(password("\nhunter2\n"), @"no password on stdin: --password-stdin reads it from the first line");
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
