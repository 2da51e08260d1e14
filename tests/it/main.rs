//! pith's integration tests, one binary (`cargo test --test it`):
//! golden fixture pages, the `pith` command line, robustness against hostile
//! input, the quality gate on the shared benchmark sets, and WARC in and out.

mod cli;
mod cli_output;
mod fetch;
mod golden;
mod hostile;
mod preview_browser;
mod quality_gate;
mod robustness;
mod serve;
mod server;
mod support;
mod warc;
