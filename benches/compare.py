#!/usr/bin/env python3
"""What changed between two benchmark runs: metric deltas and the pages that moved.

    python3 benches/compare.py BEFORE_DIR AFTER_DIR [--min-delta 0.01] [--sets NAME,...]
                                                    [--limit N]

BEFORE_DIR and AFTER_DIR are output folders of `benches/bench.py --out DIR` (run, say,
on the commit before a rule change and on the change). For every set present in both
it prints
  * the headline metrics (the rows of bench.py's table: ScrapingHub-compatible F1,
    token macro F1, WCXB-rule F1 overall and per gold page type, page-type accuracy,
    metadata exact shares, empty predictions, error records by kind, and speed when
    both runs timed it) before, after and the difference;
  * the pages whose per-doc F1 moved by more than --min-delta (default 0.01), as
    id, set, page type, before, after, delta, error kinds (before->after, "text" for a
    record with text, when either run gave an error record) and url, sorted by delta, losses first. The per-doc F1 is
    the WCXB rule's: the page's token F1, and for a page whose gold has no main
    content 1 when the prediction is empty too, else 0 (it is the plain token F1 on
    the sets without such pages).

Reads only summary.json and NAME.per-doc.jsonl of each folder; the benchmark folder
is not needed. --limit caps the pages listed per set (0 lists all).
"""
import argparse
import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import fmt_value, metrics, row_rank  # noqa: E402


def load_run(path):
    summary = os.path.join(path, "summary.json")
    if not os.path.isfile(summary):
        raise SystemExit(f"{path}: no summary.json (is it a `benches/bench.py --out` folder?)")
    with open(summary, encoding="utf-8") as f:
        return {row["set"]: row for row in json.load(f)["sets"]}


def load_per_doc(path, name):
    rows = {}
    p = os.path.join(path, f"{name}.per-doc.jsonl")
    if not os.path.isfile(p):
        return rows
    with open(p, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                rows[r["id"]] = r
    return rows


def fmt_delta(d, kind):
    if d is None:
        return "-"
    if kind == "f1":
        return f"{d:+.3f}"
    if kind == "count":
        return f"{d:+d}"
    return f"{d:+.0f}"


def print_metrics(before, after):
    b = {k: (label, v, kind) for k, label, v, kind in metrics(before)}
    a = {k: (label, v, kind) for k, label, v, kind in metrics(after)}
    keys = list(b)
    keys += [k for k in a if k not in b]
    keys.sort(key=row_rank)
    width = max(len((b.get(k) or a.get(k))[0]) for k in keys) + 2 if keys else 32
    print(f"  {'':{width}}{'before':>9}{'after':>9}{'delta':>9}")
    for k in keys:
        label, _, kind = b.get(k) or a.get(k)
        # an error kind absent from one run had no records there
        dflt = 0 if k.startswith("error:") else None
        vb = b[k][1] if k in b else dflt
        va = a[k][1] if k in a else dflt
        d = va - vb if vb is not None and va is not None else None
        mark = ""
        if kind == "f1" and d is not None and abs(d) >= 0.0005:
            mark = "  +" if d > 0 else "  -"
        print(f"  {label:{width}}{fmt_value(vb, kind):>9}{fmt_value(va, kind):>9}{fmt_delta(d, kind):>9}{mark}")


def changed_pages(before, after, min_delta):
    """(delta, id, page type, before f1, after f1, error kinds, url) for pages whose
    per-doc F1 moved by more than min_delta, losses first."""
    out = []
    for doc_id, ra in after.items():
        rb = before.get(doc_id)
        if rb is None:
            continue
        fb, fa = rb.get("f1"), ra.get("f1")
        if fb is None or fa is None or abs(fa - fb) <= min_delta:
            continue
        eb, ea = rb.get("error"), ra.get("error")
        err = f"{eb or 'text'}->{ea or 'text'}" if eb or ea else ""
        out.append((fa - fb, doc_id, ra.get("page_type") or rb.get("page_type") or "-", fb, fa, err,
                    ra.get("url") or rb.get("url") or ""))
    out.sort(key=lambda r: (r[0], r[1]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before", help="output folder of `bench.py --out` before the change")
    ap.add_argument("after", help="output folder of `bench.py --out` after the change")
    ap.add_argument("--min-delta", type=float, default=0.01,
                    help="list pages whose per-doc F1 moved by more than this (default: %(default)s)")
    ap.add_argument("--sets", help="comma-separated set names (default: every set in both runs)")
    ap.add_argument("--limit", type=int, default=0, help="list at most this many pages per set (0: all)")
    a = ap.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    before, after = load_run(a.before), load_run(a.after)
    names = [n for n in before if n in after]
    if a.sets:
        wanted = [n.strip() for n in a.sets.split(",") if n.strip()]
        missing = [n for n in wanted if n not in names]
        if missing:
            raise SystemExit(f"not in both runs: {', '.join(missing)} (both have: {', '.join(names)})")
        names = wanted
    only = sorted((set(before) ^ set(after)) - set(names))
    if only and not a.sets:
        print(f"(in one run only, skipped: {', '.join(only)})")
    for name in names:
        rb, ra = before[name], after[name]
        print(f"== {name}: {ra['docs']} pages")
        if rb["docs"] != ra["docs"]:
            print(f"  (before had {rb['docs']} pages)")
        print_metrics(rb, ra)
        pages = changed_pages(load_per_doc(a.before, name), load_per_doc(a.after, name), a.min_delta)
        up = sum(1 for p in pages if p[0] > 0)
        print(f"\n  pages with per-doc F1 moved by more than {a.min_delta}: {len(pages)}"
              f" ({up} up, {len(pages) - up} down)")
        shown = pages if a.limit <= 0 else pages[:a.limit]
        if shown:
            tw = max(len("type"), max(len(p[2]) for p in shown))
            ew = max(len(p[5]) for p in shown)
            iw = max(len("id"), max(len(p[1]) for p in shown))
            sw = len(name)
            print(f"  {'id':<{iw + 2}}{'set':<{sw + 2}}{'type':<{tw + 2}}{'before':>7}{'after':>7}{'delta':>8}  "
                  + (f"{'error':<{ew + 2}}" if ew else "") + "url")
            for d, doc_id, pt, fb, fa, err, url in shown:
                print(f"  {doc_id:<{iw + 2}}{name:<{sw + 2}}{pt:<{tw + 2}}{fb:>7.3f}{fa:>7.3f}{d:>+8.3f}  "
                      + (f"{err:<{ew + 2}}" if ew else "") + url)
        if len(shown) < len(pages):
            print(f"  … {len(pages) - len(shown)} more (--limit 0 lists all)")
        print()


if __name__ == "__main__":
    main()
