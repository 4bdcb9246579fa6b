"""Dynamic int8 quantization of one fp32 graph, run as a script in a process of its own:

    python3 quantize_int8.py SRC.onnx DST.onnx EXTERNAL(0|1) EXCLUDE [per-channel|per-tensor]

Every Linear layer becomes int8: Gemm nodes with a constant weight are first rewritten as
MatMul + Add (ONNX Runtime's dynamic quantization handles MatMul only, and torch exports some
Linear layers, e.g. OPT's fc1/fc2 on a flattened input, as Gemm); then every MatMul with a
constant weight gets int8 weights with one scale per output channel (or one per tensor with
``per-tensor``: a little faster, less accurate) and activations quantized per call
(DynamicQuantizeMatMul). MatMuls whose node name contains EXCLUDE (e.g. ``/lm_head/``) stay
float32; an empty EXCLUDE quantizes all. Prints one line: what was rewritten and what was kept.

ONNX's C++ shape inference crashes in a process that has also loaded onnxruntime or torch (both
register the same operator schemas), so the quantizer's calls to it run in child processes.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile

import onnx
import onnx.shape_inference
from onnx import numpy_helper

_INFER = "import sys, onnx.shape_inference as s; s.infer_shapes_path(sys.argv[1], sys.argv[2])"


def _infer_shapes_path(model_path, output_path="", *args, **kwargs):
    subprocess.run([sys.executable, "-c", _INFER, str(model_path), str(output_path or model_path)], check=True)


def _infer_shapes(model, *args, **kwargs):
    with tempfile.TemporaryDirectory() as tmp:
        path = tmp + "/model.onnx"
        onnx.save_model(model, path, save_as_external_data=model.ByteSize() > 1_900_000_000)
        _infer_shapes_path(path, path)
        return onnx.load(path)


def gemm_to_matmul(model: onnx.ModelProto) -> int:
    """Rewrites, in place, each Gemm(A, B, C) of the main graph with a constant B, alpha = beta = 1
    and no transA as MatMul(A, B') + Add(C), B' = B transposed when transB = 1 (a new initializer;
    the original is dropped when nothing else uses it). Returns how many were rewritten."""
    inits = {i.name: i for i in model.graph.initializer}
    nodes, count = [], 0
    for n in model.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        if (n.op_type != "Gemm" or n.input[1] not in inits or attrs.get("transA", 0) != 0
                or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0):
            nodes.append(n)
            continue
        weight = n.input[1]
        if attrs.get("transB", 0):
            weight = n.input[1] + "_transposed"
            if weight not in inits:
                w = numpy_helper.to_array(inits[n.input[1]]).T.copy()   # [in, out]
                inits[weight] = numpy_helper.from_array(w, weight)
                model.graph.initializer.append(inits[weight])
        has_bias = len(n.input) > 2 and n.input[2] != ""
        product = n.output[0] + "_matmul" if has_bias else n.output[0]
        nodes.append(onnx.helper.make_node("MatMul", [n.input[0], weight], [product], name=n.name + "_MatMul"))
        if has_bias:
            nodes.append(onnx.helper.make_node("Add", [product, n.input[2]], [n.output[0]], name=n.name + "_Add"))
        count += 1
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    used = {i for n in model.graph.node for i in n.input}
    kept = [i for i in model.graph.initializer if i.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    return count


def excluded_matmuls(model: onnx.ModelProto, exclude: str) -> list[str]:
    """Names of the MatMul nodes that stay float32: those whose name contains ``exclude``."""
    if not exclude:
        return []
    return [n.name for n in model.graph.node if n.op_type == "MatMul" and exclude in n.name]


def quantize(src: str, dst: str, external: bool, exclude: str, per_channel: bool = True) -> str:
    onnx.shape_inference.infer_shapes_path = _infer_shapes_path
    onnx.shape_inference.infer_shapes = _infer_shapes
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(src)
    rewritten = gemm_to_matmul(model)
    kept = excluded_matmuls(model, exclude)
    with tempfile.TemporaryDirectory() as tmp:
        staged = tmp + "/staged.onnx"
        onnx.save_model(model, staged, save_as_external_data=external, location="staged.onnx.data")
        del model
        quantize_dynamic(staged, dst, op_types_to_quantize=["MatMul"], weight_type=QuantType.QInt8,
                         per_channel=per_channel, nodes_to_exclude=kept,
                         use_external_data_format=external)
    return f"{rewritten} Gemm rewritten as MatMul + Add; kept in float32: {', '.join(kept) or 'none'}"


if __name__ == "__main__":
    print(quantize(sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4] if len(sys.argv) > 4 else "",
                   sys.argv[5] != "per-tensor" if len(sys.argv) > 5 else True))
