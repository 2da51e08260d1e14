//! `pith serve`: the flags over `[serve]`, `[fetch]` and `[extract]`, then
//! the library's server on a tokio runtime until SIGINT or SIGTERM.

use crate::EXIT_OK;
use crate::args::ServeArgs;
use anyhow::{Context, Result};
use pith::config::Config;
use pith::serve::{App, ServeSettings};
use std::time::Duration;

/// `pith serve`: listen, print the address, serve until a signal.
pub fn run(a: ServeArgs, mut config: Config) -> Result<i32> {
    let s = &mut config.serve;
    if let Some(l) = &a.listen {
        s.listen = l.clone();
    }
    if let Some(n) = a.max_concurrency {
        s.max_concurrency = n;
    }
    if let Some(t) = a.request_timeout_secs {
        s.request_timeout_secs = t;
    }
    if let Some(b) = a.max_body_bytes {
        s.max_body_bytes = b;
    }
    s.validate()?;
    if a.no_robots {
        config.fetch.respect_robots = false;
    }
    if a.allow_private_networks {
        config.fetch.allow_private_networks = true;
    }
    config.fetch.validate()?;
    let options = a.extraction.options(&config.extract)?;
    let s = &config.serve;
    let settings = ServeSettings {
        max_body_bytes: usize::try_from(s.max_body_bytes).unwrap_or(usize::MAX),
        request_timeout: Duration::from_secs(s.request_timeout_secs),
        // Two per core. On tokio's blocking pool, one per core left a core
        // idle each time a finished extraction handed over to the next
        // (64-67 % of pith extract's pages/s against 73-75 % with two, on
        // loopback with ScrapingHub's pages); on the server's own extraction
        // threads the two measure about the same (74-86 % and 74-82 %).
        max_concurrency: match s.max_concurrency {
            0 => 2 * std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        },
        max_queue: s.max_queue,
        memory: usize::try_from(config.extract.memory_mb << 20).unwrap_or(usize::MAX),
        api_keys: s.api_keys.clone(),
        cors_origins: s.cors_origins.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let app = App::new(settings, options, config.site.clone(), &config.fetch)?;
    let listen = config.serve.listen.clone();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        eprintln!("pith serve: listening on http://{addr}");
        tokio::spawn(crate::allocator::trim_when_quiet(app.clone()));
        pith::serve::serve(listener, app, shutdown()).await?;
        anyhow::Ok(())
    })?;
    runtime.shutdown_timeout(Duration::from_secs(5));
    Ok(EXIT_OK)
}

/// Resolves at the first SIGINT or SIGTERM.
async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
