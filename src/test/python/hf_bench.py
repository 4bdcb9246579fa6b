"""Hugging Face `generate` baseline for the Java `bench` command, on the same random-weight model.

Rebuilds the model a random-weight bundle was exported from (the manifest's source: preset and
seed, through the export tool's own functions), then times greedy `generate` of exactly
--max-new-tokens new tokens (min_new_tokens = max_new_tokens, as `bench` does) per batch size,
with a caption prompt ([<image>] * Q + bos for OPT; "" + </s> for T5), one warm-up and --repeat
timed runs; then the vision stage alone (``image_features``: what generate runs before the language
model) the same number of times, so the table splits generate into vision and the rest. Run it in the refenv chroot from the repository root:

    bash ../shared/refenv/run.sh python3 src/test/python/hf_bench.py --bundle /path/to/medium-opt \
        --batch-sizes 1,8,16 --max-new-tokens 20 --threads 2 --json hf-bench.json
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

# Idle OpenMP threads sleep instead of spinning, as the Java engine's ONNX Runtime threads do by
# default (blip2.onnx.allow-spinning=false): on a shared machine spinning costs several times the run.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

EXPORT_TOOL = Path(__file__).resolve().parents[2] / "main" / "python"


def build_model(manifest: dict):
    import torch
    from transformers import Blip2Config, Blip2ForConditionalGeneration
    from blip2_export.presets import preset_config
    from blip2_export.weights import rerandomize

    source = manifest["source"]
    checkpoint = source.get("checkpoint", "")
    if not source.get("random_weights") or not checkpoint.startswith("random-weights:"):
        raise SystemExit(f"the bundle was not exported with --random-weights (source: {checkpoint!r})")
    cfg = preset_config(checkpoint.split(":", 1)[1])
    dims = manifest["dims"]
    cfg["text_config"]["vocab_size"] = dims["vocab_size"]
    model = Blip2ForConditionalGeneration(Blip2Config(**cfg))
    rerandomize(model, int(source.get("seed", 0)))
    model.eval()
    return model, torch


def inputs(manifest: dict, batch: int, torch):
    q = manifest["dims"]["num_query_tokens"]
    size = manifest["dims"]["image_size"]
    tokens = manifest["tokens"]
    text = [tokens["bos_token_id"]] if manifest["family"] == "opt" else [tokens["eos_token_ids"][0]]
    ids = torch.tensor([[tokens["image_token_id"]] * q + text] * batch)    # [batch, Q + 1]
    mask = torch.ones_like(ids)                                             # [batch, Q + 1]
    gen = torch.Generator().manual_seed(batch)
    pixels = torch.randn(batch, 3, size, size, generator=gen)               # [batch, 3, h, w]
    return ids, mask, pixels


def image_features(model, pixels):
    """What ``generate`` computes before its first language-model call: the vision tower, the
    Q-Former over the learned queries and the language projection (HF's ``get_image_features``;
    on a transformers without it, the export tool's vision wrapper, which computes the same)."""
    if hasattr(model, "get_image_features"):
        return model.get_image_features(pixel_values=pixels)
    from blip2_export.graphs import VisionGraph
    return VisionGraph(model)(pixels)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", required=True, type=Path)
    p.add_argument("--batch-sizes", default="1,8,16")
    p.add_argument("--max-new-tokens", type=int, default=20)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", type=Path)
    p.add_argument("--int8", action="store_true",
                   help="torch dynamic int8 quantization of every nn.Linear (torch.ao.quantization.quantize_dynamic, "
                        "per-channel weights): the CPU counterpart of an int8 bundle")
    p.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True)")
    p.add_argument("--export-tool", type=Path, default=EXPORT_TOOL, help="directory holding blip2_export")
    args = p.parse_args()
    sys.path.insert(0, str(args.export_tool.resolve()))

    manifest = json.loads((args.bundle / "manifest.json").read_text())
    model, torch = build_model(manifest)
    torch.set_num_threads(args.threads)
    if args.int8:
        from torch.ao.quantization import quantize_dynamic
        from torch.ao.quantization.qconfig import per_channel_dynamic_qconfig
        model = quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    n = args.max_new_tokens
    precision = "int8 (torch dynamic quantization)" if args.int8 else "fp32"
    print(f"HF generate, {manifest['name']} {precision}, torch {torch.__version__}, {args.threads} threads, {n} new tokens")
    print(f"{'batch':>6} {'images/s':>10} {'tokens/s':>10} {'p50 ms':>9} {'p95 ms':>9} {'vision ms':>10}"
          f" {'rest ms':>8} {'images/cpu-s':>12}")
    results = []
    for b in [int(s) for s in args.batch_sizes.split(",")]:
        ids, mask, pixels = inputs(manifest, b, torch)
        times = []
        vision = []
        cpu = 0.0
        with torch.inference_mode():
            for k in range(args.repeat + 1):
                t0 = time.perf_counter()
                c0 = time.process_time()
                out = model.generate(pixel_values=pixels, input_ids=ids, attention_mask=mask, do_sample=False,
                                     num_beams=1, max_new_tokens=n, min_new_tokens=n)
                elapsed = (time.perf_counter() - t0) * 1000
                new = out.shape[1] - (ids.shape[1] if manifest["family"] == "opt" else 1)
                if new != n:
                    raise SystemExit(f"generated {new} tokens, expected {n}")
                if k > 0:
                    times.append(elapsed)
                    cpu += (time.process_time() - c0) * 1000
            # the vision stage alone, as generate runs it first: vision tower, Q-Former, projection
            for k in range(args.repeat + 1):
                t0 = time.perf_counter()
                image_features(model, pixels)
                if k > 0:
                    vision.append((time.perf_counter() - t0) * 1000)
        mean = statistics.mean(times)
        vision_ms = statistics.mean(vision)
        srt = sorted(times)
        p50 = srt[max(0, -(-len(srt) * 50 // 100) - 1)]
        p95 = srt[max(0, -(-len(srt) * 95 // 100) - 1)]
        row = {"batch_size": b, "images_per_s": b / (mean / 1000), "tokens_per_s": b * n / (mean / 1000),
               "latency_ms": {"p50": p50, "p95": p95}, "cpu_ms_per_batch": cpu / len(times),
               "images_per_cpu_s": b / (cpu / len(times) / 1000),
               "stages_ms": {"generate_total": mean, "vision": vision_ms, "generate": mean - vision_ms}}
        results.append(row)
        print(f"{b:>6} {row['images_per_s']:>10.2f} {row['tokens_per_s']:>10.1f} {p50:>9.1f} {p95:>9.1f}"
              f" {vision_ms:>10.1f} {mean - vision_ms:>8.1f} {row['images_per_cpu_s']:>12.2f}")
    if args.json:
        args.json.write_text(json.dumps({"model": manifest["name"], "dtype": "int8" if args.int8 else "fp32",
                                         "torch": torch.__version__, "threads": args.threads,
                                         "max_new_tokens": n, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
