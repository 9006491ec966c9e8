#!/usr/bin/env python3
"""Builds the legacy golden files legacy-v2.snap and legacy-v3.snap (formats.md, "Legacy inline
formats"), independently of the C++ reader: the record is packed here with struct, CRC32 from
zlib, compressed with the zstd command, and version 3's trailer MAC'd with hmac/hashlib under
legacy.key. Run from this folder; the outputs are committed, so this only documents them."""
import hashlib
import hmac
import struct
import subprocess
import zlib

MAGIC = 0xBA115407


def record(version, nonce):
    wasm_memory = bytes(range(256)) * 4 + b"\x00" * 1024        # 2 KiB
    gpu_memory = b"gpu-buffer-bytes" * 8                           # 128 bytes
    registers = struct.pack("<4Q", 1, 2, 3, 0xFFFFFFFFFFFFFFFF)    # 32 bytes
    out = struct.pack("<II", MAGIC, version)
    for blob in (wasm_memory, gpu_memory, registers):
        out += struct.pack("<Q", len(blob)) + blob
    instance_id = 0x0123456789ABCDEF_FEDCBA9876543210
    out += struct.pack("<Q", 7)                                     # tenant_id
    out += instance_id.to_bytes(16, "little")
    out += struct.pack("<QQQ", 1700000000123, len(wasm_memory) + len(gpu_memory) + len(registers), 41)
    out += b"\x01" + nonce if nonce else b"\x00"
    out += struct.pack("<I", zlib.crc32(wasm_memory + gpu_memory + registers))
    return out


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, check=True, capture_output=True).stdout


key = bytes.fromhex(open("legacy.key").read().strip())
with open("legacy-v2.snap", "wb") as f:
    f.write(zstd(record(2, None)))
body = zstd(record(3, bytes(range(16, 32)))) + b"S3T1" + b"\x01"
with open("legacy-v3.snap", "wb") as f:
    f.write(body + hmac.new(key, body, hashlib.sha256).digest())
