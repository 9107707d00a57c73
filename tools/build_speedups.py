"""Hatchling build hook: compiles stackparse/_speedups.c, the optional compiled frame lookup.

The wheel gets the extension module when a C compiler is found; without one (or with
STACKPARSE_NO_SPEEDUPS_BUILD=1) the build warns and makes a pure-Python wheel, whose parser is
the same code minus the compiled lookup (parse.py falls back by itself). With
STACKPARSE_REQUIRE_SPEEDUPS=1 (CI sets it) a failed compile fails the build instead.

The compile itself is setuptools' build_ext: it knows each platform's compiler, flags and
extension suffix, which we would otherwise write out by hand.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def compile_speedups(root: str, out_dir: str) -> str:
    """Build the extension under ``out_dir``; returns the path of the built module."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    ext = Extension("stackparse._speedups", [os.path.join(root, "stackparse", "_speedups.c")])
    cmd = build_ext(Distribution({"name": "stackparse-speedups", "ext_modules": [ext]}))
    cmd.build_lib = os.path.join(out_dir, "lib")
    cmd.build_temp = os.path.join(out_dir, "tmp")
    cmd.ensure_finalized()
    cmd.run()
    return str(cmd.get_ext_fullpath("stackparse._speedups"))


class SpeedupsBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("STACKPARSE_NO_SPEEDUPS_BUILD"):
            return
        self._tmp = tempfile.mkdtemp(prefix="stackparse-speedups-")
        try:
            built = compile_speedups(self.root, self._tmp)
        except Exception as e:  # no compiler, no Python headers, ...
            if os.environ.get("STACKPARSE_REQUIRE_SPEEDUPS"):
                raise
            self.app.display_warning(
                f"stackparse: the compiled frame lookup was not built ({e}); the parser runs in pure Python"
            )
            return
        name = os.path.basename(built)
        if version == "editable":
            # an editable install imports stackparse/ from the source tree: put the module there
            shutil.copyfile(built, os.path.join(self.root, "stackparse", name))
        else:
            build_data["force_include"][built] = f"stackparse/{name}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
