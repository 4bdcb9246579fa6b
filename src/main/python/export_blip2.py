#!/usr/bin/env python3
"""Export a Hugging Face BLIP-2 checkpoint (Blip2ForConditionalGeneration) to a blip2-stream bundle.

    python3 src/main/python/export_blip2.py --model Salesforce/blip2-opt-2.7b --output bundles/blip2-opt-2.7b

Writes the ONNX graphs (vision + Q-Former + projection; the language model with a KV cache),
tokenizer.json and manifest.json (the contract: src/docs/bundle-format.md), then verifies the
bundle against the torch model and exits non-zero when it does not match.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from blip2_export import TOOL_VERSION, ExportError  # noqa: E402
from blip2_export import manifest as mf  # noqa: E402
from blip2_export.presets import preset_config, preset_names  # noqa: E402

QUANTIZE_SCRIPT = Path(__file__).resolve().parent / "blip2_export" / "quantize_int8.py"

_T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[export_blip2 {time.monotonic() - _T0:7.1f}s] {message}", flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Export a BLIP-2 checkpoint to a blip2-stream model bundle.")
    p.add_argument("--model", help="local checkpoint directory or Hugging Face hub id "
                                   "(with --random-weights: optional, a directory to take the tokenizer from)")
    p.add_argument("--output", required=True, type=Path, help="bundle directory to write")
    p.add_argument("--dtype", choices=["fp32", "fp16", "int8"], default="fp32",
                   help="fp32 (default), fp16 (GPUs; K/V in float16, fp32-sensitive modules kept fp32), "
                        "int8 (CPUs; ONNX Runtime dynamic quantization of the MatMuls)")
    p.add_argument("--int8-fp32-lm-head", action="store_true",
                   help="with --dtype int8: keep the LM head (hidden -> vocabulary) in float32; slower, "
                        "closer to fp32")
    p.add_argument("--int8-per-tensor", action="store_true",
                   help="with --dtype int8: one weight scale per tensor instead of per output channel; "
                        "a little faster, less accurate")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    p.add_argument("--random-weights", metavar="PRESET", choices=preset_names(),
                   help="build the model from a preset with random weights instead of loading a checkpoint: "
                        + ", ".join(preset_names()))
    p.add_argument("--seed", type=int, default=0, help="seed of --random-weights and of the verification inputs")
    p.add_argument("--name", help="bundle name in the manifest (default: the output directory's name)")
    p.add_argument("--no-verify", action="store_true", help="skip the self-verification (not recommended)")
    p.add_argument("--verify-tokens", type=int, default=12, help="new tokens in the greedy check (default 12)")
    p.add_argument("--atol", type=float, default=None,
                   help="allowed max abs difference of graph outputs, relative to the output's scale "
                        "(default 1e-3 fp32, 5e-2 fp16; int8 checks its fp32 graphs before quantizing)")
    p.add_argument("--min-token-agreement", type=float, default=None,
                   help="least fraction of greedy tokens equal to the reference: fp16 vs torch fp16 "
                        "(default 0.5), int8 vs fp32 (default 0: reported, not demanded); "
                        "fp32 always demands equality")
    p.add_argument("--no-fuse", action="store_true",
                   help="fp32: keep the vision graph's plain operators instead of ONNX Runtime's fused Attention, "
                        "SkipLayerNormalization and BiasGelu (slower; for runtimes without contrib operators)")
    p.add_argument("--trust-remote-code", action="store_true", help="passed to from_pretrained")
    p.add_argument("--overwrite", action="store_true", help="replace an existing, non-empty output directory")
    return p.parse_args(argv)


def load_config(args) -> dict:
    if args.random_weights:
        return preset_config(args.random_weights)
    if not args.model:
        raise ExportError("give --model (a checkpoint) or --random-weights PRESET")
    from transformers import AutoConfig
    try:
        config = AutoConfig.from_pretrained(args.model, trust_remote_code=args.trust_remote_code)
    except (OSError, ValueError) as e:
        raise ExportError(f"cannot read the config of {args.model!r}: {e}") from e
    return config.to_dict()


def load_model(args, cfg: dict):
    import torch
    import transformers
    from transformers import Blip2Config, Blip2ForConditionalGeneration

    if args.random_weights:
        from blip2_export.weights import rerandomize
        log(f"building {args.random_weights} with random weights (seed {args.seed})")
        model = Blip2ForConditionalGeneration(Blip2Config(**cfg))
        rerandomize(model, args.seed)
    else:
        log(f"loading {args.model}")
        dtype_arg = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
        model = Blip2ForConditionalGeneration.from_pretrained(args.model, trust_remote_code=args.trust_remote_code,
                                                              **{dtype_arg: torch.float32})
    if cfg["text_config"].get("model_type") == "opt":
        # Explicit masks trace into the graph; T5 has only its own attention.
        if hasattr(model, "set_attn_implementation"):
            model.set_attn_implementation("eager")
        else:
            model.config._attn_implementation = "eager"
            model.language_model.config._attn_implementation = "eager"
    return model.eval()


def load_processor(args, cfg: dict, family: str):
    """(tokenizer, image processor); synthesizes a tokenizer for random weights without one."""
    from transformers import AutoProcessor, AutoTokenizer, BlipImageProcessor

    image_size = cfg["vision_config"].get("image_size", 224)
    if args.model:
        try:
            processor = AutoProcessor.from_pretrained(args.model, trust_remote_code=args.trust_remote_code)
            return processor.tokenizer, processor.image_processor
        except (OSError, ValueError, TypeError, AttributeError) as e:
            log(f"no processor in {args.model} ({type(e).__name__}); trying a tokenizer alone")
            try:
                tokenizer = AutoTokenizer.from_pretrained(args.model, trust_remote_code=args.trust_remote_code)
                return tokenizer, BlipImageProcessor(size={"height": image_size, "width": image_size})
            except (OSError, ValueError) as e2:
                if not args.random_weights:
                    raise ExportError(f"{args.model} has no usable tokenizer: {e2}") from e2
    from transformers import PreTrainedTokenizerFast
    from blip2_export.tokenizer_synth import synthetic_tokenizer

    text = cfg["text_config"]
    tokens = mf.tokens_from_config(cfg)
    log(f"synthesizing a byte-level tokenizer of {text['vocab_size']} tokens (no tokenizer available)")
    tok = synthetic_tokenizer(family, text["vocab_size"], tokens["image_token_id"], tokens["eos_token_ids"][0])
    specials = {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
    if family == "opt":
        specials["bos_token"] = "</s>"
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=512, **specials)
    return tokenizer, BlipImageProcessor(size={"height": image_size, "width": image_size})


def to_fp16(model):
    """Half precision, except the modules HF keeps in fp32 (_keep_in_fp32_modules: query_tokens,
    qformer; T5's wo, transformers PR #21574)."""
    import torch

    keep = set(getattr(model, "_keep_in_fp32_modules", None) or []) | \
        set(getattr(model.language_model, "_keep_in_fp32_modules", None) or [])
    model.half()
    for name, module in model.named_modules():
        if any(part in keep for part in name.split(".")):
            module.float()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.split(".")[-1] in keep:
                param.data = param.data.float()
    log(f"fp16 model, kept in fp32: {sorted(keep)}")
    return model


def write_tokenizer(tokenizer, out: Path, image_token_id: int) -> None:
    """tokenizer.json with '<image>' present at the config's image_token_id."""
    backend = tokenizer.backend_tokenizer
    got = backend.token_to_id("<image>")
    if got is None:
        from tokenizers import AddedToken
        backend.add_special_tokens([AddedToken("<image>", normalized=False, special=True)])
        got = backend.token_to_id("<image>")
    if got != image_token_id:
        raise ExportError(f"tokenizer has '<image>' at id {got}, the config says image_token_index {image_token_id}")
    backend.no_padding()
    backend.no_truncation()
    backend.save(str(out / "tokenizer.json"))


def export_graphs(model, family: str, dims: dict, out: Path, opset: int, kv_dtype, fuse: bool = False) -> dict:
    """Exports every graph of the family; with ``fuse`` the vision graph gets ONNX Runtime's fused
    operators (blip2_export/fusion.py: float32 only)."""
    import contextlib

    from blip2_export.fusion import fused_vision_attention
    from blip2_export.graphs import check_model_in_subprocess, export_graph, graph_specs

    specs = graph_specs(model, family, dims, kv_dtype)
    for name, spec in specs.items():
        path = out / mf.GRAPH_FILES[family][name]
        log(f"exporting {name} -> {path.name}")
        fused = fuse and name == "vision"
        with fused_vision_attention(model) if fused else contextlib.nullcontext() as layers:
            export_graph(spec, path, opset)
        if fused:
            vision = model.config.vision_config
            fused_ops = fuse_layer_norms(path, vision.num_attention_heads, vision.hidden_size)
            log(f"  {name}: {layers} attention layers as one fused Attention node each; {fused_ops}")
        check_model_in_subprocess(path)
    return specs


def fuse_layer_norms(path: Path, num_heads: int, hidden: int) -> str:
    """Residual Add + LayerNorm -> SkipLayerNormalization, bias + GELU -> BiasGelu, in place, in a
    process of its own (ONNX shape inference and torch do not share a process)."""
    import subprocess

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent))
    result = subprocess.run([sys.executable, "-m", "blip2_export.fusion", str(path), str(path),
                             str(num_heads), str(hidden)],
                            capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise ExportError(f"fusing the layer norms of {path.name} failed (exit {result.returncode}): "
                          f"{result.stderr.strip()[-2000:]}")
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else "nothing fused"


def compare_graphs(specs: dict, family: str, out: Path, atol: float) -> dict:
    """Max abs difference per graph, ONNX Runtime vs the torch wrapper, on the export's sample inputs."""
    import numpy as np
    import torch
    from blip2_export.verify import max_abs_diff, ort_session

    diffs = {}
    for name, spec in specs.items():
        with torch.no_grad():
            ref = spec["module"](*spec["inputs"])
        ref = [ref] if isinstance(ref, torch.Tensor) else list(ref)
        ref = [r.float().numpy() for r in ref]
        session = ort_session(out / mf.GRAPH_FILES[family][name])
        feeds = {n: t.numpy() for n, t in zip(spec["input_names"], spec["inputs"])}
        got = session.run(None, feeds)
        diff = max_abs_diff(ref, got)
        scale = max(1.0, max(float(np.max(np.abs(r))) if r.size else 0.0 for r in ref))
        diffs[name] = diff
        log(f"  {name}: max abs diff {diff:.3g} (output scale {scale:.3g})")
        if diff > atol * scale:
            raise ExportError(f"verification failed: graph {name} differs from torch by {diff:.3g} "
                              f"(allowed {atol * scale:.3g})")
    return diffs


def sample_batch(tokenizer, image_processor, family: str, num_query_tokens: int, seed: int):
    """Two deterministic images with a caption and a VQA prompt, through HF's Blip2Processor."""
    import numpy as np
    from PIL import Image
    from transformers import Blip2Processor

    rng = np.random.RandomState(seed)
    images = []
    for k in range(2):
        y, x = np.mgrid[0:96, 0:128]
        base = np.stack([(x * (2 + k)) % 256, (y * 3 + 40 * k) % 256, ((x + y) * (1 + k)) % 256], -1)  # [96, 128, 3]
        noise = rng.randint(-20, 21, size=base.shape)
        images.append(Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8), "RGB"))
    tokenizer.padding_side = "left" if family == "opt" else "right"
    processor = Blip2Processor(image_processor, tokenizer, num_query_tokens=num_query_tokens)
    batch = processor(images=images, text=["", "Question: what is in the picture? Answer:"], padding=True,
                      return_tensors="pt")
    return batch


def verify_tokens(model, family: str, out: Path, tokens: dict, dims: dict, batch, max_new: int):
    """Greedy ids: HF generate vs the bundle's loop on ONNX Runtime. Returns (hf, onnx) [B, n] arrays."""
    import torch
    from blip2_export.verify import greedy, hf_new_tokens, ort_session

    with torch.no_grad():
        pixel = batch["pixel_values"].to(next(model.vision_model.parameters()).dtype)
        sequences = model.generate(pixel_values=pixel, input_ids=batch["input_ids"],
                                   attention_mask=batch["attention_mask"], max_new_tokens=max_new,
                                   min_new_tokens=0, do_sample=False, num_beams=1)
    hf = hf_new_tokens(family, sequences.numpy(), batch["input_ids"].shape[1])
    sessions = {name: ort_session(out / file) for name, file in mf.GRAPH_FILES[family].items()}
    onnx_tokens = greedy(family, sessions, batch["pixel_values"].numpy(), batch["input_ids"].numpy(),
                         batch["attention_mask"].numpy(), tokens, dims, max_new).tokens
    return hf, onnx_tokens




def quantize_int8(fp32_dir: Path, out: Path, family: str, keep_lm_head: bool, per_tensor: bool) -> None:
    """Dynamic int8 quantization of the MatMuls, one fresh process per graph (ONNX shape inference
    crashes in a process that has loaded torch or onnxruntime; see blip2_export/quantize_int8.py)."""
    import subprocess

    for name, file in mf.GRAPH_FILES[family].items():
        src = fp32_dir / file
        if name == "embed_tokens":
            shutil.copy2(src, out / file)
            continue
        log(f"quantizing {name} (dynamic int8 MatMul, {'per-tensor' if per_tensor else 'per-channel'} weights)")
        external = "1" if src.with_name(file + ".data").exists() else "0"
        exclude = "/lm_head/" if keep_lm_head else ""
        granularity = "per-tensor" if per_tensor else "per-channel"
        result = subprocess.run([sys.executable, str(QUANTIZE_SCRIPT), str(src), str(out / file), external, exclude,
                                 granularity], capture_output=True, text=True)
        if result.returncode != 0:
            raise ExportError(f"int8 quantization of {name} failed (exit {result.returncode}): "
                              f"{result.stderr.strip()[-2000:]}")
        log(f"  {name}: {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else 'quantized'}")


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except ExportError as e:
        print(f"export_blip2: error: {e}", file=sys.stderr, flush=True)
        return 2


def run(args) -> int:
    import torch
    import transformers

    out: Path = args.output
    if out.exists() and any(out.iterdir()):
        if not args.overwrite:
            raise ExportError(f"{out} exists and is not empty (use --overwrite)")
        shutil.rmtree(out)
    cfg = load_config(args)
    mf.check_supported(cfg)
    family = mf.lm_family(cfg)
    dims = mf.dims_from_config(cfg)
    log(f"family {family}, dims {dims}")
    model = load_model(args, cfg)
    cfg = model.config.to_dict()
    generation = model.language_model.generation_config.to_dict()
    tokens = mf.tokens_from_config(cfg, generation)
    tokenizer, image_processor = load_processor(args, cfg, family)
    out.mkdir(parents=True, exist_ok=True)
    write_tokenizer(tokenizer, out, tokens["image_token_id"])

    verification: dict = {"max_abs_diff": {}, "greedy_tokens_equal": None, "token_agreement": None,
                           "int8_token_agreement": None}
    atol = args.atol if args.atol is not None else {"fp32": 1e-3, "fp16": 5e-2, "int8": 1e-3}[args.dtype]
    if args.min_token_agreement is None:
        args.min_token_agreement = 0.0 if args.dtype == "int8" else 0.5
    batch = None if args.no_verify else sample_batch(tokenizer, image_processor, family, dims["num_query_tokens"],
                                                     args.seed)
    if args.dtype == "int8":
        with tempfile.TemporaryDirectory(prefix="blip2-fp32-", dir=out.parent) as tmp:
            tmp = Path(tmp)
            specs = export_graphs(model, family, dims, tmp, args.opset, torch.float32)
            quantize_int8(tmp, out, family, args.int8_fp32_lm_head, args.int8_per_tensor)
            if batch is not None:
                verification["max_abs_diff"] = compare_graphs(specs, family, tmp, atol)
                hf, fp32 = verify_tokens(model, family, tmp, tokens, dims, batch, args.verify_tokens)
                check_equal(hf, fp32, "fp32 (before quantization)")
                verification["greedy_tokens_equal"] = True
                _, q = verify_tokens(model, family, out, tokens, dims, batch, args.verify_tokens)
                from blip2_export.verify import token_agreement
                agreement = token_agreement(fp32, q)
                verification["int8_token_agreement"] = agreement
                log(f"int8 greedy token agreement with fp32: {agreement:.3f}\n  fp32 {fp32.tolist()}\n  int8 {q.tolist()}")
                if agreement < args.min_token_agreement:
                    raise ExportError(f"verification failed: int8 agrees with fp32 on {agreement:.1%} of greedy "
                                      f"tokens (least allowed {args.min_token_agreement:.1%})")
        kv_dtype = "float32"
    else:
        if args.dtype == "fp16":
            model = to_fp16(model)
        kv = torch.float16 if args.dtype == "fp16" else torch.float32
        specs = export_graphs(model, family, dims, out, args.opset, kv, fuse=args.dtype == "fp32" and not args.no_fuse)
        kv_dtype = "float16" if args.dtype == "fp16" else "float32"
        if batch is not None:
            log("verifying graphs against torch")
            verification["max_abs_diff"] = compare_graphs(specs, family, out, atol)
            log("verifying greedy tokens against HF generate")
            hf, got = verify_tokens(model, family, out, tokens, dims, batch, args.verify_tokens)
            if args.dtype == "fp32":
                check_equal(hf, got, "fp32")
                verification["greedy_tokens_equal"] = True
            else:
                from blip2_export.verify import token_agreement
                agreement = token_agreement(hf, got)
                verification["token_agreement"] = agreement
                verification["greedy_tokens_equal"] = bool(agreement == 1.0)
                log(f"fp16 greedy token agreement with torch fp16: {agreement:.3f}")
                if agreement < args.min_token_agreement:
                    raise ExportError(f"verification failed: fp16 bundle agrees with torch on {agreement:.1%} "
                                      f"of greedy tokens (least allowed {args.min_token_agreement:.1%})")
    if args.no_verify:
        verification = {"skipped": True}

    from blip2_export.graphs import graph_io
    graphs = {name: graph_io(out / file) for name, file in mf.GRAPH_FILES[family].items()}
    source = {"checkpoint": args.model if not args.random_weights else f"random-weights:{args.random_weights}",
              "config_sha256": mf.config_sha256(cfg), "random_weights": bool(args.random_weights),
              "seed": args.seed if args.random_weights else None,
              "transformers_version": transformers.__version__, "torch_version": torch.__version__}
    max_len = getattr(tokenizer, "model_max_length", None)
    manifest = mf.build_manifest(name=args.name or out.name, cfg=cfg, generation=generation,
                                 image_processor=image_processor.to_dict(), dtype=args.dtype, opset=args.opset,
                                 source=source, graphs=graphs, kv_dtype=kv_dtype,
                                 model_max_length=int(max_len) if max_len and max_len < 1e9 else None,
                                 verification=verification)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    log(f"wrote {out} ({sum(f.stat().st_size for f in out.iterdir()) / 1e6:.1f} MB), tool {TOOL_VERSION}")
    return 0


def check_equal(hf, got, what: str) -> None:
    import numpy as np

    if hf.shape != got.shape or not np.array_equal(hf, got):
        raise ExportError(f"verification failed: {what} greedy tokens differ from HF generate\n"
                          f"  HF   {hf.tolist()}\n  ONNX {got.tolist()}")
    log(f"greedy tokens equal to HF generate ({what}): {got.tolist()}")


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
