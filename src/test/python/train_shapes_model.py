"""Trains a tiny BLIP-2 (ViT + Q-Former + OPT) on the synthetic shapes task, on the CPU, in minutes.

    python3 src/test/python/train_shapes_model.py --output build/shapes-checkpoints/shapes-opt \
        --heldout src/test/resources/images/shapes --answers src/test/resources/golden/shapes-heldout.json

The architecture is the real ``Blip2ForConditionalGeneration``, scaled down: 64-px images in
8-px patches, a 3-layer ViT of width 64, a 2-layer Q-Former of width 64 with 8 query tokens and a
2-layer OPT of width 128 whose LM head is tied to its token embeddings (as in the released OPT
checkpoints), with the OPT-style tokenizer of the tiny test bundles (``tiny_tokenizers``). The
whole model is trained end to end (nothing frozen) with HF's own loss on the tokens after the
prompt, on pictures and texts from ``shapes_task``: captions with the empty caption prompt,
questions with the bundle's VQA prompt ``Question: {question} Answer:`` and an answer led by a
space; every target ends with the newline, the language model's eos.

Writes the checkpoint (config, weights, generation config, Blip2Processor) to ``--output``; with
``--heldout`` also pictures the model has never seen (another seed), drawn at 128 px (PNG, every
fourth one JPEG) and, with ``--answers``, their expected answers plus the accuracy of HF
``generate`` on them, loaded from the written files. Seeds are fixed: a re-run with the same
arguments and thread count reproduces the checkpoint.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "main" / "python"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import shapes_task  # noqa: E402
import tiny_tokenizers  # noqa: E402
from blip2_export.presets import _opt  # noqa: E402
from blip2_export.weights import is_lm_head_tied, rerandomize  # noqa: E402

IMAGE_SIZE = 64
PATCH_SIZE = 8
QUERY_TOKENS = 8
VQA_PROMPT = "Question: {question} Answer:"
CAPTION_SHARE = 0.3  # of the training examples; the rest are questions
KINDS = ("colour", "count", "shape", "background")


def config(tok) -> dict:
    """The Blip2Config dict: the real architecture at toy widths."""
    vocab = (tok.get_vocab_size() + 63) // 64 * 64  # padded past the tokenizer's, as in the real checkpoints
    vision = {"hidden_size": 64, "intermediate_size": 256, "num_hidden_layers": 3, "num_attention_heads": 4,
              "image_size": IMAGE_SIZE, "patch_size": PATCH_SIZE, "layer_norm_eps": 1e-6, "qkv_bias": True,
              "hidden_act": "gelu", "attention_dropout": 0.0}
    qformer = {"hidden_size": 64, "intermediate_size": 256, "num_hidden_layers": 2, "num_attention_heads": 4,
               "cross_attention_frequency": 1, "vocab_size": 64, "encoder_hidden_size": 64,
               "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}
    text = {**_opt(128, 2, 4, 256, vocab=vocab, tie=True), "max_position_embeddings": 128,
            "eos_token_id": tok.token_to_id("\u010a"), "dropout": 0.0, "attention_dropout": 0.0}
    return {"model_type": "blip-2", "architectures": ["Blip2ForConditionalGeneration"], "vision_config": vision,
            "qformer_config": qformer, "text_config": text, "num_query_tokens": QUERY_TOKENS,
            "image_token_index": tok.token_to_id(tiny_tokenizers.IMAGE_TOKEN)}


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pictures(count: int, seed: int, jpeg_every: int = 0):
    """``count`` (scene, PIL image) pairs from ``seed``; every ``jpeg_every``-th one round-tripped through JPEG."""
    from PIL import Image

    rng = random.Random(seed)
    out = []
    for i in range(count):
        scene = shapes_task.random_scene(rng)
        img = shapes_task.draw(scene, rng)
        if jpeg_every and i % jpeg_every == jpeg_every - 1:
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=rng.randint(70, 95))
            img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
        out.append((scene, img))
    return out


class Examples:
    """Token ids of (prompt, target) pairs, built once per distinct text."""

    def __init__(self, hf_tok, image_id: int, eos_id: int, pad_id: int):
        self.hf_tok, self.image_id, self.eos_id, self.pad_id = hf_tok, image_id, eos_id, pad_id
        self.cache: dict[tuple[str, str], tuple[list[int], list[int]]] = {}

    def ids(self, prompt: str, target: str) -> tuple[list[int], list[int]]:
        key = (prompt, target)
        if key not in self.cache:
            p = [self.image_id] * QUERY_TOKENS + self.hf_tok(prompt, add_special_tokens=True)["input_ids"]
            t = self.hf_tok(target, add_special_tokens=False)["input_ids"] + [self.eos_id]
            self.cache[key] = (p, t)
        return self.cache[key]

    def batch(self, pairs: list[tuple[str, str]]):
        """input_ids, attention_mask, labels [B, T]: right-padded; labels -100 except on the targets."""
        rows = [self.ids(p, t) for p, t in pairs]
        width = max(len(p) + len(t) for p, t in rows)
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        labels = torch.full((len(rows), width), -100, dtype=torch.long)
        for b, (p, t) in enumerate(rows):
            n = len(p) + len(t)
            ids[b, :n] = torch.tensor(p + t)
            mask[b, :n] = 1
            labels[b, len(p):n] = torch.tensor(t)
        return ids, mask, labels


def training_text(scene: shapes_task.Scene, rng: random.Random) -> tuple[str, str]:
    """(prompt, target) of one training example about ``scene``: a caption, or a question of a kind
    drawn uniformly (colour, count, shape, background), in one of its phrasings."""
    if rng.random() < CAPTION_SHARE:
        return "", scene.caption
    kind = rng.choice(KINDS)
    question, answer = rng.choice(scene.question_variants()[kind])
    return VQA_PROMPT.format(question=question), " " + answer


def learning_rate(step: int, peak: float, schedule: str, warmup: int = 100) -> float:
    """Linear warm-up, then constant or inverse square-root decay: independent of the run's length,
    so a run stopped early equals a run asked for that many steps."""
    decay = math.sqrt(warmup / (step + 1)) if schedule == "invsqrt" else 1.0
    return peak * min((step + 1) / warmup, decay)


class Validation:
    """Teacher-forced accuracy on fresh pictures (another seed): the share of captions whose every
    target token is the arg-max, and of answers (per question kind) whose first token is."""

    def __init__(self, examples: "Examples", image_processor, seed: int, count: int = 96):
        data = pictures(count, seed)
        self.pixels = image_processor(images=[img for _, img in data], return_tensors="pt")["pixel_values"]
        self.examples = examples
        self.tasks = {"caption": [("", s.caption) for s, _ in data]}
        for kind in KINDS:
            self.tasks[kind] = [(VQA_PROMPT.format(question=s.questions()[kind][0]), " " + s.questions()[kind][1])
                                for s, _ in data]

    def __call__(self, model) -> dict[str, float]:
        out = {}
        model.eval()
        with torch.no_grad():
            for task, pairs in self.tasks.items():
                ids, mask, labels = self.examples.batch(pairs)
                logits = model(pixel_values=self.pixels, input_ids=ids, attention_mask=mask).logits  # [B, T, V]
                pred = logits[:, :-1].argmax(-1)  # [B, T-1]: the token predicted for each next position
                target = labels[:, 1:]
                if task == "caption":
                    right = ((pred == target) | (target == -100)).all(-1)
                else:
                    first = (target != -100).int().argmax(-1)  # [B]: position of the answer's first token
                    rows = torch.arange(len(pairs))
                    right = pred[rows, first] == target[rows, first]
                out[task] = round(right.float().mean().item(), 4)
        model.train()
        return out


def train(args) -> tuple[object, object]:
    from transformers import Blip2Config, Blip2ForConditionalGeneration, Blip2Processor, BlipImageProcessor

    seed_everything(args.seed)
    torch.set_num_threads(args.threads)
    tok = tiny_tokenizers.opt_tokenizer()
    hf_tok = tiny_tokenizers.hf_tokenizer(tok, "opt")
    cfg = config(tok)
    model = Blip2ForConditionalGeneration(Blip2Config(**cfg))
    if not is_lm_head_tied(model):
        model.language_model.tie_weights()
    rerandomize(model, args.seed)  # the stock init zeroes query_tokens: every query would stay the same
    image_processor = BlipImageProcessor(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE})
    processor = Blip2Processor(image_processor, hf_tok, num_query_tokens=QUERY_TOKENS)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params / 1e6:.3f}M parameters, vocab {cfg['text_config']['vocab_size']}", flush=True)

    t0 = time.monotonic()
    data = pictures(args.images, args.seed, jpeg_every=4)
    pixels = torch.cat([image_processor(images=[img for _, img in data[i:i + 256]], return_tensors="pt")
                        ["pixel_values"] for i in range(0, len(data), 256)])  # [N, 3, 64, 64]
    scenes = [s for s, _ in data]
    examples = Examples(hf_tok, cfg["image_token_index"], cfg["text_config"]["eos_token_id"], hf_tok.pad_token_id)
    validate = Validation(examples, image_processor, args.seed + 2)
    print(f"data: {len(scenes)} pictures in {time.monotonic() - t0:.1f}s", flush=True)

    rng = random.Random(args.seed + 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: learning_rate(s, 1.0, args.schedule))
    model.train()
    t0, running = time.monotonic(), 0.0
    for step in range(1, args.steps + 1):
        idx = [rng.randrange(len(scenes)) for _ in range(args.batch)]
        ids, mask, labels = examples.batch([training_text(scenes[i], rng) for i in idx])
        out = model(pixel_values=pixels[idx], input_ids=ids, attention_mask=mask, labels=labels)
        optimizer.zero_grad(set_to_none=True)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        running += out.loss.item()
        if step % 100 == 0:
            print(f"step {step}/{args.steps} loss {running / 100:.4f} lr {schedule.get_last_lr()[0]:.2e} "
                  f"{time.monotonic() - t0:.0f}s", flush=True)
            running = 0.0
        if step % args.validate_every == 0:
            accuracy = validate(model)
            print(f"step {step} validation {json.dumps(accuracy)}", flush=True)
            save(model, processor, args.output)
            if min(accuracy.values()) >= args.stop_at:
                print(f"every validation accuracy >= {args.stop_at}: stopping at step {step}", flush=True)
                break
    print(f"trained {step} steps in {time.monotonic() - t0:.0f}s", flush=True)
    model.eval()
    return model, processor


def save(model, processor, output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output)
    processor.save_pretrained(output)


def answers_of(files: list[str], scenes: list[shapes_task.Scene]) -> list[dict]:
    """The expected answers of the held-out pictures (the answers file's ``images``)."""
    out = []
    for f, s in zip(files, scenes):
        qs = s.questions()
        out.append({"file": f, "shape": s.shape, "colour": s.colour, "count": s.count, "background": s.background,
                    "caption": s.caption,
                    "questions": [{"kind": kind, "question": q, "answer": a} for kind, (q, a) in qs.items()]})
    return out


def write_heldout(directory: Path, count: int, seed: int) -> tuple[list[str], list[shapes_task.Scene]]:
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("shape-*"):
        old.unlink()
    rng = random.Random(seed)
    files, scenes = [], []
    for i in range(count):
        scene = shapes_task.random_scene(rng)
        img = shapes_task.draw(scene, rng)
        name = f"shape-{i:03d}-{scene.count}-{scene.colour}-{scene.shape}-{scene.background}"
        if i % 4 == 3:
            name += ".jpg"
            img.save(directory / name, "JPEG", quality=90)
        else:
            name += ".png"
            img.save(directory / name, "PNG", optimize=True)
        files.append(name)
        scenes.append(scene)
    return files, scenes


def generate_texts(model, processor, images: list, prompts: list[str], batch: int = 32) -> list[str]:
    """HF generate (greedy, the bundle's defaults) on images and prompts; decoded, stripped texts."""
    processor.tokenizer.padding_side = "left"
    out = []
    for i in range(0, len(images), batch):
        enc = processor(images=images[i:i + batch], text=prompts[i:i + batch], padding=True, return_tensors="pt")
        with torch.no_grad():
            seqs = model.generate(**enc, do_sample=False, num_beams=1, max_new_tokens=20)
        out += [t.strip() for t in processor.tokenizer.batch_decode(seqs[:, enc["input_ids"].shape[1]:],
                                                                     skip_special_tokens=True)]
    return out


def evaluate(model, processor, directory: Path, entries: list[dict]) -> dict:
    """Accuracy of HF generate on the held-out files: captions (exact; colour and shape right) and each
    question kind (exact answer)."""
    from transformers.image_utils import load_image

    images = [load_image(str(directory / e["file"])) for e in entries]
    captions = generate_texts(model, processor, images, [""] * len(images))
    result = {"images": len(entries)}
    result["caption_exact"] = sum(c == e["caption"] for c, e in zip(captions, entries)) / len(entries)
    result["caption_colour_and_shape"] = sum(
        caption_names(c, e) for c, e in zip(captions, entries)) / len(entries)
    for k, kind in enumerate(["colour", "count", "shape", "background"]):
        prompts = [VQA_PROMPT.format(question=e["questions"][k]["question"]) for e in entries]
        got = generate_texts(model, processor, images, prompts)
        result[f"vqa_{kind}"] = sum(g == e["questions"][k]["answer"] for g, e in zip(got, entries)) / len(entries)
    wrong = [(e["file"], c) for c, e in zip(captions, entries) if c != e["caption"]]
    for f, c in wrong[:10]:
        print(f"  caption of {f}: {c!r}", flush=True)
    return result


def caption_names(caption: str, entry: dict) -> bool:
    """The caption names the picture's colour and shape (singular or plural), before "on"."""
    words = caption.split(" on ")[0].split()
    return entry["colour"] in words and any(w.rstrip("s") == entry["shape"] for w in words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("build/shapes-checkpoints/shapes-opt"))
    parser.add_argument("--heldout", type=Path, help="directory for the held-out pictures")
    parser.add_argument("--heldout-count", type=int, default=48)
    parser.add_argument("--answers", type=Path, help="JSON file for the held-out pictures' expected answers")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--heldout-seed", type=int, default=1015)
    parser.add_argument("--images", type=int, default=8000, help="training pictures")
    parser.add_argument("--steps", type=int, default=4000, help="most training steps")
    parser.add_argument("--validate-every", type=int, default=200)
    parser.add_argument("--stop-at", type=float, default=0.99,
                        help="stop once every validation accuracy (captions, each question kind) reaches this")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--schedule", choices=["constant", "invsqrt"], default="invsqrt",
                        help="learning rate after the warm-up")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (one: the run is then the same on any machine with the same torch)")
    args = parser.parse_args()

    started = time.monotonic()
    model, processor = train(args)
    save(model, processor, args.output)
    print(f"checkpoint -> {args.output} ({time.monotonic() - started:.0f}s since start)", flush=True)
    if args.heldout:
        files, scenes = write_heldout(args.heldout, args.heldout_count, args.heldout_seed)
        entries = answers_of(files, scenes)
        accuracy = evaluate(model, processor, args.heldout, entries)
        print(f"held-out accuracy (HF generate): {json.dumps(accuracy)}", flush=True)
        if args.answers:
            doc = {"description": "Expected answers for the held-out shape pictures (never trained on); "
                                  "written by src/test/python/train_shapes_model.py",
                   "images_dir": "images/shapes", "vqa_prompt": VQA_PROMPT,
                   "training": {"seed": args.seed, "heldout_seed": args.heldout_seed, "pictures": args.images,
                                "steps": args.steps, "batch": args.batch, "lr": args.lr},
                   "hf_accuracy": accuracy, "images": entries}
            args.answers.parent.mkdir(parents=True, exist_ok=True)
            args.answers.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
