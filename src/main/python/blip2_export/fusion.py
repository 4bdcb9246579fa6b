"""Fused operators for the vision graph of an fp32 bundle (ONNX Runtime's com.microsoft contrib ops).

The vision tower is most of the vision stage, and ONNX Runtime runs the plain export of its
attention as a dozen small operators per layer (packed QKV MatMul, bias Add, Reshape, Transpose,
three Gathers, scaled Q·Kᵀ, Softmax, ·V, Transpose, Reshape): the transposes and the bias add cost
as much as the attention's own GEMMs. Two rewrites make it a few large operators:

1. ``fused_vision_attention(model)``: while exporting, every ``Blip2Attention`` of the vision tower
   emits one ``com.microsoft::Attention`` node (QKV GEMM with bias, per-head softmax(Q·Kᵀ·scale)·V,
   heads merged: exactly the module's math, no mask) followed by the module's own output
   projection. Torch computes the same function in eager mode, so the export's verification
   compares the fused graph with HF's modules as before.
2. ``python3 -m blip2_export.fusion SRC DST HEADS HIDDEN`` (run in a process of its own, as ONNX's
   shape inference requires; see quantize_int8.py): ONNX Runtime's transformer optimizer folds each
   residual Add + LayerNormalization into ``SkipLayerNormalization`` and each bias Add + erf GELU
   into ``BiasGelu``.

Both are CPU and CUDA kernels of every ONNX Runtime build since 1.10 and work for float32 only,
so the export applies them to fp32 bundles (int8 and fp16 bundles keep the plain graph).
"""

from __future__ import annotations

import contextlib
import sys

from . import needs_external_data


def _attention_function():
    import torch

    class VisionAttention(torch.autograd.Function):
        """hidden [B,S,D], weight [D,3D] (in x out: Q | K | V, heads contiguous), bias [3D] -> [B,S,D]."""

        @staticmethod
        def forward(ctx, hidden, weight, bias, num_heads: int, scale: float):
            b, s, d = hidden.shape
            qkv = torch.matmul(hidden, weight) + bias                                 # [B, S, 3D]
            qkv = qkv.reshape(b, s, 3, num_heads, d // num_heads).permute(2, 0, 3, 1, 4)  # [3, B, H, S, d]
            q, k, v = qkv[0], qkv[1], qkv[2]                                          # [B, H, S, d]
            probs = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * scale, dim=-1)  # [B, H, S, S]
            return torch.matmul(probs, v).transpose(1, 2).reshape(b, s, d)            # [B, S, D]

        @staticmethod
        def symbolic(g, hidden, weight, bias, num_heads: int, scale: float):
            out = g.op("com.microsoft::Attention", hidden, weight, bias, num_heads_i=num_heads, scale_f=scale)
            out.setType(hidden.type())
            return out

    return VisionAttention


@contextlib.contextmanager
def fused_vision_attention(model):
    """While active, each vision-tower ``Blip2Attention`` of ``model`` runs (and exports) as one
    fused Attention node plus its projection. Restores the original forwards on exit."""
    import torch

    function = _attention_function()
    patched = []
    for module in model.vision_model.modules():
        if type(module).__name__ != "Blip2Attention":
            continue

        def forward(hidden_states, *args, _m=module, **kwargs):
            d = _m.embed_dim
            weight = _m.qkv.weight.t()                                             # [D, 3D]
            bias = _m.qkv.bias if _m.qkv.bias is not None else torch.zeros(3 * d, dtype=hidden_states.dtype)
            out = function.apply(hidden_states, weight, bias, _m.num_heads, float(_m.scale))  # [B, S, D]
            return _m.projection(out), None

        module.forward = forward
        patched.append(module)
    try:
        yield len(patched)
    finally:
        for module in patched:
            del module.forward   # back to the class's forward


def fuse_layer_norms(src: str, dst: str, num_heads: int, hidden: int) -> dict:
    """SkipLayerNormalization and BiasGelu through ONNX Runtime's transformer optimizer; returns its counts."""
    import onnx.shape_inference

    from .quantize_int8 import _infer_shapes

    # ONNX's C++ shape inference crashes, in a process that has loaded onnxruntime, on a model
    # holding com.microsoft nodes (the fused Attention): such models go to a child process; the
    # many one-node models of the optimizer's symbolic shape inference stay in this one.
    in_process = onnx.shape_inference.infer_shapes

    def infer_shapes(model, *args, **kwargs):
        if any(n.domain not in ("", "ai.onnx") for n in model.graph.node):
            return _infer_shapes(model)
        return in_process(model, *args, **kwargs)

    onnx.shape_inference.infer_shapes = infer_shapes
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("vit")
    options.enable_attention = False   # done at export (fused_vision_attention)
    model = optimize_model(src, model_type="vit", num_heads=num_heads, hidden_size=hidden,
                           optimization_options=options, opt_level=0, use_gpu=False)
    # as graphs.save_onnx writes them: weights near 2 GB go to one "<file>.data" next to the graph
    model.save_model_to_file(dst, use_external_data_format=needs_external_data(model.model.graph),
                             all_tensors_to_one_file=True)
    stats = model.get_fused_operator_statistics()
    return {k: v for k, v in stats.items() if v}


if __name__ == "__main__":
    counts = fuse_layer_norms(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing fused")
