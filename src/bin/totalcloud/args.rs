//! The command line, as clap reads it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use totalcloud::Platform;

/// Lists and reads Qualys TotalCloud AWS connectors.
#[derive(Debug, Parser)]
#[command(name = "totalcloud", version, about, long_about = None)]
#[command(after_help = "Examples:
  totalcloud --sandbox connectors list --filter 'state:SUCCESS'
  totalcloud --sandbox connectors list --format csv --limit 20 > connectors.csv
  totalcloud --sandbox connectors get 12345678-1234-1234-1234-123456789012 --format json
  totalcloud --sandbox base-account --format table
  QUALYS_USERNAME=alice QUALYS_PASSWORD=... totalcloud --platform qg2 connectors list
  pass show qualys | totalcloud --platform qg2 --username alice --password-stdin base-account
  totalcloud filter check 'state:ERROR AND lastSynced < 2024-06-01'
  totalcloud sandbox serve --connectors 1000
  totalcloud completions bash > ~/.local/share/bash-completion/completions/totalcloud

The output is a table on a terminal and ndjson when stdout is piped, unless --format says
otherwise. The password comes from QUALYS_PASSWORD or --password-stdin, never from a flag.")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Qualys platform of the subscription (qg1 … ksa1)
    #[arg(long, global = true, env = "QUALYS_PLATFORM", value_parser = parse_platform)]
    pub platform: Option<Platform>,

    /// API base URL, for private platforms and proxies (https, or http to loopback); wins over
    /// --platform
    #[arg(long, global = true, env = "QUALYS_BASE_URL")]
    pub base_url: Option<String>,

    /// Run against an in-process sandbox with made-up connectors; wins over --platform and
    /// --base-url
    #[arg(long, global = true)]
    pub sandbox: bool,

    /// User name of the Qualys account
    #[arg(long, global = true, env = "QUALYS_USERNAME", hide_env_values = true)]
    pub username: Option<String>,

    /// Read the password from the first line of stdin instead of QUALYS_PASSWORD
    #[arg(long, global = true, conflicts_with = "sandbox")]
    pub password_stdin: bool,

    /// How to authenticate: HTTP Basic, or a token from the platform's gateway
    #[arg(long, global = true, env = "QUALYS_AUTH", value_enum, default_value_t = AuthArg::Basic)]
    pub auth: AuthArg,

    /// Output format [default: table on a terminal, ndjson otherwise]
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,

    /// No progress bar and no warnings on stderr; errors are still reported
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// More logging on stderr (-v info, -vv debug, -vvv trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with filter expressions, offline
    #[command(subcommand)]
    Filter(FilterCommand),

    /// List or read connectors
    #[command(subcommand)]
    Connectors(ConnectorsCommand),

    /// Read the AWS base account
    #[command(after_help = "Examples:
  totalcloud --sandbox base-account --format json
  totalcloud --platform qg2 base-account --format csv")]
    BaseAccount,

    /// Run a sandbox server for other programs to use
    #[command(subcommand)]
    Sandbox(SandboxCommand),

    /// Print a shell completion script to stdout
    #[command(after_help = "Examples:
  totalcloud completions bash > ~/.local/share/bash-completion/completions/totalcloud
  totalcloud completions zsh > ~/.zfunc/_totalcloud
  totalcloud completions fish > ~/.config/fish/completions/totalcloud.fish")]
    Completions {
        /// The shell to complete for
        shell: Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve made-up connectors on 127.0.0.1 until interrupted; prints the base URL,
    /// username and password (made up too) as the first line of stdout
    #[command(
        after_help = "Example:\n  totalcloud sandbox serve --connectors 10000 --latency-ms 50"
    )]
    Serve {
        /// How many connectors to serve
        #[arg(long, default_value_t = 240)]
        connectors: usize,

        /// Delay before each response, in milliseconds
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,

        /// Seed of the made-up data set
        #[arg(long)]
        seed: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum FilterCommand {
    /// Check an expression and print its canonical form
    #[command(
        after_help = "Example:\n  totalcloud filter check 'state:success and lastSynced>2024-06-01'"
    )]
    Check {
        /// The filter expression
        expression: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConnectorsCommand {
    /// List connectors, streaming them as pages arrive
    #[command(after_help = "Examples:
  totalcloud --sandbox connectors list --filter 'state:ERROR' --sort desc
  totalcloud --sandbox connectors list --format csv --limit 100 > connectors.csv
  totalcloud --sandbox connectors list --format json --page-size 200 | jq length")]
    List(ListArgs),

    /// Read one connector by its id
    #[command(after_help = "Examples:
  totalcloud --sandbox connectors get 12345678-1234-1234-1234-123456789012
  totalcloud --platform qg2 connectors get 12345678-1234-1234-1234-123456789012 --format json")]
    Get {
        /// The connector's id (a UUID)
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only connectors matching this filter expression
    #[arg(long)]
    pub filter: Option<String>,

    /// Order by last synchronisation
    #[arg(long, value_enum)]
    pub sort: Option<SortArg>,

    /// Connectors per page
    #[arg(long)]
    pub page_size: Option<u32>,

    /// Zero-based page to start from
    #[arg(long, default_value_t = 0)]
    pub start_page: u32,

    /// Stop after this many pages
    #[arg(long)]
    pub max_pages: Option<u32>,

    /// Stop after this many connectors, fetching no further pages
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,

    /// Page requests in flight at once
    #[arg(long)]
    pub max_in_flight: Option<usize>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SortArg {
    /// Oldest synchronisation first
    Asc,
    /// Newest synchronisation first
    Desc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// HTTP Basic on every request, to the platform's API host
    Basic,
    /// A JWT from the gateway's login, sent as a bearer token to the gateway host
    Jwt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns fitted to the terminal width, for a person
    Table,
    /// One pretty JSON document (an array for a listing)
    Json,
    /// One JSON object per line, with the API's field names
    Ndjson,
    /// RFC 4180 with a fixed header row; nested fields flattened
    Csv,
}

fn parse_platform(text: &str) -> Result<Platform, String> {
    text.parse().map_err(|e: totalcloud::PlatformError| e.to_string())
}
