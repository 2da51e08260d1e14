#!/usr/bin/env python3
"""Load test of `pith serve` on loopback: throughput against `pith extract`,
latency, and memory under many slow clients.

    python3 benches/serve_load.py [DATASET_DIR] [--pith PATH] [--pages N]
                                  [--repeat N] [--clients N] [--rounds N]
                                  [--slow N] [--slow-secs S] [--body json|html]
                                  [--instructions]

DATASET_DIR is a benchmark set (a folder with docs.jsonl and html/), by default
scrapinghub in $PITH_BENCH_DIR, else ../shared/bench beside the repository. The
binary is --pith, by default target/release/pith under $CARGO_TARGET_DIR or the
repository's target/. Everything stays on 127.0.0.1; the run is bounded by
--pages, --rounds and --slow-secs. Python 3 standard library only.

It measures:
  1. --rounds times, in turn (so that the machine's other load falls on both
     alike): `pith extract --jobs 0` over the pages, repeated --repeat times in
     one input list, then `pith serve` (the defaults: two extractions per core)
     answering POST /v1/extract with each page's HTML and URL as JSON (UTF-8,
     as most JSON encoders write it; with --body html, the page itself as
     text/html, its URL in the query string) from --clients concurrent keep-alive
     clients (threads of this script, which share the machine's cores with the
     server). Each round gives pages/s of both and their ratio; the CPU time
     each took per page (the server's from /proc, the command's from its
     rusage), which other load on the machine disturbs much less; and every
     request's latency (p50 / p99 over all rounds) and status;
  2. --slow clients that each open a connection, send the head of a POST
     /v1/extract announcing a 1 MB body, then one byte a second for --slow-secs
     seconds: the server's resident memory (VmRSS) before, once all are
     connected, at its peak while they wait, and 1 s and 5 s after they left
     (the server gives its free memory back when no request is in flight),
     while a fast client checks that /healthz still answers; twice.

With --instructions, it instead counts the instructions (valgrind's
callgrind, which counts the same on a busy machine as on an idle one) of
`pith extract --jobs 1` over --pages pages and of `pith serve` answering the
same pages one POST at a time, start-up included in both.
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
import urllib.parse
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


def extract_run(pith, lst, n, workdir):
    """One run of `pith extract --jobs 0`: pages/s and CPU seconds per page."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([pith, "-q", "--no-config", "extract", "--jobs", "0",
                    "--input-list", str(lst)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False, cwd=workdir)
    took = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return n / took, cpu / n


def cpu_secs(pid):
    """User and system CPU seconds of process `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def read_response(sock, buf):
    """Read one HTTP/1.1 response with a Content-Length from `sock`; return
    its status and what was read past it."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("connection closed")
        rest += chunk
    return status, rest[length:]


def serve_run(host, port, pid, requests, clients, latencies, statuses):
    """One pass of `requests` (whole HTTP requests, ready to send) from
    `clients` keep-alive connections: pages/s, the server's CPU seconds per
    page, and the clients' own CPU in cores."""
    lock = threading.Lock()
    queue = list(range(len(requests)))

    def worker():
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        while True:
            with lock:
                if not queue:
                    break
                k = queue.pop()
            t0 = time.perf_counter()
            sock.sendall(requests[k])
            status, buf = read_response(sock, buf)
            took = time.perf_counter() - t0
            with lock:
                latencies.append(took)
                statuses[status] = statuses.get(status, 0) + 1
        sock.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    server0 = cpu_secs(pid)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - t0
    client_cpu = (time.process_time() - cpu0) / took
    server_cpu = cpu_secs(pid) - server0
    return len(requests) / took, server_cpu / len(requests), client_cpu


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
    time.sleep(1)
    after1 = rss_kib(pid)
    time.sleep(4)
    after5 = rss_kib(pid)
    return before, connected, end, peak, after1, after5, health_ok, health_all


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    return 0


def request_of(host, port, path, url, body_kind):
    """The whole HTTP request that posts the page at `path` (its address
    `url`): as JSON, or (`html`) the page itself with the URL in the query."""
    if body_kind == "html":
        body = path.read_bytes()
        target = "/v1/extract" + (f"?url={urllib.parse.quote(url, safe='')}" if url else "")
        ctype = "text/html; charset=utf-8"
    else:
        html = path.read_bytes().decode("utf-8", errors="replace")
        body = json.dumps({"html": html, "url": url}, ensure_ascii=False).encode()
        target = "/v1/extract"
        ctype = "application/json"
    return (f"POST {target} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def instructions(pith, pages, workdir, body_kind):
    """Instructions of `pith extract --jobs 1` and of `pith serve` over `pages`."""
    lst = workdir / "inputs.txt"
    lst.write_text("".join(f"{p}\t{u or ''}\n" for p, u in pages))
    cli_out = workdir / "callgrind.extract"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={cli_out}",
                    pith, "-q", "--no-config", "extract", "--jobs", "1",
                    "--input-list", str(lst)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False, cwd=workdir)
    srv_out = workdir / "callgrind.serve"
    p = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={srv_out}",
                          pith, "--no-config", "serve", "--listen", "127.0.0.1:0",
                          "--request-timeout-secs", "600"],
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, cwd=workdir,
                         text=True)
    line = ""
    while "listening on http://" not in line:
        line = p.stderr.readline()
        if not line:
            sys.exit("pith serve did not start under valgrind")
    host, port = line.strip().rsplit("http://", 1)[1].rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    buf = b""
    for path, url in pages:
        sock.sendall(request_of(host, port, path, url, body_kind))
        _, buf = read_response(sock, buf)
    sock.close()
    p.terminate()
    p.wait(timeout=120)
    return callgrind_total(cli_out), callgrind_total(srv_out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dataset", nargs="?", type=Path)
    ap.add_argument("--pith", type=Path, default=default_pith())
    ap.add_argument("--pages", type=int, default=181)
    ap.add_argument("--clients", type=int, default=8 * (os.cpu_count() or 1),
                    help="concurrent keep-alive clients (default: 8 per core, so that "
                         "requests wait at the server while it extracts)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5,
                    help="pass over the pages this many times per timed run, so a run "
                         "lasts long enough to time")
    ap.add_argument("--slow", type=int, default=1000)
    ap.add_argument("--slow-secs", type=int, default=15)
    ap.add_argument("--body", choices=["json", "html"], default="json",
                    help="post each page as JSON (html and url), or as text/html with "
                         "its URL in the query string")
    ap.add_argument("--instructions", action="store_true",
                    help="count instructions under callgrind instead (one pass over --pages)")
    a = ap.parse_args()
    dataset = a.dataset or bench_dir() / "scrapinghub"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, a.slow + 512))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    pages = load_pages(dataset, a.pages)
    if not pages:
        sys.exit(f"no pages in {dataset}")
    import tempfile
    if a.instructions:
        with tempfile.TemporaryDirectory() as tmp:
            cli, srv = instructions(a.pith, pages, Path(tmp), a.body)
        print(f"pages                          {len(pages)} ({dataset.name})")
        print(f"pith extract --jobs 1          {cli / 1e9:8.3f} G instructions")
        label = f"pith serve, POST ({a.body} body)"
        print(f"{label:31}{srv / 1e9:8.3f} G instructions "
              f"({100 * srv / cli:.1f} % of pith extract's)")
        return
    pages = pages * a.repeat
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lst = tmp / "inputs.txt"
        lst.write_text("".join(f"{p}\t{u or ''}\n" for p, u in pages))
        server, host, port = start_server(a.pith, tmp)
        requests = [request_of(host, port, p, u, a.body) for p, u in pages]
        latencies, statuses, rounds = [], {}, []
        try:
            for _ in range(a.rounds):
                cli = extract_run(a.pith, lst, len(pages), tmp)
                served = serve_run(host, port, server.pid, requests, a.clients,
                                   latencies, statuses)
                rounds.append((cli, served))
            rss_after_load = rss_kib(server.pid)
            waves = [slow_clients(host, port, server.pid, a.slow, a.slow_secs)
                     for _ in range(2)]
        finally:
            server.terminate()
            server.wait(timeout=30)
    latencies.sort()

    def pct(q):
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    print(f"pages                          {len(pages)} ({dataset.name}, {a.repeat} passes), "
          f"{a.rounds} rounds, {a.clients} clients, bodies as {a.body}")
    print("round   pith extract --jobs 0     POST /v1/extract          ratio  "
          "CPU ms/page (extract / serve)  clients' CPU")
    ratios, cpu_ratios = [], []
    for k, ((cli, cli_cpu), (rate, srv_cpu, client_cpu)) in enumerate(rounds, 1):
        ratios.append(rate / cli)
        cpu_ratios.append(cli_cpu / srv_cpu)
        print(f"{k:5}   {cli:8.1f} pages/s          {rate:8.1f} pages/s        {100 * rate / cli:4.0f} %  "
              f"{1000 * cli_cpu:6.2f} / {1000 * srv_cpu:.2f} ({100 * cli_cpu / srv_cpu:.0f} %)"
              f"        {client_cpu:.2f} cores")
    ratios.sort()
    cpu_ratios.sort()
    print(f"ratio of pages/s               median {100 * ratios[len(ratios) // 2]:.0f} % "
          f"(min {100 * ratios[0]:.0f} %, max {100 * ratios[-1]:.0f} %)")
    print(f"extract's CPU / serve's CPU    median {100 * cpu_ratios[len(cpu_ratios) // 2]:.0f} % "
          f"(min {100 * cpu_ratios[0]:.0f} %, max {100 * cpu_ratios[-1]:.0f} %)")
    print(f"latency p50 / p99              {pct(0.50):8.1f} / {pct(0.99):.1f} ms")
    print(f"statuses                       {statuses}")
    print(f"server RSS after the load      {rss_after_load / 1024:8.1f} MiB")
    for k, (before, connected, end, peak, after1, after5, ok, total) in enumerate(waves, 1):
        print(f"wave {k}: {a.slow} slow clients for {a.slow_secs} s: RSS before {before / 1024:.1f} MiB, "
              f"all connected {connected / 1024:.1f}, end of wait {end / 1024:.1f}, "
              f"peak {peak / 1024:.1f}; after they left: {after1 / 1024:.1f} (1 s), "
              f"{after5 / 1024:.1f} MiB (5 s); /healthz answered {ok}/{total} meanwhile")


if __name__ == "__main__":
    main()
