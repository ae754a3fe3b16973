#!/usr/bin/python3.11
"""make_meta_seeds.py DIR — seeds for meta_fuzzer: "@pyembed" METADATA texts
as pyembed-pack writes them (driver/pack/pyembed_pack/blob.py metadata())
for several option sets, and a few edges (refused values, repeated keys,
no final newline, CR LF, a NUL, an empty text). Run by hand:
    /usr/bin/python3.11 tests/fuzz/make_meta_seeds.py tests/fuzz/corpus/meta
"""
import os
import sys

BASE = ["format=1", "python_magic=2763", "python_version=3.11", "python_full_version=3.11.2",
        "run=module", "optimize=0", "isolated=1", "site_import=0", "filesystem_importer=0",
        "sys_frozen=1", "allocator=pymalloc", "fast_exit=0", "run_module=app.main"]

SEEDS = {
    "packed-module": BASE,
    "packed-code": [l for l in BASE if not l.startswith("run")] + ["run=code"],
    "packed-malloc-domains": BASE + ["allocator=malloc", "allocator_domains=raw,mem,obj,arena",
                                     "allocator_debug=1", "allocator_tracking=1"],
    "packed-distribution": BASE + ["python_magic=3571", "distribution=" + "ab" * 32,
                                   "fast_exit=1", "optimize=2"],
    "refused-allocator": BASE + ["allocator=tcmalloc"],
    "refused-domain": BASE + ["allocator=jemalloc", "allocator_domains=raw,heap"],
    "refused-flag": BASE + ["allocator_tracking=yes"],
    "repeated-keys": BASE + ["run_module=other", "optimize=9", "optimize=1", "run=none"],
    "debug-allocator": BASE + ["allocator=debug", "allocator_domains="],
    "magic-limits": ["python_magic=999999999", "python_magic=1000000000", "python_magic=-1"],
}


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, lines in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(("\n".join(lines) + "\n").encode())
    raw = {
        "no-final-newline": b"run=module\nrun_module=x",
        "crlf": b"run=module\r\nrun_module=x\r\nisolated=1\r\n",
        "nul-in-value": b"run=module\nrun_module=a\0b\nallocator=mal\0loc\n",
        "empty": b"",
        "no-equals": b"run\n=\n==\nrun_module==x=y\n\n\n",
        "non-utf8": b"run_module=\xff\xfe\nallocator=\xc3\xa9\n",
    }
    for name, data in raw.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1])
