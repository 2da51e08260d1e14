#!/usr/bin/env python3
"""Train pith's block model (src/extract/block_model.rs) on the bench pages.

    python3 benches/train_blocks.py [--bench DIR] [--rows FILE] [--folds 5]
        [--out src/extract/block_model.json]
        [--fixture src/extract/block_model_fixture.json] [--no-write]

The block model judges the blocks of a page read as a region (a thread, a
product, a category page, a landing page, documentation): content or not.

1. Rows. With --rows, a file written by
   `cargo run --release --example block_rows -- LIST`; otherwise this script
   writes LIST (every page of the three sets of --bench: wcxb-dev,
   scrapinghub, readability) and runs that example itself (honouring
   CARGO_TARGET_DIR). The features are computed by the Rust code that
   extraction uses, with the model off, so training and run time see the
   same numbers. Only pages read as a region are used.
2. Labels. A block is content when at least half of its tokens (as
   ../shared/bench/score.py counts them) are in its page's gold text.
   Blocks are weighted by their token count: the score is over tokens.
3. Features: the numeric ones of block_rows, and the class/id words of the
   block's near and far containers that occur on at least --min-sites sites
   of the training side.
4. Site-disjoint cross-validation: a page's fold is a CRC-32 of its
   registrable domain, so no site has pages on both sides (the word list is
   chosen inside each fold too). For each predicted page type and each
   threshold, the mean page token F1 (score.py's `bag_f1`) with the blocks
   under the threshold dropped is printed beside the F1 without the model.
   The shipped threshold of a type is the lowest one whose cross-validated
   mean is within TIE of the best; a type gaining less than --min-gain is
   not judged at all.
5. The final model is trained on every region page and written to --out
   (the ensemble as src/extract/gbdt.rs reads it, plus `page_types` and
   `thresholds`). --fixture gets a few rows with the probability this
   script computes from the written JSON, which a Rust test checks.

Everything is seeded: the same inputs give the same model, byte for byte.
Needs numpy and scikit-learn (training only; pith evaluates the model itself).
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import zlib

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from train_page_type import export  # noqa: E402

SETS = ["wcxb-dev", "scrapinghub", "readability"]
THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7]
# A threshold within this of the best mean is as good: the lowest such one
# is shipped, as it drops the fewest blocks on pages unlike these.
TIE = 0.002
SEED = 0
PARAMS = dict(n_estimators=200, max_depth=4, learning_rate=0.1, subsample=0.8, max_features="sqrt")


def read_docs(bench):
    """Every page of the sets, by normalised path."""
    docs = {}
    for s in SETS:
        with open(os.path.join(bench, s, "docs.jsonl"), encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                d["path"] = os.path.normpath(os.path.join(bench, s, d["html"]))
                d["set"] = s
                docs[d["path"]] = d
    return docs


def dump_rows(docs, out_path):
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as lst:
        for d in docs.values():
            lst.write(f"{d['path']}\t{d.get('url') or ''}\n")
    cmd = ["cargo", "run", "--quiet", "--release", "--example", "block_rows", "--", lst.name]
    with open(out_path, "wb") as out:
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=out)
    os.unlink(lst.name)


def read_rows(path, docs):
    with open(path, encoding="utf-8") as f:
        names = json.loads(f.readline())["numeric"]
        pages = []
        for line in f:
            r = json.loads(line)
            d = docs.get(os.path.normpath(r["path"]))
            if d is None or not r.get("region") or not r["rows"]:
                continue
            r["doc"] = d
            pages.append(r)
    return names, pages


def site(d):
    host = urllib.parse.urlparse(d.get("url") or "").hostname or (d.get("extra") or {}).get("domain") or d["id"]
    return ".".join(host.split(".")[-2:])


def words_on_sites(pages, min_sites):
    sites = collections.defaultdict(set)
    for p in pages:
        s = site(p["doc"])
        for r in p["rows"]:
            for w in r["near"]:
                sites["near:" + w].add(s)
            for w in r["far"]:
                sites["far:" + w].add(s)
    return sorted(w for w, s in sites.items() if len(s) >= min_sites)


def matrix(pages, names, vocab):
    col = {w: len(names) + j for j, w in enumerate(vocab)}
    n = sum(len(p["rows"]) for p in pages)
    X = np.zeros((n, len(names) + len(vocab)), np.float32)
    a = 0
    for p in pages:
        for r in p["rows"]:
            X[a, : len(names)] = r["values"]
            for side in ("near", "far"):
                for w in r[side]:
                    j = col.get(f"{side}:{w}")
                    if j is not None:
                        X[a, j] = 1.0
            a += 1
    return X


def labels(pages, tokens):
    ys, ws = [], []
    for p in pages:
        gold = set(tokens(p["doc"].get("text") or ""))
        for r in p["rows"]:
            tk = tokens(r["text"])
            ys.append(bool(tk) and sum(t in gold for t in tk) * 2 >= len(tk) or not tk)
            ws.append(max(1, len(tk)))
    return np.array(ys), np.array(ws, dtype=np.float64)


def make_model():
    return GradientBoostingClassifier(random_state=SEED, **PARAMS)


def page_f1(p, probs, threshold, bag_f1):
    texts = [r["text"] for r in p["rows"]]
    kept = [t for t, q in zip(texts, probs) if q >= threshold] if threshold is not None else texts
    # The model trims a region; it never empties one.
    return bag_f1("\n\n".join(kept or texts), p["doc"].get("text") or "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default=os.path.join(ROOT, "..", "shared", "bench"))
    ap.add_argument("--rows", help="rows written by the block_rows example")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--min-sites", type=int, default=15)
    ap.add_argument("--min-gain", type=float, default=0.003)
    ap.add_argument("--out", default=os.path.join(ROOT, "src", "extract", "block_model.json"))
    ap.add_argument("--fixture", default=os.path.join(ROOT, "src", "extract", "block_model_fixture.json"))
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    bench = os.path.abspath(args.bench)
    sys.path.insert(0, bench)
    from score import bag_f1, tokens_lower  # noqa: E402

    docs = read_docs(bench)
    rows_path = args.rows
    if not rows_path:
        rows_path = os.path.join(tempfile.mkdtemp(), "rows.jsonl")
        dump_rows(docs, rows_path)
    names, pages = read_rows(rows_path, docs)
    print(f"{len(pages)} region pages, {sum(len(p['rows']) for p in pages)} blocks")

    # Site-disjoint cross-validation.
    fold = [zlib.crc32(site(p["doc"]).encode()) % args.folds for p in pages]
    probs = [None] * len(pages)
    for f in range(args.folds):
        train = [p for p, k in zip(pages, fold) if k != f]
        test = [i for i, k in enumerate(fold) if k == f]
        vocab = words_on_sites(train, args.min_sites)
        y, w = labels(train, tokens_lower)
        model = make_model().fit(matrix(train, names, vocab), y, sample_weight=w)
        for i in test:
            probs[i] = model.predict_proba(matrix([pages[i]], names, vocab))[:, 1]
        print(f"fold {f}: {len(train)} pages to train, {len(test)} to test, {len(vocab)} words", flush=True)

    by_type = collections.defaultdict(list)
    for i, p in enumerate(pages):
        by_type[p["page_type"]].append(i)
    chosen = {}
    print("mean page token F1 by predicted page type: without the model, then by threshold")
    print(f"  {'type':14s} {'pages':>5s} {'none':>6s} " + " ".join(f"{t:>6.2f}" for t in THRESHOLDS))
    for t, idx in sorted(by_type.items()):
        base = np.mean([page_f1(pages[i], probs[i], None, bag_f1) for i in idx])
        scores = [np.mean([page_f1(pages[i], probs[i], th, bag_f1) for i in idx]) for th in THRESHOLDS]
        best = min(k for k, v in enumerate(scores) if v >= max(scores) - TIE)
        if scores[best] - base >= args.min_gain:
            chosen[t] = THRESHOLDS[best]
        print(f"  {t:14s} {len(idx):5d} {base:6.3f} " + " ".join(f"{s:6.3f}" for s in scores)
              + (f"  -> {THRESHOLDS[best]}" if t in chosen else "  -> not judged"))
    total_before = np.mean([page_f1(p, probs[i], None, bag_f1) for i, p in enumerate(pages)])
    total_after = np.mean([
        page_f1(p, probs[i], chosen.get(p["page_type"]), bag_f1) for i, p in enumerate(pages)
    ])
    print(f"all region pages: {total_before:.4f} -> {total_after:.4f} with the chosen thresholds")
    # By each set's own page type (wcxb-dev's gold one), and what the change
    # is worth on the whole set (its macro mean counts every page).
    sizes = collections.Counter(d["set"] for d in docs.values())
    sizes.update(f"{d['set']} {(d.get('extra') or {}).get('page_type')}"
                 for d in docs.values() if (d.get("extra") or {}).get("page_type"))
    groups = collections.defaultdict(lambda: [0, 0.0, 0.0])
    for i, p in enumerate(pages):
        d = p["doc"]
        gold_type = (d.get("extra") or {}).get("page_type")
        before = page_f1(p, probs[i], None, bag_f1)
        after = page_f1(p, probs[i], chosen.get(p["page_type"]), bag_f1)
        for g in [d["set"]] + ([f"{d['set']} {gold_type}"] if gold_type else []):
            groups[g][0] += 1
            groups[g][1] += before
            groups[g][2] += after
    print("cross-validated change by set and gold page type (region pages only):")
    for g, (n, before, after) in sorted(groups.items()):
        line = f"  {g:28s} {n:5d} pages {before / n:6.3f} -> {after / n:6.3f}"
        if g in sizes:
            line += f"   on all {sizes[g]}: {(after - before) / sizes[g]:+.4f}"
        print(line)

    if args.no_write:
        return
    vocab = words_on_sites(pages, args.min_sites)
    X = matrix(pages, names, vocab)
    y, w = labels(pages, tokens_lower)
    model = make_model().fit(X, y, sample_weight=w)
    spec = export(model, X, names + vocab, classes=False)
    types = sorted(chosen)
    # One threshold per judged type, in `page_types` order.
    spec = {"page_types": types, "thresholds": [chosen[t] for t in types]} | spec
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(spec, f, separators=(",", ":"))
        f.write("\n")
    fixture = []
    for p in pages[:: max(1, len(pages) // 6)][:6]:
        r = p["rows"][len(p["rows"]) // 2]
        fixture.append({"values": r["values"], "near": r["near"], "far": r["far"],
                        "probability": probability(spec, names, r)})
    with open(args.fixture, "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out} ({len(spec['features'])} features used) and {args.fixture}")


def probability(spec, names, row):
    """The probability of one row under the exported JSON, computed as the
    Rust code does."""
    near, far = set(row["near"]), set(row["far"])
    x = []
    for n in spec["features"]:
        if n in names:
            x.append(np.float32(row["values"][names.index(n)]))
        else:
            side, w = n.split(":", 1)
            x.append(np.float32(1.0 if w in (near if side == "near" else far) else 0.0))
    raw = spec["init"][0]
    for stage in spec["trees"]:
        t = stage[0]
        k = 0
        while t["feature"][k] >= 0:
            k = t["left"][k] if float(x[t["feature"][k]]) <= t["value"][k] else t["right"][k]
        raw += spec["learning_rate"] * t["value"][k]
    return float(1.0 / (1.0 + np.exp(-raw)))


if __name__ == "__main__":
    main()
