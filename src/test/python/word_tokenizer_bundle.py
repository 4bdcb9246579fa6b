"""A copy of an OPT-family bundle whose tokenizer splits English into words, for benchmarks.

Random-weight bundles exported without a tokenizer (the ``medium-*`` presets) get the export
tool's synthetic byte-level tokenizer: one token per byte, so a prompt runs to about four times as
many positions as with BLIP-2's own BPE tokenizer (GPT-2's merges, which OPT uses). That inflates
what prefills cost. This script makes a copy of such a bundle (its graphs hard-linked) whose
``tokenizer.json`` keeps every id of the original (specials, ``<image>``, eos) and adds BPE
merges, trained on the tiny tokenizers' English corpus plus the prompts of ``bench --workload
mixed``, so that each word of those prompts is one token, as GPT-2's BPE makes it:
"Question: What colour is the largest shape? Answer:" is 12 tokens (52 bytes), the mixed
workload's chat turn 48 (210 bytes). The merged tokens take the ids of the ``<extra_N>`` fillers.

Run inside the reference environment, from the repository root:

    bash ../shared/refenv/run.sh python3 src/test/python/word_tokenizer_bundle.py build/medium-opt build/medium-opt-words
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from tiny_tokenizers import training_text  # noqa: E402

# The mixed workload's prompt texts (io.blip2stream.cli.MixedWorkload), formatted as the bundle does.
MIXED_PROMPTS = [
    "Question: What colour is the largest shape? Answer:",
    "Question: What is in this picture? Answer: Some shapes on a plain background. "
    "Question: What colours are they? Answer: Red, green and blue. "
    "Question: Describe how they are arranged, from left to right. Answer:",
]


def word_merges() -> list:
    """Byte-level BPE merges over the corpus (deterministic: the BPE trainer is)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=12000, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(training_text() + MIXED_PROMPTS * 50, trainer=trainer)
    return json.loads(tok.to_str())["model"]["merges"]


def with_merges(tokenizer: dict, merges: list) -> dict:
    """``tokenizer`` (a byte-level BPE without merges) with ``merges``; merged tokens take filler ids."""
    vocab = dict(tokenizer["model"]["vocab"])
    fillers = sorted((i, k) for k, i in vocab.items() if k.startswith("<extra_"))
    free = iter(fillers)
    for m in merges:
        a, b = m if isinstance(m, list) else m.split(" ")
        if a + b not in vocab:
            i, filler = next(free)
            del vocab[filler]
            vocab[a + b] = i
    out = dict(tokenizer)
    out["model"] = dict(tokenizer["model"], vocab=vocab, merges=merges)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = Path(argv[0]), Path(argv[1])
    manifest = json.loads((src / "manifest.json").read_text())
    if manifest.get("family") != "opt":
        print(f"{src}: an OPT bundle is needed (family {manifest.get('family')})", file=sys.stderr)
        return 2
    tokenizer = json.loads((src / manifest["tokenizer"]["file"]).read_text())
    if tokenizer["model"].get("merges"):
        print(f"{src}: its tokenizer already has merges", file=sys.stderr)
        return 2
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.suffix == ".onnx" or f.name.endswith(".onnx.data"):
            target = dst / f.name
            if target.exists():
                target.unlink()
            try:
                os.link(f, target)
            except OSError:
                shutil.copy2(f, target)
    (dst / manifest["tokenizer"]["file"]).write_text(
        json.dumps(with_merges(tokenizer, word_merges()), ensure_ascii=False))
    manifest["name"] = manifest["name"] + "-words"
    (dst / "manifest.json").write_text(json.dumps(manifest, indent=2))

    from tokenizers import Tokenizer
    before = Tokenizer.from_file(str(src / manifest["tokenizer"]["file"]))
    after = Tokenizer.from_file(str(dst / manifest["tokenizer"]["file"]))
    for text in MIXED_PROMPTS:
        print(f"{len(before.encode(text).ids):4d} -> {len(after.encode(text).ids):3d} tokens: {text[:50]}...")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
