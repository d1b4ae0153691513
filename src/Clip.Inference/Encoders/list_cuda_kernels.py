#!/usr/bin/python3
"""Lists the GPU code in a CUDA library's fatbins: how many cubin and PTX images it carries per sm_XX (stdlib only).

GpuPreflight's table of runnable compute capabilities comes from running it on ONNX Runtime's CUDA provider:

    /usr/bin/python3 list_cuda_kernels.py \
        ~/.nuget/packages/microsoft.ml.onnxruntime.gpu.linux/1.31.0/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so

which printed, for 1.31.0:

    cubin sm_75: 217 images
    cubin sm_80: 308 images
    cubin sm_86: 308 images
    cubin sm_89: 308 images
    cubin sm_90: 600 images
    cubin sm_120: 317 images

and no PTX. Run it again when the ONNX Runtime version changes.
"""

import collections
import struct
import sys

FATBIN_MAGIC = 0xBA55ED50
KINDS = {1: "PTX", 2: "cubin"}


def sections(data):
    """(name, offset, size) of each section of a 64-bit little-endian ELF file."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = headers[shstrndx]
    strtab = data[names[4]:names[4] + names[5]]
    for name_offset, _, _, _, offset, size in headers:
        yield strtab[name_offset:strtab.index(b"\0", name_offset)].decode(), offset, size


def images(data, offset, size):
    """(kind, sm) of every image in the fatbins of one .nv_fatbin section."""
    position, end = offset, offset + size
    while position < end:
        magic, _, header_size, fat_size = struct.unpack_from("<IHHQ", data, position)
        if magic != FATBIN_MAGIC:
            position += 8  # fatbins are 8-byte aligned; skip padding
            continue
        entry, entries_end = position + header_size, position + header_size + fat_size
        while entry < entries_end:
            kind, _, entry_header_size, padded_size = struct.unpack_from("<HHII", data, entry)
            sm, = struct.unpack_from("<I", data, entry + 28)
            yield KINDS.get(kind, f"kind {kind}"), sm
            entry += entry_header_size + padded_size
        position = entries_end


def main(path):
    with open(path, "rb") as library:
        data = library.read()
    counts = collections.Counter(
        image
        for name, offset, size in sections(data) if name == ".nv_fatbin"
        for image in images(data, offset, size))
    for (kind, sm), count in sorted(counts.items()):
        print(f"{kind} sm_{sm}: {count} images")


if __name__ == "__main__":
    main(sys.argv[1])
