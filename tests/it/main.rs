//! pith's integration tests, one binary (`cargo test --test it`):
//! golden fixture pages, explain mode, the `pith` command line, robustness against hostile
//! input, the quality gate on the shared benchmark sets, WARC in and out,
//! and the fleet commands against a real nats-server.

mod cli;
mod cli_output;
mod explain;
mod fetch;
mod fleet;
mod golden;
mod hostile;
mod preview_browser;
mod quality_gate;
mod robustness;
mod serve;
mod serve_readme;
mod server;
mod support;
mod warc;
