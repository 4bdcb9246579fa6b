"""Building blocks of ``export_blip2.py``: presets, the manifest contract, graph wrappers,
ONNX export, dtype conversion and self-verification of a blip2-stream model bundle."""

TOOL_NAME = "export_blip2.py"
TOOL_VERSION = "1.1.0"
BUNDLE_FORMAT = "blip2-stream-bundle"
BUNDLE_FORMAT_VERSION = 1


def needs_external_data(graph) -> bool:
    """Whether an ONNX ``GraphProto``'s weights come near protobuf's 2 GB limit, so that the file
    must keep them in one ``<file>.data`` next to it (ViT-g and the LMs in fp32)."""
    return sum(t.ByteSize() for t in graph.initializer) >= 2 * 1024 ** 3 - 64 * 1024 ** 2


class ExportError(Exception):
    """A checkpoint the tool cannot handle, or a bundle that failed its self-verification."""
