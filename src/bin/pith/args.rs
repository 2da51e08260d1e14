//! Command-line flags (clap).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// pith turns web article pages into clean text with metadata.
#[derive(Debug, Parser)]
#[command(name = "pith", version, about, long_about = None)]
pub struct Cli {
    /// Settings file (default: ./config.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// More log output (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Extract articles from saved pages (HTML files, directories, stdin).
    Extract(ExtractArgs),
}

/// `pith extract` flags.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// HTML files, directories (searched for *.html and *.htm), or - for stdin.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// The page URL, for a single input.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// A file listing inputs, one per line: PATH or PATH<TAB>URL ('-' reads the list from stdin).
    #[arg(long, value_name = "FILE")]
    pub input_list: Option<PathBuf>,
    /// Output format: jsonl, text or markdown.
    #[arg(long, short = 'f', value_name = "FORMAT")]
    pub format: Option<String>,
    /// Append to this file, or write one file per article into this directory.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: all cores; 1 runs on one thread).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Keep figure captions in the text.
    #[arg(long)]
    pub captions: bool,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_bytes: Option<u64>,
}
