"""Compile the modules of ``stackparse/native.py: MODULES`` with mypyc, and its C ``EXTENSIONS``.

As hatchling's build hook (``[tool.hatch.build.targets.wheel.hooks.custom]``): a wheel with
the compiled modules when mypyc and a C compiler work, else a pure-Python wheel with a
warning. ``STACKPARSE_PURE=1`` asks for the pure wheel; ``STACKPARSE_REQUIRE_COMPILED=1``
makes a failed compilation fail the build (CI sets it). Editable installs stay pure.

As a script, in a source tree (needs mypy and setuptools, not hatchling)::

    python tools/hatch_build.py            # compile in place: stackparse/**/*.so beside the .py files
    python tools/hatch_build.py --clean    # remove them (back to pure Python)

The C compiler takes ``CC``, ``CFLAGS`` and ``LDFLAGS`` from the environment (setuptools);
``MYPYC_OPT_LEVEL`` (default 3) and ``MYPYC_DEBUG_LEVEL`` (default 1) go to mypyc.
"""

from __future__ import annotations

import ast
import glob
import os
import shutil
import sys
import tempfile
from typing import Any

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # the in-place build needs no hatchling
    BuildHookInterface = object  # type: ignore[assignment,misc]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # (this file is tools/hatch_build.py)
LIST_FILE = os.path.join("stackparse", "native.py")


def _constant(root: str, name: str) -> Any:
    """A literal assigned at the top of stackparse/native.py (read, not imported: the build
    environment has none of the package's dependencies)."""
    with open(os.path.join(root, LIST_FILE), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == name and node.value is not None:  # type: ignore[attr-defined]
            return ast.literal_eval(node.value)  # type: ignore[attr-defined]
    raise LookupError(f"{name} not found in {LIST_FILE}")


def compile_modules(root: str, out_dir: str) -> list[str]:
    """Compile MODULES of the source tree ``root`` into ``out_dir``; returns the paths of the
    extension files made, relative to ``out_dir`` (``stackparse/parsing/args.cpython-...so``)."""
    from mypyc.build import mypycify  # (imports setuptools first)
    from setuptools import Distribution

    modules: tuple[str, ...] = _constant(root, "MODULES")
    paths = [os.path.join(*m.split(".")) + ".py" for m in modules]
    work = tempfile.mkdtemp(prefix="stackparse-mypyc-")
    cwd = os.getcwd()
    os.chdir(root)  # (mypyc finds the modules' names from the package folders)
    try:
        exts = mypycify(paths, opt_level=os.environ.get("MYPYC_OPT_LEVEL", "3"),
                        debug_level=os.environ.get("MYPYC_DEBUG_LEVEL", "1"),
                        group_name=_constant(root, "GROUP"), target_dir=os.path.join(work, "c"))
        from setuptools import Extension

        for name, source in _constant(root, "EXTENSIONS").items():
            exts.append(Extension(name, [source]))
        dist = Distribution({"name": "stackparse-native", "ext_modules": exts, "script_name": "hatch_build.py"})
        cmd: Any = dist.get_command_obj("build_ext")
        cmd.build_lib = out_dir
        cmd.build_temp = os.path.join(work, "obj")
        cmd.inplace = False
        cmd.ensure_finalized()
        cmd.run()
        return sorted(os.path.relpath(p, out_dir) for p in cmd.get_outputs())
    finally:
        os.chdir(cwd)
        shutil.rmtree(work, ignore_errors=True)


def clean(root: str) -> list[str]:
    """Remove compiled extension files from the source tree ``root``."""
    gone = []
    for pattern in ("stackparse/*.so", "stackparse/**/*.so", "stackparse/*.pyd", "stackparse/**/*.pyd"):
        for p in glob.glob(os.path.join(root, pattern), recursive=True):
            os.remove(p)
            gone.append(os.path.relpath(p, root))
    return sorted(set(gone))


class MypycHook(BuildHookInterface):  # type: ignore[misc,valid-type]
    """hatchling build hook: see the module docstring."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._out: str | None = None
        if self.target_name != "wheel" or version == "editable":
            return
        if os.environ.get("STACKPARSE_PURE", "") not in ("", "0"):
            self.app.display_info("stackparse: STACKPARSE_PURE set: pure-Python wheel")
            return
        out = self._out = tempfile.mkdtemp(prefix="stackparse-wheel-")
        try:
            built = compile_modules(self.root, out)
        except (Exception, SystemExit) as e:  # mypyc exits on a type error; no compiler raises
            if os.environ.get("STACKPARSE_REQUIRE_COMPILED", "") not in ("", "0"):
                raise
            self.app.display_warning(f"stackparse: mypyc compilation failed ({type(e).__name__}: {e}); "
                                     "building a pure-Python wheel")
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        for rel in built:
            build_data["force_include"][os.path.join(out, rel)] = rel

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if getattr(self, "_out", None):
            shutil.rmtree(self._out, ignore_errors=True)  # type: ignore[arg-type]


def main(argv: list[str]) -> int:
    if argv[1:] == ["--clean"]:
        for p in clean(ROOT):
            print("removed", p)
        return 0
    if argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    clean(ROOT)
    out = tempfile.mkdtemp(prefix="stackparse-inplace-")
    try:
        for rel in compile_modules(ROOT, out):
            shutil.copyfile(os.path.join(out, rel), os.path.join(ROOT, rel))
            print("built", rel)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
