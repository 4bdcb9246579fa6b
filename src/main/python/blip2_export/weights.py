"""Random weights that make a BLIP-2 model's outputs depend on the image.

The stock initialisation of ``Blip2ForConditionalGeneration`` puts ~1e-10 weights in the vision
tower and zeros in ``query_tokens``: every image then gives the same answer. ``rerandomize``
draws every parameter again at a variance-preserving scale instead.
"""

from __future__ import annotations

import math

import torch


def rerandomize(model, seed: int, residual_gain: float = 1.0) -> None:
    """Redraws all parameters of ``model`` in place, deterministically from ``seed``.

    Matrices and embeddings get N(0, 1/fan_in); norm weights 1 + N(0, 0.1); biases N(0, 0.02).
    ``residual_gain`` scales the output projections of attention and MLP blocks (fc2, out_proj,
    o, wo, dense) so the layers, not the embedding of the last token, dominate the residual
    stream (needed when lm_head is tied to the embeddings).
    """
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in sorted(model.named_parameters(remove_duplicate=True), key=lambda kv: kv[0]):
            shape = param.shape
            if param.dim() >= 2:
                fan_in = shape[1:].numel() if param.dim() > 2 else shape[-1]
                if name.endswith("query_tokens"):
                    fan_in = 1
                std = 1.0 / math.sqrt(fan_in)
                if residual_gain != 1.0 and _is_output_projection(name):
                    std *= residual_gain
                value = torch.randn(shape, generator=gen) * std
            elif name.endswith("bias"):
                value = torch.randn(shape, generator=gen) * 0.02
            else:
                value = 1.0 + torch.randn(shape, generator=gen) * 0.1
            param.copy_(value.to(param.dtype))


def _is_output_projection(name: str) -> bool:
    parts = name.split(".")
    return any(p in ("fc2", "out_proj", "o", "wo") for p in parts) and "language_model" in name


def untie_lm_head(model, seed: int) -> None:
    """Gives the language model an lm_head of its own, drawn at random (Flan-T5 / untied OPT style)."""
    lm = model.language_model
    head = lm.get_output_embeddings()
    if head.weight.data_ptr() != lm.get_input_embeddings().weight.data_ptr():
        return
    gen = torch.Generator().manual_seed(seed)
    shape = head.weight.shape
    head.weight = torch.nn.Parameter(torch.randn(shape, generator=gen) / math.sqrt(shape[1]))


def is_lm_head_tied(model) -> bool:
    lm = model.language_model
    return lm.get_output_embeddings().weight.data_ptr() == lm.get_input_embeddings().weight.data_ptr()
