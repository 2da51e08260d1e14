#!/usr/bin/env bash
# Speed against an anchor in the same run: `pith extract --jobs 1` timed as a
# whole process vs Resiliparse's main-content extraction loop timed inside
# Python (pip install resiliparse), alternating, RUNS times each; prints the
# median pages/s of both and their ratio.
#   bash benches/anchor.sh [DATASET_DIR] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ds=${1:-$here/../../shared/bench/scrapinghub}
runs=${2:-9}
pith=${PITH:-$here/../target/release/pith}
list=$(mktemp); trap 'rm -f "$list"' EXIT
python3 - "$ds" > "$list" <<'PY'
import json, os, sys
ds = sys.argv[1]
for l in open(os.path.join(ds, "docs.jsonl")):
    d = json.loads(l); print(f"{os.path.join(ds, d['html'])}\t{d.get('url') or ''}")
PY
n=$(wc -l < "$list")
python3 - "$ds" "$runs" "$pith" "$list" "$n" <<'PY'
import json, os, statistics, subprocess, sys, time
ds, runs, pith, lst, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
loop = r'''
import json, os, sys, time
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.encoding import bytes_to_str, detect_encoding
ds = sys.argv[1]
docs = [json.loads(l) for l in open(os.path.join(ds, "docs.jsonl"))]
pages = [open(os.path.join(ds, d["html"]), "rb").read() for d in docs]
t0 = time.perf_counter()
for b in pages:
    extract_plain_text(bytes_to_str(b, detect_encoding(b)), main_content=True)
print(time.perf_counter() - t0)
'''
p_times, r_times = [], []
for _ in range(runs):
    t0 = time.perf_counter()
    subprocess.run([pith, "-q", "extract", "--jobs", "1", "--input-list", lst], stdout=subprocess.DEVNULL)
    p_times.append(time.perf_counter() - t0)
    r = subprocess.run([sys.executable, "-c", loop, ds], capture_output=True, text=True, check=True)
    r_times.append(float(r.stdout))
p, r = n / statistics.median(p_times), n / statistics.median(r_times)
print(f"pages={n} pith_whole_process={p:.0f} p/s resiliparse_loop={r:.0f} p/s ratio={p / r:.2f}")
PY
