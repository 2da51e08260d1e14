//! Loopback sites of `benches/fleet_bench.py`: many hosts on 127.0.x.y, each
//! serving a distinct copy of one saved article at every path, so that the
//! sites take as little of the machine's CPU and add as little latency as
//! they can and the measure is pith's.
//!
//! `loopback_sites PAGE HOSTS LATENCY_MS READY` listens on a free port of
//! `HOSTS` addresses (127.0.1.1, 127.0.1.2, … 250 per third byte). A GET of
//! `/robots.txt` is answered 404; any other path with the page, its story
//! slug (`route-9-bridge-overnight-closure`) and its first sentence made
//! distinct by the path, `LATENCY_MS` milliseconds after the request came.
//! Once every host listens, their base URLs (`http://IP:PORT`, one a line)
//! are written to `READY` (through a temporary file and a rename). Serves
//! until killed.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// What every host serves.
struct Site {
    page: String,
    latency: Duration,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [page, hosts, latency, ready] = args.as_slice() else {
        eprintln!("usage: loopback_sites PAGE HOSTS LATENCY_MS READY");
        std::process::exit(2);
    };
    let page = std::fs::read_to_string(page).unwrap_or_else(|e| fail(&format!("{page}: {e}")));
    let hosts: u32 = hosts.parse().unwrap_or_else(|_| fail("HOSTS is a number"));
    let latency: u64 = latency
        .parse()
        .unwrap_or_else(|_| fail("LATENCY_MS is a number"));
    let site = Arc::new(Site {
        page,
        latency: Duration::from_millis(latency),
    });
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| fail(&format!("{e}")));
    runtime.block_on(async {
        let mut bases = Vec::new();
        for h in 0..hosts {
            let ip = format!("127.0.{}.{}", 1 + h / 250, 1 + h % 250);
            let listener = tokio::net::TcpListener::bind((ip.as_str(), 0))
                .await
                .unwrap_or_else(|e| fail(&format!("bind {ip}: {e}")));
            let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
            bases.push(format!("http://{ip}:{port}\n"));
            let app = Router::new().fallback(answer).with_state(site.clone());
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    fail(&format!("serve: {e}"));
                }
            });
        }
        let tmp = format!("{ready}.tmp");
        std::fs::write(&tmp, bases.concat()).unwrap_or_else(|e| fail(&format!("{tmp}: {e}")));
        std::fs::rename(&tmp, ready).unwrap_or_else(|e| fail(&format!("{ready}: {e}")));
        std::future::pending::<()>().await;
    });
}

fn fail(message: &str) -> ! {
    eprintln!("loopback_sites: {message}");
    std::process::exit(1);
}

/// The answer to any request: see the module docs.
async fn answer(State(site): State<Arc<Site>>, request: Request) -> Response {
    let path = request.uri().path();
    if path == "/robots.txt" {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let slug = match path.trim_matches('/') {
        "" => "root".to_string(),
        p => p.replace('/', "-"),
    };
    let body = site
        .page
        .replace("route-9-bridge-overnight-closure", &slug)
        .replace(
            "will close to all traffic",
            &format!("will close to all traffic ({slug})"),
        );
    if !site.latency.is_zero() {
        tokio::time::sleep(site.latency).await;
    }
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}
