"""Unit tests of the config -> manifest mapping (pure; run in the reference environment):

    python3 -m unittest discover -s src/test/python -p 'test_export_*.py'
"""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src" / "main" / "python"))

from blip2_export import ExportError  # noqa: E402
from blip2_export import manifest as mf  # noqa: E402
from blip2_export.presets import preset_config  # noqa: E402


class CheckSupportedTest(unittest.TestCase):

    def test_accepts_every_preset(self):
        for name in ("blip2-opt-2.7b", "blip2-flan-t5-xl", "medium-t5", "tiny-opt"):
            mf.check_supported(preset_config(name))

    def test_rejects_other_model_types_with_reason(self):
        cfg = preset_config("blip2-opt-2.7b")
        cfg["model_type"] = "instructblip"
        with self.assertRaisesRegex(ExportError, "InstructBLIP"):
            mf.check_supported(cfg)
        cfg["model_type"] = "clip"
        with self.assertRaisesRegex(ExportError, "not a BLIP-2 checkpoint: model_type is 'clip'"):
            mf.check_supported(cfg)

    def test_rejects_unknown_language_model_family(self):
        cfg = preset_config("blip2-opt-2.7b")
        cfg["text_config"]["model_type"] = "llama"
        with self.assertRaisesRegex(ExportError, "unknown language model family 'llama'"):
            mf.check_supported(cfg)

    def test_rejects_checkpoints_without_language_model_head(self):
        cfg = preset_config("blip2-opt-2.7b")
        cfg["architectures"] = ["Blip2ForImageTextRetrieval"]
        with self.assertRaisesRegex(ExportError, "only Blip2ForConditionalGeneration"):
            mf.check_supported(cfg)

    def test_rejects_opt_with_projected_embeddings(self):
        cfg = preset_config("blip2-opt-2.7b")
        cfg["text_config"]["word_embed_proj_dim"] = 512
        with self.assertRaisesRegex(ExportError, "word_embed_proj_dim 512"):
            mf.check_supported(cfg)


class DimsAndTokensTest(unittest.TestCase):

    def test_opt_dims(self):
        dims = mf.dims_from_config(preset_config("blip2-opt-2.7b"))
        self.assertEqual(dims, {"num_query_tokens": 32, "vision_hidden_size": 1408, "vision_num_layers": 39,
                                "qformer_hidden_size": 768, "qformer_num_layers": 12, "lm_hidden_size": 2560,
                                "lm_num_layers": 32, "lm_num_heads": 32, "lm_head_dim": 80, "vocab_size": 50272,
                                "image_size": 224, "patch_size": 14})

    def test_t5_dims_use_d_kv_and_decoder_layers(self):
        cfg = preset_config("blip2-flan-t5-xxl")
        cfg["text_config"]["num_decoder_layers"] = 12
        dims = mf.dims_from_config(cfg)
        self.assertEqual((dims["lm_hidden_size"], dims["lm_num_layers"], dims["lm_num_heads"], dims["lm_head_dim"]),
                         (4096, 12, 64, 64))

    def test_opt_tokens_take_generation_config_eos_as_list(self):
        tokens = mf.tokens_from_config(preset_config("blip2-opt-2.7b"), {"eos_token_id": [50118, 2]})
        self.assertEqual(tokens, {"image_token_id": 50265, "bos_token_id": 2, "eos_token_ids": [50118, 2],
                                  "pad_token_id": 1, "decoder_start_token_id": None})

    def test_t5_tokens_have_decoder_start_and_no_bos(self):
        tokens = mf.tokens_from_config(preset_config("blip2-flan-t5-xl"), {})
        self.assertEqual(tokens, {"image_token_id": 32100, "bos_token_id": None, "eos_token_ids": [1],
                                  "pad_token_id": 0, "decoder_start_token_id": 0})

    def test_missing_image_token_is_a_clear_error(self):
        cfg = preset_config("blip2-opt-2.7b")
        del cfg["image_token_index"]
        with self.assertRaisesRegex(ExportError, "image_token_index"):
            mf.tokens_from_config(cfg)


class SectionsTest(unittest.TestCase):

    def test_generation_defaults_when_nothing_is_set(self):
        self.assertEqual(mf.generation_defaults({})["max_new_tokens"], 20)
        self.assertEqual(mf.generation_defaults(None), mf.GENERATION_DEFAULTS)

    def test_generation_values_override_defaults_with_their_types(self):
        gen = mf.generation_defaults({"num_beams": 5, "length_penalty": 2, "min_length": 3, "max_new_tokens": None})
        self.assertEqual((gen["num_beams"], gen["length_penalty"], gen["min_new_tokens"], gen["max_new_tokens"]),
                         (5, 2.0, 3, 20))
        self.assertIsInstance(gen["length_penalty"], float)

    def test_image_section_maps_pil_resample_and_size(self):
        image = mf.image_section({"size": {"height": 364, "width": 364}, "resample": 2, "do_normalize": False}, 224)
        self.assertEqual((image["height"], image["width"], image["resample"], image["do_normalize"]),
                         (364, 364, "bilinear", False))
        self.assertEqual(mf.image_section({}, 224)["image_mean"], [0.48145466, 0.4578275, 0.40821073])

    def test_kv_names(self):
        self.assertEqual(mf.kv_names("opt", 2, "present"),
                         ["present.0.key", "present.0.value", "present.1.key", "present.1.value"])
        self.assertEqual(mf.kv_names("t5", 1, "past_key_values"),
                         ["past_key_values.0.decoder.key", "past_key_values.0.decoder.value",
                          "past_key_values.0.encoder.key", "past_key_values.0.encoder.value"])
        self.assertEqual(mf.kv_names("t5", 1, "present"), ["present.0.decoder.key", "present.0.decoder.value"])
        self.assertEqual(mf.t5_init_present_names(1), ["present.0.decoder.key", "present.0.decoder.value",
                                                       "present.0.encoder.key", "present.0.encoder.value"])

    def test_decoder_input_names(self):
        self.assertEqual(mf.decoder_input_names("opt", 1),
                         ["inputs_embeds", "attention_mask", "position_ids", "past_key_values.0.key",
                          "past_key_values.0.value"])
        self.assertEqual(mf.decoder_input_names("t5", 1),
                         ["decoder_input_ids", "encoder_attention_mask", "decoder_attention_mask",
                          *mf.kv_names("t5", 1, "past_key_values")])

    def test_config_hash_ignores_key_order(self):
        self.assertEqual(mf.config_sha256({"a": 1, "b": [1, 2]}), mf.config_sha256({"b": [1, 2], "a": 1}))
        self.assertNotEqual(mf.config_sha256({"a": 1}), mf.config_sha256({"a": 2}))

    def test_build_manifest_sets_family_padding_and_kv_cache(self):
        m = mf.build_manifest(name="x", cfg=preset_config("blip2-flan-t5-xl"), generation={}, image_processor={},
                              dtype="fp16", opset=17, source={}, graphs={}, kv_dtype="float16")
        self.assertEqual((m["format"], m["format_version"], m["family"], m["tokenizer"]["padding_side"]),
                         ("blip2-stream-bundle", 1, "t5", "right"))
        self.assertEqual(m["kv_cache"], {"num_layers": 24, "num_heads": 32, "head_dim": 64, "dtype": "float16"})
        self.assertEqual(m["prompts"]["vqa"], "Question: {question} Answer:")
        opt = mf.build_manifest(name="y", cfg=preset_config("tiny-opt"), generation={}, image_processor={},
                                dtype="fp32", opset=17, source={}, graphs={}, kv_dtype="float32")
        self.assertEqual(opt["tokenizer"]["padding_side"], "left")


if __name__ == "__main__":
    unittest.main()
