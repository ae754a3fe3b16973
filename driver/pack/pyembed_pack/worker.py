"""in_target's functions served to the pack tool by another CPython.

A target that is not the pack tool's own interpreter (a distribution's
python3.13, say) must compile, marshal and scan imports itself. The pack
tool starts it as

    PYTHON -I -S -B -c "import sys; sys.path.insert(0, PARENT); from pyembed_pack.worker import serve; serve()"

and exchanges frames on its stdin/stdout. A frame is a little-endian u32
JSON length, a u32 payload length, the JSON, then the payload: bytes
values travel in the payload and appear in the JSON as {"$b": index}.
Request: {"fn": NAME, "args": [...]}. Reply: {"ok": true, "result": ...},
or {"ok": false, "type": "SyntaxError", "msg", "filename", "lineno",
"offset", "text"} for a syntax error, or {"ok": false, "type": NAME,
"msg": TEXT} for anything else. This module runs under every supported
CPython and imports nothing outside the standard library, in_target and
staticcode.
"""
import json
import struct
import sys

HEADER = struct.Struct("<II")
FUNCTIONS = ("describe", "compile_module", "code_imports", "source_imports", "hash_pyc",
             "static_code_c")


def encode(obj):
    """A frame holding obj (JSON-able data, bytes anywhere inside)."""
    parts = []

    def enc(o):
        if isinstance(o, (bytes, bytearray)):
            parts.append(bytes(o))
            return {"$b": len(parts) - 1, "n": len(o)}
        if isinstance(o, (list, tuple)):
            return [enc(x) for x in o]
        if isinstance(o, dict):
            return {k: enc(v) for k, v in o.items()}
        return o

    text = json.dumps(enc(obj)).encode()
    payload = b"".join(parts)
    return HEADER.pack(len(text), len(payload)) + text + payload


def decode(text, payload):
    """The object of a frame's JSON text and payload."""
    pos = 0

    def dec(o):
        nonlocal pos
        if isinstance(o, dict) and "$b" in o and len(o) == 2:
            start = pos
            pos += o["n"]
            if pos > len(payload):
                raise ValueError("frame payload too short")
            return payload[start:pos]
        if isinstance(o, list):
            return [dec(x) for x in o]
        if isinstance(o, dict):
            return {k: dec(v) for k, v in o.items()}
        return o

    return dec(json.loads(text))


def read_frame(stream):
    """The next frame's object from binary stream, or None at its end."""
    head = stream.read(HEADER.size)
    if not head:
        return None
    if len(head) != HEADER.size:
        raise EOFError("truncated frame header")
    tlen, plen = HEADER.unpack(head)
    text, payload = stream.read(tlen), stream.read(plen)
    if len(text) != tlen or len(payload) != plen:
        raise EOFError("truncated frame")
    return decode(text, payload)


def reply_error(e):
    """The reply for exception e raised by a function."""
    if isinstance(e, SyntaxError):
        return {"ok": False, "type": "SyntaxError", "msg": e.msg, "filename": e.filename,
                "lineno": e.lineno, "offset": e.offset, "text": e.text}
    return {"ok": False, "type": type(e).__name__, "msg": str(e)}


def serve(stdin=None, stdout=None):
    """Answers requests until stdin ends."""
    from . import in_target
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    while (req := read_frame(stdin)) is not None:
        fn = req.get("fn")
        try:
            if fn not in FUNCTIONS:
                raise ValueError(f"unknown function {fn!r}")
            out = {"ok": True, "result": getattr(in_target, fn)(*req.get("args", []))}
        except Exception as e:  # every failure is the caller's to report
            out = reply_error(e)
        stdout.write(encode(out))
        stdout.flush()


class Runner:
    """The client: in_target's functions, run by interpreter python in a
    worker process started on first use (TargetPython's runner)."""

    def __init__(self, python):
        self.python = python
        self.proc = None

    def _start(self):
        import os
        import subprocess
        parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        code = ("import sys; sys.path.insert(0, %r); "
                "from pyembed_pack.worker import serve; serve()" % parent)
        try:
            self.proc = subprocess.Popen([self.python, "-I", "-S", "-B", "-c", code],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         env={"LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"})
        except OSError as e:
            raise OSError(f"{self.python}: cannot start the target interpreter: "
                          f"{e.strerror}") from None

    def call(self, fn, *args):
        """fn(*args) in the worker; its SyntaxError is raised here."""
        if self.proc is None:
            self._start()
        try:
            self.proc.stdin.write(encode({"fn": fn, "args": list(args)}))
            self.proc.stdin.flush()
            rep = read_frame(self.proc.stdout)
        except (OSError, EOFError, ValueError):
            rep = None
        if rep is None:
            status = self.proc.poll()
            raise OSError(f"{self.python}: the target interpreter's worker stopped "
                          f"(status {status})")
        if rep["ok"]:
            return rep["result"]
        if rep["type"] == "SyntaxError":
            e = SyntaxError(rep["msg"], (rep["filename"], rep["lineno"], rep["offset"],
                                         rep["text"]))
            raise e
        raise RuntimeError(f"target interpreter: {rep['type']}: {rep['msg']}")

    def close(self):
        if self.proc:
            self.proc.stdin.close()
            self.proc.wait()
            self.proc = None

    def describe(self):
        return self.call("describe")

    def compile_module(self, source, rel, optimize):
        data, imports = self.call("compile_module", source, rel, optimize)
        return data, imports

    def code_imports(self, bytecode):
        return self.call("code_imports", bytecode)

    def static_code_c(self, modules, optimize):
        return self.call("static_code_c", modules, optimize)

    def source_imports(self, source, filename):
        return self.call("source_imports", source, filename)

    def hash_pyc(self, source, bytecode):
        return self.call("hash_pyc", source, bytecode)
