"""The vision graph's fused operators (blip2_export/fusion.py): the fused attention computes what
HF's Blip2Attention computes, an fp32 export carries one com.microsoft Attention node per vision
layer plus SkipLayerNormalization and BiasGelu and matches torch on ONNX Runtime, --no-fuse keeps
the plain operators, and the committed fp32 test bundles are fused (so their goldens cover it)."""

import json
import sys
import tempfile
import unittest
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "main" / "python"))

import export_blip2  # noqa: E402
from blip2_export import manifest as mf  # noqa: E402
from blip2_export.fusion import fused_vision_attention  # noqa: E402
from blip2_export.presets import preset_config  # noqa: E402

RESOURCES = ROOT / "test" / "resources"


def tiny_model(qkv_bias: bool = True):
    import torch
    from transformers import Blip2Config, Blip2ForConditionalGeneration
    from blip2_export.weights import rerandomize

    torch.manual_seed(0)
    cfg = preset_config("tiny-opt")
    cfg["vision_config"]["qkv_bias"] = qkv_bias
    model = Blip2ForConditionalGeneration(Blip2Config(**cfg))
    rerandomize(model, 3)
    return model.eval(), torch


def op_counts(path: Path) -> Counter:
    import onnx
    return Counter((n.domain or "ai.onnx") + ":" + n.op_type for n in onnx.load(str(path)).graph.node)


class FusedAttentionTest(unittest.TestCase):

    def test_fused_attention_is_hf_attention(self):
        for qkv_bias in (True, False):
            model, torch = tiny_model(qkv_bias)
            pixels = torch.randn(3, 3, 224, 224, generator=torch.Generator().manual_seed(1))  # [3, 3, h, w]
            with torch.no_grad():
                want = model.vision_model(pixel_values=pixels).last_hidden_state        # [3, 257, D]
                with fused_vision_attention(model) as layers:
                    got = model.vision_model(pixel_values=pixels).last_hidden_state
                again = model.vision_model(pixel_values=pixels).last_hidden_state       # restored
            self.assertEqual(layers, model.config.vision_config.num_hidden_layers)
            self.assertLess(float((want - got).abs().max()), 1e-5, f"qkv_bias={qkv_bias}")
            self.assertTrue(torch.equal(want, again))


class FusedExportTest(unittest.TestCase):

    def export_vision(self, fuse: bool):
        import numpy as np
        from blip2_export.verify import ort_session

        model, torch = tiny_model()
        cfg = model.config.to_dict()
        family, dims = mf.lm_family(cfg), mf.dims_from_config(cfg)
        out = Path(self.enterContext(tempfile.TemporaryDirectory()))
        specs = export_blip2.export_graphs(model, family, dims, out, 17, torch.float32, fuse=fuse)
        path = out / mf.GRAPH_FILES[family]["vision"]
        pixels = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(2))  # [2, 3, h, w]
        with torch.no_grad():
            want = specs["vision"]["module"](pixels).numpy()                           # [2, Q, D]
        got = ort_session(path).run(None, {"pixel_values": pixels.numpy()})[0]
        return op_counts(path), float(np.max(np.abs(want - got))), model.config

    def test_fp32_vision_graph_is_fused_and_matches_torch(self):
        ops, diff, config = self.export_vision(fuse=True)
        layers, q = config.vision_config.num_hidden_layers, config.qformer_config
        self.assertEqual(ops["com.microsoft:Attention"], layers)
        self.assertGreaterEqual(ops["com.microsoft:SkipLayerNormalization"], 2 * layers - 1)
        self.assertGreater(ops["com.microsoft:BiasGelu"], 0)
        self.assertEqual(ops["ai.onnx:Erf"], 0)
        # what softmax is left is the Q-Former's (self-attention per layer, cross-attention every
        # cross_attention_frequency layers): the vision tower's is inside Attention
        qformer = q.num_hidden_layers + len(range(0, q.num_hidden_layers, q.cross_attention_frequency))
        self.assertEqual(ops["ai.onnx:Softmax"], qformer)
        self.assertLess(diff, 1e-4)

    def test_no_fuse_keeps_plain_operators(self):
        ops, diff, _ = self.export_vision(fuse=False)
        self.assertFalse([op for op in ops if op.startswith("com.microsoft:")])
        self.assertLess(diff, 1e-4)

    def test_committed_fp32_bundles_have_fused_vision_graphs(self):
        for name in ("tiny-opt", "tiny-opt-tied", "tiny-t5", "shapes-opt"):
            bundle = RESOURCES / "bundles" / name
            self.assertEqual(json.loads((bundle / "manifest.json").read_text())["dtype"], "fp32")
            ops = op_counts(bundle / "vision.onnx")
            self.assertGreater(ops["com.microsoft:Attention"], 0, name)
            self.assertGreater(ops["com.microsoft:SkipLayerNormalization"], 0, name)
        for name in ("tiny-opt-fp16", "tiny-t5-fp16"):
            ops = op_counts(RESOURCES / "bundles" / name / "vision.onnx")
            self.assertFalse([op for op in ops if op.startswith("com.microsoft:")], name)


if __name__ == "__main__":
    unittest.main()
