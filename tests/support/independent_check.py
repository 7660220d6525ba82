#!/usr/bin/env python3
"""Checks hashes written by passgate with independent implementations.

Reads lines `HEXPASSWORD HASH` on stdin and prints `ok` or `bad` for each:
SHA-crypt through libxcrypt's crypt_r (ctypes, so 8-bit passwords reach it as raw bytes);
`$2a$` through pyca's `bcrypt` (OpenBSD's algorithm, which Go's crypto/bcrypt and so SFTPGo
share) and, unless the password triggers crypt_blowfish's `$2a$` countermeasure, libxcrypt
too; SFTPGo's PBKDF2 formats through hashlib.pbkdf2_hmac; Argon2id through argon2-cffi.
"""
import bcrypt
import base64
import ctypes
import ctypes.util
import hashlib
import hmac
import sys

libcrypt = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
libcrypt.crypt_r.restype = ctypes.c_char_p
libcrypt.crypt_r.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p]
CRYPT_DATA_SIZE = 32768


def libxcrypt(password: bytes, setting: str) -> str:
    data = ctypes.create_string_buffer(CRYPT_DATA_SIZE)
    out = libcrypt.crypt_r(password, setting.encode(), data)
    return out.decode() if out else ""


def sftpgo_pbkdf2(password: bytes, stored: str) -> bool:
    _, ident, iterations, salt, digest = stored.split("$")
    algo = {"pbkdf2-sha1": "sha1", "pbkdf2-sha256": "sha256", "pbkdf2-sha512": "sha512",
            "pbkdf2-b64salt-sha256": "sha256"}[ident]
    salt_bytes = base64.b64decode(salt, validate=True) if "b64salt" in ident else salt.encode()
    expected = base64.b64decode(digest, validate=True)
    got = hashlib.pbkdf2_hmac(algo, password, salt_bytes, int(iterations), len(expected))
    return hmac.compare_digest(got, expected)


for line in sys.stdin:
    hexpw, stored = line.split()
    password = bytes.fromhex(hexpw)
    if stored.startswith("$argon2id$"):
        import argon2.low_level as a2
        try:
            ok = a2.verify_secret(stored.encode(), password, a2.Type.ID)
        except Exception:
            ok = False
    elif stored.startswith("$pbkdf2"):
        ok = sftpgo_pbkdf2(password, stored)
    elif stored.startswith("$2a$"):
        # bcrypt reads 72 bytes; pyca refuses longer input rather than cut it.
        ok = bcrypt.checkpw(password[:72], stored.encode())
        # crypt_blowfish reads $2a$ differently for these passwords only.
        if password[:3] != b"\xff\xff\xa3":
            ok = ok and libxcrypt(password, stored) == stored
    else:
        ok = libxcrypt(password, stored) == stored
    print("ok" if ok else "bad", flush=True)
