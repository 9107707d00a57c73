"""SARIF 2.1.0 for code scanning (``stackparse analyze --format sarif``).

One run, one result per finding of every dump read (a ``go test ./...`` log holds one dump per
package that hung or leaked). A result is located at the finding's blocking site in the
repository (:func:`._ci.finding_site`: the blocking call of its first goroutine, mapped to a
repository-relative path by :class:`._ci.RepoPaths`, the mapping ``--source`` uses plus the
module paths of the repository's go.mod files), with related locations for the goroutines that
hold what it waits for, could release it, share it or are stuck behind it. ``ruleId`` is
``KIND/RULE`` (``deadlock/cycle``, ``leak/lock-no-holder``); ``level`` follows the confidence
(certain, high: ``error``; medium: ``warning``; low: ``note``).

The document is written as plain dicts (see the pyproject.toml comment on why no SARIF object
model library) and checked in the tests by the SARIF Multitool, the reference validator.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ._ci import Located, RepoPaths, Row, ci_items, rule_id
from ._common import View

__all__ = ["LEVELS", "SARIF_SCHEMA", "render_sarif", "rule_id", "sarif_document"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://pypi.org/project/stackparse/"
#: SARIF level of each confidence.
LEVELS = {"certain": "error", "high": "error", "medium": "warning", "low": "note"}
#: Short descriptions of the rules stackparse's analysis reports; others get a generic one.
RULE_TEXT = {
    "deadlock/cycle": "Goroutines wait on each other in a cycle (deadlock)",
    "deadlock/runtime-global-deadlock": "The Go runtime found every goroutine asleep (deadlock)",
    "leak/nil-chan": "A goroutine blocks for ever on a nil channel",
    "leak/select-no-cases": "A goroutine blocks for ever in an empty select",
    "leak/waitgroup-stuck-workers": "A WaitGroup waits on workers that are stuck themselves",
    "leak/waitgroup-no-workers": "A WaitGroup waits with no worker in sight to call Done",
    "leak/cond-no-signaller": "A sync.Cond waits with no goroutine in sight to signal it",
    "leak/leakprof-site": "Goroutines parked at one channel operation with no counterpart in sight",
    "leak/lock-no-holder": "Goroutines wait for a lock that no goroutine in sight holds",
    "leak/leaked-mark": "The Go runtime's goroutineleak profile marks these goroutines leaked",
    "leak/leakprof-record": "The Go runtime's goroutineleak profile reports these goroutines leaked",
}


def _rule(rid: str, level: str) -> dict[str, Any]:
    kind, _, rule = rid.partition("/")
    text = RULE_TEXT.get(rid) or f"{kind.capitalize()} found by the rule {rule or kind} of stackparse"
    name = "".join(p.capitalize() for p in rid.replace("/", "-").split("-") if p)
    return {
        "id": rid,
        "name": name,
        "shortDescription": {"text": text},
        "fullDescription": {
            "text": f"{text}. Found in a goroutine dump (a go test timeout, a goleak report, a "
            "SIGQUIT or pprof dump) by stackparse's wait-for graph analysis."
        },
        "help": {
            "text": f"{text}. The result's message lists the goroutines, what each waits for and the "
            "evidence; its related locations are the goroutines holding or able to release it.",
        },
        "helpUri": INFORMATION_URI,
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["concurrency", kind]},
    }


def _artifact(loc: Located) -> dict[str, Any]:
    if loc.in_repo:
        return {"uri": loc.path, "uriBaseId": "SRCROOT"}
    path = loc.path.replace("\\", "/")
    if path.startswith("/"):
        return {"uri": "file://" + path}
    return {"uri": path}


def _physical(loc: Located) -> dict[str, Any]:
    return {"artifactLocation": _artifact(loc), "region": {"startLine": max(1, loc.line)}}


def _fingerprint(rid: str, view: View, finding: Any) -> str:
    """Stable across runs: the rule and the functions the goroutines wait in (no ids, no
    addresses, no line numbers)."""
    sites = sorted({f.function.full for gid in finding.goroutines if (f := view.site_frame(gid)) is not None})
    return hashlib.sha256("\n".join([rid, *sites]).encode()).hexdigest()[:32]


def sarif_document(
    results: Sequence[Row],
    repo: RepoPaths,
    version: str = "0",
) -> dict[str, Any]:
    """The SARIF 2.1.0 log (a dict) of ``results``: ``(label, dump, analysis[, input path])`` per dump."""
    rules: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for item in ci_items(results, repo):
        level = LEVELS.get(item.confidence, "warning")
        if item.rule not in rules:
            rules[item.rule] = _rule(item.rule, level)
        nf, site, ctx = item.finding, item.site, item.context
        result: dict[str, Any] = {
            "ruleId": item.rule,
            "ruleIndex": 0,
            "level": level,
            "message": {"text": item.message},
        }
        if site is not None:
            loc: dict[str, Any] = {"physicalLocation": _physical(site)}
            if site.function:
                loc["logicalLocations"] = [{"fullyQualifiedName": site.function, "kind": "function"}]
            result["locations"] = [loc]
        if item.related:
            result["relatedLocations"] = [
                {"id": i + 1, "physicalLocation": _physical(r.where), "message": {"text": r.text}}
                for i, r in enumerate(item.related)
            ]
        result["partialFingerprints"] = {"stackparseFinding/v1": _fingerprint(item.rule, item.view, nf)}
        props: dict[str, Any] = {
            "kind": item.kind,
            "confidence": item.confidence,
            "goroutines": list(nf.goroutines),
            "blockedBehind": list(nf.blocked_behind),
            "count": nf.count,
        }
        if ctx is not None:
            props.update({"testTool": ctx.tool, "tests": list(ctx.tests), "testPackage": ctx.package})
            if ctx.timeout:
                props["testTimeout"] = ctx.timeout
        if item.label:
            props["dump"] = item.label
        result["properties"] = props
        out.append(result)
    for r in out:  # rules were added as met: indexes are final only now
        r["ruleIndex"] = list(rules).index(r["ruleId"])
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "stackparse",
                "version": version,
                "informationUri": INFORMATION_URI,
                "rules": list(rules.values()),
            }
        },
        "originalUriBaseIds": {"SRCROOT": {"uri": repo.root.as_uri().rstrip("/") + "/"}},
        "invocations": [{"executionSuccessful": True}],
        "columnKind": "unicodeCodePoints",
        "results": out,
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(
    results: Sequence[Row],
    repo: RepoPaths | None = None,
    version: str = "0",
) -> str:
    """The SARIF 2.1.0 log of ``results`` (``(label, dump, analysis[, input path])`` per dump) as JSON text.
    ``repo``: the path mapping (default: the checkout holding the current directory)."""
    doc = sarif_document(results, repo if repo is not None else RepoPaths(), version)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
