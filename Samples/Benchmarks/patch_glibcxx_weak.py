#!/usr/bin/env python3
"""Marks the symbol-version requirements of an ELF shared library that this system's libstdc++ cannot satisfy as weak.

TorchSharp-cpu 0.107.0's libLibTorchSharp.so asks for GLIBCXX_3.4.32; Debian 12's libstdc++ stops at 3.4.30, so the
dynamic loader refuses to load it although none of the symbols it uses need the newer version. Setting VER_FLG_WEAK
(0x2) on that requirement (a Vernaux entry in .gnu.version_r) turns the refusal into a note. Only the benchmark's own
copy of the library (its build output) is patched, never the NuGet cache.

    patch_glibcxx_weak.py LIBRARY.so [--provider /usr/lib/x86_64-linux-gnu/libstdc++.so.6] [--version GLIBCXX_3.4.32 ...]

Without --version, every GLIBCXX_* / CXXABI_* requirement on libstdc++ that the provider does not define is marked.
Standard library only; reads the ELF64 little-endian structures directly. Prints what it changed; exit 0 when the
file needed nothing or was patched, 1 on a malformed or unsupported file.
"""
import argparse
import os
import struct
import sys
import tempfile

SHT_GNU_VERDEF = 0x6FFFFFFD
SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    if shoff == 0 or shentsize != 64 or shoff + shnum * 64 > len(data):
        raise ValueError("no usable section header table")
    result = []
    for i in range(shnum):
        (_name, sh_type, _flags, _addr, offset, size, link, info, _align, _entsize) = struct.unpack_from(
            "<IIQQQQIIQQ", data, shoff + i * 64)
        result.append({"type": sh_type, "offset": offset, "size": size, "link": link, "info": info})
    return result


def cstring(data, offset):
    end = data.index(b"\0", offset)
    return data[offset:end].decode("ascii", "replace")


def defined_versions(path):
    """Version names a library defines (its .gnu.version_d)."""
    with open(path, "rb") as f:
        data = f.read()
    secs = sections(data)
    names = set()
    for s in secs:
        if s["type"] != SHT_GNU_VERDEF:
            continue
        strtab = secs[s["link"]]["offset"]
        at = s["offset"]
        for _ in range(s["info"]):
            _ver, _flags, _ndx, cnt, _hash, aux, nxt = struct.unpack_from("<HHHHIII", data, at)
            a = at + aux
            for _ in range(cnt):
                name, anext = struct.unpack_from("<II", data, a)
                names.add(cstring(data, strtab + name))
                a += anext
            if nxt == 0:
                break
            at += nxt
    return names


def patch(path, wanted, provided):
    data = bytearray(open(path, "rb").read())
    secs = sections(data)
    changed = []
    for s in secs:
        if s["type"] != SHT_GNU_VERNEED:
            continue
        strtab = secs[s["link"]]["offset"]
        at = s["offset"]
        for _ in range(s["info"]):
            _ver, cnt, file_name, aux, nxt = struct.unpack_from("<HHIII", data, at)
            needed_file = cstring(data, strtab + file_name)
            a = at + aux
            for _ in range(cnt):
                _hash, flags, _other, name, anext = struct.unpack_from("<IHHII", data, a)
                version = cstring(data, strtab + name)
                if wanted:
                    hit = version in wanted
                else:
                    hit = (needed_file.startswith("libstdc++") and version.startswith(("GLIBCXX_", "CXXABI_"))
                           and version not in provided)
                if hit and not flags & VER_FLG_WEAK:
                    struct.pack_into("<H", data, a + 4, flags | VER_FLG_WEAK)
                    changed.append(f"{needed_file} {version}")
                a += anext
            if nxt == 0:
                break
            at += nxt
    if changed:
        # Atomically: a half-written library would fail later in a confusing way.
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".patch-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, os.stat(path).st_mode)
        os.replace(tmp, path)
    return changed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("library")
    parser.add_argument("--provider", default="/usr/lib/x86_64-linux-gnu/libstdc++.so.6")
    parser.add_argument("--version", action="append", default=[])
    args = parser.parse_args()
    try:
        provided = set() if args.version else defined_versions(args.provider)
        changed = patch(args.library, set(args.version), provided)
    except (OSError, ValueError, struct.error) as e:
        print(f"patch_glibcxx_weak: {args.library}: {e}", file=sys.stderr)
        return 1
    if changed:
        print(f"patch_glibcxx_weak: {args.library}: marked weak: {', '.join(changed)}")
    else:
        print(f"patch_glibcxx_weak: {args.library}: nothing to mark")
    return 0


if __name__ == "__main__":
    sys.exit(main())
