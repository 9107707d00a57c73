"""The mypyc build: which modules are compiled, and that the installed package loads them.

``STACKPARSE_EXPECT_COMPILED=1`` (set by .ci/run for the installed wheel) makes the test demand
that every module of ``stackparse.native.MODULES`` is loaded from its compiled extension.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
from pathlib import Path

import pytest

import stackparse
from stackparse import native
from stackparse.parsing import compiled

ROOT = Path(__file__).resolve().parent.parent


def test_compiled_reports_every_listed_module():
    got = compiled()
    assert list(got) == list(native.MODULES) + list(native.EXTENSIONS)
    for name, is_compiled in got.items():
        try:
            path = importlib.import_module(name).__file__ or ""
        except ImportError:  # a C extension that was not built (it has no .py source)
            assert name in native.EXTENSIONS and not is_compiled, name
            continue
        assert is_compiled == (not path.endswith(".py")), (name, path)


def test_all_compiled_asks_only_about_the_parser():
    """all_compiled() is the parser's question (is a second process worth it?): the analysis
    modules are not part of it."""
    parser = [m for m in native.MODULES if m.startswith("stackparse.parsing.")]
    assert parser
    assert native.all_compiled() == all(compiled(parser).values())


@pytest.mark.skipif(os.environ.get("STACKPARSE_EXPECT_COMPILED", "") in ("", "0"),
                    reason="STACKPARSE_EXPECT_COMPILED not set (a pure-Python install is allowed)")
def test_compiled_modules_loaded():
    missing = [name for name, ok in compiled().items() if not ok]
    assert not missing, f"not compiled: {missing} (stackparse from {stackparse.__file__})"
    for name in native.EXTENSIONS:  # the C extensions are built with them
        assert isinstance(importlib.import_module(name).__loader__, importlib.machinery.ExtensionFileLoader), name


def test_build_hook_reads_the_same_list():
    """tools/hatch_build.py reads MODULES from the source with ast (the build environment cannot
    import stackparse): the literal it reads is the list the runtime checks."""
    hook = ROOT / "tools" / "hatch_build.py"
    if not hook.exists():
        pytest.skip("no source tree beside the tests")
    spec = importlib.util.spec_from_file_location("stackparse_hatch_build", hook)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod._constant(str(ROOT), "MODULES") == native.MODULES
    assert mod._constant(str(ROOT), "GROUP") == native.GROUP
    for name in native.MODULES:
        assert (ROOT / (name.replace(".", "/") + ".py")).exists(), name
    assert mod._constant(str(ROOT), "EXTENSIONS") == native.EXTENSIONS
    for name, source in native.EXTENSIONS.items():  # C, with a stub for mypy, no .py of its own
        assert (ROOT / source).exists(), source
        assert (ROOT / (name.replace(".", "/") + ".pyi")).exists(), name
        assert not (ROOT / (name.replace(".", "/") + ".py")).exists(), name


def test_records_keep_their_types():
    """Compiled code builds the records with ``tuple.__new__``: they must still be the model's
    classes (a plain tuple compares equal to a NamedTuple, so equality tests would not see it)."""
    dump = stackparse.parse_file(ROOT / "corpus" / "go1.27" / "bug_abba_mutex.sigquit.txt")
    assert dump.goroutines
    for g in dump.goroutines:
        assert type(g) is stackparse.Goroutine
        assert g.frames and all(type(f) is stackparse.Frame for f in g.frames)
        assert all(type(f.function) is stackparse.Function for f in g.frames)
        assert g.created_by is None or type(g.created_by) is stackparse.CreatedBy
