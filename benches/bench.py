#!/usr/bin/env python3
"""Quality and speed of `pith extract` on a benchmark folder.

    python3 benches/bench.py [DATASET_DIR ...] [--pith target/release/pith]
                             [--runs N] [--out DIR] [--no-speed]

DATASET_DIR defaults to ../shared/bench/scrapinghub and ../shared/bench/readability.
For each set it writes an input list from docs.jsonl (PATH<TAB>URL), runs
`pith extract --jobs 1` and `--jobs 0` (all cores) under /usr/bin/time -v,
turns the records into predictions keyed by id, and scores them with the
set's score.py (the one definition of every quality number we quote).
Prints one table; --out keeps predictions and per-doc scores.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run_timed(cmd, stdout_path):
    """Run cmd with /usr/bin/time -v; return (wall seconds, peak RSS MiB)."""
    with open(stdout_path, "wb") as out, tempfile.NamedTemporaryFile("r") as tv:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-v", "-o", tv.name] + cmd, stdout=out, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        if p.returncode not in (0, 1):
            sys.stderr.write(p.stderr.decode(errors="replace"))
            raise SystemExit(f"pith failed with exit code {p.returncode}")
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", tv.read())
        return wall, (int(rss.group(1)) / 1024 if rss else float("nan"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("datasets", nargs="*")
    ap.add_argument("--pith", default=os.path.join(ROOT, "target", "release", "pith"))
    ap.add_argument("--runs", type=int, default=3, help="speed runs per setting (best is kept)")
    ap.add_argument("--out", help="directory for predictions and per-doc scores")
    ap.add_argument("--no-speed", action="store_true")
    a = ap.parse_args()
    bench = os.path.normpath(os.path.join(ROOT, "..", "shared", "bench"))
    sets = a.datasets or [os.path.join(bench, "scrapinghub"), os.path.join(bench, "readability")]
    out_dir = a.out or tempfile.mkdtemp(prefix="pith-bench-")
    os.makedirs(out_dir, exist_ok=True)
    rows = []
    for ds in sets:
        name = os.path.basename(os.path.normpath(ds))
        docs = [json.loads(l) for l in open(os.path.join(ds, "docs.jsonl"), encoding="utf-8")]
        lst = os.path.join(out_dir, f"{name}.list")
        by_path = {}
        with open(lst, "w", encoding="utf-8") as f:
            for d in docs:
                path = os.path.join(ds, d["html"])
                by_path[path] = d["id"]
                f.write(f"{path}\t{d.get('url') or ''}\n")
        records = os.path.join(out_dir, f"{name}.records.jsonl")
        cmd = [a.pith, "extract", "--jobs", "1", "--input-list", lst]
        subprocess.run(cmd, stdout=open(records, "wb"), check=False)
        preds = os.path.join(out_dir, f"{name}.pred.jsonl")
        with open(preds, "w", encoding="utf-8") as f, open(records, encoding="utf-8") as r:
            for line in r:
                rec = json.loads(line)
                p = {"id": by_path[rec["source"]], "text": rec.get("text", "")}
                for k in ("title", "author", "date", "sitename", "description", "lang"):
                    p[k] = rec.get(k)
                f.write(json.dumps(p, ensure_ascii=False) + "\n")
        score = subprocess.run(
            [sys.executable, os.path.join(os.path.dirname(os.path.normpath(ds)), "score.py"), ds, preds, "--json",
             "--bootstrap", "0", "--per-doc", os.path.join(out_dir, f"{name}.per-doc.jsonl")],
            capture_output=True, text=True, check=True)
        s = json.loads(score.stdout)
        row = {"set": name, "docs": len(docs), "score": s}
        if not a.no_speed:
            for jobs in ("1", "0"):
                best = None
                for _ in range(a.runs):
                    wall, rss = run_timed([a.pith, "extract", "--jobs", jobs, "--input-list", lst], os.devnull)
                    if best is None or wall < best[0]:
                        best = (wall, rss)
                row[f"jobs{jobs}"] = {"pages_per_s": len(docs) / best[0], "peak_mib": best[1]}
        rows.append(row)
    json.dump(rows, open(os.path.join(out_dir, "summary.json"), "w"), indent=1)
    for r in rows:
        s = r["score"]
        t = s.get("text", {})
        sh = s.get("scrapinghub_compat", {})
        meta = s.get("meta") or {}
        line = [f"{r['set']:<12}", f"sh_f1={sh.get('f1', float('nan')):.3f}",
                f"token_f1={t.get('macro', {}).get('f1', float('nan')):.3f}"]
        for field in ("title", "author", "date", "sitename", "description", "lang"):
            m = meta.get(field)
            if m:
                v = m.get("exact", m.get("accuracy"))
                if v is not None:
                    line.append(f"{field}={v:.3f}")
        for jobs in ("1", "0"):
            if f"jobs{jobs}" in r:
                j = r[f"jobs{jobs}"]
                line.append(f"jobs{jobs}={j['pages_per_s']:.0f}p/s,{j['peak_mib']:.0f}MiB")
        print("  ".join(line))
    print(f"details: {out_dir}")


if __name__ == "__main__":
    main()
