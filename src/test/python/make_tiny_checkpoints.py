"""Tiny random-weight BLIP-2 checkpoints (HF format) for the test bundles.

    python3 src/test/python/make_tiny_checkpoints.py --output build/tiny-checkpoints

Writes ``<output>/<name>/`` for tiny-opt (untied lm_head), tiny-opt-tied (lm_head tied to the
token embeddings) and tiny-t5 (Flan-T5 style: untied, gated-gelu): config, safetensors weights,
generation config, and a Blip2Processor (224-px BlipImageProcessor + a tokenizer trained here).
Weights are re-randomised (seeded) so outputs depend on the image.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "main" / "python"))

import torch  # noqa: E402

import tiny_tokenizers  # noqa: E402
from blip2_export.presets import preset_config, with_vocab  # noqa: E402
from blip2_export.weights import is_lm_head_tied, rerandomize, untie_lm_head  # noqa: E402

# name -> (seed, residual gain of the LM's output projections, scale of the eos row of the LM head).
# The gain keeps the tied model from repeating its input token; the eos scale makes some greedy
# generations end on eos within 20 tokens (random heads almost never pick it otherwise).
TINY = {"tiny-opt": (1, 1.0, 2.5), "tiny-opt-tied": (1, 3.0, 2.5), "tiny-t5": (1, 1.0, -2.0)}


def _round_up(n: int, multiple: int) -> int:
    return (n + multiple - 1) // multiple * multiple


def build(name: str, out: Path) -> Path:
    """Builds, saves and reloads one tiny checkpoint; returns its directory."""
    from transformers import Blip2Config, Blip2ForConditionalGeneration, Blip2Processor, BlipImageProcessor

    seed, gain, eos_scale = TINY[name]
    family = "t5" if "t5" in name else "opt"
    tok = tiny_tokenizers.opt_tokenizer() if family == "opt" else tiny_tokenizers.t5_tokenizer()
    image_id = tok.token_to_id(tiny_tokenizers.IMAGE_TOKEN)
    # The model's vocabulary is padded past the tokenizer's, as in the real checkpoints.
    vocab = _round_up(tok.get_vocab_size(), 64)
    if family == "opt":
        cfg = with_vocab(preset_config(name), vocab, image_id, bos_token_id=2, pad_token_id=1,
                         eos_token_id=tok.token_to_id("\u010a"))
    else:
        cfg = with_vocab(preset_config(name), vocab, image_id, pad_token_id=0, eos_token_id=1,
                         decoder_start_token_id=0)
    torch.manual_seed(seed)
    model = Blip2ForConditionalGeneration(Blip2Config(**cfg))
    rerandomize(model, seed, residual_gain=gain)
    tied = name == "tiny-opt-tied"
    if tied:
        if not is_lm_head_tied(model):
            model.language_model.tie_weights()
    else:
        untie_lm_head(model, seed + 7)
    if is_lm_head_tied(model) != tied:
        raise SystemExit(f"{name}: lm_head tied={is_lm_head_tied(model)}, wanted {tied}")
    eos_id = cfg["text_config"]["eos_token_id"]
    with torch.no_grad():
        model.language_model.get_output_embeddings().weight[eos_id] *= eos_scale
    target = out / name
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target)
    processor = Blip2Processor(BlipImageProcessor(size={"height": 224, "width": 224}),
                               tiny_tokenizers.hf_tokenizer(tok, family), num_query_tokens=cfg["num_query_tokens"])
    processor.save_pretrained(target)

    reloaded = Blip2ForConditionalGeneration.from_pretrained(target)
    if is_lm_head_tied(reloaded) != tied:
        raise SystemExit(f"{name}: lm_head tied={is_lm_head_tied(reloaded)} after reload, wanted {tied}")
    saved = model.state_dict()
    for key, value in reloaded.state_dict().items():
        if not torch.equal(value, saved[key]):
            raise SystemExit(f"{name}: {key} changed on reload")
    n_params = sum(p.numel() for p in reloaded.parameters())
    print(f"{name}: {n_params / 1e6:.2f}M parameters, vocab {vocab} (tokenizer {tok.get_vocab_size()}), "
          f"image id {image_id}, tied lm_head {tied} -> {target}", flush=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("build/tiny-checkpoints"))
    parser.add_argument("--only", nargs="*", choices=sorted(TINY), default=sorted(TINY))
    args = parser.parse_args()
    for name in args.only:
        build(name, args.output)


if __name__ == "__main__":
    main()
