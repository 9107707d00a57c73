#!/usr/bin/env python3
"""Regenerate the real goroutine-dump corpus (Python 3.11, stdlib only).

Usage
-----
    python corpus/generate.py                      # every program, every toolchain found
    python corpus/generate.py --go 1.27 --go 1.19  # only these Go versions (MAJOR.MINOR)
    python corpus/generate.py --program fmt_states --mode sigquit
    python corpus/generate.py --ci --out /tmp/live  # only programs with "ci": true
    python corpus/generate.py --goroot-map 1.27=/opt/go/1.27.3/go --go 1.27
    python corpus/generate.py --list                # show toolchains and programs, run nothing

Toolchains are found, in increasing priority, by auto-discovery of
/opt/go/*/go and /usr/lib/go-1.*, by the environment variables
STACKPARSE_GO_<MAJOR>_<MINOR> (a GOROOT or the path of a go binary, e.g.
STACKPARSE_GO_1_27=/opt/go/1.27.3/go), and by --goroot-map MAJOR.MINOR=PATH.
The version written in the sidecars is the one `go env GOVERSION` reports.

What it does
------------
Each program is a directory corpus/programs/NAME/ with main.go (package main,
defines `func setup()`, no main) and meta.json (see corpus/README.md). For each
(program, Go version) allowed by min_go/max_go the program is copied with
corpus/harness/harness.go and a generated go.mod (`module example.com/NAME`,
`go 1.19` unless meta.json says "gomod_go") into
/tmp/spcorpus/<go version>/NAME/, built once, and run once per mode:

    stack, stack4k, pprof1, pprof2  STACKPARSE_MODE=<mode>, dump = stdout
    sigquit[-system|-crash]         STACKPARSE_MODE=sigquit, GOTRACEBACK= default |
                                    system | crash, dump = stderr (core dumps off)
    natural[-all|-system]           STACKPARSE_MODE=natural, GOTRACEBACK= default |
                                    all | system, dump = stderr (killed on timeout)
    leak                            Go >= 1.26 (1.26 built with
                                    GOEXPERIMENT=goroutineleakprofile):
                                    NAME.leak.txt (stdout, goroutine debug=2),
                                    NAME.leakprof.txt (goroutineleak debug=2),
                                    NAME.leakprof1.txt (goroutineleak debug=1)
    test                            `go test -timeout 2s` in a copy without the
                                    harness; dump = stdout+stderr as go prints it

Output: OUT/go<MAJOR.MINOR>/NAME.MODE.txt holds exactly the bytes written by
the runtime / go command, and NAME.MODE.meta.json the sidecar
{"program", "mode", "go_version", "env", "command", "exit_status", "stream"}
(plus "timed_out", "signal" when relevant). OUT defaults to corpus/.
meta.json "env" applies to both the build and the run (so GOEXPERIMENT works).
Nothing else in OUT is touched: *.golden.json files are left alone.

Exit status: 0 if every requested capture produced a dump, 1 otherwise.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import glob
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
HARNESS = HERE / "harness" / "harness.go"
WORK = Path(os.environ.get("STACKPARSE_WORKDIR", "/tmp/spcorpus"))

ALL_MODES = [
    "stack", "stack4k", "sigquit", "sigquit-system", "sigquit-crash",
    "pprof1", "pprof2", "leak", "natural", "natural-all", "natural-system", "test",
]
STDOUT_MODES = {"stack", "stack4k", "pprof1", "pprof2", "leak"}
SIGQUIT_TB = {"sigquit": None, "sigquit-system": "system", "sigquit-crash": "crash"}
NATURAL_TB = {"natural": None, "natural-all": "all", "natural-system": "system"}

BASE_ENV = {"GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "-mod=mod"}
# Variables from the caller's environment that would change the dumps.
SCRUB = ("GOTRACEBACK", "GODEBUG", "GOEXPERIMENT", "GOROOT",
         "GOMAXPROCS", "GOGC", "GOFLAGS", "GOTOOLCHAIN", "GOPROXY", "CGO_ENABLED")

RUN_TIMEOUT = 30.0      # seconds, per run (natural modes that hang are killed)
TEST_TIMEOUT = 120.0    # the go command itself (build + 2s test timeout)

print_lock = threading.Lock()


def log(*a):
    with print_lock:
        print(*a, file=sys.stderr, flush=True)


def vkey(v: str) -> tuple[int, int]:
    m = re.match(r"(?:go)?(\d+)\.(\d+)", v)
    if not m:
        raise ValueError(f"bad Go version {v!r}")
    return int(m.group(1)), int(m.group(2))


def vstr(k: tuple[int, int]) -> str:
    return f"{k[0]}.{k[1]}"


# --------------------------------------------------------------------------
# toolchains

@dataclass
class Toolchain:
    minor: str          # "1.27"
    version: str        # "go1.27.3"
    gobin: str          # path of the go binary
    goroot: str


def go_binary(path: str) -> str | None:
    p = Path(path)
    for cand in (p, p / "bin" / "go", p / "go" / "bin" / "go"):
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return None


def probe(gobin: str) -> Toolchain | None:
    env = clean_env()
    try:
        out = subprocess.run([gobin, "env", "GOVERSION", "GOROOT"], env=env,
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    lines = out.stdout.split()
    if len(lines) < 2 or not lines[0].startswith("go"):
        return None
    return Toolchain(vstr(vkey(lines[0])), lines[0], gobin, lines[1])


def discover(goroot_map: list[str]) -> dict[str, Toolchain]:
    cands: list[tuple[str | None, str]] = []
    for p in sorted(glob.glob("/opt/go/*/go")) + sorted(glob.glob("/usr/lib/go-1.*")):
        cands.append((None, p))
    for k, v in sorted(os.environ.items()):
        m = re.fullmatch(r"STACKPARSE_GO_(\d+)_(\d+)", k)
        if m and v:
            cands.append((f"{m.group(1)}.{m.group(2)}", v))
    for item in goroot_map:
        if "=" not in item:
            sys.exit(f"--goroot-map wants MAJOR.MINOR=PATH, got {item!r}")
        k, v = item.split("=", 1)
        cands.append((vstr(vkey(k)), v))
    found: dict[str, Toolchain] = {}
    for want, path in cands:
        gobin = go_binary(path)
        if not gobin:
            if want:
                log(f"warning: no go binary at {path} (for {want})")
            continue
        tc = probe(gobin)
        if not tc:
            log(f"warning: {gobin} does not run")
            continue
        if want and tc.minor != want:
            log(f"warning: {gobin} is {tc.version}, not {want}; using it as {tc.minor}")
        prev = found.get(tc.minor)
        # explicit entries (env, flags) come later and win; among discovered
        # ones keep the newest patch release
        if prev is None or want is not None or patch(tc.version) >= patch(prev.version):
            found[tc.minor] = tc
    return found


def patch(version: str) -> int:
    m = re.match(r"go\d+\.\d+(?:\.(\d+))?", version)
    return int(m.group(1) or 0) if m else 0


# --------------------------------------------------------------------------
# programs

@dataclass
class Program:
    name: str
    dir: Path
    meta: dict
    modes: list[str] = field(default_factory=list)

    def allowed(self, minor: str) -> bool:
        k = vkey(minor)
        lo = self.meta.get("min_go")
        hi = self.meta.get("max_go")
        if lo and k < vkey(lo):
            return False
        if hi and k > vkey(hi):
            return False
        return True


def load_programs() -> dict[str, Program]:
    progs = {}
    for d in sorted(PROGRAMS.iterdir()) if PROGRAMS.is_dir() else []:
        mf = d / "meta.json"
        if not (d.is_dir() and mf.is_file()):
            continue
        try:
            meta = json.loads(mf.read_text())
        except json.JSONDecodeError as e:
            log(f"warning: {mf}: {e}; skipped")
            continue
        modes = [m for m in meta.get("modes", []) if m in ALL_MODES]
        bad = [m for m in meta.get("modes", []) if m not in ALL_MODES]
        if bad:
            log(f"warning: {d.name}: unknown modes {bad} ignored")
        progs[d.name] = Program(d.name, d, meta, modes)
    return progs


def mode_allowed(mode: str, minor: str) -> bool:
    if mode == "leak":
        return vkey(minor) >= (1, 26)
    return True


# --------------------------------------------------------------------------
# running

def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in SCRUB and not k.startswith("STACKPARSE_")}
    env.update(BASE_ENV)
    return env


def no_core():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.setsid()


def shell_quote_env(env: dict[str, str], argv: list[str]) -> str:
    import shlex
    parts = [f"{k}={shlex.quote(v)}" for k, v in env.items()]
    return " ".join(parts + [shlex.quote(a) for a in argv])


def run(argv, *, env, cwd, timeout, merge=False):
    """Run argv; return (stdout bytes, stderr bytes, exit status, timed_out)."""
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT if merge else subprocess.PIPE,
                         preexec_fn=no_core)
    timed_out = False
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
    return out, err or b"", p.returncode, timed_out


def status_of(rc: int) -> tuple[int, str | None]:
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f"signal {-rc}"
        return 128 - rc, name
    return rc, None


@dataclass
class Result:
    program: str
    minor: str
    mode: str
    ok: bool
    note: str = ""
    size: int = 0


def build(prog: Program, tc: Toolchain, extra_env: dict[str, str], test: bool,
          tag: str) -> tuple[Path | None, str]:
    """Prepare the build dir; for non-test builds also compile. Returns (dir, err)."""
    bdir = WORK / tc.version / (prog.name + tag)
    if bdir.exists():
        shutil.rmtree(bdir)
    bdir.mkdir(parents=True)
    for f in sorted(prog.dir.iterdir()):
        if f.suffix == ".go" and f.is_file():
            if not test and f.name.endswith("_test.go"):
                continue
            shutil.copy2(f, bdir / f.name)
    if not test:
        shutil.copy2(HARNESS, bdir / "harness.go")
    gomod_go = prog.meta.get("gomod_go") or "1.19"
    (bdir / "go.mod").write_text(f"module example.com/{prog.name}\n\ngo {gomod_go}\n")
    if test:
        return bdir, ""
    env = clean_env() | extra_env
    out, err, rc, to = run([tc.gobin, "build", "-o", "prog", "."], env=env,
                           cwd=bdir, timeout=600, merge=True)
    if rc != 0 or to:
        return None, (out.decode(errors="replace")[-2000:] or "build failed")
    return bdir, ""


def write_dump(outdir: Path, prog: Program, mode: str, tc: Toolchain, data: bytes,
               env: dict, command: str, rc: int, stream: str, timed_out: bool):
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / f"{prog.name}.{mode}.txt").write_bytes(data)
    status, sig = status_of(rc)
    side = {"program": prog.name, "mode": mode, "go_version": tc.version,
            "env": env, "command": command, "exit_status": status, "stream": stream}
    if sig:
        side["signal"] = sig
    if timed_out:
        side["timed_out"] = True
    (outdir / f"{prog.name}.{mode}.meta.json").write_text(
        json.dumps(side, indent=2, sort_keys=False) + "\n")


def capture(prog: Program, tc: Toolchain, modes: list[str], out_root: Path) -> list[Result]:
    results: list[Result] = []
    outdir = out_root / f"go{tc.minor}"
    meta_env = {str(k): str(v) for k, v in (prog.meta.get("env") or {}).items()}
    settle = prog.meta.get("settle")
    builds: dict[str, Path | None] = {}

    def get_build(kind: str) -> tuple[Path | None, str]:
        if kind in builds:
            return builds[kind], ""
        extra = dict(meta_env)
        tag = ""
        if kind == "leak" and tc.minor == "1.26":
            exps = [e for e in extra.get("GOEXPERIMENT", "").split(",") if e]
            extra["GOEXPERIMENT"] = ",".join(exps + ["goroutineleakprofile"])
            tag = ".leakexp"
        d, err = build(prog, tc, extra, kind == "test", tag if kind != "test" else ".test")
        builds[kind] = d
        return d, err

    for mode in modes:
        kind = "test" if mode == "test" else ("leak" if mode == "leak" else "plain")
        bdir, err = get_build(kind)
        if bdir is None:
            results.append(Result(prog.name, tc.minor, mode, False,
                                  "build failed: " + err.strip().splitlines()[-1] if err.strip() else "build failed"))
            if err:
                log(f"[{tc.minor} {prog.name}] build failed:\n{err}")
            continue
        run_env = dict(meta_env)
        if kind == "leak" and tc.minor == "1.26":
            run_env["GOEXPERIMENT"] = builds_exp(meta_env)
        stream = "stderr"
        merge = False
        timeout = RUN_TIMEOUT
        if mode == "test":
            argv = [tc.gobin, "test", "-timeout", "2s"]
            stream = "both"
            merge = True
            timeout = TEST_TIMEOUT
        else:
            argv = ["./prog"]
            if mode in STDOUT_MODES:
                run_env["STACKPARSE_MODE"] = mode
                stream = "stdout"
            elif mode in SIGQUIT_TB:
                run_env["STACKPARSE_MODE"] = "sigquit"
                if SIGQUIT_TB[mode]:
                    run_env["GOTRACEBACK"] = SIGQUIT_TB[mode]
            elif mode in NATURAL_TB:
                run_env["STACKPARSE_MODE"] = "natural"
                if NATURAL_TB[mode]:
                    run_env["GOTRACEBACK"] = NATURAL_TB[mode]
            if settle and mode not in NATURAL_TB:
                run_env["STACKPARSE_SETTLE"] = str(settle)
                timeout += go_seconds(str(settle))
            if mode == "leak":
                run_env["STACKPARSE_LEAKOUT"] = str(bdir / "leakprof.txt")
                run_env["STACKPARSE_LEAKOUT1"] = str(bdir / "leakprof1.txt")
                for f in ("leakprof.txt", "leakprof1.txt"):
                    (bdir / f).unlink(missing_ok=True)
        env = clean_env() | run_env
        shown_env = dict(sorted(run_env.items()))
        if mode == "test":
            shown_env = dict(sorted(meta_env.items()))
        command = shell_quote_env(shown_env, argv) + \
            ("  # stdout+stderr" if merge else "")
        t0 = time.monotonic()
        out, err_b, rc, to = run(argv, env=env, cwd=bdir, timeout=timeout, merge=merge)
        dt = time.monotonic() - t0
        data = out if stream in ("stdout", "both") else err_b
        if to:
            note = f"TIMEOUT after {timeout:.0f}s (killed)"
        else:
            note = f"exit {status_of(rc)[0]} {dt:.1f}s"
        write_dump(outdir, prog, mode, tc, data, shown_env, command, rc, stream, to)
        ok = len(data) > 0
        results.append(Result(prog.name, tc.minor, mode, ok, note, len(data)))
        if mode == "leak":
            for sub, fname in (("leakprof", "leakprof.txt"), ("leakprof1", "leakprof1.txt")):
                f = bdir / fname
                if f.is_file():
                    d = f.read_bytes()
                    write_dump(outdir, prog, sub, tc, d, shown_env, command, rc,
                               "file", to)
                    results.append(Result(prog.name, tc.minor, sub, len(d) > 0, note, len(d)))
                else:
                    results.append(Result(prog.name, tc.minor, sub, False, "profile not written"))
    return results


HDR_RE = re.compile(r"^goroutine \d+(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[(.*?)(?: labels:\{.*\})?\](?: \{.*\})?:$")


def coverage(root: Path) -> str:
    """Markdown tables: dumps per program x version, per mode x version, and
    the header statuses / wait reasons seen per version."""
    sides = []
    for f in sorted(root.glob("go1.*/*.meta.json")):
        try:
            m = json.loads(f.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        dump = f.with_name(f.name[: -len(".meta.json")] + ".txt")
        if dump.is_file():
            sides.append((f.parent.name[2:], m, dump))
    minors = sorted({s[0] for s in sides}, key=vkey)
    out = []

    def table(title, rows, cell):
        out.append(f"**{title}**\n")
        out.append("| | " + " | ".join(minors) + " |")
        out.append("|---|" + "---|" * len(minors))
        for r in rows:
            out.append(f"| {r} | " + " | ".join(cell(r, v) for v in minors) + " |")
        out.append("")

    progs = sorted({s[1]["program"] for s in sides})
    table("Dumps per program and Go version", progs,
          lambda p, v: str(sum(1 for s in sides if s[0] == v and s[1]["program"] == p) or ""))
    modes = [m for m in ALL_MODES + ["leakprof", "leakprof1"]
             if any(s[1]["mode"] == m for s in sides)]
    table("Dumps per mode and Go version", modes,
          lambda m, v: str(sum(1 for s in sides if s[0] == v and s[1]["mode"] == m)))
    states: dict[str, set[str]] = {}
    for v, m, dump in sides:
        for line in dump.read_text(errors="replace").splitlines():
            h = HDR_RE.match(line)
            if h:
                st = h.group(1).split(", ")[0]
                states.setdefault(st, set()).add(v)
    table("Goroutine statuses seen in headers (status/wait reason before the first ', ')",
          sorted(states), lambda st, v: "x" if v in states[st] else "")
    out.append(f"{len(sides)} dumps in total.")
    return "\n".join(out)


def go_seconds(d: str) -> float:
    """Seconds in a simple Go duration such as 65s, 1m30s, 500ms."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
    return sum(float(n) * units[u] for n, u in re.findall(r"([\d.]+)(ms|us|ns|h|m|s)", d))


def builds_exp(meta_env: dict[str, str]) -> str:
    exps = [e for e in meta_env.get("GOEXPERIMENT", "").split(",") if e]
    return ",".join(exps + ["goroutineleakprofile"])


# --------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="See the module docstring / corpus/README.md.")
    ap.add_argument("--go", action="append", default=[], metavar="VERSION",
                    help="Go MAJOR.MINOR to use (repeatable; default: all found)")
    ap.add_argument("--program", action="append", default=[], metavar="NAME",
                    help="program to run (repeatable; default: all; glob patterns allowed)")
    ap.add_argument("--mode", action="append", default=[], metavar="MODE",
                    help="mode to capture (repeatable; default: the program's modes)")
    ap.add_argument("--out", default=str(HERE), metavar="DIR",
                    help="output root (default: corpus/); dumps go to DIR/go<MAJOR.MINOR>/")
    ap.add_argument("--goroot-map", action="append", default=[], metavar="M.N=PATH",
                    help="use this GOROOT (or go binary) for Go M.N")
    ap.add_argument("--ci", action="store_true", help='only programs with "ci": true')
    ap.add_argument("-j", "--jobs", type=int, default=2,
                    help="(program, version) pairs to process in parallel (default 2)")
    ap.add_argument("--list", action="store_true", help="list toolchains and programs and exit")
    ap.add_argument("--coverage", action="store_true",
                    help="print markdown coverage tables of the dumps under --out and exit "
                         "(used for corpus/README.md)")
    args = ap.parse_args(argv)
    if args.coverage:
        print(coverage(Path(args.out)))
        return 0

    tcs = discover(args.goroot_map)
    if args.go:
        want = [vstr(vkey(v)) for v in args.go]
        missing = [w for w in want if w not in tcs]
        if missing:
            log(f"error: no toolchain for {missing}; found {sorted(tcs, key=vkey)}")
            return 1
        tcs = {k: tcs[k] for k in want}
    progs = load_programs()
    if args.program:
        import fnmatch
        sel = {}
        for pat in args.program:
            hits = [n for n in progs if fnmatch.fnmatchcase(n, pat)]
            if not hits:
                log(f"error: no program matches {pat!r}")
                return 1
            for n in hits:
                sel[n] = progs[n]
        progs = dict(sorted(sel.items()))
    if args.ci:
        progs = {n: p for n, p in progs.items() if p.meta.get("ci")}
    for m in args.mode:
        if m not in ALL_MODES:
            log(f"error: unknown mode {m!r}; modes: {ALL_MODES}")
            return 1

    if args.list:
        for k in sorted(tcs, key=vkey):
            print(f"{k:6} {tcs[k].version:12} {tcs[k].gobin}")
        for n, p in progs.items():
            print(f"{n:32} {','.join(p.modes)}  min_go={p.meta.get('min_go')} "
                  f"max_go={p.meta.get('max_go')} ci={p.meta.get('ci', False)}")
        return 0

    out_root = Path(args.out).resolve()
    jobs = []
    for minor in sorted(tcs, key=vkey):
        for p in progs.values():
            if not p.allowed(minor):
                continue
            modes = [m for m in p.modes if (not args.mode or m in args.mode)
                     and mode_allowed(m, minor)]
            if modes:
                jobs.append((p, tcs[minor], modes))
    if not jobs:
        log("nothing to do")
        return 1
    log(f"{len(jobs)} (program, version) pairs, toolchains: "
        + ", ".join(tcs[k].version for k in sorted(tcs, key=vkey)))
    results: list[Result] = []
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as ex:
        futs = {ex.submit(capture, p, tc, modes, out_root): (p.name, tc.minor)
                for p, tc, modes in jobs}
        for f in concurrent.futures.as_completed(futs):
            name, minor = futs[f]
            try:
                rs = f.result()
            except Exception as e:  # keep going; report at the end
                rs = [Result(name, minor, "*", False, f"error: {e!r}")]
            for r in rs:
                log(f"[go{r.minor:5}] {r.program:28} {r.mode:15} "
                    f"{'ok ' if r.ok else 'BAD'} {r.size:8d}B  {r.note}")
            results.extend(rs)

    # summary table: programs x versions, cells = dumps written / attempted
    minors = sorted({r.minor for r in results}, key=vkey)
    names = sorted({r.program for r in results})
    w = max(len(n) for n in names) + 2
    print("\nsummary (dumps ok / captures attempted)")
    print("program".ljust(w) + "".join(f"{'go' + m:>8}" for m in minors))
    for n in names:
        row = n.ljust(w)
        for m in minors:
            rs = [r for r in results if r.program == n and r.minor == m]
            row += f"{'-' if not rs else str(sum(r.ok for r in rs)) + '/' + str(len(rs)):>8}"
        print(row)
    tot_ok = sum(r.ok for r in results)
    print(f"total: {tot_ok} ok of {len(results)} written to {out_root}")
    bad = [r for r in results if not r.ok]
    for r in bad:
        print(f"  FAILED go{r.minor} {r.program} {r.mode}: {r.note}")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
