"""Generation goldens: Hugging Face's own Blip2Processor + generate on each tiny checkpoint.

    python3 src/test/python/record_generation_goldens.py --checkpoints build/tiny-checkpoints \
        --resources src/test/resources

Writes ``<resources>/golden/<bundle>.json`` (format: src/test/resources/golden/README.md).
Sequences hold only the new tokens, cut after the first eos (eos included).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

VQA = "Question: what is in the picture? Answer:"
CHAT = "Question: what is in the picture? Answer: a red boat on the lake. Question: what color is the sky? Answer:"

BATCH_IMAGES = ["photo_640x480.jpg", "gray_256x256.png", "rgba_320x240.png", "palette_200x150.png",
                "wide_1200x300.jpg", "tiny_7x5.png", "exif_rotated_6.jpg", "portrait_300x500.png"]
BATCH_PROMPTS = ["", VQA, CHAT, "Question: how many animals are there? Answer:", "a photo of",
                 "Question: is it raining? Answer:", "", "Question: what is the man holding in his left hand? Answer:"]

GREEDY = {"max_new_tokens": 20, "num_beams": 1, "length_penalty": 1.0, "early_stopping": False,
          "num_return_sequences": 1, "min_new_tokens": 0, "repetition_penalty": 1.0, "no_repeat_ngram_size": 0}


def options(**changes) -> dict:
    return {**GREEDY, **changes}


def case_list() -> list[dict]:
    """The recorded cases (the same for every bundle)."""
    return [
        {"name": "caption_greedy", "images": ["photo_640x480.jpg"], "prompts": [""], "options": options()},
        {"name": "vqa_greedy", "images": ["gray_256x256.png"], "prompts": [VQA], "options": options()},
        {"name": "chat_greedy", "images": ["rgba_320x240.png"], "prompts": [CHAT], "options": options()},
        {"name": "caption_greedy_40", "images": ["portrait_300x500.png"], "prompts": [""],
         "options": options(max_new_tokens=40)},
        {"name": "caption_beam3", "images": ["photo_640x480.jpg"], "prompts": [""], "options": options(num_beams=3)},
        {"name": "vqa_beam3", "images": ["lossless_200x200.webp"], "prompts": [VQA], "options": options(num_beams=3)},
        {"name": "chat_beam3", "images": ["rgba_320x240.png"], "prompts": [CHAT], "options": options(num_beams=3)},
        {"name": "vqa_beam3_return2", "images": ["palette_200x150.png"], "prompts": [VQA],
         "options": options(num_beams=3, num_return_sequences=2)},
        {"name": "caption_beam3_early_stopping_lp", "images": ["wide_1200x300.jpg"], "prompts": [""],
         "options": options(num_beams=3, early_stopping=True, length_penalty=0.6)},
        {"name": "batch8_greedy", "images": BATCH_IMAGES, "prompts": BATCH_PROMPTS, "options": options()},
        {"name": "batch8_beam3", "images": BATCH_IMAGES, "prompts": BATCH_PROMPTS, "options": options(num_beams=3)},
        {"name": "batch2_beam3_return2", "images": ["cmyk_160x120.jpg", "anim_96x64.gif"], "prompts": [VQA, ""],
         "options": options(num_beams=3, num_return_sequences=2)},
        {"name": "vqa_repetition_penalty_no_repeat_ngram", "images": ["tiny_7x5.png"], "prompts": [VQA],
         "options": options(repetition_penalty=1.3, no_repeat_ngram_size=2)},
        {"name": "caption_repetition_penalty_no_repeat_ngram_beam3", "images": ["bmp_100x80.bmp"], "prompts": [""],
         "options": options(num_beams=3, repetition_penalty=1.3, no_repeat_ngram_size=2)},
        {"name": "batch8_min_new_tokens_5", "images": BATCH_IMAGES, "prompts": BATCH_PROMPTS,
         "options": options(min_new_tokens=5)},
    ]


def shapes_case_list(images_dir: Path) -> list[dict]:
    """Cases for the trained shapes bundle: its held-out pictures (``images/shapes``) and questions."""
    files = sorted(p.name for p in (images_dir / "shapes").iterdir() if p.name.startswith("shape-"))[:8]
    images = [f"shapes/{f}" for f in files]
    ask = "Question: {} Answer:".format
    prompts = ["", ask("what colour is the shape?"), ask("how many shapes are there?"), ask("what shape is it?"),
               ask("what colour is the background?"), "", ask("what color are the shapes?"),
               ask("how many shapes are in the picture?")]
    return [
        {"name": "shapes_caption_greedy", "images": images[:1], "prompts": [""], "options": options()},
        {"name": "shapes_vqa_greedy", "images": images[1:2], "prompts": [prompts[1]], "options": options()},
        {"name": "shapes_batch8_greedy", "images": images, "prompts": prompts, "options": options()},
        {"name": "shapes_caption_beam3", "images": images[2:3], "prompts": [""], "options": options(num_beams=3)},
        {"name": "shapes_batch8_beam3", "images": images, "prompts": prompts, "options": options(num_beams=3)},
    ]


def load(checkpoint: Path):
    from transformers import AutoProcessor, Blip2ForConditionalGeneration

    model = Blip2ForConditionalGeneration.from_pretrained(checkpoint).eval()
    processor = AutoProcessor.from_pretrained(checkpoint)
    family = "opt" if model.config.text_config.model_type == "opt" else "t5"
    processor.tokenizer.padding_side = "left" if family == "opt" else "right"
    return model, processor, family


def run_case(model, processor, family: str, images_dir: Path, case: dict) -> dict:
    from transformers.image_utils import load_image

    images = [load_image(str(images_dir / f)) for f in case["images"]]
    batch = processor(images=images, text=case["prompts"], padding=True, return_tensors="pt")
    opts = case["options"]
    with torch.no_grad():
        out = model.generate(**batch, do_sample=False, return_dict_in_generate=True, output_scores=True,
                             output_logits=True, **opts)
    seqs = out.sequences.numpy()
    new = seqs[:, batch["input_ids"].shape[1]:] if family == "opt" else seqs[:, 1:]
    eos = set(model.language_model.generation_config.eos_token_id if isinstance(
        model.language_model.generation_config.eos_token_id, list) else [model.language_model.generation_config.eos_token_id])
    sequences, reasons = [], []
    for row in new.tolist():
        cut = next((i for i, t in enumerate(row) if t in eos), None)
        if cut is None:
            if len(row) != opts["max_new_tokens"]:
                raise SystemExit(f"{case['name']}: a row without eos has {len(row)} tokens, not max_new_tokens")
            sequences.append(row)
            reasons.append("length")
        else:
            sequences.append(row[: cut + 1])
            reasons.append("eos")
    result = {**case, "input_ids": batch["input_ids"].tolist(), "attention_mask": batch["attention_mask"].tolist(),
              "sequences": sequences, "finish_reasons": reasons,
              "texts": processor.tokenizer.batch_decode(sequences, skip_special_tokens=True)}
    if opts["num_beams"] > 1:
        result["scores"] = [float(s) for s in out.sequences_scores]
    else:
        logits = [step.float().numpy() for step in out.logits]  # per step [batch, V]
        first = logits[0]
        top = np.sort(first, axis=-1)[:, ::-1]
        result["first_step_top2_gap"] = [float(g) for g in (top[:, 0] - top[:, 1])]
        gaps = []
        for b, seq in enumerate(sequences):
            steps = [np.sort(logits[s][b])[::-1] for s in range(len(seq))]
            gaps.append(float(min(s[0] - s[1] for s in steps)))
        result["min_top2_gap"] = gaps
        result["first_step_top5"] = [[[int(i), float(first[b, i])] for i in np.argsort(-first[b])[:5]]
                                     for b in range(first.shape[0])]
    return result


def record(name: str, checkpoint: Path, resources: Path) -> Path:
    import transformers

    model, processor, family = load(checkpoint)
    images_dir = resources / "images"
    cases = []
    for case in (shapes_case_list(images_dir) if name.startswith("shapes") else case_list()):
        res = run_case(model, processor, family, images_dir, case)
        cases.append(res)
        print(f"  {name}/{case['name']}: {res['finish_reasons']} {res['texts'][:2]}", flush=True)
    doc = {"bundle": f"bundles/{name}", "family": family, "transformers_version": transformers.__version__,
           "torch_version": torch.__version__, "padding_side": processor.tokenizer.padding_side, "cases": cases}
    path = resources / "golden" / f"{name}.json"
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoints", type=Path, default=Path("build/tiny-checkpoints"))
    parser.add_argument("--resources", type=Path, default=Path("src/test/resources"))
    parser.add_argument("--only", nargs="*", default=["tiny-opt", "tiny-opt-tied", "tiny-t5"])
    args = parser.parse_args()
    torch.manual_seed(0)
    for name in args.only:
        print(f"recording {name}", flush=True)
        record(name, args.checkpoints / name, args.resources)


if __name__ == "__main__":
    main()
