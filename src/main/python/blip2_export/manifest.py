"""Config -> manifest mapping: the pure half of the bundle contract (src/docs/bundle-format.md).

Everything here works on plain dicts (``Blip2Config.to_dict()``, a generation config dict, an
image processor dict), so it is unit-tested without torch.
"""

from __future__ import annotations

import hashlib
import json

from . import BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, TOOL_NAME, TOOL_VERSION, ExportError

SUPPORTED_FAMILIES = {"opt": "opt", "t5": "t5"}

GRAPH_FILES = {
    "opt": {"vision": "vision.onnx", "embed_tokens": "embed_tokens.onnx", "decoder": "decoder.onnx"},
    "t5": {"vision": "vision.onnx", "encoder": "encoder.onnx", "decoder_init": "decoder_init.onnx",
           "decoder": "decoder.onnx"},
}

PROMPTS = {"caption": "", "vqa": "Question: {question} Answer:",
           "chat_turn": "Question: {question} Answer: {answer}", "chat_separator": " "}

# HF generate's fallbacks when a generation config sets nothing.
GENERATION_DEFAULTS = {"max_new_tokens": 20, "min_new_tokens": 0, "num_beams": 1, "length_penalty": 1.0,
                       "early_stopping": False, "do_sample": False, "temperature": 1.0, "top_k": 50,
                       "top_p": 1.0, "repetition_penalty": 1.0, "no_repeat_ngram_size": 0,
                       "num_return_sequences": 1}

PIL_RESAMPLE = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}


def check_supported(cfg: dict) -> None:
    """Raises ExportError with the reason when ``cfg`` is not a BLIP-2 captioning checkpoint we can export."""
    model_type = cfg.get("model_type")
    if model_type != "blip-2":
        hint = " (InstructBLIP feeds the prompt into the Q-Former; only BLIP-2 is supported)" \
            if model_type and "instructblip" in model_type else ""
        raise ExportError(f"not a BLIP-2 checkpoint: model_type is {model_type!r}, expected 'blip-2'{hint}")
    archs = cfg.get("architectures") or ["Blip2ForConditionalGeneration"]
    if "Blip2ForConditionalGeneration" not in archs:
        raise ExportError(f"unsupported architecture {archs}: only Blip2ForConditionalGeneration has a language "
                          "model to export (Blip2Model / Blip2ForImageTextRetrieval checkpoints do not)")
    lm_family(cfg)
    text = cfg.get("text_config") or {}
    if text.get("model_type") == "opt":
        proj = text.get("word_embed_proj_dim", text.get("hidden_size"))
        if proj != text.get("hidden_size"):
            raise ExportError(f"OPT with word_embed_proj_dim {proj} != hidden_size {text.get('hidden_size')} "
                              "is not supported: the query embeddings would not fit the token embeddings")
    vision = cfg.get("vision_config") or {}
    if vision.get("image_size", 224) % vision.get("patch_size", 14) != 0:
        raise ExportError("vision image_size must be a multiple of patch_size")


def lm_family(cfg: dict) -> str:
    """The bundle family ('opt' or 't5') of a Blip2Config dict."""
    text_type = (cfg.get("text_config") or {}).get("model_type")
    if text_type not in SUPPORTED_FAMILIES:
        raise ExportError(f"unknown language model family {text_type!r}: supported are "
                          f"{sorted(SUPPORTED_FAMILIES)} (OPT decoder-only, T5/Flan-T5 encoder-decoder)")
    return SUPPORTED_FAMILIES[text_type]


def dims_from_config(cfg: dict) -> dict:
    """The manifest's ``dims`` section."""
    family = lm_family(cfg)
    vision, qformer, text = cfg["vision_config"], cfg["qformer_config"], cfg["text_config"]
    if family == "opt":
        hidden, layers, heads = text["hidden_size"], text["num_hidden_layers"], text["num_attention_heads"]
        head_dim = hidden // heads
    else:
        hidden, heads, head_dim = text["d_model"], text["num_heads"], text["d_kv"]
        layers = text.get("num_decoder_layers") or text["num_layers"]
    return {"num_query_tokens": cfg["num_query_tokens"], "vision_hidden_size": vision["hidden_size"],
            "vision_num_layers": vision["num_hidden_layers"], "qformer_hidden_size": qformer["hidden_size"],
            "qformer_num_layers": qformer["num_hidden_layers"], "lm_hidden_size": hidden,
            "lm_num_layers": layers, "lm_num_heads": heads, "lm_head_dim": head_dim,
            "vocab_size": text["vocab_size"], "image_size": vision.get("image_size", 224),
            "patch_size": vision.get("patch_size", 14)}


def _as_list(value) -> list[int]:
    if value is None:
        return []
    return [int(v) for v in value] if isinstance(value, (list, tuple)) else [int(value)]


def tokens_from_config(cfg: dict, generation: dict | None = None) -> dict:
    """The manifest's ``tokens`` section; the LM generation config wins over text_config."""
    family = lm_family(cfg)
    text, generation = cfg["text_config"], generation or {}
    image_token_id = cfg.get("image_token_index", cfg.get("image_token_id"))
    if image_token_id is None:
        raise ExportError("the config has no image_token_index: add the '<image>' token to the tokenizer and set "
                          "image_token_index (newer Salesforce configs have it)")
    eos = _as_list(generation.get("eos_token_id")) or _as_list(text.get("eos_token_id"))
    if not eos:
        raise ExportError("the language model has no eos_token_id")

    def pick(key):
        value = generation.get(key)
        return int(value) if value is not None else (int(text[key]) if text.get(key) is not None else None)

    return {"image_token_id": int(image_token_id),
            "bos_token_id": pick("bos_token_id") if family == "opt" else None,
            "eos_token_ids": eos, "pad_token_id": pick("pad_token_id"),
            "decoder_start_token_id": pick("decoder_start_token_id") if family == "t5" else None}


def generation_defaults(generation: dict | None) -> dict:
    """The manifest's ``generation`` section from a language-model generation config dict.

    HF's ``max_length`` counts the prompt, so it has no new-token equivalent: only
    ``max_new_tokens`` is taken, else 20 (HF's default of 20 + prompt length).
    """
    generation = generation or {}
    out = dict(GENERATION_DEFAULTS)
    for key in out:
        if generation.get(key) is not None:
            out[key] = type(out[key])(generation[key])
    if generation.get("min_new_tokens") is None and generation.get("min_length"):
        out["min_new_tokens"] = int(generation["min_length"])
    return out


def image_section(processor: dict, image_size: int) -> dict:
    """The manifest's ``image`` section from an image processor dict (BlipImageProcessor)."""
    size = processor.get("size") or {"height": image_size, "width": image_size}
    if "shortest_edge" in size:
        size = {"height": size["shortest_edge"], "width": size["shortest_edge"]}
    resample = processor.get("resample", 3)
    return {"height": int(size["height"]), "width": int(size["width"]),
            "do_convert_rgb": bool(processor.get("do_convert_rgb", True)),
            "do_resize": bool(processor.get("do_resize", True)),
            "resample": PIL_RESAMPLE.get(resample, str(resample)), "antialias": True,
            "do_rescale": bool(processor.get("do_rescale", True)),
            "rescale_factor": float(processor.get("rescale_factor", 1 / 255)),
            "do_normalize": bool(processor.get("do_normalize", True)),
            "image_mean": [float(v) for v in processor.get("image_mean", [0.48145466, 0.4578275, 0.40821073])],
            "image_std": [float(v) for v in processor.get("image_std", [0.26862954, 0.26130258, 0.27577711])]}


def kv_names(family: str, num_layers: int, prefix: str) -> list[str]:
    """K/V tensor names in graph order; prefix is 'past_key_values' or 'present'."""
    names = []
    for i in range(num_layers):
        if family == "opt":
            names += [f"{prefix}.{i}.key", f"{prefix}.{i}.value"]
        else:
            names += [f"{prefix}.{i}.decoder.key", f"{prefix}.{i}.decoder.value"]
            if prefix == "past_key_values":
                names += [f"{prefix}.{i}.encoder.key", f"{prefix}.{i}.encoder.value"]
    return names


def decoder_input_names(family: str, num_layers: int) -> list[str]:
    """The ``decoder`` graph's inputs in graph order. T5's ``decoder_attention_mask`` [B, P + 1]
    masks the past self-attention columns plus the new token (left-padded rows: 0 on the pads)."""
    head = (["inputs_embeds", "attention_mask", "position_ids"] if family == "opt"
            else ["decoder_input_ids", "encoder_attention_mask", "decoder_attention_mask"])
    return head + kv_names(family, num_layers, "past_key_values")


def t5_init_present_names(num_layers: int) -> list[str]:
    """decoder_init outputs after logits: self- then cross-attention K/V per layer."""
    return [f"present.{i}.{kind}.{kv}" for i in range(num_layers) for kind in ("decoder", "encoder")
            for kv in ("key", "value")]


def config_sha256(cfg: dict) -> str:
    """SHA-256 of the canonical JSON of a config dict (stable across key order)."""
    return hashlib.sha256(json.dumps(cfg, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def build_manifest(*, name: str, cfg: dict, generation: dict | None, image_processor: dict, dtype: str,
                   opset: int, source: dict, graphs: dict, kv_dtype: str, padding_side: str | None = None,
                   model_max_length: int | None = None, verification: dict | None = None) -> dict:
    """The whole manifest.json content (see src/docs/bundle-format.md)."""
    check_supported(cfg)
    family = lm_family(cfg)
    dims = dims_from_config(cfg)
    return {
        "format": BUNDLE_FORMAT, "format_version": BUNDLE_FORMAT_VERSION, "name": name, "family": family,
        "dtype": dtype, "opset": opset, "tool": {"name": TOOL_NAME, "version": TOOL_VERSION},
        "source": source, "dims": dims, "tokens": tokens_from_config(cfg, generation),
        "tokenizer": {"file": "tokenizer.json",
                      "padding_side": padding_side or ("left" if family == "opt" else "right"),
                      "add_special_tokens": True, "model_max_length": model_max_length},
        "image": image_section(image_processor, dims["image_size"]),
        "prompts": dict(PROMPTS),
        "generation": generation_defaults(generation),
        "kv_cache": {"num_layers": dims["lm_num_layers"], "num_heads": dims["lm_num_heads"],
                     "head_dim": dims["lm_head_dim"], "dtype": kv_dtype},
        "graphs": graphs,
        "verification": verification or {},
    }
