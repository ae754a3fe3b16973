"""Distributions by URL and sha256: the download, the verified store, the
archive policy and PYTHON.json formats 7 and 8 (docs/distributions.md).

A local HTTP server on 127.0.0.1 (started and stopped here) serves the
archives and misbehaves on purpose: 404, 500 then success, a truncated
body, a body that stalls. Its request log proves what was fetched.

Archives: a small synthetic distribution (PYTHON.json and a stub tree,
written by the tests) for the download and cache cases; and, when the
suite runs against a real distribution (PYEMBED_TEST_DISTRIBUTION), that
distribution's own archive, for the cases that pack and run an app.
"""
import hashlib
import http.server
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import threading
import time
import unittest

import harness
from harness import APP, BASE_ENV, PACK, PackTestCase, run

TINY_APP = "tinyapp"
V8_DOC = {
    "version": "8", "target_triple": "x86_64-unknown-linux-gnu", "build_options": "pgo+lto",
    "python_version": "3.13.9", "python_major_minor_version": "3.13",
    "python_exe": "install/bin/python3.13", "libpython_link_mode": "static",
    "python_extension_module_loading": ["builtin", "shared-library"],
    "crt_features": ["glibc-dynamic", "glibc-max-symbol-version:2.19"],
    "licenses": ["Python-2.0", "CNRI-Python"],
    "python_paths": {"stdlib": "install/lib/python3.13", "include": "install/include/python3.13"},
    "build_info": {"core": {"objs": [], "links": [], "inittab_object": "build/core/config.o",
                            "inittab_source": "build/core/config.c", "inittab_cflags": []},
                   "object_file_format": "llvm-bitcode:19",
                   "extensions": {"_ssl": [{"in_core": False, "init_fn": "PyInit__ssl",
                                            "objs": [], "links": [], "required": False,
                                            "variant": "default"}]}},
}
# Format 7 (PyOxidizer's): `optimizations` instead of `build_options`,
# `link_mode`, `extension_module_loading` and inittab_*/object_file_format
# at the top level.
V7_DOC = {
    "version": "7", "target_triple": "x86_64-unknown-linux-gnu", "optimizations": "pgo",
    "python_version": "3.10.9", "python_major_minor_version": "3.10",
    "python_exe": "install/bin/python3.10", "link_mode": "static",
    "extension_module_loading": ["builtin"], "object_file_format": "elf",
    "inittab_object": "build/core/config.o", "inittab_source": "build/core/config.c",
    "inittab_cflags": ["-DNDEBUG"], "crt_features": ["glibc-dynamic"], "licenses": ["Python-2.0"],
    "python_paths": {"stdlib": "install/lib/python3.10"},
    "build_info": {"core": {"objs": ["build/core/a.o"], "links": []},
                   "extensions": {"zlib": [{"in_core": False, "init_fn": "PyInit_zlib",
                                            "objs": [], "links": [], "required": False}]}},
}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def tar_gz(members):
    """A .tar.gz of members: [(name, bytes, kind)] with kind 'file', 'dir',
    ('symlink', target), ('hardlink', target) or ('huge', declared size)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as t:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1700000000
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                t.addfile(info)
            elif isinstance(kind, tuple) and kind[0] in ("symlink", "hardlink"):
                info.type = tarfile.SYMTYPE if kind[0] == "symlink" else tarfile.LNKTYPE
                info.linkname = kind[1]
                t.addfile(info)
            elif isinstance(kind, tuple) and kind[0] == "huge":
                info.size = kind[1]
                t.addfile(info)  # header only: the data is not there
            else:
                info.size, info.mode = len(data), 0o644
                t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def small_distribution(doc):
    """A small archive holding python/PYTHON.json (doc) and a stub tree."""
    return tar_gz([("python", b"", "dir"),
                   ("python/PYTHON.json", json.dumps(doc).encode(), "file"),
                   ("python/install/bin/README", b"stub\n", "file")])


class Server:
    """An HTTP server on 127.0.0.1 with scripted misbehaviour per path."""

    def __init__(self):
        self.files = {}       # path -> bytes
        self.fail_first = {}  # path -> [status, ...] answered before the file
        self.truncate = set()
        self.stall = {}       # path -> seconds to hang after half the body
        self.log = []         # (method, path) of every request
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.log.append(("GET", self.path))
                data = server.files.get(self.path)
                if server.fail_first.get(self.path):
                    self.send_error(server.fail_first[self.path].pop(0))
                    return
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.path in server.truncate:
                    self.wfile.write(data[: len(data) // 2])
                    return  # the connection closes short of Content-Length
                if self.path in server.stall:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    time.sleep(server.stall[self.path])
                    return
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def requests(self, path):
        return sum(1 for _, p in self.log if p == path)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class DistributionsTest(PackTestCase):
    """Downloads into the store, its failures, the archive policy."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server()
        cls.v8 = small_distribution(V8_DOC)
        cls.server.files["/v8.tar.gz"] = cls.v8

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.cache = os.path.join(self.tmp, "cache")
        self.env = dict(BASE_ENV, PYEMBED_CACHE_DIR=self.cache, PYEMBED_FETCH_TIMEOUT="2")

    def dist(self, *args, env=None):
        return run([PACK, "dist"] + list(args), env=env or self.env, timeout=120)

    def store_names(self):
        d = os.path.join(self.cache, "distributions")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def assertStoreClean(self, digests):
        """The store holds exactly these entries and no temporary files."""
        names = [n for n in self.store_names() if n != ".locks"]
        self.assertEqual(names, sorted(digests))

    def serve(self, path, data):
        self.server.files[path] = data
        return self.server.url(path), sha256(data)

    def test_fetch_good_url_then_from_cache(self):
        url, digest = self.serve("/good-%s.tar.gz" % self.id(), self.v8)
        r = self.dist("fetch", url, "--sha256", digest)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn(digest, r.stdout)
        self.assertEqual(self.server.requests(url[url.index("/", 8):]), 1)
        r = self.dist("fetch", url, "--sha256", digest)  # cached: no request
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.server.requests(url[url.index("/", 8):]), 1)
        self.assertStoreClean([digest])

    def test_remote_url_needs_sha256(self):
        url, _ = self.serve("/nosha.tar.gz", self.v8)
        r = self.dist("fetch", url)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("needs --sha256", r.stderr)
        self.assertEqual(self.server.requests("/nosha.tar.gz"), 0)

    def test_wrong_hash_is_refused_and_not_kept(self):
        url, digest = self.serve("/wrong.tar.gz", self.v8)
        bad = "0" * 64
        r = self.dist("fetch", url, "--sha256", bad)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("sha256 mismatch: expected " + bad + ", got " + digest, r.stderr)
        self.assertStoreClean([])

    def test_404_is_one_clear_line(self):
        r = self.dist("fetch", self.server.url("/missing.tar.gz"), "--sha256", "1" * 64)
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stderr.strip().splitlines()[-1],
                         "pyembed-pack: %s: HTTP 404" % self.server.url("/missing.tar.gz"))
        self.assertStoreClean([])

    def test_500_then_success_is_retried(self):
        url, digest = self.serve("/flaky.tar.gz", self.v8)
        self.server.fail_first["/flaky.tar.gz"] = [500, 503]
        r = self.dist("fetch", url, "--sha256", digest)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.server.requests("/flaky.tar.gz"), 3)
        self.assertStoreClean([digest])

    def test_truncated_body_fails_and_leaves_nothing(self):
        url, digest = self.serve("/short.tar.gz", self.v8)
        self.server.truncate.add("/short.tar.gz")
        r = self.dist("fetch", url, "--sha256", digest)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(url, r.stderr)
        self.assertIn("curl error", r.stderr)
        self.assertStoreClean([])

    def test_stalled_body_times_out(self):
        url, digest = self.serve("/stall.tar.gz", self.v8)
        self.server.stall["/stall.tar.gz"] = 20
        t0 = time.monotonic()
        r = self.dist("fetch", url, "--sha256", digest)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("curl error 28", r.stderr)  # CURLE_OPERATION_TIMEDOUT
        self.assertLess(time.monotonic() - t0, 60)
        self.assertStoreClean([])

    def test_concurrent_fetches_share_one_download(self):
        url, digest = self.serve("/shared.tar.gz", self.v8)
        procs = [subprocess.Popen([PACK, "dist", "fetch", url, "--sha256", digest],
                                  env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(4)]
        outs = [p.communicate(timeout=120) for p in procs]
        self.assertEqual([p.returncode for p in procs], [0] * 4, outs)
        self.assertEqual(self.server.requests("/shared.tar.gz"), 1)
        self.assertStoreClean([digest])

    def test_kill_during_fetch_then_again(self):
        big = small_distribution(dict(V8_DOC, padding="x" * (4 << 20)))
        url, digest = self.serve("/slow.tar.gz", big)
        self.server.stall["/slow.tar.gz"] = 30
        p = subprocess.Popen([PACK, "dist", "fetch", url, "--sha256", digest], env=self.env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(
                n.startswith(".tmp-") for n in self.store_names()):
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.wait()
        self.assertTrue(any(n.startswith(".tmp-") for n in self.store_names()))
        del self.server.stall["/slow.tar.gz"]
        r = self.dist("fetch", url, "--sha256", digest)
        self.assertEqual(r.returncode, 0, r)
        self.assertStoreClean([digest])  # the killed download's file is gone

    def test_stale_extraction_is_cleaned(self):
        # what a build killed during extraction leaves: a temporary
        # directory nobody holds the entry's lock for
        url, digest = self.serve("/stale.tar.gz", self.v8)
        stale = os.path.join(self.cache, "distributions", ".tmp-%s-x-12345" % digest)
        os.makedirs(os.path.join(stale, "python"))
        r = self.dist("fetch", url, "--sha256", digest)
        self.assertEqual(r.returncode, 0, r)
        self.assertStoreClean([digest])

    def test_damaged_entry_is_fetched_again(self):
        url, digest = self.serve("/damaged.tar.gz", self.v8)
        self.assertEqual(self.dist("fetch", url, "--sha256", digest).returncode, 0)
        archive = os.path.join(self.cache, "distributions", digest, "archive.tar.gz")
        with open(archive, "ab") as f:
            f.write(b"junk")
        r = self.dist("fetch", url, "--sha256", digest)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("damaged", r.stderr)
        self.assertEqual(self.server.requests("/damaged.tar.gz"), 2)
        self.assertStoreClean([digest])

    def test_offline_fetch_from_cache(self):
        server = Server()
        server.files["/off.tar.gz"] = self.v8
        url, digest = server.url("/off.tar.gz"), sha256(self.v8)
        self.assertEqual(self.dist("fetch", url, "--sha256", digest).returncode, 0)
        server.stop()
        r = self.dist("fetch", url, "--sha256", digest)
        self.assertEqual(r.returncode, 0, r)

    def hostile(self, members):
        data = tar_gz([("python", b"", "dir"),
                       ("python/PYTHON.json", json.dumps(V8_DOC).encode(), "file")] + members)
        url, digest = self.serve("/hostile-%d.tar.gz" % len(self.server.files), data)
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(outside, exist_ok=True)
        r = self.dist("fetch", url, "--sha256", digest)
        self.assertEqual(r.returncode, 1, r)
        self.assertStoreClean([])
        self.assertEqual(os.listdir(outside), [])
        return r

    def test_hostile_absolute_path(self):
        r = self.hostile([(os.path.join(self.tmp, "outside", "abs.txt"), b"x", "file")])
        self.assertIn("absolute or '..' path refused", r.stderr)

    def test_hostile_dotdot(self):
        r = self.hostile([("python/../../../outside/up.txt", b"x", "file")])
        self.assertIn("absolute or '..' path refused", r.stderr)

    def test_hostile_symlink_escape(self):
        r = self.hostile([("python/evil", b"", ("symlink", "../../../outside"))])
        self.assertIn("points outside the archive", r.stderr)

    def test_hostile_symlink_absolute(self):
        r = self.hostile([("python/evil", b"", ("symlink", os.path.join(self.tmp, "outside")))])
        self.assertIn("points outside the archive", r.stderr)

    def test_hostile_hardlink_escape(self):
        r = self.hostile([("python/hard", b"", ("hardlink", "../etc/passwd"))])
        self.assertIn("hard link", r.stderr)

    def test_hostile_huge_declared_size(self):
        r = self.hostile([("python/huge.bin", b"", ("huge", 3 << 30))])
        self.assertIn("declares", r.stderr)

    def test_pythonjson_formats_7_and_8(self):
        for doc, expect in ((V7_DOC, ["python 3.10.9", "format 7, build options pgo, "
                                      "libpython static, objects elf"]),
                            (V8_DOC, ["python 3.13.9", "format 8, build options pgo+lto, "
                                      "libpython static, objects llvm-bitcode:19"])):
            path = os.path.join(self.tmp, "d%s.tar.gz" % doc["version"])
            with open(path, "wb") as f:
                f.write(small_distribution(doc))
            r = self.dist("info", path)
            self.assertEqual(r.returncode, 0, r)
            lines = r.stdout.splitlines()
            self.assertTrue(lines[0].startswith(expect[0]), lines)
            self.assertEqual(lines[1], expect[1])

    def test_unknown_pythonjson_format_refused(self):
        path = os.path.join(self.tmp, "d9.tar.gz")
        with open(path, "wb") as f:
            f.write(small_distribution(dict(V8_DOC, version="9")))
        r = self.dist("info", path)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("format version 9 is not supported (this tool reads 7, 8)", r.stderr)

    def test_install_only_archive_refused(self):
        path = os.path.join(self.tmp, "install_only.tar.gz")
        with open(path, "wb") as f:
            f.write(tar_gz([("python", b"", "dir"), ("python/bin", b"", "dir"),
                            ("python/lib", b"", "dir"),
                            ("python/bin/python3", b"#!/bin/false\n", "file")]))
        r = self.dist("info", path)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("install_only", r.stderr)
        self.assertIn("'full' flavour", r.stderr)

    def test_llvm_bitcode_needs_clang(self):
        path = os.path.join(self.tmp, "lto.tar.gz")
        with open(path, "wb") as f:
            f.write(small_distribution(dict(V8_DOC, build_info=dict(
                V8_DOC["build_info"], object_file_format="llvm-bitcode:99",
                core={"objs": ["build/core/a.o"], "links": []}))))
        r = run([PACK, "build", "-q", "-o", os.path.join(self.tmp, "x"), "--distribution",
                 path, "--module-path", APP, "--run-module", TINY_APP], env=self.env)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("LLVM 99 bitcode", r.stderr)
        self.assertIn("needs clang and lld 99 or newer", r.stderr)


@unittest.skipUnless(harness.DISTRIBUTION, "needs PYEMBED_TEST_DISTRIBUTION (a real one)")
class RealDistributionTest(PackTestCase):
    """Packing against a distribution given by URL: it runs; the second
    build makes no request; four builds at once share one download."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.archive = os.path.join(cls.class_tmp, "dist.tar.zst")
        subprocess.run(["tar", "--zstd", "-cf", cls.archive, "-C",
                        os.path.dirname(harness.DISTRIBUTION), "python"], check=True)
        with open(cls.archive, "rb") as f:
            cls.digest = sha256(f.read())
        cls.server = Server()
        with open(cls.archive, "rb") as f:
            cls.server.files["/dist.tar.zst"] = f.read()
        cls.url = cls.server.url("/dist.tar.zst")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def build(self, out, env, url=None):
        return run([PACK, "build", "-q", "-o", out, "--distribution", url or self.url,
                    "--sha256", self.digest, "--module-path", APP, "--run-module", TINY_APP],
                   env=env, timeout=harness.BUILD_TIMEOUT)

    def test_build_by_url_then_offline_from_cache(self):
        env = dict(self.pack_env, PYEMBED_CACHE_DIR=os.path.join(self.tmp, "cache"))
        server = Server()
        server.files["/own.tar.zst"] = self.server.files["/dist.tar.zst"]
        url = server.url("/own.tar.zst")
        for i in range(2):
            exe = os.path.join(self.tmp, "app%d" % i)
            r = self.build(exe, env, url)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(run([exe]).stdout, "tiny app ran\n")
        self.assertEqual(server.requests("/own.tar.zst"), 1)
        server.stop()  # offline from here on: the cache only
        r = self.build(os.path.join(self.tmp, "app-offline"), env, url)
        self.assertEqual(r.returncode, 0, r)

    def test_kill_during_extraction_then_rebuild(self):
        cache = os.path.join(self.tmp, "cache-kill")
        env = dict(self.pack_env, PYEMBED_CACHE_DIR=cache)
        store = os.path.join(cache, "distributions")
        p = subprocess.Popen([PACK, "dist", "fetch", self.url, "--sha256", self.digest],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        marker = ".tmp-%s-x-" % self.digest
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and p.poll() is None and not (
                os.path.isdir(store) and any(n.startswith(marker) for n in os.listdir(store))):
            time.sleep(0.01)
        p.send_signal(signal.SIGKILL)
        p.wait()
        if p.returncode != -signal.SIGKILL:
            self.skipTest("the fetch finished before it could be killed")
        self.assertTrue(any(n.startswith(marker) for n in os.listdir(store)))
        r = self.build(os.path.join(self.tmp, "after-kill"), env)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(n for n in os.listdir(store) if n != ".locks"), [self.digest])

    def test_four_builds_at_once_one_download(self):
        env = dict(self.pack_env, PYEMBED_CACHE_DIR=os.path.join(self.tmp, "cache4"))
        server = Server()
        server.files["/d.tar.zst"] = self.server.files["/dist.tar.zst"]
        url = server.url("/d.tar.zst")
        outs = [os.path.join(self.tmp, "c%d" % i) for i in range(4)]
        procs = [subprocess.Popen([PACK, "build", "-q", "-o", o, "--distribution", url,
                                   "--sha256", self.digest, "--module-path", APP,
                                   "--run-module", TINY_APP], env=env,
                                  stderr=subprocess.PIPE) for o in outs]
        errs = [p.communicate(timeout=600)[1] for p in procs]
        server.stop()
        self.assertEqual([p.returncode for p in procs], [0] * 4, errs)
        self.assertEqual(server.requests("/d.tar.zst"), 1)
        data = []
        for o in outs:
            with open(o, "rb") as f:
                data.append(f.read())
        self.assertTrue(all(d == data[0] for d in data), "the four executables differ")


if __name__ == "__main__":
    harness.main()
