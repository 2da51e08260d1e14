#!/usr/bin/env python3
"""Load test of `pith serve` on loopback: throughput against `pith extract`,
latency, and memory under many slow clients.

    python3 benches/serve_load.py [DATASET_DIR] [--pith PATH] [--pages N]
                                  [--repeat N] [--clients N] [--rounds N]
                                  [--slow N] [--slow-secs S]

DATASET_DIR is a benchmark set (a folder with docs.jsonl and html/), by default
scrapinghub in $PITH_BENCH_DIR, else ../shared/bench beside the repository. The
binary is --pith, by default target/release/pith under $CARGO_TARGET_DIR or the
repository's target/. Everything stays on 127.0.0.1; the run is bounded by
--pages, --rounds and --slow-secs. Python 3 standard library only.

It measures, one after the other:
  1. `pith extract --jobs 0` over the pages, repeated --repeat times in one
     input list (--rounds runs, the fastest kept): pages/s;
  2. `pith serve` (one per core, the defaults), POST /v1/extract with each page's
     HTML and URL as JSON from --clients concurrent clients (keep-alive, threads
     of this script, which share the machine's cores with the server), --rounds
     runs over the same list: pages/s (the best run), and p50 / p99 latency over
     every request, and the count of each status;
  3. --slow clients that each open a connection, send the head of a POST
     /v1/extract announcing a 1 MB body, then one byte a second for --slow-secs
     seconds: the server's resident memory (VmRSS) before, at its peak while they
     wait, and after, while a fast client checks that /healthz still answers;
     twice, to show the memory of the first wave is reused by the second.
"""
import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
import http.client
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_dir():
    env = os.environ.get("PITH_BENCH_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "bench"


def default_pith():
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "pith"


def load_pages(dataset, n):
    pages = []
    with open(dataset / "docs.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            p = dataset / d["html"]
            if not p.exists():
                continue
            pages.append((p, d.get("url")))
            if len(pages) >= n:
                break
    return pages


def extract_rate(pith, pages, rounds, workdir):
    lst = workdir / "inputs.txt"
    lst.write_text("".join(f"{p}\t{u or ''}\n" for p, u in pages))
    best = None
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run([pith, "-q", "--no-config", "extract", "--jobs", "0",
                        "--input-list", str(lst)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False, cwd=workdir)
        took = time.perf_counter() - t0
        best = took if best is None else min(best, took)
    return len(pages) / best


def start_server(pith, workdir):
    p = subprocess.Popen([pith, "--no-config", "serve", "--listen", "127.0.0.1:0",
                          "--request-timeout-secs", "60"],
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, cwd=workdir,
                         text=True)
    line = p.stderr.readline()
    if "listening on http://" not in line:
        p.kill()
        sys.exit(f"pith serve did not start: {line!r}")
    host, port = line.strip().rsplit("http://", 1)[1].rsplit(":", 1)
    threading.Thread(target=lambda: p.stderr.read(), daemon=True).start()
    return p, host, int(port)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def serve_rate(host, port, bodies, clients, rounds):
    latencies = []
    statuses = {}
    lock = threading.Lock()
    best = None
    for _ in range(rounds):
        queue = list(range(len(bodies)))
        qlock = threading.Lock()

        def worker():
            conn = http.client.HTTPConnection(host, port, timeout=120)
            while True:
                with qlock:
                    if not queue:
                        break
                    k = queue.pop()
                t0 = time.perf_counter()
                conn.request("POST", "/v1/extract", body=bodies[k],
                             headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                took = time.perf_counter() - t0
                with lock:
                    latencies.append(took)
                    statuses[r.status] = statuses.get(r.status, 0) + 1
            conn.close()

        threads = [threading.Thread(target=worker) for _ in range(clients)]
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.perf_counter() - t0
        client_cpu = (time.process_time() - cpu0) / took
        best = took if best is None else min(best, took)
    latencies.sort()

    def pct(q):
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return len(bodies) / best, pct(0.50), pct(0.99), statuses, client_cpu


def slow_clients(host, port, pid, n, secs):
    before = rss_kib(pid)
    socks = []
    head = (f"POST /v1/extract HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: 1000000\r\n\r\n").encode()
    for _ in range(n):
        s = socket.create_connection((host, port))
        s.sendall(head)
        socks.append(s)
    connected = rss_kib(pid)
    peak = connected
    health_ok = 0
    health_all = 0
    t0 = time.time()
    while time.time() - t0 < secs:
        for s in socks:
            try:
                s.send(b" ")
            except OSError:
                pass
        try:
            c = http.client.HTTPConnection(host, port, timeout=5)
            c.request("GET", "/healthz")
            health_ok += c.getresponse().status == 200
            c.close()
        except OSError:
            pass
        health_all += 1
        peak = max(peak, rss_kib(pid))
        time.sleep(1)
    end = rss_kib(pid)
    for s in socks:
        s.close()
    time.sleep(2)
    after = rss_kib(pid)
    return before, connected, end, peak, after, health_ok, health_all


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dataset", nargs="?", type=Path)
    ap.add_argument("--pith", type=Path, default=default_pith())
    ap.add_argument("--pages", type=int, default=181)
    ap.add_argument("--clients", type=int, default=2 * (os.cpu_count() or 1))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5,
                    help="pass over the pages this many times per timed run, so a run "
                         "lasts long enough to time")
    ap.add_argument("--slow", type=int, default=1000)
    ap.add_argument("--slow-secs", type=int, default=15)
    a = ap.parse_args()
    dataset = a.dataset or bench_dir() / "scrapinghub"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, a.slow + 512))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    pages = load_pages(dataset, a.pages)
    if not pages:
        sys.exit(f"no pages in {dataset}")
    pages = pages * a.repeat
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cli = extract_rate(a.pith, pages, a.rounds, tmp)
        bodies = []
        for p, u in pages:
            html = p.read_bytes().decode("utf-8", errors="replace")
            bodies.append(json.dumps({"html": html, "url": u}).encode())
        server, host, port = start_server(a.pith, tmp)
        try:
            rate, p50, p99, statuses, client_cpu = serve_rate(host, port, bodies, a.clients, a.rounds)
            rss_after_load = rss_kib(server.pid)
            waves = [slow_clients(host, port, server.pid, a.slow, a.slow_secs)
                     for _ in range(2)]
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"pages                          {len(pages)} ({dataset.name}, {a.repeat} passes)")
    print(f"pith extract --jobs 0          {cli:8.1f} pages/s")
    print(f"POST /v1/extract ({a.clients} clients)  {rate:8.1f} pages/s "
          f"({100 * rate / cli:.0f} % of pith extract)")
    print(f"latency p50 / p99              {p50:8.1f} / {p99:.1f} ms")
    print(f"statuses                       {statuses}")
    print(f"the clients' own CPU           {client_cpu:8.2f} cores (taken from the server)")
    print(f"server RSS after the load      {rss_after_load / 1024:8.1f} MiB")
    for k, (before, connected, end, peak, after, ok, total) in enumerate(waves, 1):
        print(f"wave {k}: {a.slow} slow clients for {a.slow_secs} s: RSS before {before / 1024:.1f} MiB, "
              f"all connected {connected / 1024:.1f}, end of wait {end / 1024:.1f}, "
              f"peak {peak / 1024:.1f}, after {after / 1024:.1f} MiB; "
              f"/healthz answered {ok}/{total} meanwhile")


if __name__ == "__main__":
    main()
