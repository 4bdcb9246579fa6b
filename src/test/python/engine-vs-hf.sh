#!/usr/bin/env bash
# The engine's `bench` against Hugging Face `generate` on the same random-weight model, in one run:
#
#   bash src/test/python/engine-vs-hf.sh [--batch-sizes 1,8,16] [--repeat 3] [--threads 2] \
#        [--out build/engine-vs-hf] FP32_BUNDLE [INT8_BUNDLE]
#
# FP32_BUNDLE (and INT8_BUNDLE, the same preset exported with --dtype int8) come from
# `export_blip2.py --random-weights PRESET`; HF rebuilds that model from the manifest. Runs, in
# order: engine fp32, HF fp32, then engine int8 and HF int8 (torch dynamic quantization of every
# nn.Linear) when INT8_BUNDLE is given. Prints one table with the ratios (end to end, and "model":
# the engine's vision + generate alone, since HF is timed from ready pixel tensors) and writes
# OUT/compare.json (plus each run's own JSON). Needs the packaged app (mvn package) and the
# reference chroot (../shared/refenv). Greedy, exactly 20 new tokens, both sides on --threads.
set -euo pipefail
cd "$(dirname "$0")/../../.."

sizes=1,8,16 repeat=3 threads=2 out=build/engine-vs-hf
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --batch-sizes) sizes=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $# -ge 1 && $# -le 2 ]] || { sed -n '2,11p' "$0" >&2; exit 2; }
fp32=$1 int8=${2:-}
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
jar=target/quarkus-app/quarkus-run.jar
[[ -f $jar ]] || { echo "$jar missing: run mvn package first" >&2; exit 2; }
mkdir -p "$out"
export DJL_OFFLINE=true

engine() { # bundle json
  "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" bench --bundle "$1" --batch-sizes "$sizes" \
    --repeat "$repeat" --threads "$threads" --json "$2" 2>&1 | grep -v '^WARNING'
}
hf() { # json [--int8]
  bash ../shared/refenv/run.sh python3 src/test/python/hf_bench.py --bundle "$fp32" --batch-sizes "$sizes" \
    --repeat "$repeat" --threads "$threads" --json "$@" 2>&1 | grep -v -e '^Schema error' -e '^$' -e 'quantize_per_channel'
}

engine "$fp32" "$out/engine-fp32.json"
hf "$out/hf-fp32.json"
if [[ -n $int8 ]]; then
  engine "$int8" "$out/engine-int8.json"
  hf "$out/hf-int8.json" --int8
fi

python3 - "$out" <<'EOF'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
load = lambda n: json.loads((out / n).read_text()) if (out / n).exists() else None
ef, hf, ei, hi = (load(n) for n in ("engine-fp32.json", "hf-fp32.json", "engine-int8.json", "hf-int8.json"))
by = lambda d: {r["batch_size"]: r for r in d["results"]} if d else {}
ef, hf, ei, hi = by(ef), by(hf), by(ei), by(hi)
rows = []
print()
head = f"{'batch':>5} {'engine fp32':>12} {'HF fp32':>9} {'ratio':>6} {'model ratio':>11}"
if ei:
    head += f" {'engine int8':>12} {'HF int8':>9} {'ratio':>6} {'model ratio':>11} {'int8 / HF fp32':>15}"
print("images/s, engine end to end (model ratio: the engine's vision + generate alone, as HF's timing;"
      " images per CPU-second of each run: compare.json)")
print(head)
for b in sorted(ef):
    r = {"batch_size": b, "engine_fp32": ef[b]["images_per_s"], "hf_fp32": hf[b]["images_per_s"],
         "engine_fp32_per_cpu_s": ef[b]["images_per_cpu_s"], "hf_fp32_per_cpu_s": hf[b]["images_per_cpu_s"]}
    r["ratio_fp32"] = r["engine_fp32"] / r["hf_fp32"]
    # like for like: HF's timing starts from ready pixel tensors, so set it against the engine's
    # vision + generate (no image decoding or resizing)
    r["engine_fp32_model"] = ef[b]["model_images_per_s"]
    r["model_ratio_fp32"] = r["engine_fp32_model"] / r["hf_fp32"]
    line = (f"{b:>5} {r['engine_fp32']:>12.2f} {r['hf_fp32']:>9.2f} {r['ratio_fp32']:>5.2f}x"
            f" {r['model_ratio_fp32']:>10.2f}x")
    if ei:
        r.update({"engine_int8": ei[b]["images_per_s"], "hf_int8": hi[b]["images_per_s"],
                  "engine_int8_per_cpu_s": ei[b]["images_per_cpu_s"], "hf_int8_per_cpu_s": hi[b]["images_per_cpu_s"]})
        r["ratio_int8"] = r["engine_int8"] / r["hf_int8"]
        r["ratio_int8_vs_hf_fp32"] = r["engine_int8"] / r["hf_fp32"]
        r["engine_int8_model"] = ei[b]["model_images_per_s"]
        r["model_ratio_int8"] = r["engine_int8_model"] / r["hf_int8"]
        line += (f" {r['engine_int8']:>12.2f} {r['hf_int8']:>9.2f} {r['ratio_int8']:>5.2f}x"
                 f" {r['model_ratio_int8']:>10.2f}x {r['ratio_int8_vs_hf_fp32']:>14.2f}x")
    print(line)
    rows.append(r)
b1 = min(ef)
for name, d in (("engine fp32", ef), ("engine int8", ei)):
    if d:
        top = max(d)
        print(f"{name}: batch {top} gives {d[top]['images_per_s'] / d[b1]['images_per_s']:.2f}x the images/s of batch {b1}")
(out / "compare.json").write_text(json.dumps({"results": rows}, indent=2))
print(f"written {out / 'compare.json'}")
EOF
