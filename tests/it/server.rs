//! A small scriptable HTTP/1.1 server for the integration tests (std + tokio
//! only, flate2 for gzip). It binds `ip:0` and runs on its own thread with its
//! own current-thread tokio runtime, so it works from plain `#[test]`s and from
//! tokio tests alike; dropping the [`TestServer`] stops it.
//!
//! Routes map an exact request path to a scripted [`Response`] (or a sequence of
//! them); unknown paths get 404. Responses can be delayed, dripped byte by
//! byte, gzip-encoded, be gzip bombs, large generated bodies, or endless
//! chunked streams. Every request is logged ([`TestServer::requests`]).
//! Connections are kept alive, closed after 30 s of idleness, and malformed
//! requests get a 400 and a close.

#![allow(dead_code)]

use flate2::{Compress, Compression, Crc, FlushCompress};
use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::{sleep, timeout};

/// A connection idle (or stuck writing) this long is closed.
const IDLE: Duration = Duration::from_secs(30);
/// Longest request head accepted before answering 400.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body (Content-Length) that is read and discarded.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// What generated bodies (`large`, `endless`) are made of.
const FILLER: &[u8] = b"<p>Filler paragraph of a generated test page, nothing to see here.</p>\n";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    /// The request target, including any query string.
    pub path: String,
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// Request headers in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// When the request head had been fully read.
    pub at: Instant,
    /// The client's address.
    pub peer: SocketAddr,
}

impl Logged {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
enum Body {
    Bytes(Arc<[u8]>),
    /// `len` bytes of filler, generated while sending.
    Large(usize),
    /// Chunked filler every 10 ms until the client goes away.
    Endless,
}

/// A scripted response; build with [`Response::ok`] and friends.
#[derive(Debug, Clone)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    delay: Duration,
    drip: Option<Duration>,
}

impl Response {
    fn with_body(body: Body) -> Response {
        Response {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body,
            delay: Duration::ZERO,
            drip: None,
        }
    }

    /// 200, `text/html; charset=utf-8`, the given body.
    pub fn ok(body: impl Into<Vec<u8>>) -> Response {
        Response::with_body(Body::Bytes(body.into().into()))
    }

    /// A 200 `text/html` body of `len` filler bytes, generated on the fly.
    pub fn large(len: usize) -> Response {
        Response::with_body(Body::Large(len))
    }

    /// A chunked 200 `text/html` body that never ends: a chunk of filler every
    /// 10 ms until the client disconnects (or the server is dropped).
    pub fn endless() -> Response {
        Response::with_body(Body::Endless)
    }

    /// A gzip stream (`Content-Encoding: gzip`, `text/html`) that inflates to
    /// `decompressed_len` zero bytes; built without materialising them.
    pub fn gzip_bomb(decompressed_len: usize) -> Response {
        Response::with_body(Body::Bytes(gzip_zeros(decompressed_len).into()))
            .header("Content-Encoding", "gzip")
    }

    /// Sets the status code.
    pub fn status(mut self, code: u16) -> Response {
        self.status = code;
        self
    }

    /// Sets (replaces, case-insensitively) a header. An explicit
    /// `Content-Length`, `Transfer-Encoding` or `Connection` is sent as given
    /// instead of the computed one.
    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets `Content-Type`.
    pub fn content_type(self, value: &str) -> Response {
        self.header("Content-Type", value)
    }

    /// Sleeps this long before sending the response head.
    pub fn delay(mut self, delay: Duration) -> Response {
        self.delay = delay;
        self
    }

    /// Sends the body one byte per `interval` (after the head, which carries
    /// the full Content-Length).
    pub fn drip(mut self, interval: Duration) -> Response {
        self.drip = Some(interval);
        self
    }

    /// Turns this into a redirect: status `code`, `Location: location`.
    pub fn redirect(self, code: u16, location: &str) -> Response {
        self.status(code).header("Location", location)
    }

    /// Gzip-encodes the body now and sets `Content-Encoding: gzip`.
    /// Panics for generated bodies (`large`, `endless`).
    pub fn gzip(mut self) -> Response {
        let Body::Bytes(raw) = &self.body else {
            panic!("Response::gzip works only on byte bodies");
        };
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(raw).expect("gzip into memory");
        self.body = Body::Bytes(enc.finish().expect("gzip into memory").into());
        self.header("Content-Encoding", "gzip")
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// A gzip member inflating to `len` zeros: independent 1 MiB deflate runs
/// (each from a fresh compressor, sync-flushed, so they concatenate validly),
/// then a final block for the remainder; the CRC is combined, not recomputed.
fn gzip_zeros(len: usize) -> Vec<u8> {
    const CHUNK: usize = 1 << 20;
    let deflate = |n: usize, flush: FlushCompress| {
        let mut c = Compress::new(Compression::best(), false);
        let mut out = Vec::with_capacity(n / 64 + 1024);
        c.compress_vec(&vec![0; n], &mut out, flush)
            .expect("deflate zeros");
        assert_eq!(c.total_in(), n as u64, "deflate output buffer too small");
        out
    };
    let (full, rest) = (len / CHUNK, len % CHUNK);
    let mut crc = Crc::new();
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff];
    if full > 0 {
        let block = deflate(CHUNK, FlushCompress::Sync);
        let mut chunk_crc = Crc::new();
        chunk_crc.update(&vec![0; CHUNK]);
        for _ in 0..full {
            out.extend_from_slice(&block);
            crc.combine(&chunk_crc);
        }
    }
    out.extend_from_slice(&deflate(rest, FlushCompress::Finish));
    crc.update(&vec![0; rest]);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes()); // ISIZE is mod 2^32
    out
}

struct Route {
    responses: Vec<Response>,
    next: usize,
}

#[derive(Default)]
struct Shared {
    routes: HashMap<String, Route>,
    log: Vec<Logged>,
}

/// The running server; dropping it stops it (and closes every connection).
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    /// Dropping the sender stops the accept loop; then the thread is joined.
    running: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl TestServer {
    /// Binds `ip:0` (any address in 127/8 works on Linux) and starts serving.
    pub fn start(ip: Ipv4Addr) -> TestServer {
        let listener = std::net::TcpListener::bind((ip, 0))
            .unwrap_or_else(|e| panic!("test server: bind {ip}:0: {e}"));
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let addr = listener.local_addr().expect("listener address");
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (stop, stopped) = oneshot::channel();
        let state = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("test-server-{addr}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("test server runtime");
                rt.block_on(accept_loop(listener, state, stopped));
                // Dropping `rt` here cancels every connection task.
            })
            .expect("spawn test server thread");
        let running = Some((stop, thread));
        TestServer {
            addr,
            shared,
            running,
        }
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ip:port/path` (a missing leading '/' is added).
    pub fn url(&self, path: &str) -> String {
        let slash = if path.starts_with('/') { "" } else { "/" };
        format!("http://{}{slash}{path}", self.addr)
    }

    /// Serves `response` for requests to exactly `path` (the query string is
    /// ignored unless `path` contains '?'). Replaces any earlier route.
    pub fn route(&self, path: &str, response: Response) {
        self.route_seq(path, vec![response]);
    }

    /// Successive requests to `path` get successive responses; the last one
    /// repeats. Panics on an empty list.
    pub fn route_seq(&self, path: &str, responses: Vec<Response>) {
        assert!(
            !responses.is_empty(),
            "route_seq needs at least one response"
        );
        lock(&self.shared)
            .routes
            .insert(path.to_string(), Route { responses, next: 0 });
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Logged> {
        lock(&self.shared).log.clone()
    }

    /// How many requests had exactly this target (path plus query, if any).
    pub fn hits(&self, path: &str) -> usize {
        lock(&self.shared)
            .log
            .iter()
            .filter(|l| l.path == path)
            .count()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.running.take() {
            drop(stop);
            let _ = thread.join();
        }
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Mutex<Shared>>,
    mut stopped: oneshot::Receiver<()>,
) {
    let listener = TcpListener::from_std(listener).expect("tokio listener");
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let shared = Arc::clone(&shared);
                    tokio::spawn(async move { serve(stream, peer, &shared).await });
                }
                // E.g. out of file descriptors: back off instead of spinning.
                Err(_) => sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    keep_alive: bool,
    body_len: usize,
}

/// Parses a request head (without the final CRLFCRLF); `None` = malformed.
fn parse_head(head: &[u8]) -> Option<Request> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.!".contains(&b))
    };
    if parts.next().is_some() || !token(method) || !target.starts_with('/') {
        return None;
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return None,
    };
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        if !token(name) {
            return None;
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    if get("transfer-encoding").is_some() {
        return None; // chunked request bodies are not supported
    }
    let body_len = match get("content-length") {
        Some(v) => v.parse().ok().filter(|&n| n <= MAX_BODY)?,
        None => 0,
    };
    let connection = get("connection").unwrap_or_default();
    let keep_alive = !connection.contains("close") && (http11 || connection.contains("keep-alive"));
    Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        keep_alive,
        body_len,
    })
}

enum Next {
    Request(Request),
    Closed,
    Bad,
}

/// Reads the next request head from `stream`, keeping any extra bytes in `buf`.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Next {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let parsed = parse_head(&buf[..end]);
            buf.drain(..end + 4);
            return parsed.map_or(Next::Bad, Next::Request);
        }
        if buf.len() > MAX_HEAD {
            return Next::Bad;
        }
        if !fill(stream, buf).await {
            return Next::Closed;
        }
    }
}

/// Appends what the peer sends next; false on EOF, error or idle timeout.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match timeout(IDLE, stream.read(&mut chunk)).await {
        Ok(Ok(n)) if n > 0 => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
        _ => false,
    }
}

/// Serves one connection until it closes, idles out or errs.
async fn serve(mut stream: TcpStream, peer: SocketAddr, shared: &Mutex<Shared>) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let stream = &mut stream;
    let mut buf = Vec::new();
    loop {
        let req = match read_request(stream, &mut buf).await {
            Next::Request(req) => req,
            Next::Closed => return Ok(()),
            Next::Bad => {
                write_response(stream, &plain(400, "bad request"), false, false).await?;
                return stream.shutdown().await;
            }
        };
        let at = Instant::now();
        // Discard any request body.
        while buf.len() < req.body_len {
            if !fill(stream, &mut buf).await {
                return Ok(());
            }
        }
        buf.drain(..req.body_len);
        let response = {
            let mut state = lock(shared);
            state.log.push(Logged {
                path: req.target.clone(),
                method: req.method.clone(),
                headers: req.headers.clone(),
                at,
                peer,
            });
            pick(&mut state.routes, &req.target)
        };
        let response = response.unwrap_or_else(|| plain(404, "not found"));
        let keep_alive = req.keep_alive && !close_requested(&response);
        write_response(stream, &response, req.method == "HEAD", keep_alive).await?;
        if !keep_alive {
            return stream.shutdown().await;
        }
    }
}

/// The response for `target` (advancing a sequence), if any route matches.
fn pick(routes: &mut HashMap<String, Route>, target: &str) -> Option<Response> {
    let path = target.split('?').next().unwrap_or(target);
    let key = if target.contains('?') && routes.contains_key(target) {
        target
    } else {
        path
    };
    let route = routes.get_mut(key)?;
    let i = route.next.min(route.responses.len() - 1);
    route.next += 1;
    Some(route.responses[i].clone())
}

fn plain(status: u16, text: &str) -> Response {
    Response::ok(text).status(status).content_type("text/plain")
}

fn close_requested(response: &Response) -> bool {
    response.headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("connection") && v.to_ascii_lowercase().contains("close")
    })
}

/// Writes all of `data`, failing after [`IDLE`] without progress.
async fn put(stream: &mut TcpStream, data: &[u8]) -> io::Result<()> {
    timeout(IDLE, stream.write_all(data))
        .await
        .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
}

/// Writes body bytes, one per `drip` interval if set.
async fn put_body(stream: &mut TcpStream, data: &[u8], drip: Option<Duration>) -> io::Result<()> {
    let Some(interval) = drip else {
        return put(stream, data).await;
    };
    for byte in data {
        sleep(interval).await;
        put(stream, std::slice::from_ref(byte)).await?;
    }
    Ok(())
}

async fn write_response(
    stream: &mut TcpStream,
    r: &Response,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    sleep(r.delay).await;
    let bodiless = r.status < 200 || r.status == 204 || r.status == 304;
    let mut head = format!("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
    for (name, value) in &r.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let framed = r.has_header("content-length") || r.has_header("transfer-encoding");
    if !bodiless && !framed {
        match &r.body {
            Body::Bytes(b) => head.push_str(&format!("Content-Length: {}\r\n", b.len())),
            Body::Large(n) => head.push_str(&format!("Content-Length: {n}\r\n")),
            Body::Endless => head.push_str("Transfer-Encoding: chunked\r\n"),
        }
    }
    if !keep_alive && !r.has_header("connection") {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    put(stream, head.as_bytes()).await?;
    if head_only || bodiless {
        return stream.flush().await;
    }
    match &r.body {
        Body::Bytes(b) => put_body(stream, b, r.drip).await?,
        Body::Large(len) => {
            let block = FILLER.repeat(256);
            let mut left = *len;
            while left > 0 {
                let n = left.min(block.len());
                put_body(stream, &block[..n], r.drip).await?;
                left -= n;
            }
        }
        Body::Endless => {
            put_body(stream, b"c\r\n<html><body>\r\n", r.drip).await?;
            let chunk = [
                format!("{:x}\r\n", FILLER.len()).as_bytes(),
                FILLER,
                b"\r\n",
            ]
            .concat();
            loop {
                put_body(stream, &chunk, r.drip).await?;
                sleep(Duration::from_millis(10)).await;
            }
        }
    }
    stream.flush().await
}

/// Clients ignore the reason phrase; one per class is enough.
fn reason(status: u16) -> &'static str {
    match status / 100 {
        1 | 2 => "OK",
        3 => "Redirect",
        4 => "Client Error",
        _ => "Server Error",
    }
}
