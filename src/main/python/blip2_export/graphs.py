"""Torch modules for the bundle's graph split, and their ONNX export (legacy TorchScript exporter).

Every wrapper takes and returns float32 (ids and masks int64); in an fp16 bundle the casts sit
inside the graph and only the K/V tensors are float16.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import torch
from torch import nn

from . import needs_external_data
from .manifest import decoder_input_names, kv_names, t5_init_present_names


def _cache_classes():
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache
    return DynamicCache, EncoderDecoderCache


def _dynamic_cache(pairs: list | None = None):
    """A DynamicCache holding the given (key, value) pairs; transformers 5.x and 4.4x APIs."""
    DynamicCache, _ = _cache_classes()
    pairs = pairs or []
    if hasattr(DynamicCache, "from_legacy_cache"):  # transformers 4.x
        return DynamicCache.from_legacy_cache(tuple(pairs)) if pairs else DynamicCache()
    return DynamicCache(pairs) if pairs else DynamicCache()


def _layer_kv(cache, i):
    if hasattr(cache, "layers"):  # transformers 5.x
        layer = cache.layers[i]
        return layer.keys, layer.values
    return cache.key_cache[i], cache.value_cache[i]


class VisionGraph(nn.Module):
    """pixel_values f32[B,3,h,w] -> query_embeds f32[B,Q,D]: vision tower, Q-Former, projection."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):  # [batch, 3, 224, 224]
        m = self.model
        vision_dtype = m.vision_model.embeddings.patch_embedding.weight.dtype
        image_embeds = m.vision_model(pixel_values.to(vision_dtype), return_dict=True).last_hidden_state
        image_mask = torch.ones(image_embeds.shape[:-1], dtype=torch.long)  # [batch, patches + 1]
        query_tokens = m.query_tokens.expand(image_embeds.shape[0], -1, -1)  # [batch, Q, qformer_hidden]
        query_output = m.qformer(query_embeds=query_tokens, encoder_hidden_states=image_embeds,
                                 encoder_attention_mask=image_mask, return_dict=True).last_hidden_state
        if query_output.dtype != image_embeds.dtype:
            query_output = query_output.to(image_embeds.dtype)
        query_output = query_output.to(m.language_projection.weight.dtype)
        return m.language_projection(query_output).float()  # [batch, Q, D]


def last_logits_only(lm) -> dict:
    """The forward keyword that applies the LM head to the last position only, as HF's generate does.

    Without it the head runs on every prompt position and the graph then drops all but the last:
    at prefill (32 query tokens + prompt) that is most of the step's arithmetic and a
    [batch, seq, V] intermediate tensor.
    """
    params = inspect.signature(lm.forward).parameters
    for name in ("logits_to_keep", "num_logits_to_keep"):  # transformers >= 4.50, 4.45-4.49
        if name in params:
            return {name: 1}
    warnings.warn(f"{type(lm).__name__}.forward takes neither logits_to_keep nor num_logits_to_keep: the "
                  "decoder graph computes logits for every prompt position (correct, but slower at prefill)")
    return {}


class OptEmbedGraph(nn.Module):
    """input_ids i64[B,S] -> inputs_embeds f32[B,S,D]."""

    def __init__(self, lm):
        super().__init__()
        self.embed = lm.get_input_embeddings()

    def forward(self, input_ids):  # [batch, seq]
        return self.embed(input_ids).float()  # [batch, seq, D]


class OptDecoderGraph(nn.Module):
    """OPT decoder step: embeddings, full mask, positions and past K/V -> last logits + present K/V."""

    def __init__(self, lm, num_layers: int):
        super().__init__()
        self.lm, self.num_layers = lm, num_layers
        self.last_logits_only = last_logits_only(lm)

    def forward(self, inputs_embeds, attention_mask, position_ids, *past):
        # inputs_embeds [batch, seq, D]; attention_mask [batch, past + seq]; position_ids [batch, seq]
        # past: 2 * L tensors [batch, H, past, d]
        dtype = self.lm.get_input_embeddings().weight.dtype
        cache = _dynamic_cache([(past[2 * i], past[2 * i + 1]) for i in range(self.num_layers)])
        out = self.lm(inputs_embeds=inputs_embeds.to(dtype), attention_mask=attention_mask,
                      position_ids=position_ids, past_key_values=cache, use_cache=True, return_dict=True,
                      **self.last_logits_only)
        logits = out.logits[:, -1, :].float()  # [batch, V]
        present = []
        for i in range(self.num_layers):
            present += list(_layer_kv(out.past_key_values, i))  # [batch, H, past + seq, d]
        return (logits, *present)


class T5EncoderGraph(nn.Module):
    """query_embeds f32[B,Q,D] + text ids/mask [B,S] -> encoder_hidden_states f32[B,Q+S,D]."""

    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, query_embeds, input_ids, attention_mask):
        embed = self.lm.get_input_embeddings()
        text_embeds = embed(input_ids)  # [batch, seq, D]
        inputs_embeds = torch.cat([query_embeds.to(text_embeds.dtype), text_embeds], dim=1)  # [batch, Q + seq, D]
        query_mask = torch.ones(query_embeds.shape[:2], dtype=attention_mask.dtype)  # [batch, Q]
        mask = torch.cat([query_mask, attention_mask], dim=1)  # [batch, Q + seq]
        out = self.lm.get_encoder()(inputs_embeds=inputs_embeds, attention_mask=mask, return_dict=True)
        return out.last_hidden_state.float()  # [batch, Q + seq, D]


class T5DecoderInitGraph(nn.Module):
    """First decoder step: logits plus self- (length 1) and cross-attention (length E) K/V."""

    def __init__(self, lm, num_layers: int):
        super().__init__()
        self.lm, self.num_layers = lm, num_layers

    def forward(self, decoder_input_ids, encoder_hidden_states, encoder_attention_mask):
        # decoder_input_ids [batch, 1]; encoder_hidden_states [batch, E, D]; encoder_attention_mask [batch, E]
        _, EncoderDecoderCache = _cache_classes()
        from transformers.modeling_outputs import BaseModelOutput
        dtype = self.lm.get_input_embeddings().weight.dtype
        cache = EncoderDecoderCache(_dynamic_cache(), _dynamic_cache())
        out = self.lm(encoder_outputs=BaseModelOutput(last_hidden_state=encoder_hidden_states.to(dtype)),
                      attention_mask=encoder_attention_mask, decoder_input_ids=decoder_input_ids,
                      past_key_values=cache, use_cache=True, return_dict=True)
        present = []
        for i in range(self.num_layers):
            present += list(_layer_kv(out.past_key_values.self_attention_cache, i))  # [batch, H, 1, d]
            present += list(_layer_kv(out.past_key_values.cross_attention_cache, i))  # [batch, H, E, d]
        return (out.logits[:, -1, :].float(), *present)  # logits [batch, V]


class T5DecoderGraph(nn.Module):
    """Decoder step with past: self K/V grow by one, cross K/V are reused as given.

    ``decoder_attention_mask`` [batch, P + 1] covers the past self-attention columns and the new
    token: a row whose self K/V are LEFT-padded (columns of any value, mask 0) gives the logits it
    gives unpadded, because T5's relative position bias depends only on key column - query
    position and the query's position is the padded past length P (HF: the cache's length), so a
    uniform left shift of a row keeps every real key's bias. Likewise cross K/V may be padded along
    the encoder axis with ``encoder_attention_mask`` 0 there. This is what lets requests join a
    running decode batch at different steps.
    """

    def __init__(self, lm, num_layers: int, hidden: int):
        super().__init__()
        self.lm, self.num_layers, self.hidden = lm, num_layers, hidden

    def forward(self, decoder_input_ids, encoder_attention_mask, decoder_attention_mask, *past):
        # decoder_input_ids [batch, 1]; encoder_attention_mask [batch, E]; decoder_attention_mask [batch, P + 1]
        # past: per layer self key/value [batch, H, P, d], cross key/value [batch, H, E, d]
        _, EncoderDecoderCache = _cache_classes()
        from transformers.modeling_outputs import BaseModelOutput
        dtype = self.lm.get_input_embeddings().weight.dtype
        self_cache = _dynamic_cache([(past[4 * i], past[4 * i + 1]) for i in range(self.num_layers)])
        cross_cache = _dynamic_cache([(past[4 * i + 2], past[4 * i + 3]) for i in range(self.num_layers)])
        cache = EncoderDecoderCache(self_cache, cross_cache)
        # Cross K/V come from the cache; the hidden states only give the decoder its encoder length.
        placeholder = encoder_attention_mask.unsqueeze(-1).to(dtype).expand(-1, -1, self.hidden) * 0  # [batch, E, D]
        out = self.lm(encoder_outputs=BaseModelOutput(last_hidden_state=placeholder),
                      attention_mask=encoder_attention_mask, decoder_input_ids=decoder_input_ids,
                      decoder_attention_mask=decoder_attention_mask, past_key_values=cache, use_cache=True,
                      return_dict=True)
        present = []
        for i in range(self.num_layers):
            present += list(_layer_kv(out.past_key_values.self_attention_cache, i))  # [batch, H, P + 1, d]
        return (out.logits[:, -1, :].float(), *present)


def graph_specs(model, family: str, dims: dict, kv_dtype: torch.dtype) -> dict:
    """Per graph: wrapper module, sample inputs, input/output names and dynamic axes."""
    lm = model.language_model
    L, H, d, D = dims["lm_num_layers"], dims["lm_num_heads"], dims["lm_head_dim"], dims["lm_hidden_size"]
    Q, size = dims["num_query_tokens"], dims["image_size"]
    B, S, P, E = 2, 5, 3, Q + 5
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(4, 60, (B, S), generator=gen)  # [batch, seq]

    def kv(length):
        return torch.randn(B, H, length, d, generator=gen).to(kv_dtype)  # [batch, H, length, d]

    kv_axes = {0: "batch", 2: "past_sequence"}
    specs = {"vision": {
        "module": VisionGraph(model),
        "inputs": (torch.randn(B, 3, size, size, generator=gen),),
        "input_names": ["pixel_values"], "output_names": ["query_embeds"],
        "dynamic_axes": {"pixel_values": {0: "batch"}, "query_embeds": {0: "batch"}}}}
    if family == "opt":
        past_names, present_names = kv_names("opt", L, "past_key_values"), kv_names("opt", L, "present")
        mask = torch.ones(B, P + S, dtype=torch.long)
        mask[0, :2] = 0
        specs["embed_tokens"] = {
            "module": OptEmbedGraph(lm), "inputs": (ids,), "input_names": ["input_ids"],
            "output_names": ["inputs_embeds"],
            "dynamic_axes": {"input_ids": {0: "batch", 1: "sequence"}, "inputs_embeds": {0: "batch", 1: "sequence"}}}
        axes = {"inputs_embeds": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "total_sequence"},
                "position_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}}
        axes.update({n: kv_axes for n in past_names})
        axes.update({n: {0: "batch", 2: "total_sequence"} for n in present_names})
        positions = (torch.cumsum(mask, 1) - 1).clamp(min=0)[:, P:]  # [batch, seq]
        specs["decoder"] = {
            "module": OptDecoderGraph(lm, L),
            "inputs": (torch.randn(B, S, D, generator=gen), mask, positions, *[kv(P) for _ in past_names]),
            "input_names": decoder_input_names("opt", L),
            "output_names": ["logits", *present_names], "dynamic_axes": axes}
    else:
        text_mask = torch.ones(B, S, dtype=torch.long)
        text_mask[1, 3:] = 0
        enc_mask = torch.cat([torch.ones(B, Q, dtype=torch.long), text_mask], 1)  # [batch, E]
        start = torch.zeros(B, 1, dtype=torch.long)
        specs["encoder"] = {
            "module": T5EncoderGraph(lm), "inputs": (torch.randn(B, Q, D, generator=gen), ids, text_mask),
            "input_names": ["query_embeds", "input_ids", "attention_mask"],
            "output_names": ["encoder_hidden_states"],
            "dynamic_axes": {"query_embeds": {0: "batch"}, "input_ids": {0: "batch", 1: "sequence"},
                             "attention_mask": {0: "batch", 1: "sequence"},
                             "encoder_hidden_states": {0: "batch", 1: "encoder_sequence"}}}
        init_present = t5_init_present_names(L)
        axes = {"decoder_input_ids": {0: "batch"}, "encoder_hidden_states": {0: "batch", 1: "encoder_sequence"},
                "encoder_attention_mask": {0: "batch", 1: "encoder_sequence"}, "logits": {0: "batch"}}
        axes.update({n: ({0: "batch"} if ".decoder." in n else {0: "batch", 2: "encoder_sequence"})
                     for n in init_present})
        specs["decoder_init"] = {
            "module": T5DecoderInitGraph(lm, L),
            "inputs": (start, torch.randn(B, E, D, generator=gen), enc_mask),
            "input_names": ["decoder_input_ids", "encoder_hidden_states", "encoder_attention_mask"],
            "output_names": ["logits", *init_present], "dynamic_axes": axes}
        past_names, present_names = kv_names("t5", L, "past_key_values"), kv_names("t5", L, "present")
        axes = {"decoder_input_ids": {0: "batch"}, "encoder_attention_mask": {0: "batch", 1: "encoder_sequence"},
                "decoder_attention_mask": {0: "batch", 1: "total_sequence"}, "logits": {0: "batch"}}
        axes.update({n: (kv_axes if ".decoder." in n else {0: "batch", 2: "encoder_sequence"}) for n in past_names})
        axes.update({n: {0: "batch", 2: "total_sequence"} for n in present_names})
        past = [kv(P) if ".decoder." in n else kv(E) for n in past_names]
        self_mask = torch.ones(B, P + 1, dtype=torch.long)  # [batch, P + 1]
        self_mask[0, 0] = 0  # row 0's self K/V left-padded by one column
        specs["decoder"] = {
            "module": T5DecoderGraph(lm, L, D), "inputs": (start, enc_mask, self_mask, *past),
            "input_names": decoder_input_names("t5", L),
            "output_names": ["logits", *present_names], "dynamic_axes": axes}
    V = dims["vocab_size"]
    for name, spec in specs.items():
        spec["output_shapes"] = _output_shapes(name, family, spec["output_names"], Q, D, V, H, d)
    return specs


def _output_shapes(graph: str, family: str, names: list[str], Q: int, D: int, V: int, H: int, d: int) -> dict:
    """Declared output shapes per graph (the manifest's contract)."""
    shapes = {}
    for n in names:
        if n == "query_embeds":
            shapes[n] = ["batch", Q, D]
        elif n == "inputs_embeds":
            shapes[n] = ["batch", "sequence", D]
        elif n == "encoder_hidden_states":
            shapes[n] = ["batch", "encoder_sequence", D]
        elif n == "logits":
            shapes[n] = ["batch", V]
        elif graph == "decoder_init":
            shapes[n] = ["batch", H, 1, d] if ".decoder." in n else ["batch", H, "encoder_sequence", d]
        else:
            shapes[n] = ["batch", H, "total_sequence", d]
    return shapes


def export_graph(spec: dict, path: Path, opset: int) -> None:
    """Exports one wrapper to ``path``; weights over 2 GB go to ``<file>.data`` next to it."""
    import onnx

    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        tmp_path = Path(tmp) / path.name
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(spec["module"].eval(), spec["inputs"], str(tmp_path), dynamo=False,
                              opset_version=opset, input_names=spec["input_names"],
                              output_names=spec["output_names"], dynamic_axes=spec["dynamic_axes"],
                              do_constant_folding=True)
        model = onnx.load(str(tmp_path), load_external_data=True)
    set_output_shapes(model, spec["output_shapes"])
    save_onnx(model, path)


def set_output_shapes(model, shapes: dict) -> None:
    """Writes the declared output shapes (ints for fixed, names for dynamic axes) into the graph."""
    for output in model.graph.output:
        dims = output.type.tensor_type.shape.dim
        wanted = shapes[output.name]
        if len(dims) != len(wanted):
            raise RuntimeError(f"output {output.name} has rank {len(dims)}, expected {len(wanted)}")
        for dim, value in zip(dims, wanted):
            if isinstance(value, int):
                dim.ClearField("dim_param")
                dim.dim_value = value
            else:
                dim.ClearField("dim_value")
                dim.dim_param = value


def save_onnx(model, path: Path) -> None:
    """Saves inline, or with one external data file when the weights pass 2 GB."""
    import onnx

    data = path.with_name(path.name + ".data")
    if data.exists():
        data.unlink()
    if needs_external_data(model.graph):
        onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data.name, size_threshold=1024)
    else:
        onnx.save_model(model, str(path))


def check_model_in_subprocess(path: Path) -> None:
    """onnx.checker in a fresh process (it can crash when torch was imported first)."""
    code = "import onnx,sys; onnx.checker.check_model(sys.argv[1], full_check=False)"
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"onnx.checker rejected {path.name}: {result.stderr.strip()[-2000:]}")


def graph_io(path: Path) -> dict:
    """Inputs/outputs of an ONNX file as the manifest lists them (names, dtypes, shapes)."""
    import onnx
    from onnx import TensorProto

    model = onnx.load(str(path), load_external_data=False)
    names = {TensorProto.FLOAT: "float32", TensorProto.FLOAT16: "float16", TensorProto.INT64: "int64",
             TensorProto.INT32: "int32"}

    def describe(values):
        out = []
        for v in values:
            t = v.type.tensor_type
            shape = [d.dim_param if d.dim_param else int(d.dim_value) for d in t.shape.dim]
            out.append({"name": v.name, "dtype": names.get(t.elem_type, str(t.elem_type)), "shape": shape})
        return out

    inits = {i.name for i in model.graph.initializer}
    return {"file": path.name, "inputs": describe([i for i in model.graph.input if i.name not in inits]),
            "outputs": describe(model.graph.output)}
