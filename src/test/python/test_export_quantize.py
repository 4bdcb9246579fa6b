"""The int8 quantizer of the export tool: the Gemm rewrite keeps a graph's outputs, and the
quantized graph has int8 MatMuls everywhere except where excluded."""

import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "main" / "python"))

from blip2_export.quantize_int8 import excluded_matmuls, gemm_to_matmul  # noqa: E402

SCRIPT = ROOT / "main" / "python" / "blip2_export" / "quantize_int8.py"


def linear_model() -> onnx.ModelProto:
    """x [2, 8] -> Gemm(transB, bias) -> Gemm(no transB, shared weight^T use) -> /lm_head/MatMul -> y [2, 5]."""
    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((16, 8)).astype(np.float32)     # [out, in], used with transB = 1
    b1 = rng.standard_normal(16).astype(np.float32)           # [16]
    w2 = rng.standard_normal((16, 16)).astype(np.float32)    # [in, out], transB = 0, no bias
    w3 = rng.standard_normal((16, 5)).astype(np.float32)     # [16, 5]
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], name="/fc1/Gemm", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="/act/Relu"),
        helper.make_node("Gemm", ["a1", "w2"], ["h2"], name="/fc2/Gemm"),
        helper.make_node("Gemm", ["a1", "w1t_other"], ["h3"], name="/scaled/Gemm", alpha=0.5),
        helper.make_node("Add", ["h2", "h3"], ["h4"], name="/sum/Add"),
        helper.make_node("MatMul", ["h4", "w3"], ["y"], name="/lm/lm_head/MatMul"),
    ]
    graph = helper.make_graph(
        nodes, "linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(w2.T.copy(), "w1t_other"),
         numpy_helper.from_array(w3, "w3")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    s = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return s.run(None, {"x": x})[0]


class GemmRewriteTest(unittest.TestCase):
    def test_rewrite_keeps_the_outputs_and_skips_what_it_cannot_rewrite(self):
        model = linear_model()
        x = np.random.default_rng(1).standard_normal((2, 8)).astype(np.float32)  # [2, 8]
        before = run(model, x)
        count = gemm_to_matmul(model)
        ops = [n.op_type for n in model.graph.node]
        self.assertEqual(count, 2)                      # the alpha = 0.5 Gemm stays
        self.assertEqual(ops.count("Gemm"), 1)
        self.assertEqual(ops.count("MatMul"), 3)
        onnx.checker.check_model(model)
        np.testing.assert_allclose(run(model, x), before, rtol=1e-5, atol=1e-5)
        names = {i.name for i in model.graph.initializer}
        self.assertIn("w1_transposed", names)
        self.assertNotIn("w1", names)                   # no longer used by anything

    def test_excluded_matmuls_match_by_name(self):
        model = linear_model()
        gemm_to_matmul(model)
        self.assertEqual(excluded_matmuls(model, "/lm_head/"), ["/lm/lm_head/MatMul"])
        self.assertEqual(excluded_matmuls(model, ""), [])


class QuantizeScriptTest(unittest.TestCase):
    def quantize(self, exclude: str, granularity: str = "per-channel") -> tuple[onnx.ModelProto, str]:
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
            onnx.save_model(linear_model(), src)
            out = subprocess.run([sys.executable, str(SCRIPT), str(src), str(dst), "0", exclude, granularity],
                                 capture_output=True, text=True, check=True)
            return onnx.load(dst), out.stdout.strip().splitlines()[-1]

    def test_every_linear_layer_becomes_int8_unless_excluded(self):
        model, line = self.quantize("")
        ops = [n.op_type for n in model.graph.node]
        self.assertNotIn("MatMul", ops)
        self.assertGreaterEqual(sum(op in ("DynamicQuantizeMatMul", "MatMulInteger") for op in ops), 3)
        self.assertIn("2 Gemm rewritten", line)
        x = np.random.default_rng(2).standard_normal((2, 8)).astype(np.float32)  # [2, 8]
        reference = run(linear_model(), x)
        got = run(model, x)
        # int8 weights and activations: close to float32, not equal
        self.assertLess(np.abs(got - reference).max(), 0.1 * np.abs(reference).max())

        per_tensor, _ = self.quantize("", "per-tensor")
        self.assertNotIn("MatMul", [n.op_type for n in per_tensor.graph.node])
        scales = lambda m: sorted(i.dims[0] if i.dims else 1 for i in m.graph.initializer if i.name.endswith("_scale"))
        self.assertEqual(set(scales(per_tensor)), {1})          # one scale per weight
        self.assertIn(16, scales(model))                         # one per output channel of fc1/fc2

        kept, line = self.quantize("/lm_head/")
        self.assertEqual([n.name for n in kept.graph.node if n.op_type == "MatMul"], ["/lm/lm_head/MatMul"])
        self.assertIn("kept in float32: /lm/lm_head/MatMul", line)


if __name__ == "__main__":
    unittest.main()
