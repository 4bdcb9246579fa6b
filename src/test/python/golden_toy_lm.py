"""Golden outputs of Hugging Face `generate` on a tiny deterministic toy language model.

The toy LM has no weights to learn: its next-token logits are a float32 function of the row's
(unpadded) token history,

    logits = (A[last] + B[prev]) + C[n % PERIOD]

with `last` / `prev` the last two attended tokens (prev = 0 when there is only one) and `n` the
number of attended tokens. The tables are drawn once from a fixed seed, and written out with the
results, so the Java tests rebuild the same model bit for bit.

Writes src/test/resources/golden/generation-toy.json:
  - "cases": HF `generate` (greedy and beam search) for many option combinations;
  - "processor_cases": HF's sampling warpers (temperature, top_k, top_p, ...) on fixed score rows.

Regenerate (from the repository root):
    bash ../shared/refenv/run.sh python3 src/test/python/golden_toy_lm.py
"""
import json
import math
import os
import sys

import numpy as np
import torch
import transformers
from transformers import GenerationConfig, GenerationMixin, PretrainedConfig, PreTrainedModel
from transformers.generation.logits_process import (
    LogitsProcessorList,
    MinNewTokensLengthLogitsProcessor,
    NoRepeatNGramLogitsProcessor,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)
from transformers.modeling_outputs import CausalLMOutput

VOCAB = 50
PERIOD = 5
PAD, BOS, EOS, EOS2 = 1, 2, 3, 7
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "golden", "generation-toy.json")


def make_tables():
    rng = np.random.default_rng(20240611)
    a = rng.normal(0.0, 0.8, (VOCAB, VOCAB))
    b = rng.normal(0.0, 0.5, (VOCAB, VOCAB))
    c = rng.normal(0.0, 0.4, (PERIOD, VOCAB))
    a[:, EOS] += 1.6   # eos events within a dozen steps
    a[:, EOS2] += 1.0
    a[:, PAD] -= 4.0   # the pad id is (almost) never generated
    return a.astype(np.float32), b.astype(np.float32), c.astype(np.float32)


class ToyConfig(PretrainedConfig):
    model_type = "blip2-stream-toy-lm"

    def __init__(self, vocab_size=VOCAB, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size


class ToyLM(PreTrainedModel, GenerationMixin):
    config_class = ToyConfig

    def __init__(self, config, a, b, c):
        super().__init__(config)
        self.register_buffer("a", torch.from_numpy(a))
        self.register_buffer("b", torch.from_numpy(b))
        self.register_buffer("c", torch.from_numpy(c))
        self.anchor = torch.nn.Parameter(torch.zeros(1))  # gives the model a device and dtype

    def forward(self, input_ids, attention_mask=None, **kwargs):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        rows = []
        for ids, mask in zip(input_ids, attention_mask):
            toks = ids[mask.bool()].tolist()
            last = toks[-1]
            prev = toks[-2] if len(toks) >= 2 else 0
            rows.append((self.a[last] + self.b[prev]) + self.c[len(toks) % PERIOD])
        logits = torch.stack(rows)[:, None, :]  # [batch, 1, vocab]
        return CausalLMOutput(logits=logits)

    def prepare_inputs_for_generation(self, input_ids, attention_mask=None, **kwargs):
        return {"input_ids": input_ids, "attention_mask": attention_mask}


def left_pad(prompts):
    width = max(len(p) for p in prompts)
    ids = [[PAD] * (width - len(p)) + p for p in prompts]
    mask = [[0] * (width - len(p)) + [1] * len(p) for p in prompts]
    return torch.tensor(ids), torch.tensor(mask)


PROMPTS = {
    "three": [[BOS, 11, 12, 13], [BOS, 20], [BOS, 30, 31, 32, 33, 34, 35]],
    "one": [[BOS, 40, 41]],
    "start": [[0]],
    "repeats": [[BOS, 11, 12, 11, 12, 11], [BOS, 5, 6]],
    "pads": [[PAD, PAD, BOS, 9], [BOS, 9, 10, 11, 12]],
}


def run_case(model, name, prompts_key, opts, eos):
    prompts = PROMPTS[prompts_key]
    ids, mask = left_pad(prompts)
    width = ids.shape[1]
    cfg = GenerationConfig(
        do_sample=False, num_beams=opts.get("num_beams", 1), max_new_tokens=opts["max_new_tokens"],
        min_new_tokens=opts.get("min_new_tokens", 0), length_penalty=opts.get("length_penalty", 1.0),
        early_stopping=opts.get("early_stopping", False), repetition_penalty=opts.get("repetition_penalty", 1.0),
        no_repeat_ngram_size=opts.get("no_repeat_ngram_size", 0),
        num_return_sequences=opts.get("num_return_sequences", 1), pad_token_id=PAD, bos_token_id=BOS,
        eos_token_id=eos, use_cache=False, return_dict_in_generate=True, output_scores=True)
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=mask, generation_config=cfg)
    nrs = cfg.num_return_sequences
    beams = cfg.num_beams > 1
    results = []
    for r in range(len(prompts)):
        seqs = []
        for j in range(nrs):
            k = r * nrs + j
            new = out.sequences[k, width:].tolist()
            if beams:
                length = int((out.beam_indices[k] != -1).sum())
                new = new[:length]
            else:
                for i, t in enumerate(new):
                    if t in eos:
                        new = new[:i + 1]
                        break
            seq = {"tokens": new, "finish_reason": "eos" if new and new[-1] in eos else "length"}
            if beams:
                seq["score"] = float(out.sequences_scores[k])
            seqs.append(seq)
        results.append(seqs)
    context = ids.tolist()
    return {"name": name, "prompts": prompts, "context_ids": context, "eos_token_ids": eos,
            "early_stopping": opts.get("early_stopping", False),
            "options": {k: v for k, v in opts.items() if k != "early_stopping"}, "results": results}


def generation_cases(model):
    cases = []
    one_eos, two_eos = [EOS], [EOS, EOS2]

    def add(name, prompts, opts, eos=one_eos):
        cases.append(run_case(model, name, prompts, opts, eos))

    for p in PROMPTS:
        add(f"greedy-{p}", p, {"max_new_tokens": 12})
    add("greedy-two-eos", "three", {"max_new_tokens": 12}, two_eos)
    add("greedy-no-eos", "three", {"max_new_tokens": 9}, [])
    add("greedy-min-new-5", "three", {"max_new_tokens": 12, "min_new_tokens": 5})
    add("greedy-min-new-4-two-eos", "three", {"max_new_tokens": 12, "min_new_tokens": 4}, two_eos)
    for rp in (1.3, 0.8, 2.0):
        add(f"greedy-rep-{rp}", "repeats", {"max_new_tokens": 14, "repetition_penalty": rp})
        add(f"greedy-rep-{rp}-pads", "pads", {"max_new_tokens": 10, "repetition_penalty": rp})
    for n in (1, 2, 3):
        add(f"greedy-ngram-{n}", "repeats", {"max_new_tokens": 14, "no_repeat_ngram_size": n}, [])
    add("greedy-all", "three", {"max_new_tokens": 16, "min_new_tokens": 3, "repetition_penalty": 1.2,
                                 "no_repeat_ngram_size": 2}, two_eos)

    for nb in (2, 3, 4):
        for lp in (0.0, 1.0, 2.0, -1.0):
            for es in (True, False, "never"):
                add(f"beam{nb}-lp{lp}-es{es}", "three",
                    {"max_new_tokens": 14, "num_beams": nb, "length_penalty": lp, "early_stopping": es,
                     "num_return_sequences": nb})
    for es in (False, "never"):
        add(f"beam3-lp0.6-es{es}", "three", {"max_new_tokens": 14, "num_beams": 3, "length_penalty": 0.6,
                                            "early_stopping": es, "num_return_sequences": 3}, two_eos)
    for nb in (2, 4):
        add(f"beam{nb}-one", "one", {"max_new_tokens": 12, "num_beams": nb})
        add(f"beam{nb}-start", "start", {"max_new_tokens": 12, "num_beams": nb, "num_return_sequences": 2})
        add(f"beam{nb}-two-eos", "three", {"max_new_tokens": 10, "num_beams": nb, "num_return_sequences": 2}, two_eos)
        add(f"beam{nb}-no-eos", "three", {"max_new_tokens": 8, "num_beams": nb, "num_return_sequences": nb}, [])
        add(f"beam{nb}-min-new-6", "three", {"max_new_tokens": 12, "num_beams": nb, "min_new_tokens": 6})
        add(f"beam{nb}-rep-1.5", "repeats", {"max_new_tokens": 12, "num_beams": nb, "repetition_penalty": 1.5,
                                             "num_return_sequences": nb})
        add(f"beam{nb}-rep-0.7", "pads", {"max_new_tokens": 10, "num_beams": nb, "repetition_penalty": 0.7})
        add(f"beam{nb}-ngram-2", "repeats", {"max_new_tokens": 12, "num_beams": nb, "no_repeat_ngram_size": 2,
                                             "num_return_sequences": nb})
        add(f"beam{nb}-ngram-3-never", "three", {"max_new_tokens": 12, "num_beams": nb, "no_repeat_ngram_size": 3,
                                                 "early_stopping": "never", "length_penalty": 1.5})
        add(f"beam{nb}-long", "three", {"max_new_tokens": 24, "num_beams": nb, "num_return_sequences": nb,
                                        "length_penalty": 0.5}, two_eos)
        add(f"beam{nb}-all", "pads", {"max_new_tokens": 16, "num_beams": nb, "min_new_tokens": 2,
                                      "repetition_penalty": 1.2, "no_repeat_ngram_size": 2, "early_stopping": True,
                                      "num_return_sequences": 2}, two_eos)
    return cases


def processor_cases():
    """HF's processor list (sampling variant) on fixed score rows: the Java warpers must agree."""
    rng = np.random.default_rng(7)
    cases = []
    specs = [
        {"temperature": 0.7}, {"top_k": 5}, {"top_k": 1}, {"top_p": 0.9}, {"top_p": 0.5}, {"top_p": 0.05},
        {"temperature": 1.5, "top_k": 10, "top_p": 0.8}, {"top_k": 3, "beam": True},
        {"top_p": 0.2, "beam": True, "eos": [EOS, EOS2]},
        {"repetition_penalty": 1.4, "no_repeat_ngram_size": 2, "min_new_tokens": 3, "top_k": 8, "top_p": 0.7},
    ]
    for i, spec in enumerate(specs):
        for scale in (0.5, 3.0):
            scores = (rng.normal(0.0, scale, (2, VOCAB))).astype(np.float32)
            scores[1, 5] = scores[1, 6]  # a tie
            history = [[BOS, 11, 12, 11, 12], [BOS, 4, 5, 6]]
            eos = spec.get("eos", [EOS])
            beam = spec.get("beam", False)
            keep = len(eos) + 1 if beam else 1
            procs = LogitsProcessorList()
            if spec.get("repetition_penalty", 1.0) != 1.0:
                procs.append(RepetitionPenaltyLogitsProcessor(spec["repetition_penalty"]))
            if spec.get("no_repeat_ngram_size", 0):
                procs.append(NoRepeatNGramLogitsProcessor(spec["no_repeat_ngram_size"]))
            if spec.get("min_new_tokens", 0):
                procs.append(MinNewTokensLengthLogitsProcessor(3, spec["min_new_tokens"], eos))
            if spec.get("temperature", 1.0) != 1.0:
                procs.append(TemperatureLogitsWarper(spec["temperature"]))
            if spec.get("top_k", 0):
                procs.append(TopKLogitsWarper(spec["top_k"], min_tokens_to_keep=keep))
            if spec.get("top_p", 1.0) < 1.0:
                procs.append(TopPLogitsWarper(spec["top_p"], min_tokens_to_keep=keep))
            width = max(len(h) for h in history)
            ids = torch.tensor([[PAD] * (width - len(h)) + h for h in history])
            processed = procs(ids, torch.from_numpy(scores.copy()))
            cases.append({"name": f"proc{i}-scale{scale}", "spec": spec, "eos_token_ids": eos,
                          "context_ids": ids.tolist(), "prompt_length": 3,
                          "scores": [[float(x) for x in row] for row in scores],
                          "processed": [[None if math.isinf(float(x)) else float(x) for x in row] for row in processed]})
    return cases


def main():
    torch.manual_seed(0)
    a, b, c = make_tables()
    model = ToyLM(ToyConfig(pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS), a, b, c).eval()
    cases = generation_cases(model)
    doc = {
        "description": "HF generate on the toy LM logits = (A[last] + B[prev]) + C[n % period], float32; "
                       "regenerate: bash ../shared/refenv/run.sh python3 src/test/python/golden_toy_lm.py",
        "transformers_version": transformers.__version__, "torch_version": torch.__version__,
        "vocab_size": VOCAB, "period": PERIOD, "pad_token_id": PAD, "bos_token_id": BOS,
        "tables": {"a": [[float(x) for x in r] for r in a], "b": [[float(x) for x in r] for r in b],
                   "c": [[float(x) for x in r] for r in c]},
        "cases": cases, "processor_cases": processor_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    finishes = [s["finish_reason"] for cs in cases for r in cs["results"] for s in r]
    print(f"{len(cases)} generation cases, {len(doc['processor_cases'])} processor cases, "
          f"{finishes.count('eos')} eos / {finishes.count('length')} length finishes -> {os.path.normpath(OUT)}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
