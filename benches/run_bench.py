#!/usr/bin/env python3
"""End-to-end speed of `pith run` against `pith extract` on the same pages.

    python3 benches/run_bench.py [DATASET_DIR] [--hosts 4] [--pith target/release/pith]
                                 [--million]

Serves the pages of DATASET_DIR (default ../shared/bench/scrapinghub) from
127.0.0.2 .. 127.0.0.(1+hosts) with nginx when it is installed (one worker,
so the server takes little of the CPU pith measures with), else with Python's
threaded http.server, no delay, and runs,
in the same session: `pith run` over one URL per page (spread over the hosts,
private networks allowed, robots.txt answered 404), then `pith extract
--jobs 0` over the same files. Prints pages/s and peak memory of both, and
their ratio. Then the same run into an output file, which keeps a state file
beside it, twice (the second run is conditional and finds every page
unchanged), and once more with --no-state and --warc. With --million it also runs `pith run` over a generated list of
1,000,000 URLs that robots.txt disallows (no page requests: the list, the
pipeline and the writer at full speed) and prints the peak memory, to show
that it stays flat however long the list.
"""
import argparse, http.server, json, os, re, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def serve(ip, directory, robots):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=directory, **k)

        def do_GET(self):
            if self.path == "/robots.txt":
                body = robots.encode()
                self.send_response(200 if robots else 404)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            return super().do_GET()

        def log_message(self, *a):
            pass

        def guess_type(self, path):
            return "text/html" if path.endswith(".html") else super().guess_type(path)

    srv = http.server.ThreadingHTTPServer((ip, 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def nginx_servers(directory, hosts, tmp):
    """Start one nginx serving `directory` on 127.0.0.2.. ; returns [(ip, port)] and the process."""
    import shutil, socket
    nginx = shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx")
    if not nginx:
        return None, None
    addrs = []
    for i in range(hosts):
        s = socket.socket()
        s.bind((f"127.0.0.{2 + i}", 0))
        addrs.append(s.getsockname())
        s.close()
    listens = "\n".join(f"    listen {ip}:{port};" for ip, port in addrs)
    conf = os.path.join(tmp, "nginx.conf")
    open(conf, "w").write(f"""worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  types {{ text/html html; }}
  server {{
{listens}
    root {os.path.abspath(directory)};
    location = /robots.txt {{ return 404; }}
  }}
}}
""")
    proc = subprocess.Popen([nginx, "-c", conf, "-p", tmp], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return addrs, proc


def timed(cmd, stdout):
    with tempfile.NamedTemporaryFile("r") as tv:
        t0 = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-v", "-o", tv.name] + cmd, stdout=stdout, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", tv.read())
    return wall, int(rss.group(1)) / 1024 if rss else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset", nargs="?", default=os.path.join(ROOT, "..", "shared", "bench", "scrapinghub"))
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--pith", default=os.path.join(ROOT, "target", "release", "pith"))
    ap.add_argument("--million", action="store_true")
    a = ap.parse_args()
    docs = [json.loads(l) for l in open(os.path.join(a.dataset, "docs.jsonl"))]
    tmp = tempfile.mkdtemp(prefix="pith-run-bench-")
    addrs, nginx = nginx_servers(a.dataset, a.hosts, tmp)
    if addrs is None:
        addrs = [serve(f"127.0.0.{2 + i}", a.dataset, "").server_address for i in range(a.hosts)]
    cfg = os.path.join(tmp, "config.toml")
    open(cfg, "w").write("[fetch]\nallow_private_networks = true\nper_host_delay_ms = 0\n"
                         "per_host_concurrency = 4\nconcurrency = 16\nretries = 0\n")
    urls = os.path.join(tmp, "urls.txt")
    with open(urls, "w") as f:
        for k, d in enumerate(docs):
            host, port = addrs[k % len(addrs)]
            f.write(f"http://{host}:{port}/{d['html']}\n")
    lst = os.path.join(tmp, "files.list")
    with open(lst, "w") as f:
        for d in docs:
            f.write(os.path.join(a.dataset, d["html"]) + "\n")
    n = len(docs)
    run_wall, run_rss = timed([a.pith, "-q", "--config", cfg, "run", "--no-state", urls], subprocess.DEVNULL)
    ext_wall, ext_rss = timed([a.pith, "-q", "extract", "--jobs", "0", "--input-list", lst], subprocess.DEVNULL)
    out = os.path.join(tmp, "out.jsonl")
    first, _ = timed([a.pith, "-q", "--config", cfg, "run", "--output", out, urls], subprocess.DEVNULL)
    second, _ = timed([a.pith, "-q", "--config", cfg, "run", "--output", out, urls], subprocess.DEVNULL)
    warc = os.path.join(tmp, "out.warc.gz")
    archived, _ = timed([a.pith, "-q", "--config", cfg, "run", "--no-state", "--warc", warc,
                         "--output", os.path.join(tmp, "out2.jsonl"), urls], subprocess.DEVNULL)
    if nginx:
        nginx.terminate()
    print(f"server={'nginx' if nginx else 'python'} pages={n} hosts={a.hosts}  run: {n / run_wall:.0f} pages/s, {run_rss:.0f} MiB  "
          f"extract: {n / ext_wall:.0f} pages/s, {ext_rss:.0f} MiB  run/extract={ext_wall / run_wall:.2f}")
    print(f"into a file with its state: {n / first:.0f} pages/s; again (conditional, unchanged): {n / second:.0f} pages/s; "
          f"with --warc ({os.path.getsize(warc) / 2**20:.1f} MiB): {n / archived:.0f} pages/s")
    if a.million:
        deny = serve("127.0.0.9", a.dataset, "User-agent: *\nDisallow: /\n")
        host, port = deny.server_address
        big = os.path.join(tmp, "million.txt")
        with open(big, "w") as f:
            for i in range(1_000_000):
                f.write(f"http://{host}:{port}/page/{i}\n")
        for lines in (10_000, 1_000_000):
            part = os.path.join(tmp, f"part-{lines}.txt")
            with open(big) as src, open(part, "w") as dst:
                for i, line in enumerate(src):
                    if i >= lines:
                        break
                    dst.write(line)
            wall, rss = timed([a.pith, "-q", "--config", cfg, "run", "--no-state", part], subprocess.DEVNULL)
            print(f"list of {lines} URLs (robots.txt disallows all): {wall:.1f} s, peak {rss:.0f} MiB")


if __name__ == "__main__":
    main()
