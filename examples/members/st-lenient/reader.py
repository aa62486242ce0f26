#!/usr/bin/env python3
"""reader.py: a lenient safetensors reader (the "st-lenient" example member).

    python3 reader.py FILE

Prints the header summary as canonical JSON and exits 0, or prints one line
on stderr and exits 1 when it rejects the file; usage and I/O errors exit 2.
Python 3 standard library only.

It behaves like the many readers that parse the header with a stock JSON
library and check only what they need to find each tensor's bytes. So it
conforms to the `core` profile of specs/safetensors.yaml but, on purpose,
not to `strict`; each divergence names the requirement it breaks:

  ST-10  dtype names are matched case-insensitively ("f32" reads as F32)
  ST-15  tensors are only checked to lie inside the buffer: gaps, overlaps
         and a first tensor that does not start at byte 0 are accepted
  ST-16  bytes after the last tensor are ignored
  ST-17  duplicate keys are not detected: json.loads keeps the last value
"""

import json
import os
import sys

HEADER_MAX = 100_000_000
U64_MAX = 2**64 - 1
BITS = {
    "BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8,
    "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8,
    "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32,
    "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64,
}


class Invalid(Exception):
    pass


def is_uint(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= U64_MAX


def read(path):
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        prefix = f.read(8)
        if len(prefix) < 8:
            raise Invalid("file too short for the header length (%d bytes)" % len(prefix))
        n = int.from_bytes(prefix, "little")
        if n > HEADER_MAX:
            raise Invalid("header length %d over the limit" % n)
        raw = f.read(n)
        if len(raw) < n:
            raise Invalid("header length %d beyond the end of the file" % n)
    buflen = size - 8 - n

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Invalid("header is not UTF-8: %s" % e.reason)
    try:
        # DIVERGENCE ST-17: json.loads silently keeps the last of duplicate keys
        header = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise Invalid("header is not JSON: %s" % str(e).splitlines()[0][:200])
    if not isinstance(header, dict):
        raise Invalid("header is not a JSON object")

    metadata = None
    tensors = []
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                raise Invalid("__metadata__ is not a map of strings")
            metadata = entry
            continue
        if not isinstance(entry, dict):
            raise Invalid("entry %r is not an object" % name)
        dtype, shape, offs = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if not isinstance(dtype, str):
            raise Invalid("tensor %r: dtype missing or not a string" % name)
        # DIVERGENCE ST-10: case-insensitive dtype names
        dtype = dtype.upper()
        if dtype not in BITS:
            raise Invalid("tensor %r: unknown dtype %r" % (name, entry["dtype"]))
        if not isinstance(shape, list) or not all(is_uint(d) for d in shape):
            raise Invalid("tensor %r: bad shape" % name)
        if not isinstance(offs, list) or len(offs) != 2 or not all(is_uint(o) for o in offs):
            raise Invalid("tensor %r: bad data_offsets" % name)
        elems = 1
        for d in shape:
            elems *= d
        bits = elems * BITS[dtype]
        if elems > U64_MAX or bits > U64_MAX:
            raise Invalid("tensor %r: size overflows 64 bits" % name)
        if bits % 8:
            raise Invalid("tensor %r: not a whole number of bytes" % name)
        begin, end = offs
        if end < begin:
            raise Invalid("tensor %r: end before begin" % name)
        if end - begin != bits // 8:
            raise Invalid("tensor %r: %d bytes expected, %d given" % (name, bits // 8, end - begin))
        # DIVERGENCE ST-15: only bounds are checked, not that tensors tile the buffer
        if end > buflen:
            raise Invalid("tensor %r: ends past the end of the file" % name)
        tensors.append({"name": name, "dtype": dtype, "shape": shape, "data_offsets": [begin, end]})
    # DIVERGENCE ST-16: bytes after the last tensor are never looked at

    tensors.sort(key=lambda t: t["name"].encode("utf-8", "surrogatepass"))
    return {"metadata": metadata, "tensors": tensors}


def main(argv):
    if len(argv) != 2:
        print("usage: reader.py FILE", file=sys.stderr)
        return 2
    try:
        summary = read(argv[1])
        out = json.dumps(summary, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        data = (out + "\n").encode("utf-8")  # a lone surrogate (from "\ud800") fails here
    except Invalid as e:
        print("reader.py: rejected: %s" % e, file=sys.stderr)
        return 1
    except UnicodeEncodeError:
        print("reader.py: rejected: header holds an unpaired surrogate escape", file=sys.stderr)
        return 1
    except OSError as e:
        print("reader.py: %s: %s" % (argv[1], e.strerror), file=sys.stderr)
        return 2
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # a bug, not a verdict: never exit 1 for it
        print("reader.py: internal error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(2)
