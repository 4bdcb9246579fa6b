"""Building blocks of ``export_blip2.py``: presets, the manifest contract, graph wrappers,
ONNX export, dtype conversion and self-verification of a blip2-stream model bundle."""

TOOL_NAME = "export_blip2.py"
TOOL_VERSION = "1.1.0"
BUNDLE_FORMAT = "blip2-stream-bundle"
BUNDLE_FORMAT_VERSION = 1


class ExportError(Exception):
    """A checkpoint the tool cannot handle, or a bundle that failed its self-verification."""
