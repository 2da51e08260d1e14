#!/usr/bin/env python3
"""What each rule of the extractor is worth: turn it off, one at a time, and measure.

    python3 benches/ablate.py [--pith PATH] [--rules NAME,...] [--match SUBSTR]
                              [--json OUT.json]

The rule names come from the binary (`pith extract --dev-list-rules`, a hidden
development flag); --rules picks some of them, --match those whose name holds a
substring. The benchmark folder is $PITH_BENCH_DIR, else ../shared/bench beside the
repository, and the sets are scrapinghub, readability and wcxb-dev (pages shipped only
gzipped are decompressed into a temporary folder, as benches/bench.py does).

One baseline run, then for each rule one `pith extract --jobs 0 --dev-disable-rule NAME`
over the pages of the three sets together. A page *changed* when its text differs from
the baseline's; its metadata *changed* when its title, author, date or page type does. When a set has changed pages, its predictions are scored with the set's
score.py (imported, so the one definition of every number applies): ScrapingHub-compatible
F1 on scrapinghub, token macro F1 on readability, the WCXB rule
(`text.macro_f1_incl_gold_empty`) on wcxb-dev, overall and per gold page type.

Metadata is scored where the sets have it (readability and wcxb-dev: title, author and
date, exact as score.py's `score_meta` counts them; wcxb-dev's page type, as accuracy),
so that rules that only read metadata are measured too.

Figures are what the rule is worth: F1 with the rule on minus F1 with it off, so a
positive number means the rule helps. `sites` counts the distinct sites (registrable
domain, approximated as the host's last two labels, three under a two-letter
second-level suffix such as co.uk) among the changed pages. Rules whose removal
changes no page's text or metadata are listed as dead.

Prints a Markdown table, the most valuable rules first; --json also writes every figure.
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (benches/bench.py: set folders, input lists, the binary)

SETS = ("scrapinghub", "readability", "wcxb-dev")
SHORT = {"scrapinghub": "sh", "readability": "rd", "wcxb-dev": "wx"}
META_SETS = ("readability", "wcxb-dev")
META = ("title", "author", "date")
SECOND_LEVEL = {"co", "com", "org", "net", "gov", "edu", "ac", "or", "ne", "go"}


def site_of(url):
    host = (urlsplit(url or "").hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def load_scorer(root):
    spec = importlib.util.spec_from_file_location("score", os.path.join(root, "score.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def rule_names(pith):
    p = subprocess.run([pith, "extract", "--dev-list-rules"], capture_output=True, text=True,
                       check=True)
    return [n for n in p.stdout.split() if n]


def run(pith, lst, workdir, rule=None):
    """Texts by (set, id) for one run over every page; errors give ""."""
    cmd = [pith, "-q", "extract", "--jobs", "0", "--input-list", lst]
    if rule:
        cmd += ["--dev-disable-rule", rule]
    p = subprocess.run(cmd, capture_output=True, cwd=workdir)
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr.decode(errors="replace"))
        raise SystemExit(f"pith failed with exit code {p.returncode} ({rule})")
    out = {}
    for line in p.stdout.decode("utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out[rec.get("source")] = rec
    return out


class Sets:
    """The three sets: their docs, and which (set, id) each input path is."""

    def __init__(self, root, work):
        self.root = root
        self.docs = {}
        self.key = {}
        self.lst = os.path.join(work, "all.lst")
        lines = []
        for name in SETS:
            ds = os.path.join(root, name)
            docs = bench.load_docs(ds)
            self.docs[name] = docs
            part = os.path.join(work, name + ".lst")
            by_path, _ = bench.write_input_list(ds, docs, part, os.path.join(work, name))
            for path, doc_id in by_path.items():
                self.key[path] = (name, doc_id)
            with open(part, encoding="utf-8") as f:
                lines.append(f.read())
        with open(self.lst, "w", encoding="utf-8") as f:
            f.write("".join(lines))
        self.url = {(n, d["id"]): d.get("url") for n in SETS for d in self.docs[n]}

    def records(self, raw):
        """{(set, id): record} from run()'s {source: record}."""
        out = {}
        for src, rec in raw.items():
            k = self.key.get(src) or self.key.get(os.path.realpath(src or ""))
            if k:
                out[k] = rec
        return out


def prediction(doc_id, rec):
    text = rec.get("text") if rec else None
    p = {"id": doc_id, "text": text if isinstance(text, str) else ""}
    for field in META:
        p[field] = (rec or {}).get(field)
    if rec and rec.get("page_type") is not None:
        p["page_type"] = rec["page_type"]
    return p


def text_of(rec):
    t = (rec or {}).get("text")
    return t if isinstance(t, str) else ""


def meta_of(rec):
    """The metadata a rule may change: the fields scored, and the page type."""
    rec = rec or {}
    return tuple(rec.get(f) for f in META + ("page_type",))


def meta_figures(scorer, sets, name, recs):
    """Exact shares of title, author and date on set `name` (score.py's
    `score_meta`), and page-type accuracy on wcxb-dev."""
    docs = sets.docs[name]
    preds = {d["id"]: prediction(d["id"], recs.get((name, d["id"]))) for d in docs}
    rep = scorer.score_meta(docs, preds, {}) or {}
    out = {f: rep[f]["exact"] for f in META if f in rep}
    typed = [d for d in docs if (d.get("extra") or {}).get("page_type")]
    if typed:
        out["page_type"] = sum(
            preds[d["id"]].get("page_type") == d["extra"]["page_type"] for d in typed
        ) / len(typed)
    return out


def score_set(scorer, sets, name, recs, work):
    path = os.path.join(work, name + ".pred.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for d in sets.docs[name]:
            f.write(json.dumps(prediction(d["id"], recs.get((name, d["id"]))),
                               ensure_ascii=False) + "\n")
    rep, _ = scorer.evaluate(os.path.join(sets.root, name), path, n_boot=0)
    if name == "scrapinghub":
        out = {"f1": rep["scrapinghub_compat"]["f1"]}
    elif name == "readability":
        out = {"f1": rep["text"]["macro"]["f1"]}
    else:
        out = {"f1": rep["text"]["macro_f1_incl_gold_empty"]}
        for t, v in ((rep.get("page_types") or {}).get("by_type") or {}).items():
            out[t] = v["f1"]
    return out


class Wcxb:
    """The WCXB rule on wcxb-dev, page by page: the set's figure is the mean of its
    pages' F1 (score.py's `score_text` on each page alone, so the definition is
    score.py's), and per page type the mean of the rounded per-page F1 that
    `score_page_types` averages. A rule's run re-scores only its changed pages."""

    def __init__(self, scorer, docs, recs):
        self.scorer = scorer
        self.docs = {d["id"]: d for d in docs if d.get("text") is not None}
        self.types = {i: (d.get("extra") or {}).get("page_type") for i, d in self.docs.items()}
        self.base = {i: self.page(i, recs) for i in self.docs}

    def page(self, doc_id, recs):
        preds = {doc_id: prediction(doc_id, recs.get(("wcxb-dev", doc_id)))}
        return self.scorer.score_text([self.docs[doc_id]], preds, {})["macro_f1_incl_gold_empty"]

    def figures(self, changed, recs):
        f1 = dict(self.base)
        for i in changed:
            if i in self.docs:
                f1[i] = self.page(i, recs)
        out = {"f1": sum(f1.values()) / len(f1)}
        by_type = {}
        for i, v in f1.items():
            if self.types[i] is not None:
                by_type.setdefault(self.types[i], []).append(round(v, 4))
        for t, vs in sorted(by_type.items(), key=lambda kv: -len(kv[1])):
            out[t] = sum(vs) / len(vs)
        return out


def fmt_delta(x):
    if abs(x) < 0.0005:
        return "0" if x == 0 else ("+0.000" if x > 0 else "-0.000")
    return f"{x:+.3f}"


def table(rows, base, base_meta):
    lines = ["| rule | pages changed sh/rd/wx | sites | ΔSH F1 | ΔRD F1 | ΔWCXB F1 | Σ "
             "| WCXB by page type | metadata changed rd/wx: Δ exact |",
             "|---|---|---|---|---|---|---|---|---|"]
    live = [r for r in rows if r["changed_total"] or r["meta_changed_total"]]
    dead = [r["rule"] for r in rows if not r["changed_total"] and not r["meta_changed_total"]]
    live.sort(key=lambda r: (-r["total"], -r["changed_total"]))
    for r in live:
        ch = "/".join(str(r["changed"][s]) for s in SETS)
        d = [r["delta"][s]["f1"] for s in SETS]
        types = ", ".join(f"{t} {fmt_delta(v)}" for t, v in r["delta"]["wcxb-dev"].items()
                          if t != "f1" and abs(v) >= 0.0005)
        meta = "/".join(str(r["meta_changed"][s]) for s in META_SETS)
        moved = ", ".join(f"{SHORT[s]} {f} {fmt_delta(v)}" for s in META_SETS
                          for f, v in r["meta_delta"][s].items() if v)
        lines.append(f"| `{r['rule']}` | {ch} | {r['sites']} | "
                     + " | ".join(fmt_delta(x) for x in d)
                     + f" | {fmt_delta(r['total'])} | {types} | {meta}"
                     + (f": {moved}" if moved else "") + " |")
    lines.append("")
    lines.append("Baseline: " + ", ".join(f"{s} {base[s]['f1']:.4f}" for s in SETS) + "; "
                 + ", ".join(f"{SHORT[s]} {f} {v:.3f}" for s in META_SETS
                             for f, v in base_meta[s].items()) + ".")
    lines.append("")
    lines.append(f"Dead (no page's text or metadata changes without them, {len(dead)}): "
                 + (", ".join(f"`{d}`" for d in dead) if dead else "none") + ".")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pith", default=bench.default_pith())
    ap.add_argument("--rules", help="comma-separated rule names (default: all)")
    ap.add_argument("--match", help="only rules whose name holds this substring")
    ap.add_argument("--json", help="also write every figure to this file")
    a = ap.parse_args()
    pith = os.path.abspath(a.pith)
    root = bench.bench_root()
    scorer = load_scorer(root)
    names = rule_names(pith)
    if a.rules:
        wanted = [r.strip() for r in a.rules.split(",") if r.strip()]
        unknown = [r for r in wanted if r not in names]
        if unknown:
            raise SystemExit(f"unknown rules: {', '.join(unknown)}")
        names = wanted
    if a.match:
        names = [n for n in names if a.match in n]
    with tempfile.TemporaryDirectory(prefix="pith-ablate-") as work:
        sets = Sets(root, work)
        base_recs = sets.records(run(pith, sets.lst, work))
        base = {s: score_set(scorer, sets, s, base_recs, work) for s in SETS}
        wcxb = Wcxb(scorer, sets.docs["wcxb-dev"], base_recs)
        base_meta = {s: meta_figures(scorer, sets, s, base_recs) for s in META_SETS}
        check = wcxb.figures([], base_recs)["f1"]
        assert abs(check - base["wcxb-dev"]["f1"]) < 1e-9, (check, base["wcxb-dev"]["f1"])
        rows = []
        for k, rule in enumerate(names, 1):
            recs = sets.records(run(pith, sets.lst, work, rule))
            changed = {s: [] for s in SETS}
            meta_changed = {s: [] for s in SETS}
            for key in set(base_recs) | set(recs):
                if text_of(base_recs.get(key)) != text_of(recs.get(key)):
                    changed[key[0]].append(key[1])
                if meta_of(base_recs.get(key)) != meta_of(recs.get(key)):
                    meta_changed[key[0]].append(key[1])
            meta_delta = {}
            for s in META_SETS:
                off = meta_figures(scorer, sets, s, recs) if meta_changed[s] else base_meta[s]
                meta_delta[s] = {f: v - off.get(f, 0.0) for f, v in base_meta[s].items()}
            delta = {}
            for s in SETS:
                if changed[s] and s == "wcxb-dev":
                    off = wcxb.figures(changed[s], recs)
                    delta[s] = {m: base[s][m] - off.get(m, 0.0) for m in base[s]}
                elif changed[s]:
                    off = score_set(scorer, sets, s, recs, work)
                    delta[s] = {m: base[s][m] - off.get(m, 0.0) for m in base[s]}
                else:
                    delta[s] = {m: 0.0 for m in base[s]}
            sites = {site_of(sets.url[(s, i)]) for s in SETS for i in changed[s] + meta_changed[s]}
            row = {"rule": rule, "changed": {s: len(changed[s]) for s in SETS},
                   "changed_total": sum(len(v) for v in changed.values()),
                   "sites": len(sites), "delta": delta,
                   "total": sum(delta[s]["f1"] for s in SETS),
                   "meta_changed": {s: len(meta_changed[s]) for s in META_SETS},
                   "meta_changed_total": sum(len(v) for v in meta_changed.values()),
                   "meta_delta": meta_delta,
                   "changed_ids": {s: sorted(changed[s]) for s in SETS}}
            rows.append(row)
            sys.stderr.write(f"[{k}/{len(names)}] {rule}: {row['changed_total']} pages, "
                             f"Σ {row['total']:+.4f}; metadata of "
                             f"{row['meta_changed_total']} pages\n")
    print(table(rows, base, base_meta))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"baseline": base, "baseline_meta": base_meta, "rules": rows}, f,
                      indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
