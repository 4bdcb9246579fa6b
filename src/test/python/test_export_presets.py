"""Unit tests of the --random-weights presets and the synthetic tokenizer."""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src" / "main" / "python"))

from blip2_export import manifest as mf  # noqa: E402
from blip2_export.presets import PRESETS, preset_config, preset_names, with_vocab  # noqa: E402
from blip2_export.tokenizer_synth import synthetic_tokenizer, synthetic_vocab  # noqa: E402

# (lm hidden, lm layers, lm heads, vocab) of the official checkpoints.
OFFICIAL = {"blip2-opt-2.7b": (2560, 32, 32, 50272), "blip2-opt-6.7b": (4096, 32, 32, 50272),
            "blip2-flan-t5-xl": (2048, 24, 32, 32128), "blip2-flan-t5-xxl": (4096, 24, 64, 32128)}


class PresetsTest(unittest.TestCase):

    def test_official_presets_have_real_dimensions(self):
        for name, (hidden, layers, heads, vocab) in OFFICIAL.items():
            dims = mf.dims_from_config(preset_config(name))
            self.assertEqual((dims["lm_hidden_size"], dims["lm_num_layers"], dims["lm_num_heads"], dims["vocab_size"]),
                             (hidden, layers, heads, vocab), name)
            self.assertEqual((dims["vision_hidden_size"], dims["vision_num_layers"], dims["qformer_hidden_size"],
                              dims["num_query_tokens"], dims["image_size"], dims["patch_size"]),
                             (1408, 39, 768, 32, 224, 14), name)

    def test_flan_t5_presets_are_untied_gated_gelu(self):
        for name in ("blip2-flan-t5-xl", "blip2-flan-t5-xxl", "medium-t5", "tiny-t5"):
            text = preset_config(name)["text_config"]
            self.assertEqual((text["feed_forward_proj"], text["tie_word_embeddings"]), ("gated-gelu", False), name)

    def test_medium_presets_are_benchmark_sized(self):
        dims = mf.dims_from_config(preset_config("medium-opt"))
        self.assertEqual((dims["vision_hidden_size"], dims["vision_num_layers"], dims["qformer_hidden_size"],
                          dims["qformer_num_layers"], dims["lm_hidden_size"], dims["lm_num_layers"]),
                         (256, 4, 256, 4, 512, 6))
        self.assertEqual(mf.lm_family(preset_config("medium-t5")), "t5")
        small = mf.dims_from_config(preset_config("medium-opt-v2k"))
        self.assertEqual({k: v for k, v in small.items() if k != "vocab_size"},
                         {k: v for k, v in dims.items() if k != "vocab_size"})
        self.assertEqual(small["vocab_size"], 2048)
        tokens = mf.tokens_from_config(preset_config("medium-opt-v2k"))
        self.assertLess(max(tokens["image_token_id"], *tokens["eos_token_ids"]), 2048)

    def test_preset_config_is_a_copy_and_links_qformer_to_vision(self):
        cfg = preset_config("tiny-opt")
        cfg["text_config"]["hidden_size"] = 1
        self.assertEqual(preset_config("tiny-opt")["text_config"]["hidden_size"], 64)
        self.assertEqual(cfg["qformer_config"]["encoder_hidden_size"], cfg["vision_config"]["hidden_size"])
        self.assertEqual(PRESETS["medium-opt"]["text_config"]["hidden_size"], 512)

    def test_unknown_preset_lists_the_known_ones(self):
        with self.assertRaisesRegex(KeyError, "blip2-opt-2.7b"):
            preset_config("blip2-vicuna")
        self.assertIn("medium-t5", preset_names())

    def test_with_vocab_sets_ids(self):
        cfg = with_vocab(preset_config("tiny-opt"), 1216, 1196, eos_token_id=202)
        self.assertEqual((cfg["text_config"]["vocab_size"], cfg["image_token_index"], cfg["text_config"]["eos_token_id"]),
                         (1216, 1196, 202))

    def test_presets_build_hf_configs(self):
        from transformers import Blip2Config
        for name in preset_names():
            config = Blip2Config(**preset_config(name))
            self.assertEqual(config.num_query_tokens, 32, name)
            self.assertEqual(config.use_decoder_only_language_model, "opt" in name, name)


class SyntheticTokenizerTest(unittest.TestCase):

    def test_opt_vocab_places_specials_newline_and_image(self):
        vocab = synthetic_vocab("opt", 50272, 50265, 50118)
        self.assertEqual(len(vocab), 50272)
        self.assertEqual(sorted(vocab.values()), list(range(50272)))
        self.assertEqual((vocab["<s>"], vocab["<pad>"], vocab["</s>"], vocab["<image>"], vocab["\u010a"]),
                         (0, 1, 2, 50265, 50118))

    def test_t5_vocab(self):
        vocab = synthetic_vocab("t5", 32128, 32100)
        self.assertEqual((vocab["<pad>"], vocab["</s>"], vocab["<unk>"], vocab["<image>"]), (0, 1, 2, 32100))
        self.assertEqual(len(vocab), 32128)

    def test_too_small_vocab_is_rejected(self):
        with self.assertRaises(ValueError):
            synthetic_vocab("opt", 200, 199, 4)

    def test_tokenizer_round_trips_text_and_adds_family_specials(self):
        opt = synthetic_tokenizer("opt", 1024, 1023, 4)
        enc = opt.encode("Question: what?\n")
        self.assertEqual(enc.ids[0], 2)
        self.assertEqual(enc.ids[-1], 4)
        self.assertEqual(opt.decode(enc.ids, skip_special_tokens=True), "Question: what?\n")
        self.assertEqual(opt.encode("<image>").ids, [2, 1023])
        t5 = synthetic_tokenizer("t5", 1024, 1023)
        self.assertEqual(t5.encode("hi").ids[-1], 1)


if __name__ == "__main__":
    unittest.main()
