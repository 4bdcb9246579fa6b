"""The committed tiny bundles against the committed HF goldens (ONNX Runtime greedy loop).

Checks the manifest contract (graph names, dims) and that the plain greedy cases of
``golden/<bundle>.json`` come out token for token from the bundle's graphs, with the pixel
values taken from ``golden/pixels``.
"""

import gzip
import json
import sys
import unittest
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "src" / "main" / "python"))

from blip2_export import manifest as mf  # noqa: E402
from blip2_export.verify import greedy, ort_session  # noqa: E402

RESOURCES = ROOT / "src" / "test" / "resources"
BUNDLES = ["tiny-opt", "tiny-opt-tied", "tiny-t5"]
# The trained shapes bundle (64-px images): its goldens use its own pictures, checked by the Java tests.
CONTRACT_BUNDLES = BUNDLES + ["shapes-opt"]


def pixels(file: str) -> np.ndarray:
    raw = gzip.decompress((RESOURCES / "golden" / "pixels" / f"{file}.f32.gz").read_bytes())
    return np.frombuffer(raw, dtype="<f4").reshape(3, 224, 224)  # [3, 224, 224]


def cut_after_eos(row, eos):
    for i, t in enumerate(row):
        if t in eos:
            return row[: i + 1]
    return row


class BundleContractTest(unittest.TestCase):

    def test_manifests_name_the_graphs_the_contract_defines(self):
        for name in CONTRACT_BUNDLES:
            m = json.loads((RESOURCES / "bundles" / name / "manifest.json").read_text())
            family, L = m["family"], m["kv_cache"]["num_layers"]
            self.assertEqual(set(m["graphs"]), set(mf.GRAPH_FILES[family]), name)
            for graph in m["graphs"].values():
                self.assertTrue((RESOURCES / "bundles" / name / graph["file"]).is_file())
            decoder = m["graphs"]["decoder"]
            past = [i["name"] for i in decoder["inputs"] if i["name"].startswith("past_key_values")]
            self.assertEqual(past, mf.kv_names(family, L, "past_key_values"), name)
            self.assertEqual([i["name"] for i in decoder["inputs"]], mf.decoder_input_names(family, L), name)
            if family == "t5":
                mask = decoder["inputs"][2]
                self.assertEqual((mask["dtype"], mask["shape"]), ("int64", ["batch", "total_sequence"]), name)
            self.assertEqual([o["name"] for o in decoder["outputs"]], ["logits", *mf.kv_names(family, L, "present")])
            self.assertEqual(decoder["outputs"][0]["shape"], ["batch", m["dims"]["vocab_size"]])
            vision = m["graphs"]["vision"]["outputs"][0]
            self.assertEqual(vision["shape"], ["batch", m["dims"]["num_query_tokens"], m["dims"]["lm_hidden_size"]])
            self.assertTrue(m["verification"]["greedy_tokens_equal"], name)

    def test_tokenizer_has_image_token_at_manifest_id(self):
        for name in CONTRACT_BUNDLES:
            bundle = RESOURCES / "bundles" / name
            m = json.loads((bundle / "manifest.json").read_text())
            tok = json.loads((bundle / "tokenizer.json").read_text())
            added = {t["content"]: t["id"] for t in tok["added_tokens"]}
            self.assertEqual(added["<image>"], m["tokens"]["image_token_id"], name)


class GreedyGoldenTest(unittest.TestCase):

    def test_greedy_cases_match_hf_token_for_token(self):
        for name in BUNDLES:
            bundle = RESOURCES / "bundles" / name
            m = json.loads((bundle / "manifest.json").read_text())
            golden = json.loads((RESOURCES / "golden" / f"{name}.json").read_text())
            sessions = {g: ort_session(bundle / spec["file"]) for g, spec in m["graphs"].items()}
            eos = set(m["tokens"]["eos_token_ids"])
            checked = 0
            for case in golden["cases"]:
                opts = case["options"]
                if (opts["num_beams"], opts["min_new_tokens"], opts["repetition_penalty"],
                        opts["no_repeat_ngram_size"]) != (1, 0, 1.0, 0):
                    continue
                pixel_values = np.stack([pixels(f) for f in case["images"]])  # [batch, 3, 224, 224]
                out = greedy(m["family"], sessions, pixel_values, np.array(case["input_ids"], dtype=np.int64),
                             np.array(case["attention_mask"], dtype=np.int64), m["tokens"], m["dims"],
                             opts["max_new_tokens"]).tokens
                got = [cut_after_eos(row, eos) for row in out.tolist()]
                self.assertEqual(got, case["sequences"], f"{name}/{case['name']}")
                checked += 1
            self.assertGreaterEqual(checked, 4, name)


if __name__ == "__main__":
    unittest.main()
