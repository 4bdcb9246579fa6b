#!/usr/bin/env bash
# The engine's `bench` against Hugging Face `generate` on the same random-weight models, stage by
# stage, in one run:
#
#   bash src/test/python/engine-vs-hf.sh [--batch-sizes 1,8,16] [--repeat 3] [--threads 2] \
#        [--max-new-tokens 20] [--out build/engine-vs-hf] BUNDLE...
#
# Each BUNDLE comes from `export_blip2.py --random-weights PRESET` (e.g. medium-opt, medium-opt-v2k,
# medium-t5; with --dtype int8 for an int8 bundle, which HF meets with torch dynamic quantization of
# every nn.Linear); HF rebuilds that model from the manifest. For each bundle, in turn: the engine,
# then HF. Nothing else may run on the machine meanwhile (a second busy process cripples torch's
# OpenMP threads and ONNX Runtime's alike).
#
# Prints one table per bundle and writes OUT/compare.json (plus each run's own JSON):
#   e2e       images/s of the engine (image bytes in, tokens out) over HF's generate (ready pixels in)
#   model     the engine's vision + generate alone (ready pixels, as HF is timed) over HF's generate
#   vision    HF's vision stage (vision tower + Q-Former + projection, get_image_features) over the
#             engine's vision graph, in ms per batch: > 1 means the engine is faster
#   generate  HF's generate minus its vision stage over the engine's generation stage
# Needs the packaged app (mvn package) and the reference chroot (../shared/refenv). Greedy, exactly
# --max-new-tokens new tokens, the caption prompt, both sides on --threads.
set -euo pipefail
cd "$(dirname "$0")/../../.."

sizes=1,8,16 repeat=3 threads=2 tokens=20 out=build/engine-vs-hf
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --batch-sizes) sizes=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --max-new-tokens) tokens=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $# -ge 1 ]] || { sed -n '2,21p' "$0" >&2; exit 2; }
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
jar=target/quarkus-app/quarkus-run.jar
[[ -f $jar ]] || { echo "$jar missing: run mvn package first" >&2; exit 2; }
mkdir -p "$out"
export DJL_OFFLINE=true

names=()
for bundle in "$@"; do
  [[ -f $bundle/manifest.json ]] || { echo "$bundle: no manifest.json" >&2; exit 2; }
  name=$(basename "$bundle")
  names+=("$name")
  dtype=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("dtype","fp32"))' "$bundle/manifest.json")
  echo "== $name ($dtype): engine"
  "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" bench --bundle "$bundle" --batch-sizes "$sizes" \
    --repeat "$repeat" --threads "$threads" --max-new-tokens "$tokens" --json "$out/$name-engine.json" 2>&1 \
    | grep -v '^WARNING'
  echo "== $name ($dtype): HF"
  int8=()
  [[ $dtype == int8 ]] && int8=(--int8)
  bash ../shared/refenv/run.sh python3 src/test/python/hf_bench.py --bundle "$bundle" --batch-sizes "$sizes" \
    --repeat "$repeat" --threads "$threads" --max-new-tokens "$tokens" --json "$out/$name-hf.json" "${int8[@]}" 2>&1 \
    | grep -v -e '^Schema error' -e '^$' -e 'quantize_per_channel'
done

python3 - "$out" "$(date -u +%Y-%m-%dT%H:%MZ)" "${names[@]}" <<'EOF'
import json, sys
from pathlib import Path
out, when, names = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
report = {"date": when, "bundles": {}}
print()
print("per batch: images/s; stage ms per batch; ratios > 1 mean the engine is faster (see the script's header)")
for name in names:
    eng = {r["batch_size"]: r for r in json.loads((out / f"{name}-engine.json").read_text())["results"]}
    hf = {r["batch_size"]: r for r in json.loads((out / f"{name}-hf.json").read_text())["results"]}
    print(f"\n{name}")
    print(f"{'batch':>5} {'engine img/s':>12} {'HF img/s':>9} {'e2e':>6} {'model':>6}"
          f" {'vision ms':>9} {'HF vision':>9} {'vision':>6} {'gen ms':>7} {'HF rest':>8} {'generate':>8}")
    rows = []
    for b in sorted(eng):
        e, h = eng[b], hf[b]
        ev, eg = e["stages_ms"]["vision"], e["stages_ms"]["generate"]
        hv, hg = h["stages_ms"]["vision"], h["stages_ms"]["generate"]
        r = {"batch_size": b, "engine_images_per_s": e["images_per_s"], "hf_images_per_s": h["images_per_s"],
             "engine_model_images_per_s": e["model_images_per_s"],
             "ratio_end_to_end": e["images_per_s"] / h["images_per_s"],
             "ratio_model": e["model_images_per_s"] / h["images_per_s"],
             "engine_vision_ms": ev, "hf_vision_ms": hv, "ratio_vision": hv / ev,
             "engine_generate_ms": eg, "hf_generate_rest_ms": hg, "ratio_generate": hg / eg,
             "engine_preprocess_ms": e["stages_ms"]["preprocess"]}
        rows.append(r)
        print(f"{b:>5} {r['engine_images_per_s']:>12.2f} {r['hf_images_per_s']:>9.2f} {r['ratio_end_to_end']:>5.2f}x"
              f" {r['ratio_model']:>5.2f}x {ev:>9.1f} {hv:>9.1f} {r['ratio_vision']:>5.2f}x {eg:>7.1f} {hg:>8.1f}"
              f" {r['ratio_generate']:>7.2f}x")
    lo, hi = min(eng), max(eng)
    scaling = eng[hi]["images_per_s"] / eng[lo]["images_per_s"]
    print(f"engine: batch {hi} gives {scaling:.2f}x the images/s of batch {lo}")
    report["bundles"][name] = {"results": rows, "batch_scaling": scaling}
(out / "compare.json").write_text(json.dumps(report, indent=2))
print(f"\nwritten {out / 'compare.json'}")
EOF
