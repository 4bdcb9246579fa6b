"""Self-verification of a bundle: graph outputs against torch, and generation loops on ONNX Runtime.

The loops here are the reference semantics the Java engine implements: the image enters as the
first Q positions (masked scatter of ``<image>`` ids), OPT positions are cumsum(mask) - 1, T5's
encoder gets the text ids after the image tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class LoopTokens:
    """Greedy new tokens per row [B, n], padded with pad after the first eos (HF's layout)."""

    tokens: np.ndarray  # [batch, new_tokens]


def ort_session(path: Path, threads: int = 0):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if threads:
        opts.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def _kv_dtype(session) -> np.dtype:
    for i in session.get_inputs():
        if i.name.startswith("past_key_values"):
            return np.float16 if "float16" in i.type else np.float32
    return np.float32


def _scatter_image(embeds: np.ndarray, input_ids: np.ndarray, image_token_id: int, query: np.ndarray) -> np.ndarray:
    """HF's masked_scatter: the i-th <image> position of a row takes the row's i-th query embedding."""
    out = embeds.copy()  # [batch, seq, D]
    for b in range(input_ids.shape[0]):
        positions = np.nonzero(input_ids[b] == image_token_id)[0]
        out[b, positions] = query[b, : len(positions)]
    return out


def _finish(step_tokens: list[np.ndarray]) -> np.ndarray:
    return np.stack(step_tokens, axis=1) if step_tokens else np.zeros((0, 0), dtype=np.int64)


def greedy_opt(sessions: dict, pixel_values: np.ndarray, input_ids: np.ndarray, attention_mask: np.ndarray,
               tokens: dict, dims: dict, max_new_tokens: int) -> LoopTokens:
    """Greedy decoding with the OPT graphs (vision, embed_tokens, decoder)."""
    query = sessions["vision"].run(None, {"pixel_values": pixel_values.astype(np.float32)})[0]  # [batch, Q, D]
    embeds = sessions["embed_tokens"].run(None, {"input_ids": input_ids})[0]  # [batch, seq, D]
    embeds = _scatter_image(embeds, input_ids, tokens["image_token_id"], query)
    decoder = sessions["decoder"]
    kv_dtype = _kv_dtype(decoder)
    B = input_ids.shape[0]
    L, H, d = dims["lm_num_layers"], dims["lm_num_heads"], dims["lm_head_dim"]
    past = {f"past_key_values.{i}.{kv}": np.zeros((B, H, 0, d), kv_dtype) for i in range(L) for kv in ("key", "value")}
    mask = attention_mask.astype(np.int64)  # [batch, total]
    positions = np.maximum(np.cumsum(mask, axis=1) - 1, 0)  # [batch, seq]
    eos, pad = set(tokens["eos_token_ids"]), tokens["pad_token_id"]
    done = np.zeros(B, dtype=bool)
    out = []
    for _ in range(max_new_tokens):
        results = decoder.run(None, {"inputs_embeds": embeds, "attention_mask": mask, "position_ids": positions, **past})
        next_ids = results[0].argmax(axis=-1).astype(np.int64)  # [batch]
        next_ids = np.where(done, pad, next_ids)
        out.append(next_ids)
        done |= np.isin(next_ids, list(eos))
        if done.all():
            break
        names = [o.name for o in decoder.get_outputs()][1:]
        past = {n.replace("present", "past_key_values"): r for n, r in zip(names, results[1:])}
        positions = positions[:, -1:] + 1  # [batch, 1]
        mask = np.concatenate([mask, np.ones((B, 1), np.int64)], axis=1)
        embeds = sessions["embed_tokens"].run(None, {"input_ids": next_ids[:, None]})[0]  # [batch, 1, D]
    return LoopTokens(_finish(out))


def greedy_t5(sessions: dict, pixel_values: np.ndarray, input_ids: np.ndarray, attention_mask: np.ndarray,
              tokens: dict, dims: dict, max_new_tokens: int) -> LoopTokens:
    """Greedy decoding with the T5 graphs (vision, encoder, decoder_init, decoder)."""
    Q = dims["num_query_tokens"]
    query = sessions["vision"].run(None, {"pixel_values": pixel_values.astype(np.float32)})[0]  # [batch, Q, D]
    text_ids, text_mask = input_ids[:, Q:], attention_mask[:, Q:].astype(np.int64)  # [batch, S]
    enc = sessions["encoder"].run(None, {"query_embeds": query, "input_ids": text_ids,
                                         "attention_mask": text_mask})[0]  # [batch, Q + S, D]
    enc_mask = np.concatenate([np.ones((input_ids.shape[0], Q), np.int64), text_mask], axis=1)  # [batch, E]
    B = input_ids.shape[0]
    ids = np.full((B, 1), tokens["decoder_start_token_id"], np.int64)  # [batch, 1]
    init = sessions["decoder_init"]
    results = init.run(None, {"decoder_input_ids": ids, "encoder_hidden_states": enc, "encoder_attention_mask": enc_mask})
    names = [o.name for o in init.get_outputs()][1:]
    present = dict(zip(names, results[1:]))
    eos, pad = set(tokens["eos_token_ids"]), tokens["pad_token_id"]
    done = np.zeros(B, dtype=bool)
    out = []
    logits = results[0]
    decoder = sessions["decoder"]
    dec_out_names = [o.name for o in decoder.get_outputs()][1:]
    for step in range(max_new_tokens):
        next_ids = logits.argmax(axis=-1).astype(np.int64)  # [batch]
        next_ids = np.where(done, pad, next_ids)
        out.append(next_ids)
        done |= np.isin(next_ids, list(eos))
        if done.all() or step == max_new_tokens - 1:
            break
        past_len = present["present.0.decoder.key"].shape[2]  # P: self-attention K/V so far
        feeds = {"decoder_input_ids": next_ids[:, None], "encoder_attention_mask": enc_mask,
                 "decoder_attention_mask": np.ones((B, past_len + 1), np.int64)}  # [batch, P + 1]
        feeds.update({n.replace("present", "past_key_values"): v for n, v in present.items()})
        results = decoder.run(None, feeds)
        logits = results[0]
        present.update(dict(zip(dec_out_names, results[1:])))
    return LoopTokens(_finish(out))


def greedy(family: str, sessions: dict, *args, **kwargs) -> LoopTokens:
    return (greedy_opt if family == "opt" else greedy_t5)(sessions, *args, **kwargs)


def hf_new_tokens(family: str, sequences: np.ndarray, input_len: int) -> np.ndarray:
    """New tokens of HF generate's output: OPT returns the prompt too, T5 the decoder start."""
    return sequences[:, input_len:] if family == "opt" else sequences[:, 1:]


def max_abs_diff(reference: list[np.ndarray], actual: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(r.astype(np.float64) - a.astype(np.float64)))) if r.size else 0.0
               for r, a in zip(reference, actual))


def token_agreement(reference: np.ndarray, actual: np.ndarray) -> float:
    """Fraction of positions (over the longer of the two) where both loops chose the same token."""
    n = max(reference.shape[1], actual.shape[1])
    if n == 0:
        return 1.0
    pad = lambda a: np.pad(a, ((0, 0), (0, n - a.shape[1])), constant_values=-1)  # noqa: E731
    return float(np.mean(pad(reference) == pad(actual)))
