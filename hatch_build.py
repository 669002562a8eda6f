"""Wheel build hook: the wheel carries ilmpack's templates compiled (src/ilmpack/precompiled.py)."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompiledTemplatesHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":  # an editable install reads templates/ as it changes
            return
        root = Path(self.root)
        spec = importlib.util.spec_from_file_location("ilmpack_precompiled", root / "src" / "ilmpack" / "precompiled.py")
        precompiled = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(precompiled)
        self._out = Path(tempfile.mkdtemp(prefix="ilmpack-compiled-templates-"))
        for path in precompiled.compile_templates(root / "templates", self._out):
            build_data["force_include"][str(path)] = f"ilmpack/{precompiled.FOLDER}/{path.name}"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        out = getattr(self, "_out", None)
        if out is not None:
            shutil.rmtree(out, ignore_errors=True)
