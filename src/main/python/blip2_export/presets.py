"""Built-in model presets for ``--random-weights`` (pure data, no torch needed).

The four official variants carry the real dimensions of the Salesforce checkpoints; ``medium-*``
are mid-sized models for benchmarks; ``tiny-*`` are the test-bundle shapes (224-px images,
14-px patches, 32 query tokens, tiny widths).
"""

from __future__ import annotations

import copy

# Vision tower and Q-Former of every official BLIP-2 checkpoint (EVA ViT-g/14 + BERT-base Q-Former).
_VISION_G = {"hidden_size": 1408, "intermediate_size": 6144, "num_hidden_layers": 39,
             "num_attention_heads": 16, "image_size": 224, "patch_size": 14, "layer_norm_eps": 1e-6,
             "qkv_bias": True, "hidden_act": "gelu"}
_QFORMER_BASE = {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                 "num_attention_heads": 12, "cross_attention_frequency": 2, "vocab_size": 30522,
                 "encoder_hidden_size": 1408}


def _opt(hidden: int, layers: int, heads: int, ffn: int, vocab: int = 50272, tie: bool = True) -> dict:
    return {"model_type": "opt", "hidden_size": hidden, "word_embed_proj_dim": hidden,
            "num_hidden_layers": layers, "num_attention_heads": heads, "ffn_dim": ffn,
            "vocab_size": vocab, "max_position_embeddings": 2048, "do_layer_norm_before": True,
            "bos_token_id": 2, "pad_token_id": 1, "eos_token_id": 50118, "tie_word_embeddings": tie}


def _t5(d_model: int, layers: int, heads: int, d_kv: int, d_ff: int, vocab: int = 32128) -> dict:
    return {"model_type": "t5", "d_model": d_model, "d_kv": d_kv, "d_ff": d_ff, "num_layers": layers,
            "num_decoder_layers": layers, "num_heads": heads, "vocab_size": vocab,
            "feed_forward_proj": "gated-gelu", "relative_attention_num_buckets": 32,
            "relative_attention_max_distance": 128, "tie_word_embeddings": False,
            "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0}


def _small_vision(hidden: int, layers: int, heads: int) -> dict:
    return {"hidden_size": hidden, "intermediate_size": 4 * hidden, "num_hidden_layers": layers,
            "num_attention_heads": heads, "image_size": 224, "patch_size": 14, "layer_norm_eps": 1e-6,
            "qkv_bias": True, "hidden_act": "gelu"}


def _small_qformer(hidden: int, layers: int, heads: int, vision_hidden: int) -> dict:
    return {"hidden_size": hidden, "intermediate_size": 4 * hidden, "num_hidden_layers": layers,
            "num_attention_heads": heads, "cross_attention_frequency": 1, "vocab_size": 64,
            "encoder_hidden_size": vision_hidden}


PRESETS: dict[str, dict] = {
    "blip2-opt-2.7b": {"vision_config": _VISION_G, "qformer_config": _QFORMER_BASE,
                       "text_config": _opt(2560, 32, 32, 10240), "num_query_tokens": 32,
                       "image_token_index": 50265},
    "blip2-opt-6.7b": {"vision_config": _VISION_G, "qformer_config": _QFORMER_BASE,
                       "text_config": _opt(4096, 32, 32, 16384), "num_query_tokens": 32,
                       "image_token_index": 50265},
    "blip2-flan-t5-xl": {"vision_config": _VISION_G, "qformer_config": _QFORMER_BASE,
                         "text_config": _t5(2048, 24, 32, 64, 5120), "num_query_tokens": 32,
                         "image_token_index": 32100},
    "blip2-flan-t5-xxl": {"vision_config": _VISION_G, "qformer_config": _QFORMER_BASE,
                          "text_config": _t5(4096, 24, 64, 64, 10240), "num_query_tokens": 32,
                          "image_token_index": 32100},
    "medium-opt": {"vision_config": _small_vision(256, 4, 4), "qformer_config": _small_qformer(256, 4, 4, 256),
                   "text_config": _opt(512, 6, 8, 2048), "num_query_tokens": 32, "image_token_index": 50265},
    # medium-opt with a 2,048-token vocabulary: the LM head no longer dominates decoding, so the
    # vision stage and the decoder layers show in end-to-end figures
    "medium-opt-v2k": {"vision_config": _small_vision(256, 4, 4), "qformer_config": _small_qformer(256, 4, 4, 256),
                       "text_config": {**_opt(512, 6, 8, 2048, vocab=2048), "eos_token_id": 4},
                       "num_query_tokens": 32, "image_token_index": 2047},
    "medium-t5": {"vision_config": _small_vision(256, 4, 4), "qformer_config": _small_qformer(256, 4, 4, 256),
                  "text_config": _t5(512, 6, 8, 64, 1024), "num_query_tokens": 32, "image_token_index": 32100},
}

# Tiny test shapes, 1024-token vocabularies ("<image>" last; OPT's eos, the newline, at 4). The
# test bundles replace vocabulary and ids with those of their trained tokenizers (with_vocab()).
TINY_PRESETS: dict[str, dict] = {
    "tiny-opt": {"vision_config": _small_vision(32, 2, 2), "qformer_config": _small_qformer(32, 2, 2, 32),
                 "text_config": {**_opt(64, 2, 4, 128, vocab=1024, tie=False), "max_position_embeddings": 256,
                                 "eos_token_id": 4},
                 "num_query_tokens": 32, "image_token_index": 1023},
    "tiny-opt-tied": {"vision_config": _small_vision(32, 2, 2), "qformer_config": _small_qformer(32, 2, 2, 32),
                      "text_config": {**_opt(64, 2, 4, 128, vocab=1024, tie=True), "max_position_embeddings": 256,
                                      "eos_token_id": 4},
                      "num_query_tokens": 32, "image_token_index": 1023},
    "tiny-t5": {"vision_config": _small_vision(32, 2, 2), "qformer_config": _small_qformer(32, 2, 2, 32),
                "text_config": _t5(64, 2, 4, 16, 128, vocab=1024), "num_query_tokens": 32, "image_token_index": 1023},
}


def preset_names() -> list[str]:
    """Names accepted by ``--random-weights``."""
    return sorted(PRESETS) + sorted(TINY_PRESETS)


def preset_config(name: str) -> dict:
    """A ``Blip2Config`` dict for preset ``name`` (a deep copy: callers may change it)."""
    table = PRESETS if name in PRESETS else TINY_PRESETS
    if name not in table:
        raise KeyError(f"unknown preset {name!r}; known presets: {', '.join(preset_names())}")
    cfg = copy.deepcopy(table[name])
    cfg["model_type"] = "blip-2"
    cfg["architectures"] = ["Blip2ForConditionalGeneration"]
    cfg["qformer_config"]["encoder_hidden_size"] = cfg["vision_config"]["hidden_size"]
    return cfg


def with_vocab(cfg: dict, vocab_size: int, image_token_id: int, **token_ids: int) -> dict:
    """Sets the LM vocabulary size, the ``<image>`` id and special ids (bos/eos/pad/...) of a config dict."""
    out = copy.deepcopy(cfg)
    out["text_config"]["vocab_size"] = vocab_size
    out["text_config"].update(token_ids)
    out["image_token_index"] = image_token_id
    return out
