#!/bin/sh
# setup-deps.sh — installs pyembed's build and test dependencies on Debian 12
# (idempotent: apt-get skips what is already there). Run as root.
# libmimalloc-dev / libjemalloc-dev: the allocator backends (meson options
# mimalloc/jemalloc, on where found).
#   --test  also what the test suites use: valgrind, clang, the Debian
#           Python packages the real-package tests pack (pip, setuptools,
#           wheel for offline local installs; PyYAML, Jinja2, numpy), and
#           what `pyembed-pack dist build` needs to build a CPython from
#           Debian's source package with its C libraries linked statically,
#           and the real applications the app tests pack with automatic
#           dependencies (tests/integration/test_apps.py: Flask, httpie,
#           pytest, black, rich, Markdown + Pygments, SQLAlchemy, Babel,
#           Mercurial, pkg_resources, tkinter with Tcl/Tk).
#           libpython3.11-testsuite is NOT installed: the CPython test-suite
#           gate extracts it into a private tree (tests/cpython/README.md).
set -eu
PKGS="build-essential meson ninja-build pkg-config zlib1g-dev libzstd-dev libxxhash-dev
      libpython3.11-dev python3.11 libexpat1-dev libcmocka-dev binutils
      libarchive-dev zstd libzstd-dev libcurl4-openssl-dev
      libmimalloc-dev libjemalloc-dev"
# The static libraries a distribution's extension modules link (dist build)
DIST_PKGS="libssl-dev libsqlite3-dev libffi-dev liblzma-dev libbz2-dev uuid-dev
      libncurses-dev debian-keyring gpgv"
if [ "${1:-}" = "--test" ]; then
    PKGS="$PKGS $DIST_PKGS valgrind clang libclang-rt-14-dev python3-pip
          python3-setuptools python3-wheel python3-yaml python3-jinja2 python3-numpy
          ca-certificates python3-flask python3-pytest black python3-rich
          python3-markdown python3-pygments python3-sqlalchemy python3-babel mercurial
          httpie python3-pkg-resources python3-tk tk8.6 tcl8.6"
fi
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi
