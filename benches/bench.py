#!/usr/bin/env python3
"""Quality and speed of `pith extract` on the benchmark sets.

    python3 benches/bench.py [DATASET_DIR ...] [--sets NAME,...] [--pith PATH]
                             [--runs N] [--out DIR] [--no-speed]

The benchmark folder is $PITH_BENCH_DIR, else ../shared/bench beside the repository.
By default every set in it is run: scrapinghub, readability and wcxb-dev; --sets picks
some of them by name (comma-separated), and DATASET_DIR arguments name set folders
directly (their score.py is the one in the parent folder). The binary is --pith, by
default target/release/pith under $CARGO_TARGET_DIR or the repository's target/.

For each set it
  * writes an input list from docs.jsonl (PATH<TAB>URL); a page shipped only as
    html/<id>.html.gz (wcxb-dev, whose folder is read-only) is decompressed into a
    temporary folder first, removed at the end;
  * runs `pith extract --jobs 1` once for the records (in an empty working folder, so
    no config.toml applies) and turns them into predictions keyed by id: `text`, the
    metadata fields and, when the record has one, `page_type`. A record with an
    `error` object (no text) is an empty prediction, and a page with no record at all
    is one too (counted as "no record"); no page is dropped;
  * scores the predictions with the set's score.py, the one definition of every
    quality number we quote: ScrapingHub-compatible F1, token macro F1, the WCXB rule
    (token macro F1 with gold-empty pages scoring 1 when the prediction is empty too)
    overall and, on sets with gold page types (wcxb-dev), per page type, page-type
    accuracy when predictions carry `page_type`, and exact shares of the metadata;
  * counts error records by kind;
  * unless --no-speed, times `pith extract --jobs 1` and `--jobs 0` (all cores) under
    /usr/bin/time -v, --runs times each, keeping the fastest run: pages/s and peak RSS.

Prints one table (a column per set). The output folder (--out, else a new temporary
folder) keeps, per set: NAME.records.jsonl, NAME.pred.jsonl,
NAME.score.json (score.py's JSON) and NAME.per-doc.jsonl (score.py's per-doc scores
plus `url`, gold `page_type`, `pred_page_type`, `error` kind and `f1`, the page's
WCXB-rule F1), and summary.json with everything in the table. benches/compare.py
compares two such folders.
"""
import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SETS = ("scrapinghub", "readability", "wcxb-dev")
META_FIELDS = ("title", "author", "date", "sitename", "description", "lang")


def bench_root():
    """$PITH_BENCH_DIR, else ../shared/bench relative to the repository root."""
    env = os.environ.get("PITH_BENCH_DIR")
    return os.path.abspath(env) if env else os.path.normpath(os.path.join(ROOT, "..", "shared", "bench"))


def default_pith():
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(target, "release", "pith")


def load_docs(ds):
    with open(os.path.join(ds, "docs.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_input_list(ds, docs, lst, unpack_dir):
    """Write PATH<TAB>URL lines for every doc; return {path: id}. Pages present only as
    .html.gz are decompressed under unpack_dir."""
    by_path = {}
    unpacked = 0
    with open(lst, "w", encoding="utf-8") as f:
        for d in docs:
            path = os.path.abspath(os.path.join(ds, d["html"]))
            if not os.path.exists(path) and os.path.exists(path + ".gz"):
                dest = os.path.join(unpack_dir, d["html"])
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with gzip.open(path + ".gz", "rb") as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
                path = dest
                unpacked += 1
            by_path[path] = d["id"]
            url = (d.get("url") or "").replace("\t", " ").replace("\n", " ")
            f.write(f"{path}\t{url}\n")
    return by_path, unpacked


def run_extract(pith, lst, records_path, workdir):
    """One `pith extract --jobs 1` run over the list, records to records_path."""
    with open(records_path, "wb") as out:
        p = subprocess.run([pith, "-q", "extract", "--jobs", "1", "--input-list", lst],
                           stdout=out, stderr=subprocess.PIPE, cwd=workdir)
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr.decode(errors="replace"))
        raise SystemExit(f"pith failed with exit code {p.returncode}")


def make_predictions(docs, by_path, records_path, preds_path):
    """Predictions keyed by id from the records; returns (error kinds Counter, extra info
    by id). Every doc gets a line: error records and pages without a record are ""."""
    by_real = {os.path.realpath(k): v for k, v in by_path.items()}
    recs = {}
    with open(records_path, encoding="utf-8") as r:
        for line in r:
            if not line.strip():
                continue
            rec = json.loads(line)
            src = rec.get("source")
            doc_id = by_path.get(src) or by_real.get(os.path.realpath(src or ""))
            if doc_id is not None:
                recs[doc_id] = rec
    errors = Counter()
    info = {}
    with open(preds_path, "w", encoding="utf-8") as f:
        for d in docs:
            rec = recs.get(d["id"])
            error = None
            if rec is None:
                error = "no record"
                rec = {}
            elif "error" in rec:
                e = rec["error"]
                error = (e.get("kind") if isinstance(e, dict) else None) or str(e)
            if error:
                errors[error] += 1
            text = rec.get("text")
            p = {"id": d["id"], "text": text if isinstance(text, str) else ""}
            for k in META_FIELDS:
                p[k] = rec.get(k)
            if rec.get("page_type") is not None:
                p["page_type"] = rec["page_type"]
            if error:
                p["error"] = error
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
            info[d["id"]] = {"pred_page_type": rec.get("page_type"), "error": error}
    return errors, info


def score(ds, preds_path, per_doc_path):
    score_py = os.path.join(os.path.dirname(os.path.normpath(ds)), "score.py")
    p = subprocess.run([sys.executable, score_py, ds, preds_path, "--json", "--bootstrap", "0",
                        "--per-doc", per_doc_path], capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"{score_py} failed with exit code {p.returncode}")
    return json.loads(p.stdout)


def doc_f1(per_doc_row):
    """The page's WCXB-rule token F1 (a gold-empty page scores 1 when the prediction is
    empty too); None when the doc has no gold text."""
    t = per_doc_row.get("text")
    if not t:
        return None
    if t.get("gold_empty"):
        return 1.0 if not t.get("pred_tokens") else 0.0
    return t.get("f1", 0.0)


def enrich_per_doc(docs, info, per_doc_path):
    """Add url, gold page_type, pred_page_type, error and f1 to score.py's per-doc rows."""
    rows = {}
    with open(per_doc_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                rows[r["id"]] = r
    with open(per_doc_path, "w", encoding="utf-8") as f:
        for d in docs:
            r = rows.get(d["id"], {"id": d["id"]})
            r["url"] = d.get("url")
            r["page_type"] = (d.get("extra") or {}).get("page_type")
            r.update(info.get(d["id"], {}))
            r["f1"] = doc_f1(r)
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def run_timed(cmd, workdir):
    """Run cmd under /usr/bin/time -v, output discarded; return (wall s, peak RSS MiB)."""
    with tempfile.NamedTemporaryFile("r") as tv:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-v", "-o", tv.name] + cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, cwd=workdir)
        wall = time.perf_counter() - t0
        if p.returncode not in (0, 1):
            sys.stderr.write(p.stderr.decode(errors="replace"))
            raise SystemExit(f"pith failed with exit code {p.returncode}")
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", tv.read())
        return wall, (int(rss.group(1)) / 1024 if rss else float("nan"))


def metrics(row):
    """The headline figures of one set's summary row, in table order, as
    (key, label, value, kind) with kind "f1" (0..1, 3 decimals), "count", "rate"
    (pages/s) or "mib". Shared with compare.py."""
    s = row["score"]
    out = []
    sh = s.get("scrapinghub_compat") or {}
    t = s.get("text") or {}
    if "f1" in sh:
        out.append(("sh_f1", "ScrapingHub-compatible F1", sh["f1"], "f1"))
    if t:
        out.append(("token_f1", "token macro F1", t["macro"]["f1"], "f1"))
        out.append(("wcxb_f1", "WCXB-rule F1 (gold-empty counted)", t["macro_f1_incl_gold_empty"], "f1"))
    pt = s.get("page_types")
    if pt:
        for k, v in pt["by_type"].items():
            out.append((f"type:{k}", f"  {k} ({v['n_docs']})", v["f1"], "f1"))
        if pt.get("n_with_page_type"):
            out.append(("page_type_acc", "page-type accuracy", pt["page_type_accuracy"], "f1"))
    for field, m in (s.get("meta") or {}).items():
        out.append((f"meta:{field}", f"{field} exact", m["exact"], "f1"))
    cov = s.get("coverage") or {}
    if "n_empty" in cov:
        out.append(("empty", "empty predictions", cov["n_empty"], "count"))
    errors = row.get("errors", {})
    out.append(("errors", "error records", sum(errors.values()), "count"))
    for kind, n in sorted(errors.items()):
        out.append((f"error:{kind}", f"  {kind}", n, "count"))
    for jobs in ("1", "0"):
        j = row.get(f"jobs{jobs}")
        if j:
            out.append((f"jobs{jobs}_pps", f"--jobs {jobs} pages/s", j["pages_per_s"], "rate"))
            out.append((f"jobs{jobs}_mib", f"--jobs {jobs} peak RSS MiB", j["peak_mib"], "mib"))
    return out


def fmt_value(v, kind):
    if v is None:
        return "-"
    if kind == "f1":
        return f"{v:.3f}"
    if kind == "count":
        return str(v)
    return f"{v:.0f}"


_RANK = ("sh_f1", "token_f1", "wcxb_f1", "type", "page_type_acc", "meta", "empty", "errors", "error",
         "jobs1_pps", "jobs1_mib", "jobs0_pps", "jobs0_mib")


def row_rank(key):
    """Sort key of a metric key: its group in _RANK (a stable sort keeps the order within one)."""
    group = key.split(":")[0]
    return _RANK.index(group) if group in _RANK else len(_RANK)


def print_table(rows):
    """One table: a row per metric, a column per set."""
    table = {}
    order = []
    for r in rows:
        for key, label, v, kind in metrics(r):
            if key not in table:
                table[key] = (label, kind, {})
                order.append(key)
            table[key][2][r["set"]] = v
    order.sort(key=row_rank)
    names = [r["set"] for r in rows]
    width = max([len("pages")] + [len(table[k][0]) for k in order]) + 2
    cols = [max(len(n), 7) + 2 for n in names]
    print(f"{'':{width}}" + "".join(f"{n:>{c}}" for n, c in zip(names, cols)))
    print(f"{'pages':{width}}" + "".join(f"{r['docs']:>{c}}" for r, c in zip(rows, cols)))
    for k in order:
        label, kind, vals = table[k]
        # a set without an error kind has none of it
        dflt = 0 if k.startswith("error:") else None
        print(f"{label:{width}}" + "".join(f"{fmt_value(vals.get(n, dflt), kind):>{c}}" for n, c in zip(names, cols)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="*", help="set folders (default: the sets of the benchmark folder)")
    ap.add_argument("--sets", help=f"comma-separated set names in the benchmark folder (default: {','.join(SETS)})")
    ap.add_argument("--pith", default=default_pith(), help="the pith binary (default: %(default)s)")
    ap.add_argument("--runs", type=int, default=3, help="speed runs per setting, the fastest is kept")
    ap.add_argument("--out", help="folder for records, predictions and scores (default: a new temporary one)")
    ap.add_argument("--no-speed", action="store_true", help="skip the timed runs")
    a = ap.parse_args()
    pith = os.path.abspath(a.pith)
    if not os.access(pith, os.X_OK):
        raise SystemExit(f"no pith binary at {pith} (build it, or name it with --pith)")
    if a.datasets:
        sets = [os.path.abspath(d) for d in a.datasets]
    else:
        root = bench_root()
        names = [n.strip() for n in a.sets.split(",") if n.strip()] if a.sets else list(SETS)
        sets = [os.path.join(root, n) for n in names]
    for ds in sets:
        if not os.path.isfile(os.path.join(ds, "docs.jsonl")):
            raise SystemExit(f"no docs.jsonl in {ds} (the benchmark folder is ../shared/bench "
                             "beside the repository, or $PITH_BENCH_DIR)")
    out_dir = os.path.abspath(a.out or tempfile.mkdtemp(prefix="pith-bench-"))
    os.makedirs(out_dir, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="pith-bench-work-") as work:
        workdir = os.path.join(work, "cwd")  # empty: no config.toml is read
        os.makedirs(workdir)
        for ds in sets:
            name = os.path.basename(os.path.normpath(ds))
            docs = load_docs(ds)
            lst = os.path.join(work, f"{name}.list")
            by_path, unpacked = write_input_list(ds, docs, lst, os.path.join(work, name))
            records = os.path.join(out_dir, f"{name}.records.jsonl")
            run_extract(pith, lst, records, workdir)
            preds = os.path.join(out_dir, f"{name}.pred.jsonl")
            errors, info = make_predictions(docs, by_path, records, preds)
            per_doc = os.path.join(out_dir, f"{name}.per-doc.jsonl")
            s = score(ds, preds, per_doc)
            with open(os.path.join(out_dir, f"{name}.score.json"), "w", encoding="utf-8") as f:
                json.dump(s, f, indent=1, ensure_ascii=False)
            enrich_per_doc(docs, info, per_doc)
            row = {"set": name, "dataset": ds, "docs": len(docs), "unpacked_gz": unpacked,
                   "errors": dict(errors), "score": s}
            if not a.no_speed:
                for jobs in ("1", "0"):
                    best = None
                    for _ in range(a.runs):
                        wall, rss = run_timed([pith, "-q", "extract", "--jobs", jobs, "--input-list", lst],
                                              workdir)
                        if best is None or wall < best[0]:
                            best = (wall, rss)
                    row[f"jobs{jobs}"] = {"pages_per_s": len(docs) / best[0], "peak_mib": best[1]}
            rows.append(row)
            if unpacked:
                shutil.rmtree(os.path.join(work, name), ignore_errors=True)
    with open(os.path.join(out_dir, "summary.json"), "w", encoding="utf-8") as f:
        json.dump({"pith": pith, "sets": rows}, f, indent=1, ensure_ascii=False)
    print_table(rows)
    print(f"details: {out_dir}")


if __name__ == "__main__":
    main()
