#!/usr/bin/env bash
# Regenerates every committed test fixture from scratch, inside the reference environment
# (../shared/refenv: transformers, torch, onnx, onnxruntime, Pillow). Run from the repository root:
#
#   bash src/test/python/regenerate-fixtures.sh
#
# 1. src/test/resources/images/*            deterministic test images (Pillow, fixed seeds)
#    src/test/resources/images/vp8/*        lossy WebP from libwebp encoder options + PIL RGB
#    src/test/resources/golden/pixels/*     HF pixel_values per image, golden/images.json
# 2. build/tiny-checkpoints/<name>          tiny random-weight HF checkpoints + trained tokenizers
#    src/test/resources/bundles/<name>      exported and self-verified by src/main/python/export_blip2.py
#    src/test/resources/bundles/<name>-fp16 the same checkpoints exported with --dtype fp16
#                                           (tiny-opt, tiny-t5; no goldens of their own: the Java
#                                           tests compare them with the fp32 bundles' goldens)
#    build/shapes-checkpoints/shapes-opt    a tiny BLIP-2 TRAINED on the synthetic shapes task
#                                           (src/test/python/train_shapes_model.py, ~10 min on 2 cores)
#    src/test/resources/bundles/shapes-opt  its export
#    src/test/resources/images/shapes/*     held-out shape pictures (never trained on)
#    src/test/resources/golden/shapes-heldout.json  their expected answers and HF's accuracy on them
# 3. src/test/resources/golden/<name>.json  HF Blip2Processor + generate outputs per bundle
#    src/test/resources/golden/generation-toy.json  HF generate on a deterministic toy LM
# 4. the Python unit tests (tool's pure parts; bundles against the goldens on ONNX Runtime; the T5
#    decoder with left-padded self K/V, test_export_t5_padding.py)
# Seeds are fixed: a re-run reproduces the same files.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
RES=src/test/resources
BUNDLES="tiny-opt tiny-opt-tied tiny-t5"
FP16_BUNDLES="tiny-opt tiny-t5"

refenv() {
  # ONNX Runtime prints a harmless "Schema error: ... already registered" line per contrib op
  # once torch has been imported in the same process; keep the log readable.
  bash ../shared/refenv/run.sh "$@" 2>&1 | { grep -v -e 'Schema error' -e '^$' || true; }
}

echo "== 1/4 images and pixel goldens"
refenv python3 src/test/python/make_test_images.py --resources "$RES"

echo "== 2/4 tiny checkpoints and bundles"
rm -rf build/tiny-checkpoints
refenv python3 src/test/python/make_tiny_checkpoints.py --output build/tiny-checkpoints
for b in $BUNDLES; do
  refenv python3 src/main/python/export_blip2.py --model "build/tiny-checkpoints/$b" \
    --output "$RES/bundles/$b" --name "$b" --overwrite
done
for b in $FP16_BUNDLES; do
  refenv python3 src/main/python/export_blip2.py --model "build/tiny-checkpoints/$b" \
    --output "$RES/bundles/$b-fp16" --name "$b-fp16" --dtype fp16 --overwrite
done

rm -rf build/shapes-checkpoints
# Three stages: 64 px pictures in 8x8 patches (colours, counts, backgrounds), then the same weights on
# 128 px pictures in 16x16 patches (the patch embedding resized: same 64 patches, four times the pixels
# each), which is where circles and squares come apart; each stage on fresh pictures (its own seed).
refenv python3 src/test/python/train_shapes_model.py --output build/shapes-checkpoints/stage1
refenv python3 src/test/python/train_shapes_model.py --output build/shapes-checkpoints/stage2 \
  --init-from build/shapes-checkpoints/stage1 --seed 18 --lr 1e-3 --steps 1400 --image-size 128 --patch-size 16
refenv python3 src/test/python/train_shapes_model.py --output build/shapes-checkpoints/shapes-opt \
  --init-from build/shapes-checkpoints/stage2 --seed 19 --lr 5e-4 --images 6000 --steps 800 --validate-every 400 \
  --image-size 128 --patch-size 16 \
  --heldout "$RES/images/shapes" --answers "$RES/golden/shapes-heldout.json"
rm -rf build/shapes-checkpoints/stage1 build/shapes-checkpoints/stage2
refenv python3 src/main/python/export_blip2.py --model build/shapes-checkpoints/shapes-opt \
  --output "$RES/bundles/shapes-opt" --name shapes-opt --overwrite

echo "== 3/4 generation goldens"
refenv python3 src/test/python/record_generation_goldens.py --checkpoints build/tiny-checkpoints --resources "$RES"
refenv python3 src/test/python/record_generation_goldens.py --checkpoints build/shapes-checkpoints --resources "$RES" \
  --only shapes-opt
refenv python3 src/test/python/golden_toy_lm.py

echo "== 4/4 Python tests"
refenv python3 -m unittest discover -s src/test/python -p 'test_export_*.py' -v
du -sh "$RES/bundles" "$RES/golden" "$RES/images"
