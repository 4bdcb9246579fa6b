"""The T5 decoder graph's ``decoder_attention_mask`` (what continuous batching needs): a tiny T5
BLIP-2 is exported, and on ONNX Runtime a request that joins a running decode batch, its
self-attention K/V LEFT-padded (mask 0) to the length of a row that started earlier, and its
cross-attention K/V RIGHT-padded along the encoder axis (encoder_attention_mask 0) to the longer
row's encoder length, gets step after step the logits it gets alone and unpadded; so does the row
it joined. T5's relative position bias depends only on key column - query position, and the
graph takes the query's position from the padded past length, so the left shift changes nothing.
"""

import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "main" / "python"))

from blip2_export import manifest as mf  # noqa: E402
from blip2_export.presets import preset_config  # noqa: E402

GRAPHS = ("encoder", "decoder_init", "decoder")
STEPS = 10   # batched decoder steps after the join
TOLERANCE = 1e-4


class Request:
    """One generation: its encoder output and the graphs' state after its last step."""

    def __init__(self, enc: np.ndarray):
        self.enc = enc                                   # [1, E, D]
        self.logits: list[np.ndarray] = []               # per step [V]
        self.self_kv: list[np.ndarray] = []              # per layer key, value [1, H, P, d]
        self.cross_kv: list[np.ndarray] = []             # per layer key, value [1, H, E, d]


class T5PaddedDecodeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        import torch
        from transformers import Blip2Config, Blip2ForConditionalGeneration
        from blip2_export.graphs import export_graph, graph_specs
        from blip2_export.verify import ort_session
        from blip2_export.weights import rerandomize, untie_lm_head

        torch.manual_seed(0)
        cfg = preset_config("tiny-t5")
        model = Blip2ForConditionalGeneration(Blip2Config(**cfg)).eval()
        rerandomize(model, 1)
        untie_lm_head(model, 8)  # as make_tiny_checkpoints.py does: greedy tokens then vary step to step
        cfg = model.config.to_dict()
        cls.dims = mf.dims_from_config(cfg)
        cls.start = int(model.config.text_config.decoder_start_token_id or 0)
        cls.tmp = tempfile.TemporaryDirectory()
        specs = graph_specs(model, "t5", cls.dims, torch.float32)
        cls.sessions = {}
        for name in GRAPHS:
            path = Path(cls.tmp.name) / mf.GRAPH_FILES["t5"][name]
            export_graph(specs[name], path, 17)
            cls.sessions[name] = ort_session(path)
        L = cls.dims["lm_num_layers"]
        cls.past_names = mf.kv_names("t5", L, "past_key_values")
        cls.self_names = [n for n in cls.past_names if ".decoder." in n]
        cls.cross_names = [n for n in cls.past_names if ".encoder." in n]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    # -- the graphs, one request or a batch ------------------------------------------------------

    def encode(self, seed: int, text_len: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        Q, D = self.dims["num_query_tokens"], self.dims["lm_hidden_size"]
        query = rng.standard_normal((1, Q, D)).astype(np.float32)           # [1, Q, D]
        ids = rng.integers(4, 900, size=(1, text_len)).astype(np.int64)     # [1, S]
        return self.sessions["encoder"].run(None, {"query_embeds": query, "input_ids": ids,
                                                   "attention_mask": np.ones_like(ids)})[0]  # [1, Q + S, D]

    def init(self, request: Request) -> None:
        """decoder_init for one request alone."""
        E = request.enc.shape[1]
        out = self.sessions["decoder_init"].run(None, {
            "decoder_input_ids": np.full((1, 1), self.start, np.int64), "encoder_hidden_states": request.enc,
            "encoder_attention_mask": np.ones((1, E), np.int64)})
        names = [o.name for o in self.sessions["decoder_init"].get_outputs()][1:]
        present = dict(zip(names, out[1:]))
        request.logits.append(out[0][0])
        request.self_kv = [present[n.replace("past_key_values", "present")] for n in self.self_names]
        request.cross_kv = [present[n.replace("past_key_values", "present")] for n in self.cross_names]

    def step(self, tokens, enc_mask, self_mask, self_kv, cross_kv):
        """One decoder step of a batch; returns (logits [B, V], self K/V [B, H, P + 1, d] per tensor)."""
        feeds = {"decoder_input_ids": np.asarray(tokens, np.int64)[:, None], "encoder_attention_mask": enc_mask,
                 "decoder_attention_mask": self_mask}
        feeds.update(dict(zip(self.self_names, self_kv)))
        feeds.update(dict(zip(self.cross_names, cross_kv)))
        out = self.sessions["decoder"].run(None, feeds)
        return out[0], out[1:]

    def alone(self, request: Request, steps: int) -> None:
        """Greedy steps of one request, unpadded (mask of ones)."""
        E = request.enc.shape[1]
        for _ in range(steps):
            P = request.self_kv[0].shape[2]
            logits, request.self_kv = self.step([int(request.logits[-1].argmax())], np.ones((1, E), np.int64),
                                                np.ones((1, P + 1), np.int64), request.self_kv, request.cross_kv)
            request.logits.append(logits[0])

    def reference(self, seed: int, text_len: int, steps: int) -> list[np.ndarray]:
        request = Request(self.encode(seed, text_len))
        self.init(request)
        self.alone(request, steps)
        return request.logits

    def joined(self, delay: int, text_lens: tuple[int, int], fill: str = "zeros", ignore_mask: str = ""):
        """Request 0 runs ``delay`` steps alone, then request 1 joins it: one batch of two rows, row 1's
        self K/V left-padded by ``delay`` columns, the shorter row's cross K/V right-padded to the
        longer encoder length; ``ignore_mask`` "self" or "encoder" leaves that padding unmasked (mask 1).
        Returns the logits after the join, per step: [STEPS + 1] x [2, V] (step 0: each row's last alone)."""
        rng = np.random.default_rng(7)
        a, b = Request(self.encode(10, text_lens[0])), Request(self.encode(11, text_lens[1]))
        self.init(a)
        self.alone(a, delay)
        self.init(b)

        def pad(x, before, after, axis):  # x [1, H, n, d]
            width = [(0, 0)] * x.ndim
            width[axis] = (before, after)
            padded = np.pad(x, width)
            if fill == "noise":  # masked columns of any value give the same logits
                noise = rng.standard_normal(padded.shape).astype(x.dtype) * 10
                keep = np.zeros(padded.shape, bool)
                index = [slice(None)] * x.ndim
                index[axis] = slice(before, before + x.shape[axis])
                keep[tuple(index)] = True
                padded = np.where(keep, padded, noise)
            return padded

        E = max(r.enc.shape[1] for r in (a, b))
        enc_mask = np.zeros((2, E), np.int64)
        cross = []
        for ka, kb in zip(a.cross_kv, b.cross_kv):
            cross.append(np.concatenate([pad(ka, 0, E - ka.shape[2], 2), pad(kb, 0, E - kb.shape[2], 2)]))
        for row, r in enumerate((a, b)):
            enc_mask[row, : r.enc.shape[1]] = 1
        self_kv = [np.concatenate([sa, pad(sb, delay, 0, 2)]) for sa, sb in zip(a.self_kv, b.self_kv)]
        self_mask = np.ones((2, delay + 2), np.int64)  # [batch, P + 1], P = 1 + delay
        self_mask[1, :delay] = 0
        if ignore_mask == "self":
            self_mask[:] = 1
        elif ignore_mask == "encoder":
            enc_mask[:] = 1
        logits = [np.stack([a.logits[-1], b.logits[-1]])]
        for _ in range(STEPS):
            out, self_kv = self.step(logits[-1].argmax(-1), enc_mask, self_mask, self_kv, cross)
            logits.append(out)
            self_mask = np.concatenate([self_mask, np.ones((2, 1), np.int64)], axis=1)
        return logits

    def check_joined(self, delay: int, text_lens: tuple[int, int], fill: str = "zeros") -> float:
        ref_a = self.reference(10, text_lens[0], delay + STEPS)
        ref_b = self.reference(11, text_lens[1], STEPS)
        got = self.joined(delay, text_lens, fill)
        worst = 0.0
        for k, step in enumerate(got):
            for row, want in ((0, ref_a[delay + k]), (1, ref_b[k])):
                diff = float(np.max(np.abs(step[row] - want)))
                worst = max(worst, diff)
                self.assertLess(diff, TOLERANCE, f"delay {delay}, lengths {text_lens}: row {row}, batched step {k}")
                self.assertEqual(int(step[row].argmax()), int(want.argmax()), f"row {row}, batched step {k}")
        tokens_b = [int(ref_b[k].argmax()) for k in range(len(got))]
        self.assertGreater(len(set(tokens_b)), 1, "a degenerate model: the same token every step")
        print(f"\n  delay {delay}, text lengths {text_lens}, {fill}: {len(got)} steps, max |dlogit| {worst:.3g}; "
              f"joined row's tokens {tokens_b}", flush=True)
        return worst

    # -- the tests -------------------------------------------------------------------------------

    def test_decoder_takes_the_self_attention_mask_after_the_encoder_mask(self):
        inputs = self.sessions["decoder"].get_inputs()
        self.assertEqual([i.name for i in inputs],
                         ["decoder_input_ids", "encoder_attention_mask", "decoder_attention_mask", *self.past_names])
        self.assertEqual([i.name for i in inputs], mf.decoder_input_names("t5", self.dims["lm_num_layers"]))
        mask = inputs[2]
        self.assertEqual((mask.type, mask.shape), ("tensor(int64)", ["batch", "total_sequence"]))

    def test_left_padded_self_kv_gives_the_unpadded_logits(self):
        self.check_joined(delay=3, text_lens=(5, 5))

    def test_right_padded_cross_kv_gives_the_unpadded_logits(self):
        self.check_joined(delay=0, text_lens=(5, 3))

    def test_both_paddings_together_and_any_padding_values(self):
        self.check_joined(delay=3, text_lens=(3, 6))
        self.check_joined(delay=4, text_lens=(6, 2), fill="noise")

    def test_the_masks_take_effect(self):
        # the same joins with the padded columns left unmasked: the joined row's logits change
        for delay, text_lens, ignore in ((3, (5, 5), "self"), (0, (5, 3), "encoder")):
            want = self.reference(11, text_lens[1], 1)[1]
            got = self.joined(delay, text_lens, ignore_mask=ignore)[1][1]
            self.assertGreater(float(np.max(np.abs(got - want))), 1e-3, f"{ignore} padding left unmasked")

if __name__ == "__main__":
    unittest.main()
