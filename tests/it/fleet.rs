//! The fleet commands (`pith enqueue`, `worker`, `sink`, `status`) against
//! a real `nats-server` started by each test (JetStream on, loopback, its
//! store in a temporary directory) and loopback sites on 127.0.0.x whose
//! servers log the arrival of every request: exactly one record per URL,
//! the same texts as `pith run`, per-host gaps never below the delay
//! across workers, a late worker taking work, workers and the sink killed
//! with SIGKILL, and SIGTERM. Skipped, saying so, when `nats-server` is
//! not installed.

use crate::server::{Response, TestServer};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest wait for a fleet to finish a test's list.
const DEADLINE: Duration = Duration::from_secs(60);

/// A `nats-server -js` of a test; killed when dropped.
struct NatsServer {
    child: Child,
    url: String,
    _store: tempfile::TempDir,
}

impl NatsServer {
    /// Start one on a free loopback port. A missing binary fails the test:
    /// `.ci/run` installs it.
    fn start() -> NatsServer {
        let found = Command::new("nats-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        assert!(
            found,
            "nats-server is not installed (apt-get install nats-server): \
             the fleet tests need a real server"
        );
        let store = tempfile::tempdir().expect("temp dir");
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut child = Command::new("nats-server")
                .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
                .arg(store.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start nats-server");
            let t0 = Instant::now();
            while t0.elapsed() < Duration::from_secs(10) {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return NatsServer {
                        child,
                        url: format!("nats://127.0.0.1:{port}"),
                        _store: store,
                    };
                }
                if child.try_wait().ok().flatten().is_some() {
                    break; // the port was taken meanwhile: another one
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("nats-server did not start");
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real article page from the fixtures, made distinct by `slug`.
fn story(slug: &str) -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pages/short-news-brief/source.html");
    String::from_utf8(std::fs::read(path).expect("fixture page"))
        .expect("utf-8")
        .replace("route-9-bridge-overnight-closure", slug)
        .replace(
            "will close to all traffic",
            &format!("will close to all traffic ({slug})"),
        )
        .into_bytes()
}

/// `hosts` sites on 127.0.0.`first`…, `pages` stories each and a missing
/// page; robots.txt allows all but /private (which is listed too).
fn sites(first: u8, hosts: u8, pages: usize) -> (Vec<TestServer>, Vec<String>) {
    let mut servers = Vec::new();
    let mut urls = Vec::new();
    for h in 0..hosts {
        let s = TestServer::start(Ipv4Addr::new(127, 0, 0, first + h));
        s.route(
            "/robots.txt",
            Response::ok("User-agent: *\nDisallow: /private\n").content_type("text/plain"),
        );
        for i in 0..pages {
            let slug = format!("h{h}-p{i}");
            s.route(&format!("/p{i}"), Response::ok(story(&slug)));
            urls.push(s.url(&format!("/p{i}")));
        }
        urls.push(s.url("/missing"));
        urls.push(s.url("/private"));
        servers.push(s);
    }
    (servers, urls)
}

/// One test's fleet: its server, directory, settings and list.
struct Fleet {
    /// Stopped when the test ends.
    _nats: NatsServer,
    dir: tempfile::TempDir,
    config: PathBuf,
    list: PathBuf,
    out: PathBuf,
    logs: usize,
}

impl Fleet {
    fn new(nats: NatsServer, delay_ms: u64, urls: &[String]) -> Fleet {
        Fleet::with_max_deliver(nats, delay_ms, urls, 50)
    }

    fn with_max_deliver(
        nats: NatsServer,
        delay_ms: u64,
        urls: &[String],
        max_deliver: u32,
    ) -> Fleet {
        Fleet::with_settings(nats, delay_ms, urls, max_deliver, "")
    }

    /// A fleet whose config.toml ends with `more` (tables of its own).
    fn with_settings(
        nats: NatsServer,
        delay_ms: u64,
        urls: &[String],
        max_deliver: u32,
        more: &str,
    ) -> Fleet {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[fetch]\nallow_private_networks = true\nper_host_delay_ms = {delay_ms}\n\
                 timeout_secs = 5\nretries = 0\nconcurrency = 8\n\n\
                 [nats]\nurl = \"{}\"\npartitions = 8\nack_wait_secs = 2\nmax_deliver = {max_deliver}\n\n{more}",
                nats.url
            ),
        )
        .expect("config");
        let list = dir.path().join("urls.txt");
        std::fs::write(&list, urls.join("\n") + "\n").expect("list");
        let out = dir.path().join("out.jsonl");
        Fleet {
            _nats: nats,
            dir,
            config,
            list,
            out,
            logs: 0,
        }
    }

    fn pith(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pith"));
        c.current_dir(self.dir.path())
            .arg("--config")
            .arg(&self.config);
        c
    }

    fn enqueue(&self) -> String {
        self.enqueue_in(1)
    }

    /// Queue the list in `epoch`.
    fn enqueue_in(&self, epoch: u64) -> String {
        let out = self
            .pith()
            .args(["enqueue", "--epoch", &epoch.to_string()])
            .arg(&self.list)
            .output()
            .expect("pith enqueue");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// A process of the fleet, its log (stderr, `-v`) in a file of its own.
    fn spawn(&mut self, args: &[&str]) -> (Child, PathBuf) {
        self.logs += 1;
        let log = self
            .dir
            .path()
            .join(format!("{}-{}.log", args[0], self.logs));
        let child = self
            .pith()
            .arg("-v")
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn pith");
        (child, log)
    }

    fn worker(&mut self, extra: &[&str]) -> (Child, PathBuf) {
        let mut args = vec!["worker", "--idle-exit", "2"];
        args.extend_from_slice(extra);
        self.spawn(&args)
    }

    /// The sink, its error records also in [`Fleet::failures`].
    fn sink(&mut self) -> (Child, PathBuf) {
        let out = self.out.to_string_lossy().into_owned();
        let failures = self.failures().to_string_lossy().into_owned();
        self.spawn(&[
            "sink",
            "--idle-exit",
            "2",
            "--output",
            &out,
            "--failures",
            &failures,
        ])
    }

    /// The sink's `--failures` file.
    fn failures(&self) -> PathBuf {
        self.dir.path().join("failures.jsonl")
    }

    fn status(&self) -> String {
        let out = self.pith().arg("status").output().expect("pith status");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Every line of the output, parsed (a torn line fails the test).
    fn records(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        assert!(text.is_empty() || text.ends_with('\n'), "a torn last line");
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("torn line {l:?}: {e}")))
            .collect()
    }
}

/// Wait for every child to exit (0); kill them all and fail after `DEADLINE`.
fn wait_all(children: &mut [(Child, PathBuf)]) {
    let t0 = Instant::now();
    loop {
        let done = children
            .iter_mut()
            .all(|(c, _)| c.try_wait().expect("try_wait").is_some());
        if done {
            break;
        }
        if t0.elapsed() > DEADLINE {
            for (c, _) in children.iter_mut() {
                let _ = c.kill();
                let _ = c.wait();
            }
            let logs: Vec<String> = children
                .iter()
                .map(|(_, l)| std::fs::read_to_string(l).unwrap_or_default())
                .collect();
            panic!(
                "the fleet did not finish within {DEADLINE:?}:\n{}",
                logs.join("\n---\n")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for (c, log) in children.iter_mut() {
        let status = c.wait().expect("wait");
        assert!(
            status.success(),
            "{status}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }
}

/// How many records a worker published, from its last summary line.
fn done_by(log: &Path) -> u64 {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split("worker: ").nth(1))
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .next_back()
        .unwrap_or(0)
}

/// Exactly one record per URL, none for another URL.
fn assert_one_record_per_url(records: &[Value], urls: &[String]) {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for r in records {
        *count.entry(r["url"].as_str().expect("a url")).or_default() += 1;
    }
    for u in urls {
        assert_eq!(count.get(u.as_str()), Some(&1), "records of {u}");
    }
    assert_eq!(records.len(), urls.len(), "records of other URLs");
}

/// What a record says, for comparing two runs: its text and title, or its
/// error kind.
fn gist(r: &Value) -> String {
    match r["error"]["kind"].as_str() {
        Some(kind) => format!("error {kind}"),
        None => format!("{}\n{}", r["title"], r["text"]),
    }
}

/// The smallest gap between two request arrivals at any of `servers`.
fn min_gap(servers: &[&TestServer]) -> Option<Duration> {
    let mut times: Vec<Instant> = servers
        .iter()
        .flat_map(|s| s.requests())
        .map(|l| l.at)
        .collect();
    times.sort();
    times.windows(2).map(|w| w[1] - w[0]).min()
}

/// The frontier partition of a site on `ip` among `count`: FNV-1a of its
/// site key (an address is its own site), as `--shard` splits lists.
fn partition_of(ip: &str, count: u64) -> u64 {
    let h = ip.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    h % count
}

#[test]
fn three_workers_write_what_pith_run_writes_and_keep_each_hosts_delay() {
    let nats = NatsServer::start();
    let delay = Duration::from_millis(100);
    let (servers, urls) = sites(60, 10, 20);
    // Without a state, as the `pith run --no-state` it is compared with.
    let mut fleet = Fleet::with_settings(
        nats,
        delay.as_millis() as u64,
        &urls,
        50,
        "[state]\nenabled = false\n",
    );
    let said = fleet.enqueue();
    assert!(
        said.contains(&format!("queued {} URLs", urls.len())),
        "{said}"
    );
    // Queued again in the same epoch: nothing new.
    assert!(fleet.enqueue().contains("queued 0 URLs"));
    // The first two workers hold one partition each (the 10 hosts fall in
    // several of the 8): a partition
    // stays with the worker that holds it while it has work (its host's
    // delay serializes it anyway), so a worker started late takes the
    // partitions nobody holds.
    let mut children = vec![
        fleet.sink(),
        fleet.worker(&["--concurrency", "1"]),
        fleet.worker(&["--concurrency", "1"]),
    ];
    std::thread::sleep(Duration::from_millis(800));
    children.push(fleet.worker(&[]));
    wait_all(&mut children);
    let records = fleet.records();
    assert_one_record_per_url(&records, &urls);
    let late = done_by(&children[3].1);
    assert!(late > 0, "the late worker took no work");
    let total: u64 = children[1..].iter().map(|(_, l)| done_by(l)).sum();
    assert!(total >= urls.len() as u64, "{total} records published");
    for s in &servers {
        // A worker spaces the starts of its own requests (robots.txt, then
        // a page) as pith run does, timed on its side; across workers the
        // partition is held for the delay after the answer, which is more.
        // Arrivals are timed by test servers sharing the cores with the
        // fleet: they jitter by some milliseconds (as in the fetch tests).
        let gap = min_gap(&[s]).expect("requests");
        assert!(
            gap >= delay - Duration::from_millis(10),
            "{}: two requests {gap:?} apart",
            s.addr()
        );
        // Shared by the workers through the key-value bucket.
        assert_eq!(s.hits("/robots.txt"), 1, "robots.txt fetched once");
        assert_eq!(s.hits("/private"), 0, "robots.txt is obeyed");
    }
    // A partition is served by one worker at a time: the requests to all
    // its sites are spaced too.
    let mut by_partition: BTreeMap<u64, Vec<&TestServer>> = BTreeMap::new();
    for s in &servers {
        by_partition
            .entry(partition_of(&s.addr().ip().to_string(), 8))
            .or_default()
            .push(s);
    }
    assert!(
        by_partition.values().any(|p| p.len() > 1),
        "no shared partition"
    );
    for (p, sites) in &by_partition {
        let gap = min_gap(sites).expect("requests");
        assert!(
            gap >= delay - Duration::from_millis(10),
            "partition {p}: two requests {gap:?} apart"
        );
    }
    // The same list through `pith run`: the same texts.
    let run = Command::new(env!("CARGO_BIN_EXE_pith"))
        .current_dir(fleet.dir.path())
        .args(["-q", "--config"])
        .arg(&fleet.config)
        .args(["run", "--per-host-delay-ms", "0", "--no-state"])
        .arg(&fleet.list)
        .output()
        .expect("pith run");
    let ran: BTreeMap<String, String> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line"))
        .map(|r| (r["url"].as_str().unwrap_or("").to_string(), gist(&r)))
        .collect();
    let fleet_wrote: BTreeMap<String, String> = records
        .iter()
        .map(|r| (r["url"].as_str().unwrap_or("").to_string(), gist(r)))
        .collect();
    assert_eq!(ran.len(), urls.len());
    assert_eq!(fleet_wrote, ran);
    // Everything is done: the frontier is empty.
    let status = fleet.status();
    let total_line = status.lines().find(|l| l.trim_start().starts_with("total"));
    let numbers: Vec<u64> = total_line
        .expect("a total line")
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().expect("a number"))
        .collect();
    assert_eq!(&numbers[..2], &[0, 0], "{status}");
}

#[cfg(unix)]
#[test]
fn workers_and_the_sink_killed_at_random_lose_and_repeat_nothing() {
    let nats = NatsServer::start();
    let (_servers, urls) = sites(80, 10, 20);
    let mut fleet = Fleet::new(nats, 50, &urls);
    fleet.enqueue();
    let mut sink = fleet.sink();
    let mut workers = vec![fleet.worker(&[]), fleet.worker(&[]), fleet.worker(&[])];
    let mut rng = crate::support::Rng::new(13);
    let mut killed = 0;
    let t0 = Instant::now();
    for round in 0..6 {
        std::thread::sleep(Duration::from_millis(200 + rng.below(500) as u64));
        let i = rng.below(workers.len());
        let (mut child, _) = workers.remove(i);
        if child.try_wait().expect("try_wait").is_none() {
            child.kill().expect("kill -9 a worker");
            killed += 1;
        }
        let _ = child.wait();
        workers.push(fleet.worker(&[]));
        if round == 2 {
            let (mut s, _) = sink;
            s.kill().expect("kill -9 the sink");
            let _ = s.wait();
            // What it wrote stays whole up to its last commit.
            sink = fleet.sink();
        }
    }
    assert!(
        killed >= 3,
        "only {killed} workers were still running to kill"
    );
    assert!(t0.elapsed() < DEADLINE);
    let mut children = workers;
    children.push(sink);
    wait_all(&mut children);
    let records = fleet.records();
    assert_one_record_per_url(&records, &urls);
    // The failures file holds each error record once, whole, as the output.
    let failed: Vec<&Value> = records.iter().filter(|r| !r["error"].is_null()).collect();
    assert_eq!(failed.len(), 20, "a missing and a disallowed page per host");
    let text = std::fs::read_to_string(fleet.failures()).expect("failures file");
    assert!(text.ends_with('\n'), "a torn last line");
    let mut in_file: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a whole JSON line"))
        .map(|r| format!("{} {}", r["url"], r["error"]["kind"]))
        .collect();
    let mut expected: Vec<String> = failed
        .iter()
        .map(|r| format!("{} {}", r["url"], r["error"]["kind"]))
        .collect();
    in_file.sort();
    expected.sort();
    assert_eq!(in_file, expected);
}

#[cfg(unix)]
#[test]
fn sigterm_hands_the_work_back_and_exits_143() {
    let nats = NatsServer::start();
    let (_servers, urls) = sites(100, 1, 20);
    let mut fleet = Fleet::new(nats, 200, &urls);
    fleet.enqueue();
    let (mut worker, log) = fleet.worker(&[]);
    std::thread::sleep(Duration::from_millis(1200));
    let status = fleet.status();
    assert!(status.contains("total"), "{status}");
    Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .expect("kill -TERM");
    let t0 = Instant::now();
    let code = worker.wait().expect("wait").code();
    assert_eq!(
        code,
        Some(143),
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    assert!(t0.elapsed() < Duration::from_secs(8), "{:?}", t0.elapsed());
    let before = done_by(&log);
    assert!(before > 0 && before < urls.len() as u64, "{before} done");
    // Another worker and the sink finish the list: nothing lost.
    let mut children = vec![fleet.sink(), fleet.worker(&[])];
    wait_all(&mut children);
    assert_one_record_per_url(&fleet.records(), &urls);
}

#[test]
fn a_command_with_another_partition_count_is_refused() {
    let nats = NatsServer::start();
    let (_servers, urls) = sites(125, 1, 1);
    let fleet = Fleet::new(nats, 0, &urls);
    fleet.enqueue();
    let other = fleet.dir.path().join("other.toml");
    let settings = std::fs::read_to_string(&fleet.config).expect("config");
    assert!(settings.contains("partitions = 8"));
    std::fs::write(&other, settings.replace("partitions = 8", "partitions = 4")).expect("config");
    for command in ["worker", "sink", "status", "enqueue"] {
        let out = Command::new(env!("CARGO_BIN_EXE_pith"))
            .current_dir(fleet.dir.path())
            .arg("--config")
            .arg(&other)
            .arg(command)
            .args(if command == "sink" {
                &["--output", "o.jsonl"][..]
            } else {
                &[][..]
            })
            .args(if command == "enqueue" {
                vec![fleet.list.clone()]
            } else {
                vec![]
            })
            .output()
            .expect("pith");
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {said}");
        assert!(
            said.contains("nats.partitions = 4") && said.contains("made with 8"),
            "{command}: {said}"
        );
    }
    // The same count still works.
    assert!(fleet.status().contains("total"));
}

/// The total line of `pith status`: pending, in flight, redelivered, waiting.
fn status_totals(status: &str) -> Vec<u64> {
    status
        .lines()
        .find(|l| l.trim_start().starts_with("total"))
        .expect("a total line")
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().expect("a number"))
        .collect()
}

/// A worker killed while it fetches the first of two URLs (a slow page)
/// on a fleet of `max_deliver` deliveries per URL; then the second URL is
/// queued and a sink and another worker finish. Gives the fleet, the site,
/// the two URLs and the records, after checking there is one per URL and
/// that the slow page's is a `delivery_limit` error fetched only once, and
/// the quick page's a normal record.
#[cfg(unix)]
fn kill_during_a_slow_fetch(
    address: u8,
    max_deliver: u32,
) -> (Fleet, TestServer, Vec<String>, Vec<Value>) {
    let nats = NatsServer::start();
    let site = TestServer::start(Ipv4Addr::new(127, 0, 0, address));
    site.route(
        "/robots.txt",
        Response::ok("User-agent: *\n").content_type("text/plain"),
    );
    site.route(
        "/slow",
        Response::ok(story(&format!("slow-{address}"))).delay(Duration::from_secs(30)),
    );
    site.route("/quick", Response::ok(story(&format!("quick-{address}"))));
    let urls = vec![site.url("/slow"), site.url("/quick")];
    let mut fleet = Fleet::with_max_deliver(nats, 0, &urls[..1], max_deliver);
    fleet.enqueue();
    let (mut first, _) = fleet.worker(&[]);
    let t0 = Instant::now();
    while site.hits("/slow") == 0 {
        assert!(t0.elapsed() < DEADLINE, "the slow page was never asked for");
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill().expect("kill -9 the worker");
    let _ = first.wait();
    std::fs::write(&fleet.list, format!("{}\n", urls[1])).expect("list");
    fleet.enqueue();
    let mut children = vec![fleet.sink(), fleet.worker(&[])];
    wait_all(&mut children);
    let records = fleet.records();
    assert_one_record_per_url(&records, &urls);
    let slow = records
        .iter()
        .find(|r| r["url"] == urls[0].as_str())
        .expect("the slow page's record");
    assert_eq!(slow["error"]["kind"], "delivery_limit", "{slow}");
    assert_eq!(
        site.hits("/slow"),
        1,
        "fetched again after its last delivery"
    );
    let quick = records
        .iter()
        .find(|r| r["url"] == urls[1].as_str())
        .expect("the quick page's record");
    assert!(quick["error"].is_null(), "{quick}");
    (fleet, site, urls, records)
}

/// The first delivery dies; the second is the last (max_deliver = 2): a
/// record of a stable kind, no fetch. A URL queued next is fetched as
/// usual.
#[cfg(unix)]
#[test]
fn a_url_at_its_last_delivery_gets_an_error_record() {
    kill_during_a_slow_fetch(120, 2);
}

/// One delivery per URL: it is the last, and it is fetched. Killed during
/// it, the URL is not delivered again, but the server says so, and the URL
/// gets its record from that.
#[cfg(unix)]
#[test]
fn a_url_whose_only_delivery_dies_still_gets_one_record() {
    let (fleet, _site, urls, records) = kill_during_a_slow_fetch(130, 1);
    let slow = records
        .iter()
        .find(|r| r["url"] == urls[0].as_str())
        .expect("the slow page's record");
    assert!(
        slow["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("delivered 1 times")),
        "{slow}"
    );
    // Nothing is left on the frontier, and nothing waits.
    let status = fleet.status();
    assert_eq!(&status_totals(&status)[..2], &[0, 0], "{status}");
    assert!(!status.contains("out of deliveries"), "{status}");
}

/// A page of little text and a large, incompressible script: its WARC
/// records are larger than a NATS message.
fn big_page(bytes: usize) -> Vec<u8> {
    let mut rng = crate::support::Rng::new(7);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let noise: String = (0..bytes)
        .map(|_| alphabet[rng.below(alphabet.len())] as char)
        .collect();
    let page = String::from_utf8(story("big-one")).expect("utf-8");
    page.replacen(
        "</head>",
        &format!("<script>var noise = \"{noise}\";</script></head>"),
        1,
    )
    .into_bytes()
}

/// A story whose text alone is larger than a NATS message.
fn long_story(bytes: usize) -> Vec<u8> {
    let para = "<p>The river rose through the night and by morning the lower streets \
                were under water, the bakery's cellar full and the bridge closed.</p>\n";
    let body = para.repeat(bytes / para.len() + 1);
    format!(
        "<html><head><title>The long flood</title></head><body><article>\
         <h1>The long flood</h1>{body}</article></body></html>"
    )
    .into_bytes()
}

#[cfg(unix)]
#[test]
fn the_sink_writes_each_urls_warc_records_once_through_a_kill() {
    let nats = NatsServer::start();
    let (servers, mut urls) = sites(140, 4, 12);
    servers[0].route("/big", Response::ok(big_page(1_600_000)));
    urls.push(servers[0].url("/big"));
    // Its record too travels in chunks.
    servers[1].route("/long", Response::ok(long_story(1_500_000)));
    urls.push(servers[1].url("/long"));
    // The workers archive because [output] warc is set: the sink writes it.
    let mut fleet =
        Fleet::with_settings(nats, 20, &urls, 50, "[output]\nwarc = \"crawl.warc.gz\"\n");
    fleet.enqueue();
    let mut sink = fleet.sink();
    let mut children = vec![fleet.worker(&[]), fleet.worker(&[])];
    // The sink is killed once it wrote some records, and started again.
    let t0 = Instant::now();
    while fleet.records().len() < 10 {
        assert!(t0.elapsed() < DEADLINE, "no records");
        std::thread::sleep(Duration::from_millis(10));
    }
    sink.0.kill().expect("kill -9 the sink");
    let _ = sink.0.wait();
    children.push(fleet.sink());
    wait_all(&mut children);
    let records = fleet.records();
    assert_one_record_per_url(&records, &urls);
    let long = records
        .iter()
        .find(|r| r["url"] == urls.last().unwrap().as_str())
        .expect("the long story's record");
    let text = long["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text: {long}"));
    assert!(text.len() > 1_400_000, "{}", text.len());
    let warc_path = fleet.dir.path().join("crawl.warc.gz");
    let bytes = std::fs::read(&warc_path).expect("the WARC file");
    let members = crate::warc::members(&bytes);
    let mut responses: HashMap<String, usize> = HashMap::new();
    let mut infos = std::collections::HashSet::new();
    for m in &members {
        assert_eq!(m.version, "WARC/1.1");
        let block_digest = m.get("WARC-Block-Digest");
        if let Some(d) = block_digest {
            assert_eq!(d, crate::warc::sha1_base32(&m.block), "block digest");
        }
        match m.get("WARC-Type") {
            Some("warcinfo") => {
                assert!(infos.insert(m.get("WARC-Record-ID").expect("an id").to_string()));
            }
            Some("response") => {
                let info = m.get("WARC-Warcinfo-ID").expect("a warcinfo id");
                assert!(
                    infos.contains(info),
                    "a warcinfo record precedes its records"
                );
                *responses
                    .entry(m.get("WARC-Target-URI").expect("a URI").to_string())
                    .or_default() += 1;
            }
            Some("request") => {}
            other => panic!("a record of type {other:?}"),
        }
    }
    // One response per URL fetched (a disallowed one is not), and one per
    // robots.txt (fetched once for the fleet).
    for u in &urls {
        let expected = usize::from(!u.ends_with("/private"));
        assert_eq!(
            responses.get(u.as_str()).copied().unwrap_or(0),
            expected,
            "{u}"
        );
    }
    for s in &servers {
        assert_eq!(responses.get(&s.url("/robots.txt")), Some(&1));
    }
    // As many URLs as listed: the disallowed ones (one per host) are
    // not fetched, the robots.txt files (one per host) are.
    assert_eq!(responses.len(), urls.len(), "responses of other URLs");
    // The large one travelled in chunks, whole.
    let big = members
        .iter()
        .find(|m| {
            m.get("WARC-Type") == Some("response")
                && m.get("WARC-Target-URI") == Some(servers[0].url("/big").as_str())
        })
        .expect("the large page's response");
    assert!(big.block.len() > 1_600_000, "{}", big.block.len());
    crate::warc::warcio_check(&warc_path);
}

#[test]
fn an_article_repeated_in_an_epoch_is_written_once_as_pith_run_does() {
    let nats = NatsServer::start();
    let site = TestServer::start(Ipv4Addr::new(127, 0, 0, 150));
    site.route(
        "/robots.txt",
        Response::ok("User-agent: *\n").content_type("text/plain"),
    );
    site.route("/a", Response::ok(story("same")));
    // The same article under another URL, and a redirect to a listed URL.
    site.route("/b", Response::ok(story("same")));
    site.route("/r", Response::ok("").redirect(301, "/a"));
    site.route("/c", Response::ok(story("other")));
    let urls = vec![site.url("/a"), site.url("/b"), site.url("/r")];
    let mut fleet = Fleet::new(nats, 0, &urls);
    fleet.enqueue();
    let mut children = vec![fleet.sink(), fleet.worker(&[])];
    wait_all(&mut children);
    // One host is one partition: the URLs come in list order.
    let records = fleet.records();
    let written: Vec<&str> = records.iter().map(|r| r["url"].as_str().unwrap()).collect();
    assert_eq!(written, [urls[0].as_str()], "{records:?}");
    // `pith run` with its state writes the same article once (under the
    // URL whose fetch finished first: its URLs run at once).
    let run = Command::new(env!("CARGO_BIN_EXE_pith"))
        .current_dir(fleet.dir.path())
        .args(["-q", "--config"])
        .arg(&fleet.config)
        .args(["run", "--per-host-delay-ms", "0", "--output", "run.jsonl"])
        .arg(&fleet.list)
        .output()
        .expect("pith run");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ran = std::fs::read_to_string(fleet.dir.path().join("run.jsonl")).expect("run output");
    let ran: Vec<String> = ran
        .lines()
        .map(|l| gist(&serde_json::from_str::<Value>(l).expect("a JSON line")))
        .collect();
    assert_eq!(ran, [gist(&records[0])]);
    // A sink started again remembers: the repeat queued later in the same
    // epoch is not written, a new article is.
    std::fs::write(
        &fleet.list,
        format!("{}\n{}\n", site.url("/b?again"), site.url("/c")),
    )
    .expect("list");
    fleet.enqueue();
    let mut children = vec![fleet.sink(), fleet.worker(&[])];
    wait_all(&mut children);
    let records = fleet.records();
    let written: Vec<&str> = records.iter().map(|r| r["url"].as_str().unwrap()).collect();
    assert_eq!(written, [urls[0].clone(), site.url("/c")], "{records:?}");
}

#[test]
fn a_later_epoch_asks_conditionally_and_writes_only_what_changed() {
    let nats = NatsServer::start();
    let site = TestServer::start(Ipv4Addr::new(127, 0, 0, 160));
    site.route(
        "/robots.txt",
        Response::ok("User-agent: *\n").content_type("text/plain"),
    );
    site.route_seq(
        "/etag",
        vec![
            Response::ok(story("with-etag")).header("ETag", "\"v1\""),
            Response::ok("").status(304).header("ETag", "\"v1\""),
        ],
    );
    site.route("/same", Response::ok(story("same-text")));
    site.route_seq(
        "/edited",
        vec![
            Response::ok(story("first-text")),
            Response::ok(story("second-text")),
        ],
    );
    let urls = vec![site.url("/etag"), site.url("/same"), site.url("/edited")];
    let mut fleet = Fleet::new(nats, 0, &urls);
    fleet.enqueue();
    let mut children = vec![fleet.sink(), fleet.worker(&[])];
    wait_all(&mut children);
    let first = fleet.records();
    assert_one_record_per_url(&first, &urls);
    for r in &first {
        assert_eq!(r["revision"], 1, "{r}");
    }
    // The same list again, in a new epoch: the page with an ETag is asked
    // for with it (304), the one with the same text is unchanged, and only
    // the edited one is written again, as its second revision.
    assert!(fleet.enqueue_in(2).contains("queued 3 URLs"));
    let mut children = vec![fleet.sink(), fleet.worker(&[])];
    wait_all(&mut children);
    let etag_asks: Vec<Option<String>> = site
        .requests()
        .iter()
        .filter(|l| l.path == "/etag")
        .map(|l| l.header("if-none-match").map(str::to_string))
        .collect();
    assert_eq!(etag_asks, [None, Some("\"v1\"".to_string())]);
    let records = fleet.records();
    assert_eq!(records.len(), 4, "{records:?}");
    let again = &records[3];
    assert_eq!(again["url"], urls[2].as_str());
    assert_eq!(again["revision"], 2, "{again}");
    assert!(
        again["text"]
            .as_str()
            .is_some_and(|t| t.contains("second-text")),
        "{again}"
    );
}
