#!/usr/bin/env python3
"""Generate the safetensors test files for suites/safetensors/.

    python3 gen-cases.py                 write cases/*.safetensors next to this script
    python3 gen-cases.py --out DIR       write them into DIR instead (the e2e test
                                         regenerates into a temp dir and compares bytes)
    python3 gen-cases.py --check         regenerate in memory, compare with cases/, exit 1 on a difference
    python3 gen-cases.py --perf DIR      write the performance inputs into DIR (not committed)
    python3 gen-cases.py --list          print NAME<TAB>valid|invalid<TAB>note for every case

Standard library only, deterministic: the same bytes on every run and every
machine (no clocks, no randomness, no dict-order dependence: every header is
written from explicit text or from lists of pairs). Case files are small and
committed; the --check mode (and tests/e2e/safetensors.sh) keeps them in step
with this script.

A safetensors file is: an 8-byte little-endian u64 N, N bytes of UTF-8 JSON
(the header), then the byte buffer the header's data_offsets index into.
"""

import argparse
import math
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# dtype -> bits per element (the 22 dtypes of the spec, ST-09)
DTYPES = [
    ("BOOL", 8), ("F4", 4), ("F6_E2M3", 6), ("F6_E3M2", 6), ("U8", 8), ("I8", 8),
    ("F8_E5M2", 8), ("F8_E4M3", 8), ("F8_E8M0", 8), ("F8_E4M3FNUZ", 8), ("F8_E5M2FNUZ", 8),
    ("I16", 16), ("U16", 16), ("F16", 16), ("BF16", 16), ("I32", 32), ("U32", 32),
    ("F32", 32), ("C64", 64), ("F64", 64), ("I64", 64), ("U64", 64),
]
BITS = dict(DTYPES)


# ---- JSON text, written by hand so that key order and duplicates are under our control ----

def jstr(s):
    """A JSON string literal (ASCII-safe escapes for control characters only)."""
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif c < 0x20:
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def jval(v):
    if isinstance(v, str):
        return jstr(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ",".join(jval(x) for x in v) + "]"
    if isinstance(v, tuple):  # a list of (key, value) pairs: an object, duplicates allowed
        return "{" + ",".join(jstr(k) + ":" + jval(x) for k, x in v) + "}"
    if isinstance(v, Raw):
        return v.text
    raise TypeError(type(v))


class Raw:
    """JSON text inserted verbatim (floats, negative numbers, deliberate junk)."""

    def __init__(self, text):
        self.text = text


def entry(dtype, shape, begin, end):
    return (("dtype", dtype), ("shape", shape), ("data_offsets", [begin, end]))


def header_json(pairs):
    return jval(tuple(pairs))


def pad8(text_bytes):
    """Pad with spaces to a multiple of 8, as the reference writer does."""
    return text_bytes + b" " * (-len(text_bytes) % 8)


def build(header, data=b"", pad=True, n_override=None):
    """A file: N, header, data. header is str (JSON text) or bytes (taken as is)."""
    hb = header.encode("utf-8") if isinstance(header, str) else header
    if pad:
        hb = pad8(hb)
    n = len(hb) if n_override is None else n_override
    return struct.pack("<Q", n) + hb + data


def pattern(n, seed=1):
    """n deterministic bytes."""
    return bytes(((i * 31 + seed * 17) & 0xFF) for i in range(n))


def nbytes(dtype, shape):
    return math.prod(shape) * BITS[dtype] // 8


# ---- the cases ----

CASES = []  # (name, valid: bool, note, bytes)


def case(name, valid, note, data):
    CASES.append((name, valid, note, data))


def make_cases():
    # -- valid --
    case("empty-header", True, "header {} padded to 8 bytes, no tensors, empty buffer",
         build("{}"))

    w = struct.pack("<4f", 1.0, 2.0, -3.5, 0.25)
    case("f32-padded", True, "one F32 [2,2] tensor, header padded with spaces",
         build(header_json([("weight", entry("F32", [2, 2], 0, 16))]), w))

    case("no-padding", True, "one U8 tensor, header length not a multiple of 8, no padding",
         build(header_json([("x", entry("U8", [3], 0, 3))]), b"abc", pad=False))

    case("metadata", True, "__metadata__ with ASCII, non-ASCII and escaped strings, and two tensors",
         build(header_json([
             ("__metadata__", (("format", "pt"), ("note", "h\u00e9llo \"w\"\n"), ("empty", ""))),
             ("b", entry("I16", [2], 4, 8)),
             ("a", entry("I32", [1], 0, 4)),
         ]), pattern(8)))

    case("metadata-empty", True, "__metadata__ is an empty object and there are no tensors",
         build(header_json([("__metadata__", ())])))

    case("rank0", True, "a 0-rank (scalar) F64 tensor: shape [], one element",
         build(header_json([("scalar", entry("F64", [], 0, 8))]), struct.pack("<d", math.pi)))

    case("zero-size", True, "a [2,0] tensor with offsets [0,0] next to a 4-byte tensor",
         build(header_json([("empty", entry("F32", [2, 0], 0, 0)),
                            ("x", entry("I32", [1], 0, 4))]), struct.pack("<i", -7)))

    case("out-of-order", True, "header entries neither in name order nor in offset order",
         build(header_json([
             ("m", entry("U8", [2], 6, 8)),
             ("z", entry("U16", [1], 0, 2)),
             ("a", entry("U32", [1], 2, 6)),
         ]), pattern(8, 2)))

    case("unicode-names", True, "non-ASCII tensor names: the summary sorts them by UTF-8 bytes",
         build(header_json([
             ("\u00e9", entry("U8", [1], 0, 1)),
             ("z", entry("U8", [1], 1, 2)),
             ("Z", entry("U8", [1], 2, 3)),
             ("\u65e5\u672c", entry("U8", [1], 3, 4)),
         ]), b"wxyz"))

    nan = struct.pack("<4f", float("nan"), float("inf"), float("-inf"), 1e-45)
    nan16 = struct.pack("<2H", 0x7E00, 0xFFFF)  # F16 quiet NaN and an all-ones NaN
    case("nan-payload", True, "NaN, infinities and a denormal in F32, NaN bit patterns in F16",
         build(header_json([("f32", entry("F32", [4], 0, 16)),
                            ("f16", entry("F16", [2], 16, 20))]), nan + nan16))

    for dt, bits in DTYPES:
        # F4 needs an even count, F6 a multiple of 4, for a whole number of bytes
        shape = [2, 2] if bits == 4 else [4] if bits == 6 else [3]
        size = nbytes(dt, shape)
        case("dtype-" + dt, True, "one %s tensor %s (%d bytes)" % (dt, shape, size),
             build(header_json([("t", entry(dt, shape, 0, size))]), pattern(size, bits)))

    # implementation-defined (MAY): recorded, either verdict is fine
    case("leading-space", True, "MAY: whitespace before the opening brace",
         build("  " + header_json([("x", entry("U8", [2], 0, 2))]), b"ab"))
    h = header_json([("x", entry("U8", [2], 0, 2))])
    case("newline-padding", True, "MAY: header padded with LF and TABs instead of spaces",
         build(h + "\n" + "\t" * (-(len(h) + 1) % 8), b"ab", pad=False))
    case("extra-field", True, "MAY: an unknown member in a tensor entry",
         build(header_json([("x", (("dtype", "U8"), ("shape", [2]), ("data_offsets", [0, 2]),
                                   ("quant", "none")))]), b"ab"))

    # -- invalid --
    case("empty-file", False, "0 bytes", b"")
    case("short-file", False, "5 bytes: no room for the header length", b"\x02\x00\x00\x00\x00")
    case("header-beyond-eof", False, "N = 64 but only 16 header bytes follow",
         build("{}", n_override=64) + b" " * 8)
    case("header-too-large", False, "N = 100,000,001 (over the 100,000,000 limit), short file",
         build("{}", n_override=100_000_001))
    case("header-huge", False, "N = 2^64-1", build("{}", n_override=2**64 - 1))
    case("header-not-utf8", False, "a 0xFF byte inside a metadata string",
         build(b'{"__metadata__":{"k":"\xff"}}'))
    case("header-overlong-utf8", False, "an overlong UTF-8 encoding (C0 AF) inside a tensor name",
         build(b'{"\xc0\xaf":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"x"))
    case("header-surrogate-utf8", False, "a UTF-8 encoded surrogate (ED A0 80) inside a metadata value",
         build(b'{"__metadata__":{"k":"\xed\xa0\x80"}}'))
    case("header-truncated-json", False, "the JSON text stops in the middle of an entry",
         build('{"x":{"dtype":"U8","shape":[1],'))
    case("header-not-json", False, "the header is plain text", build("hello, world"))
    case("header-array", False, "the header is a JSON array, not an object", build("[]"))
    case("header-trailing-junk", False, "a second JSON value after the object",
         build(header_json([("x", entry("U8", [1], 0, 1))]) + " {}", b"x"))
    case("header-nul-padding", False, "padding with NUL bytes instead of spaces",
         build(header_json([("x", entry("U8", [1], 0, 1))]).encode() + b"\0" * 3, b"x", pad=False))
    case("dtype-unknown", False, "dtype F12", build(header_json([("x", entry("F12", [1], 0, 2))]), b"ab"))
    case("dtype-lowercase", False, "dtype f32 (names are case-sensitive)",
         build(header_json([("x", entry("f32", [1], 0, 4))]), b"abcd"))
    case("dtype-not-string", False, "dtype is a number",
         build(header_json([("x", (("dtype", 8), ("shape", [1]), ("data_offsets", [0, 1])))]), b"a"))
    case("entry-not-object", False, "a tensor entry is a string",
         build(header_json([("x", "F32")])))
    case("entry-missing-offsets", False, "a tensor entry without data_offsets",
         build(header_json([("x", (("dtype", "U8"), ("shape", [1])))]), b"a"))
    case("offsets-three", False, "data_offsets has three numbers",
         build(header_json([("x", (("dtype", "U8"), ("shape", [1]), ("data_offsets", [0, 1, 1])))]), b"a"))
    case("offsets-negative", False, "data_offsets [-4, 0]",
         build(header_json([("x", (("dtype", "U8"), ("shape", [4]),
                                   ("data_offsets", [Raw("-4"), 0])))]), b"abcd"))
    case("offsets-float", False, "data_offsets [0.0, 4.0]",
         build(header_json([("x", (("dtype", "U8"), ("shape", [4]),
                                   ("data_offsets", [Raw("0.0"), Raw("4.0")])))]), b"abcd"))
    case("offsets-beyond-u64", False, "data_offsets end is 2^64",
         build(header_json([("x", (("dtype", "U8"), ("shape", [4]),
                                   ("data_offsets", [0, Raw("18446744073709551616")])))]), b"abcd"))
    case("shape-negative", False, "a shape dimension of -1",
         build(header_json([("x", (("dtype", "U8"), ("shape", [Raw("-1")]), ("data_offsets", [0, 0])))])))
    case("shape-deep-nesting", False, "shape is 100,000 nested arrays (a recursion bomb)",
         build('{"x":{"dtype":"U8","shape":' + "[" * 100000 + "]" * 100000 + ',"data_offsets":[0,0]}}'))
    case("end-before-begin", False, "data_offsets [4, 0]",
         build(header_json([("x", entry("U8", [4], 4, 0))]), b"abcd"))
    case("size-mismatch", False, "F32 [2] (8 bytes) on a 4-byte range",
         build(header_json([("x", entry("F32", [2], 0, 4))]), b"abcd"))
    case("f4-odd-count", False, "F4 [3]: 12 bits, not a whole number of bytes",
         build(header_json([("x", entry("F4", [3], 0, 2))]), b"ab"))
    case("f6-partial-byte", False, "F6_E2M3 [2]: 12 bits, not a whole number of bytes",
         build(header_json([("x", entry("F6_E2M3", [2], 0, 2))]), b"ab"))
    case("overflow-shape", False, "U8 [2^32, 2^32]: 2^64 elements, which wraps to 0 in u64",
         build(header_json([("x", entry("U8", [2**32, 2**32], 0, 0))])))
    case("overflow-bits", False, "F64 [2^61]: 2^67 bits, which wraps to 0 in u64",
         build(header_json([("x", entry("F64", [2**61], 0, 0))])))
    case("overlap", False, "two tensors on the same 4 bytes",
         build(header_json([("a", entry("U8", [4], 0, 4)), ("b", entry("U8", [4], 0, 4))]), b"abcd"))
    case("gap", False, "4 unused bytes between two tensors",
         build(header_json([("a", entry("U8", [4], 0, 4)), ("b", entry("U8", [4], 8, 12))]),
               pattern(12)))
    case("first-offset-nonzero", False, "the only tensor starts at byte 4 of the buffer",
         build(header_json([("a", entry("U8", [4], 4, 8))]), pattern(8)))
    case("trailing-bytes", False, "4 bytes after the last tensor (a polyglot file)",
         build(header_json([("a", entry("U8", [4], 0, 4))]), b"abcd" + b"JUNK"))
    case("truncated-buffer", False, "the last tensor needs 16 bytes, the buffer has 12",
         build(header_json([("a", entry("F32", [4], 0, 16))]), pattern(12)))
    case("duplicate-key", False, "the same tensor name twice (last-wins parsers see one tensor)",
         build(header_json([("a", entry("F32", [1], 0, 4)), ("a", entry("F32", [1], 0, 4))]),
               struct.pack("<f", 1.0)))
    case("metadata-not-string", False, "a __metadata__ value is a number",
         build(header_json([("__metadata__", (("epochs", 3),))])))
    case("metadata-not-object", False, "__metadata__ is a string",
         build(header_json([("__metadata__", "pt")])))


def perf_files():
    """Performance inputs: one large multi-tensor file (not committed; see reader-perf.yaml)."""
    out = []
    names = ["layers.%05d.%s" % (i // 4, ("q", "k", "v", "o")[i % 4]) for i in range(20000)]
    pairs, off = [("__metadata__", (("format", "pt"), ("generator", "gen-cases.py --perf")))], 0
    dts = ["F32", "BF16", "F16", "I8", "F4", "U8", "F64"]
    for i, name in enumerate(names):
        dt = dts[i % len(dts)]
        shape = [4, 2 + i % 8]
        size = nbytes(dt, shape)
        pairs.append((name, entry(dt, shape, off, off + size)))
        off += size
    out.append(("many-tensors.safetensors", build(header_json(pairs), pattern(off, 3))))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="directory for the case files (default: cases/ next to this script)")
    ap.add_argument("--check", action="store_true", help="compare with the committed files")
    ap.add_argument("--perf", metavar="DIR", help="write the performance inputs into DIR")
    ap.add_argument("--list", action="store_true", help="list the cases")
    a = ap.parse_args()
    make_cases()
    if a.list:
        for name, valid, note, _ in CASES:
            print("%s\t%s\t%s" % (name, "valid" if valid else "invalid", note))
        return 0
    if a.perf:
        os.makedirs(a.perf, exist_ok=True)
        for name, data in perf_files():
            with open(os.path.join(a.perf, name), "wb") as f:
                f.write(data)
        return 0
    out = a.out or os.path.join(HERE, "cases")
    if a.check:
        bad = 0
        want = {name + ".safetensors" for name, _, _, _ in CASES}
        for name, _, _, data in CASES:
            p = os.path.join(out, name + ".safetensors")
            try:
                with open(p, "rb") as f:
                    got = f.read()
            except OSError as e:
                print("missing: %s (%s)" % (p, e.strerror), file=sys.stderr)
                bad += 1
                continue
            if got != data:
                print("differs: %s" % p, file=sys.stderr)
                bad += 1
        for f in sorted(os.listdir(out)) if os.path.isdir(out) else []:
            if f.endswith(".safetensors") and f not in want:
                print("stale: %s/%s (no case generates it)" % (out, f), file=sys.stderr)
                bad += 1
        return 1 if bad else 0
    os.makedirs(out, exist_ok=True)
    for name, _, _, data in CASES:
        with open(os.path.join(out, name + ".safetensors"), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
