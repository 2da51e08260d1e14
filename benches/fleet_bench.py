#!/usr/bin/env python3
"""Fleet benchmark: `pith worker` + `pith sink` on NATS JetStream against
`pith run`, on loopback only (a local nats-server and local sites).

Measures, on the same many-host list served by loopback sites (no delay):
  1. pages/s of `pith run` and of one worker + sink (unpinned): the ratio
     says what the engine costs (target: >= 0.80);
  2. pages/s of two workers pinned to cores 0 and 1 (taskset) against one
     worker pinned to core 0 (target: >= 1.7x);
  3. the CPU time each process spent per page: `pith run`; the workers,
     the sink and nats-server from the workers' start until the sink wrote
     every record (the loopback sites' share is shown too), and the
     messages nats-server took in and sent out per page (its /varz);
  4. a worker's peak RSS (/usr/bin/time -v) over a 100,000-URL frontier
     whose URLs point at closed loopback ports (each fails fast), and the
     sink's (target: worker <= 150 MB).

The sites are served by examples/loopback_sites.rs (built with cargo when
missing), or with --sites python by threads of this script. Needs a release
build (cargo build --release), nats-server, taskset and /usr/bin/time. Usage:

    python3 benches/fleet_bench.py [--pages 6000] [--hosts 64] [--partitions 256] [--latency-ms 0]
        [--concurrency 16] [--sites rust|python] [--frontier 100000 | --skip-frontier]

The machine's cores are shared by the sites, nats-server, the sink and the
workers: read the figures as ratios, and run it on a quiet machine.
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
PITH = os.path.join(TARGET, "release", "pith")
SITES = os.path.join(TARGET, "release", "examples", "loopback_sites")
CONCURRENCY = 16
FIXTURE = os.path.join(ROOT, "testdata", "pages", "short-news-brief", "source.html")


def serve(hosts, ready_path, latency):
    """Serve a distinct copy of the fixture article at every path of
    `hosts` loopback sites (127.0.1.1, …), each page answered `latency`
    seconds after it was asked for; robots.txt is 404. Writes the sites'
    base URLs to `ready_path`, then serves until killed."""
    page = open(FIXTURE, "rb").read()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if self.path == "/robots.txt":
                body, status = b"not found", 404
            else:
                slug = self.path.strip("/").replace("/", "-").encode() or b"root"
                body = page.replace(b"route-9-bridge-overnight-closure", slug).replace(
                    b"will close to all traffic", b"will close to all traffic (" + slug + b")"
                )
                status = 200
                if latency:
                    time.sleep(latency)
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    bases = []
    for h in range(hosts):
        ip = f"127.0.{1 + h // 250}.{1 + h % 250}"
        srv = ThreadingHTTPServer((ip, 0), Handler)
        srv.daemon_threads = True
        bases.append(f"http://{ip}:{srv.server_address[1]}")
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    with open(ready_path + ".tmp", "w") as f:
        f.write("\n".join(bases) + "\n")
    os.rename(ready_path + ".tmp", ready_path)
    while True:
        time.sleep(3600)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nats:
    """A fresh nats-server -js on loopback, its store in `dir`."""

    def __init__(self, dir):
        self.port = free_port()
        self.monitor = free_port()
        self.proc = subprocess.Popen(
            ["nats-server", "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", dir,
             "-m", str(self.monitor)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("nats-server did not start")

    def messages(self):
        """Messages the server took in and sent out so far."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.monitor}/varz", timeout=5) as r:
            v = json.load(r)
        return v["in_msgs"], v["out_msgs"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def config(dir, nats_port, partitions):
    """The settings of both `pith run` and the fleet: the same
    `fetch.concurrency` (--concurrency) for each, and no state (`pith run`
    runs with --no-state; the fleet's state across epochs is off too)."""
    path = os.path.join(dir, "config.toml")
    with open(path, "w") as f:
        f.write(
            "[fetch]\nallow_private_networks = true\nper_host_delay_ms = 0\n"
            f"retries = 0\ntimeout_secs = 10\nconcurrency = {CONCURRENCY}\n\n"
            f"[nats]\nurl = \"nats://127.0.0.1:{nats_port}\"\npartitions = {partitions}\n\n"
            "[state]\nenabled = false\n"
        )
    return path


def lines(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    """CPU seconds (user + system) a live process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def per_page(seconds, n):
    return f"{seconds * 1000 / n:.2f} ms"


def pith_run(work, cfg, listfile, n, sites, tag="pith run"):
    out = os.path.join(work, "run.jsonl")
    if os.path.exists(out):
        os.remove(out)
    sites0 = cpu(sites)
    t0 = time.monotonic()
    p = subprocess.Popen([PITH, "-q", "--config", cfg, "run", listfile, "-o", out, "--no-state"])
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    took = time.monotonic() - t0
    assert p.returncode == 0, f"pith run exited {p.returncode}"
    assert lines(out) == n, f"pith run wrote {lines(out)} of {n}"
    used = usage.ru_utime + usage.ru_stime
    print(f"  {tag}: {n / took:.0f} pages/s; CPU per page: pith run {per_page(used, n)} "
          f"(sites {per_page(cpu(sites) - sites0, n)})", flush=True)
    return n / took


def fleet_run(work, listfile, n, partitions, pins, tag, sites):
    """Pages/s of the fleet: workers pinned as `pins` (None: unpinned),
    timed from their start until the sink wrote every record."""
    store = tempfile.mkdtemp(dir=work)
    nats = Nats(store)
    cfg = config(store, nats.port, partitions)
    t0 = time.monotonic()
    subprocess.run([PITH, "-q", "--config", cfg, "enqueue", listfile], check=True)
    enqueue_s = time.monotonic() - t0
    out = os.path.join(store, "out.jsonl")
    sink = subprocess.Popen([PITH, "-q", "--config", cfg, "sink", "-o", out])
    workers = []
    sites0, sink0, nats0 = cpu(sites), cpu(sink.pid), cpu(nats.proc.pid)
    in0, out0 = nats.messages()
    t0 = time.monotonic()
    for pin in pins:
        cmd = [PITH, "-q", "--config", cfg, "worker"]
        if pin is not None:
            cmd = ["taskset", "-c", str(pin)] + cmd
        workers.append(subprocess.Popen(cmd))
    while lines(out) < n:
        if time.monotonic() - t0 > 600:
            raise SystemExit(f"{tag}: only {lines(out)} of {n} records after 600 s")
        time.sleep(0.05)
    took = time.monotonic() - t0
    used = {
        "workers" if len(workers) > 1 else "worker": sum(cpu(p.pid) for p in workers),
        "sink": cpu(sink.pid) - sink0,
        "nats-server": cpu(nats.proc.pid) - nats0,
    }
    used["fleet"] = sum(used.values())
    used["sites"] = cpu(sites) - sites0
    in1, out1 = nats.messages()
    for p in workers + [sink]:
        p.send_signal(signal.SIGTERM)
    codes = [p.wait() for p in workers + [sink]]
    nats.stop()
    assert lines(out) == n, f"{tag}: {lines(out)} records of {n}"
    print(f"  {tag}: {n / took:.0f} pages/s ({took:.1f} s; enqueue {enqueue_s:.1f} s; exit codes {codes})", flush=True)
    print("    CPU per page: " + ", ".join(f"{k} {per_page(v, n)}" for k, v in used.items()), flush=True)
    print(f"    NATS messages per page: {(in1 - in0) / n:.2f} in, {(out1 - out0) / n:.2f} out", flush=True)
    return n / took


def peak_rss(work, frontier, partitions):
    """Peak RSS (MB) of a worker and of the sink over a `frontier`-URL
    frontier of closed loopback ports."""
    store = tempfile.mkdtemp(dir=work)
    nats = Nats(store)
    cfg = config(store, nats.port, partitions)
    listfile = os.path.join(store, "closed.txt")
    with open(listfile, "w") as f:
        for i in range(frontier):
            # 1,000 hosts; port 9 (discard) has no listener: refused at once.
            f.write(f"http://127.0.{2 + i % 4}.{1 + (i // 4) % 250}:9/p{i}\n")
    t0 = time.monotonic()
    subprocess.run([PITH, "-q", "--config", cfg, "enqueue", listfile], check=True)
    enqueue_s = time.monotonic() - t0
    out = os.path.join(store, "out.jsonl")
    timed = ["/usr/bin/time", "-v"]
    t0 = time.monotonic()
    sink = subprocess.Popen(timed + [PITH, "-q", "--config", cfg, "sink", "-o", out, "--idle-exit", "3"],
                            stderr=subprocess.PIPE, text=True)
    worker = subprocess.Popen(timed + [PITH, "-q", "--config", cfg, "worker", "--idle-exit", "3"],
                              stderr=subprocess.PIPE, text=True)
    _, werr = worker.communicate()
    _, serr = sink.communicate()
    took = time.monotonic() - t0
    nats.stop()
    rss = lambda text: int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    assert lines(out) == frontier, f"{lines(out)} records of {frontier}"
    print(f"  frontier of {frontier}: enqueue {enqueue_s:.1f} s, drained in {took:.1f} s "
          f"({frontier / took:.0f} URLs/s)", flush=True)
    return rss(werr), rss(serr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=6000)
    ap.add_argument("--hosts", type=int, default=64)
    ap.add_argument("--partitions", type=int, default=256)
    ap.add_argument("--frontier", type=int, default=100_000)
    ap.add_argument("--concurrency", type=int, default=16,
                    help="fetch.concurrency of pith run and of each worker")
    ap.add_argument("--latency-ms", type=int, default=0,
                    help="the sites answer each page this long after it was asked for "
                         "(0: at once; 50-300 is what sites on the internet take)")
    ap.add_argument("--sites", choices=["rust", "python"], default="rust",
                    help="serve the loopback sites from the Rust server "
                         "(examples/loopback_sites.rs; built with cargo when missing) or from "
                         "threads of this script (which take more CPU and, under load, add "
                         "latency of their own)")
    ap.add_argument("--skip-frontier", action="store_true",
                    help="skip the 100,000-URL memory measure")
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    a = ap.parse_args()
    global CONCURRENCY
    CONCURRENCY = a.concurrency
    if a.serve:
        serve(a.hosts, a.serve, a.latency_ms / 1000)
        return
    if not os.path.exists(PITH):
        raise SystemExit(f"no release build at {PITH}: cargo build --release")
    work = tempfile.mkdtemp(prefix="pith-fleet-bench-")
    ready = os.path.join(work, "sites.txt")
    if a.sites == "rust":
        if not os.path.exists(SITES):
            print("building the loopback sites: cargo build --release --example loopback_sites",
                  file=sys.stderr)
            subprocess.run(["cargo", "build", "--release", "--example", "loopback_sites"],
                           cwd=ROOT, check=True)
        cmd = [SITES, FIXTURE, str(a.hosts), str(a.latency_ms), ready]
    else:
        cmd = [sys.executable, __file__, "--hosts", str(a.hosts),
               "--latency-ms", str(a.latency_ms), "--serve", ready]
    sites = subprocess.Popen(cmd)
    try:
        while not os.path.exists(ready):
            if sites.poll() is not None:
                raise SystemExit(f"the loopback sites exited ({sites.returncode})")
            time.sleep(0.05)
        bases = open(ready).read().split()
        listfile = os.path.join(work, "urls.txt")
        with open(listfile, "w") as f:
            for i in range(a.pages):
                f.write(f"{bases[i % len(bases)]}/story/{i}\n")
        print(f"{a.pages} pages on {len(bases)} loopback hosts ({a.sites} sites), no delay, "
              f"answered after {a.latency_ms} ms; {a.partitions} partitions, concurrency "
              f"{a.concurrency}", flush=True)
        # A first pass warms the page cache and the sites.
        pith_run(work, config(work, 4222, a.partitions), listfile, a.pages, sites.pid, "pith run (warm-up)")
        run = pith_run(work, config(work, 4222, a.partitions), listfile, a.pages, sites.pid)
        one = fleet_run(work, listfile, a.pages, a.partitions, [None], "1 worker + sink", sites.pid)
        print(f"  => fleet / pith run = {one / run:.2f} (target >= 0.80)", flush=True)
        pinned1 = fleet_run(work, listfile, a.pages, a.partitions, [0], "1 worker on core 0", sites.pid)
        pinned2 = fleet_run(work, listfile, a.pages, a.partitions, [0, 1], "2 workers on cores 0, 1", sites.pid)
        print(f"  => 2 pinned / 1 pinned = {pinned2 / pinned1:.2f}x (target >= 1.7x)", flush=True)
        if not a.skip_frontier:
            wrss, srss = peak_rss(work, a.frontier, a.partitions)
            print(f"  peak RSS: worker {wrss:.0f} MB (target <= 150), sink {srss:.0f} MB", flush=True)
    finally:
        sites.terminate()
        sites.wait()


if __name__ == "__main__":
    main()
