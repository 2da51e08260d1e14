#!/usr/bin/env python3
"""Train pith's page-type classifier (src/extract/page_type.rs) on the WCXB pages.

    python3 benches/train_page_type.py [BENCH_DIR] [--features FILE]
        [--extra-articles DIR ...] [--folds 5] [--repeats 3]
        [--out src/extract/page_type_model.json] [--fixture src/extract/page_type_fixture.json]
        [--no-write]

BENCH_DIR is a WCXB folder (default ../shared/bench/wcxb-dev): its docs.jsonl
gives each page's id, URL, `extra.page_type` (the gold label) and
`extra.domain`; the pages are html/<id>.html, or html/<id>.html.gz.

1. Features. With --features, a file written by
   `cargo run --release --example page_features -- LIST`; otherwise this
   script writes LIST (PATH<TAB>URL) and runs that example itself (honouring
   CARGO_TARGET_DIR). The features are computed by the Rust code that
   extraction uses, so training and run time see the same numbers.
2. Site-disjoint cross-validation: a page's fold is a CRC-32 of its
   registrable domain (of `extra.domain` when it has no URL), so no site has
   pages on both sides; repeated with --repeats different salts. Prints the
   accuracy (mean and per repeat), the recall of each class and the confusion
   matrix (rows: gold, columns: predicted; summed over repeats).
   --extra-articles adds the pages of other benchmark folders (all articles:
   scrapinghub, readability) to the training side only, never to a test
   fold, and only from sites outside it.
3. The final model is trained on every page and written to --out as JSON
   (see `Model` in src/extract/page_type.rs): a gradient-boosted ensemble of
   regression trees, `trees[stage][class]`, with `init` (the log class
   priors) and `learning_rate`; class scores are init + learning_rate * the
   sum of the leaves reached, and their softmax the probabilities. A page
   goes left at a node when its feature (as a 32-bit float) is at most the
   threshold. --fixture gets a few feature vectors with the class and
   probabilities this script computes from the written JSON, which a Rust
   test checks (src/extract/page_type.rs), so the two stay in step.

Everything is seeded: the same inputs give the same model, byte for byte.
Needs numpy and scikit-learn (training only; pith evaluates the model itself).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import zlib

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CLASSES = ["article", "forum", "product", "collection", "listing", "documentation", "service"]
SEED = 0
PARAMS = dict(n_estimators=150, max_depth=3, learning_rate=0.1, subsample=0.8, max_features="sqrt")


def make_model():
    return GradientBoostingClassifier(random_state=SEED, **PARAMS)


def read_docs(bench):
    docs = []
    with open(os.path.join(bench, "docs.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            d["path"] = os.path.join(bench, d["html"])
            docs.append(d)
    return docs


def dump_features(docs):
    """Run the page_features example over the docs; its records by path."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as lst:
        for d in docs:
            lst.write(f"{d['path']}\t{d.get('url') or ''}\n")
    cmd = ["cargo", "run", "--quiet", "--release", "--example", "page_features", "--", lst.name]
    out = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE).stdout
    os.unlink(lst.name)
    return [json.loads(l) for l in out.decode().splitlines()]


def load_features(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f]


def table(docs, records, label=None):
    """(X, y, fold keys, names) for the docs that have features."""
    by_path = {os.path.normpath(r["path"]): r for r in records}
    rows, ys, keys = [], [], []
    for d in docs:
        r = by_path.get(os.path.normpath(d["path"]))
        if r is None:
            print(f"no features for {d['path']}", file=sys.stderr)
            continue
        rows.append(r["features"])
        ys.append(CLASSES.index(label or d["extra"]["page_type"]))
        extra = d.get("extra") or {}
        keys.append(r.get("domain") or extra.get("domain") or d["id"])
    names = sorted(rows[0]) if rows else []
    X = np.array([[row[n] for n in names] for row in rows], dtype=np.float64)
    return X, np.array(ys), keys, names


def folds(keys, k, salt):
    return np.array([zlib.crc32(f"{salt}{key}".encode()) % k for key in keys])


def cross_validate(X, y, keys, extra, k, repeats):
    accs = []
    confusion = np.zeros((len(CLASSES), len(CLASSES)), dtype=int)
    for rep in range(repeats):
        salt = "" if rep == 0 else f"{rep}:"
        fold = folds(keys, k, salt)
        xfold = folds(extra[2], k, salt) if extra else None
        pred = np.zeros(len(y), dtype=int)
        for f in range(k):
            tr, te = fold != f, fold == f
            Xt, yt = X[tr], y[tr]
            if extra:
                keep = xfold != f
                Xt = np.vstack([Xt, extra[0][keep]])
                yt = np.concatenate([yt, extra[1][keep]])
            m = make_model().fit(Xt, yt)
            pred[te] = m.predict(X[te])
        accs.append(float((pred == y).mean()))
        for g, p in zip(y, pred):
            confusion[g, p] += 1
    return accs, confusion


def print_report(accs, confusion, k):
    print(f"site-disjoint {k}-fold CV accuracy: {np.mean(accs):.3f} "
          f"(repeats: {', '.join(f'{a:.3f}' for a in accs)})")
    print("per class (recall, precision):")
    for c, name in enumerate(CLASSES):
        recall = confusion[c, c] / max(1, confusion[c].sum())
        precision = confusion[c, c] / max(1, confusion[:, c].sum())
        print(f"  {name:14s} {recall:.3f}  {precision:.3f}  (n={confusion[c].sum() // len(accs)})")
    print("confusion (rows gold, columns predicted, summed over repeats):")
    print(" " * 15 + " ".join(f"{c[:5]:>6s}" for c in CLASSES))
    for c, name in enumerate(CLASSES):
        print(f"  {name:13s}" + " ".join(f"{v:6d}" for v in confusion[c]))


def export(model, X, names, classes=True):
    """The fitted model as the JSON object src/extract/gbdt.rs reads (with
    the page types of its classes unless `classes` is false: a binary model
    has one score, the log-odds of its positive class)."""
    used = sorted({int(f) for est in model.estimators_.ravel() for f in est.tree_.feature if f >= 0})
    column = {f: i for i, f in enumerate(used)}
    stages = []
    for stage in model.estimators_:
        trees = []
        for est in stage:
            t = est.tree_
            trees.append({
                "feature": [column[int(f)] if f >= 0 else -1 for f in t.feature],
                # Thresholds as Python writes doubles (shortest round trip),
                # leaf values rounded: they only add up.
                "value": [float(t.threshold[i]) if t.feature[i] >= 0 else float(f"{t.value[i][0][0]:.7g}")
                          for i in range(t.node_count)],
                "left": [max(0, int(v)) for v in t.children_left],
                "right": [max(0, int(v)) for v in t.children_right],
            })
        stages.append(trees)
    # The constant the ensemble starts from: the decision function of any
    # page less what its trees add.
    x0 = X[:8]
    raw = np.asarray(model.decision_function(x0), dtype=np.float64).reshape(len(x0), -1)
    added = np.zeros_like(raw)
    for stage in model.estimators_:
        for c, est in enumerate(stage):
            added[:, c] += model.learning_rate * est.predict(x0.astype(np.float32))
    init = (raw - added).mean(axis=0)
    assert np.allclose(raw - added, init, atol=1e-9), "the initial scores differ between pages"
    spec = {"classes": [CLASSES[c] for c in model.classes_]} if classes else {}
    return spec | {
        "features": [names[f] for f in used],
        "learning_rate": model.learning_rate,
        "init": [float(f"{v:.12g}") for v in init],
        "trees": stages,
    }


def evaluate(spec, features):
    """Class probabilities of one page (a dict name -> value) under the
    exported JSON, computed as the Rust code does."""
    x = [np.float32(features.get(n, 0.0)) for n in spec["features"]]
    raw = list(spec["init"])
    for stage in spec["trees"]:
        for c, t in enumerate(stage):
            k = 0
            while t["feature"][k] >= 0:
                k = t["left"][k] if float(x[t["feature"][k]]) <= t["value"][k] else t["right"][k]
            raw[c] += spec["learning_rate"] * t["value"][k]
    top = max(raw)
    e = [np.exp(r - top) for r in raw]
    s = sum(e)
    return {spec["classes"][c]: float(e[c] / s) for c in range(len(raw))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bench", nargs="?", default=os.path.join(ROOT, "..", "shared", "bench", "wcxb-dev"))
    ap.add_argument("--features", help="features from the page_features example (else it is run)")
    ap.add_argument("--extra-articles", nargs="*", default=[], help="benchmark folders of articles")
    ap.add_argument("--extra-features", help="features of the --extra-articles pages (else computed)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "src", "extract", "page_type_model.json"))
    ap.add_argument("--fixture", default=os.path.join(ROOT, "src", "extract", "page_type_fixture.json"))
    ap.add_argument("--no-write", action="store_true", help="only cross-validate")
    a = ap.parse_args()

    docs = read_docs(a.bench)
    records = load_features(a.features) if a.features else dump_features(docs)
    X, y, keys, names = table(docs, records)
    print(f"{len(y)} pages, {len(names)} features, {len(set(keys))} sites")
    extra = None
    if a.extra_articles:
        xdocs = [d for b in a.extra_articles for d in read_docs(b)]
        xrec = load_features(a.extra_features) if a.extra_features else dump_features(xdocs)
        Xx, yx, kx, xnames = table(xdocs, xrec, label="article")
        assert xnames == names
        extra = (Xx, yx, kx)
        print(f"plus {len(yx)} article pages for training")

    accs, confusion = cross_validate(X, y, keys, extra, a.folds, a.repeats)
    print_report(accs, confusion, a.folds)
    if a.no_write:
        return

    Xa, ya = (np.vstack([X, extra[0]]), np.concatenate([y, extra[1]])) if extra else (X, y)
    model = make_model().fit(Xa, ya)
    spec = export(model, Xa, names)
    # The JSON must decide as sklearn does (up to the rounding of leaves).
    rows = [dict(zip(names, r)) for r in X]
    ours = [max(p := evaluate(spec, r), key=p.get) for r in rows]
    theirs = [CLASSES[c] for c in model.predict(X)]
    agree = sum(o == t for o, t in zip(ours, theirs))
    print(f"exported model agrees with scikit-learn on {agree}/{len(rows)} pages; "
          f"training accuracy {np.mean([o == CLASSES[g] for o, g in zip(ours, y)]):.3f}")
    nodes = sum(len(t["feature"]) for s in spec["trees"] for t in s)
    print(f"{len(spec['trees'])} stages x {len(CLASSES)} trees, {nodes} nodes, "
          f"{len(spec['features'])} features used")
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(spec, f, separators=(",", ":"))
        f.write("\n")
    # Fixture: the first two pages of each gold class, all their features.
    cases = []
    for c in CLASSES:
        for i in [i for i in range(len(y)) if CLASSES[y[i]] == c][:2]:
            probs = evaluate(spec, rows[i])
            cases.append({
                "features": {n: float(np.float32(v)) for n, v in rows[i].items() if v != 0},
                "expected": max(probs, key=probs.get),
                "probabilities": probs,
            })
    with open(a.fixture, "w", encoding="utf-8") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")
    print(f"wrote {a.out} and {a.fixture}")


if __name__ == "__main__":
    main()
