//! The command line, as clap reads it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use totalcloud::Platform;

/// Lists and reads Qualys TotalCloud AWS connectors.
#[derive(Debug, Parser)]
#[command(name = "totalcloud", version, about, long_about = None)]
#[command(after_help = "Examples:\n  \
    totalcloud --sandbox connectors list --filter 'state:SUCCESS'\n  \
    QUALYS_USERNAME=alice QUALYS_PASSWORD=... totalcloud --platform qg2 connectors list\n  \
    totalcloud filter check 'state:ERROR AND lastSynced < 2024-06-01'")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
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

    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = Format::Ndjson)]
    pub format: Format,

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
    #[command(after_help = "Example:\n  totalcloud --sandbox base-account --format json")]
    BaseAccount,

    /// Run a sandbox server for other programs to use
    #[command(subcommand)]
    Sandbox(SandboxCommand),
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
    #[command(
        after_help = "Example:\n  totalcloud --sandbox connectors list --filter 'state:ERROR' --sort desc"
    )]
    List(ListArgs),

    /// Read one connector by its id
    #[command(
        after_help = "Example:\n  totalcloud connectors get 12345678-1234-1234-1234-123456789012"
    )]
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
pub enum Format {
    /// One JSON object per line, with the API's field names
    Ndjson,
    /// One pretty JSON document
    Json,
    /// Aligned columns for a person
    Table,
}

fn parse_platform(text: &str) -> Result<Platform, String> {
    text.parse().map_err(|e: totalcloud::PlatformError| e.to_string())
}
