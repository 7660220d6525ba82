#!/usr/bin/env python3
"""Self-check for the passgate vector files (run by generate.py, or alone).

* parses every vectors/*.txt strictly (format, keys, escapes, quoting);
* re-verifies every positive record (Verify = OK / Err) with at least two
  implementations other than the one in its Source line where possible:
    - libxcrypt crypt_rn (ctypes)           bcrypt, md5crypt, sha*crypt, descrypt
    - python bcrypt (pyca)                   bcrypt (first 72 bytes)
    - passlib builtin (pure Python)          bcrypt (cost <= 6), md5crypt,
                                             apr1, sha*crypt (hash64 salts only),
                                             descrypt
    - openssl passwd -apr1 recompute         apr1 (<= 256 bytes, no newline)
    - small reference code in this file      md5crypt, apr1, sha*crypt
      (written from the published algorithms, cross-checked against the above)
    - hashlib.pbkdf2_hmac, openssl kdf,      pbkdf2-*
      and a PBKDF2 loop over hmac here
  and asserts OK records verify and Err records do not;
* sanity-checks malformed.txt (kinds exist, policy records use good hashes).
Exit status 0 on success.
"""

import os
import sys

sys.dont_write_bytecode = True

os.environ.setdefault("PASSLIB_BUILTIN_BCRYPT", "enabled")

import base64
import collections
import glob
import hashlib
import hmac
import re
import subprocess
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (XCrypt, VECDIR, SCHEMES, ERROR_KINDS, MAX_PASSWORD,  # noqa: E402
                    parse_file)

warnings.filterwarnings("ignore")
from passlib.hash import (md5_crypt, apr_md5_crypt, sha256_crypt,  # noqa: E402
                          sha512_crypt, bcrypt as passlib_bcrypt,
                          hex_md5, hex_sha256, hex_sha512, ldap_sha1,
                          pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512, des_crypt)
import bcrypt as pybcrypt                                          # noqa: E402

for _h in (md5_crypt, sha256_crypt, sha512_crypt, passlib_bcrypt, des_crypt):
    _h.set_backend("builtin")

XC = XCrypt()
H64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


# --------------------------------------------------------------------------
# reference implementations (from the published algorithm descriptions)
# --------------------------------------------------------------------------

def _to64(v, n):
    out = ""
    for _ in range(n):
        out += H64[v & 0x3F]
        v >>= 6
    return out


def ref_md5crypt(pw: bytes, salt: bytes, magic: bytes) -> bytes:
    salt = salt[:8]
    alt = hashlib.md5(pw + salt + pw).digest()
    ctx = pw + magic + salt
    n = len(pw)
    while n > 0:
        ctx += alt[:min(16, n)]
        n -= 16
    n = len(pw)
    while n:
        ctx += b"\x00" if n & 1 else pw[:1]
        n >>= 1
    fin = hashlib.md5(ctx).digest()
    for i in range(1000):
        c = pw if i & 1 else fin
        if i % 3:
            c += salt
        if i % 7:
            c += pw
        c += fin if i & 1 else pw
        fin = hashlib.md5(c).digest()
    enc = ""
    for a, b, c in ((0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)):
        enc += _to64((fin[a] << 16) | (fin[b] << 8) | fin[c], 4)
    enc += _to64(fin[11], 2)
    return magic + salt + b"$" + enc.encode()


SHA256_ORDER = [(0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14),
                (15, 25, 5), (6, 16, 26), (27, 7, 17), (18, 28, 8), (9, 19, 29)]
SHA512_ORDER = [(0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4),
                (47, 5, 26), (6, 27, 48), (28, 49, 7), (50, 8, 29), (9, 30, 51),
                (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13), (56, 14, 35),
                (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19),
                (62, 20, 41)]


def ref_shacrypt(pw: bytes, salt: bytes, rounds, bits) -> bytes:
    H = hashlib.sha256 if bits == 256 else hashlib.sha512
    hl = bits // 8
    salt = salt[:16]
    r = 5000 if rounds is None else rounds
    b = H(pw + salt + pw).digest()
    a = pw + salt
    n = len(pw)
    while n > hl:
        a += b
        n -= hl
    a += b[:n]
    n = len(pw)
    while n:
        a += b if n & 1 else pw
        n >>= 1
    a = H(a).digest()
    dp = H(pw * len(pw)).digest()
    p = (dp * (len(pw) // hl + 1))[:len(pw)]
    ds = H(salt * (16 + a[0])).digest()
    s = (ds * (len(salt) // hl + 1))[:len(salt)]
    c = a
    for i in range(r):
        x = p if i & 1 else c
        if i % 3:
            x += s
        if i % 7:
            x += p
        x += c if i & 1 else p
        c = H(x).digest()
    enc = ""
    for i, j, k in (SHA256_ORDER if bits == 256 else SHA512_ORDER):
        enc += _to64((c[i] << 16) | (c[j] << 8) | c[k], 4)
    if bits == 256:
        enc += _to64((c[31] << 8) | c[30], 3)
    else:
        enc += _to64(c[63], 2)
    ident = b"$5$" if bits == 256 else b"$6$"
    rs = b"" if rounds is None else b"rounds=%d$" % rounds
    return ident + rs + salt + b"$" + enc.encode()


def ref_pbkdf2(h, pw, salt, it, dklen):
    hl = hashlib.new(h).digest_size
    out = b""
    i = 1
    while len(out) < dklen:
        u = hmac.digest(pw, salt + i.to_bytes(4, "big"), h)
        t = int.from_bytes(u, "big")
        for _ in range(it - 1):
            u = hmac.digest(pw, u, h)
            t ^= int.from_bytes(u, "big")
        out += t.to_bytes(hl, "big")
        i += 1
    return out[:dklen]


# --------------------------------------------------------------------------
# verifiers: each returns True / False, or None when not applicable
# --------------------------------------------------------------------------

def v_xcrypt(pw, stored):
    if len(pw) > XC.MAX_PHRASE:
        return None
    out = XC.crypt(pw, stored)
    if out is None:
        return None
    return hmac.compare_digest(out, stored)


def v_pybcrypt(pw, stored):
    return pybcrypt.checkpw(pw[:72], stored)


def v_passlib(handler, max_cost=None):
    def f(pw, stored):
        if max_cost is not None and int(stored[4:6]) > max_cost:
            return None
        try:
            return handler.verify(pw, stored.decode())
        except ValueError:          # e.g. salt chars outside hash64
            return None
    return f


def parse_crypt(stored, ident):
    rest = stored[len(ident):]
    rounds = None
    if rest.startswith(b"rounds="):
        r, rest = rest.split(b"$", 1)
        rounds = int(r[7:])
    salt, dig = rest.rsplit(b"$", 1)
    return rounds, salt, dig


def v_ref_md5(pw, stored):
    magic = b"$apr1$" if stored.startswith(b"$apr1$") else b"$1$"
    _, salt, _ = parse_crypt(stored, magic)
    return ref_md5crypt(pw, salt, magic) == stored


def v_ref_sha(bits):
    def f(pw, stored):
        rounds, salt, _ = parse_crypt(stored, b"$5$" if bits == 256 else b"$6$")
        return ref_shacrypt(pw, salt, rounds, bits) == stored
    return f


def v_openssl_apr1(pw, stored):
    if b"\n" in pw or len(pw) > 256:
        return None
    _, salt, _ = parse_crypt(stored, b"$apr1$")
    r = subprocess.run(["openssl", "passwd", "-apr1", "-salt", salt.decode(), "-stdin"],
                       input=pw + b"\n", capture_output=True)
    return r.stdout.rstrip(b"\n") == stored


def parse_pbkdf2(stored):
    f = stored.decode().split("$")
    assert len(f) == 5 and f[0] == "", stored
    ident, it, salt, dig = f[1], int(f[2]), f[3], f[4]
    if ident == "pbkdf2-b64salt-sha256":
        h, salt_b = "sha256", base64.b64decode(salt, validate=True)
    else:
        h, salt_b = ident[len("pbkdf2-"):], salt.encode()
    dk = base64.b64decode(dig, validate=True)
    assert base64.b64encode(dk).decode() == dig, "non-canonical base64 in " + dig
    return h, it, salt_b, dk


def v_hashlib(pw, stored):
    h, it, salt, dk = parse_pbkdf2(stored)
    return hashlib.pbkdf2_hmac(h, pw, salt, it, len(dk)) == dk


def v_openssl_kdf(pw, stored):
    h, it, salt, dk = parse_pbkdf2(stored)
    r = subprocess.run(["openssl", "kdf", "-keylen", str(len(dk)), "-kdfopt", "digest:" + h.upper(),
                        "-kdfopt", "hexpass:" + pw.hex(), "-kdfopt", "hexsalt:" + salt.hex(),
                        "-kdfopt", "iter:%d" % it, "PBKDF2"], capture_output=True, check=True)
    return bytes.fromhex(r.stdout.decode().strip().replace(":", "")) == dk


def v_ref_pbkdf2(pw, stored):
    h, it, salt, dk = parse_pbkdf2(stored)
    if it * ((len(dk) + 19) // 20) > 200000:
        return None
    return ref_pbkdf2(h, pw, salt, it, len(dk)) == dk


VERIFIERS = {
    "bcrypt": [("libxcrypt", v_xcrypt), ("pyca-bcrypt", v_pybcrypt),
               ("passlib-bcrypt", v_passlib(passlib_bcrypt, max_cost=6))],
    "md5crypt": [("libxcrypt", v_xcrypt), ("passlib-md5_crypt", v_passlib(md5_crypt)),
                 ("ref-md5crypt", v_ref_md5)],
    "apr1": [("passlib-apr_md5_crypt", v_passlib(apr_md5_crypt)), ("openssl-apr1", v_openssl_apr1),
             ("ref-md5crypt", v_ref_md5)],
    "sha256crypt": [("libxcrypt", v_xcrypt), ("passlib-sha256_crypt", v_passlib(sha256_crypt)),
                    ("ref-shacrypt", v_ref_sha(256))],
    "sha512crypt": [("libxcrypt", v_xcrypt), ("passlib-sha512_crypt", v_passlib(sha512_crypt)),
                    ("ref-shacrypt", v_ref_sha(512))],
    "descrypt": [("libxcrypt", v_xcrypt), ("passlib-des_crypt", v_passlib(des_crypt))],
}
for _s in ("pbkdf2-sha1", "pbkdf2-sha256", "pbkdf2-sha512", "pbkdf2-b64salt-sha256"):
    VERIFIERS[_s] = [("hashlib", v_hashlib), ("openssl-kdf", v_openssl_kdf), ("ref-pbkdf2", v_ref_pbkdf2)]

DIGEST_PREFIX = {b"{MD5}": "md5", b"{SHA256}": "sha256", b"{SHA512}": "sha512"}


def parse_hex_digest(stored):
    prefix = stored[:stored.index(b"}") + 1]
    h, hexd = DIGEST_PREFIX[prefix], stored[len(prefix):].decode()
    assert re.fullmatch(r"[0-9a-f]+", hexd) and len(hexd) == 2 * hashlib.new(h).digest_size, stored
    return h, hexd


def v_hashlib_hex(pw, stored):
    h, hexd = parse_hex_digest(stored)
    return hashlib.new(h, pw).hexdigest() == hexd


def v_passlib_hex(pw, stored):
    h, hexd = parse_hex_digest(stored)
    return {"md5": hex_md5, "sha256": hex_sha256, "sha512": hex_sha512}[h].verify(pw, hexd)


def v_openssl_dgst_hex(pw, stored):
    h, hexd = parse_hex_digest(stored)
    r = subprocess.run(["openssl", "dgst", "-" + h, "-binary"], input=pw, capture_output=True, check=True)
    return r.stdout.hex() == hexd


def parse_sha_b64(stored):
    assert stored.startswith(b"{SHA}") and len(stored) == 33, stored
    d = base64.b64decode(stored[5:], validate=True)
    assert base64.b64encode(d) == stored[5:], "non-canonical"
    return d


def v_hashlib_sha(pw, stored):
    return hashlib.sha1(pw).digest() == parse_sha_b64(stored)


def v_passlib_ldap_sha1(pw, stored):
    parse_sha_b64(stored)
    return ldap_sha1.verify(pw, stored.decode())


def v_openssl_dgst_sha(pw, stored):
    d = parse_sha_b64(stored)
    r = subprocess.run(["openssl", "dgst", "-sha1", "-binary"], input=pw, capture_output=True, check=True)
    return r.stdout == d


for _s in ("sftpgo-md5", "sftpgo-sha256", "sftpgo-sha512"):
    VERIFIERS[_s] = [("hashlib", v_hashlib_hex), ("passlib-hex", v_passlib_hex),
                     ("openssl-dgst", v_openssl_dgst_hex)]
VERIFIERS["htpasswd-sha1"] = [("hashlib", v_hashlib_sha), ("passlib-ldap_sha1", v_passlib_ldap_sha1),
                              ("openssl-dgst", v_openssl_dgst_sha)]

PASSLIB_IDS = {"pbkdf2": "sha1", "pbkdf2-sha256": "sha256", "pbkdf2-sha512": "sha512"}


def ab64_decode_strict(text: str) -> bytes:
    assert re.fullmatch(r"[A-Za-z0-9./]*", text) and len(text) % 4 != 1, text
    b = base64.b64decode(text.replace(".", "+") + "=" * (-len(text) % 4), validate=True)
    assert base64.b64encode(b).decode().rstrip("=").replace("+", ".") == text, "non-canonical " + text
    return b


def parse_passlib_pbkdf2(stored):
    f = stored.decode().split("$")
    assert len(f) == 5 and f[0] == "" and f[1] in PASSLIB_IDS, stored
    assert re.fullmatch(r"[1-9][0-9]*", f[2]), stored
    h = PASSLIB_IDS[f[1]]
    ck = ab64_decode_strict(f[4])
    assert len(ck) == hashlib.new(h).digest_size, stored
    return h, int(f[2]), ab64_decode_strict(f[3]), ck


def v_passlib_pbkdf2(pw, stored):
    h, _, _, _ = parse_passlib_pbkdf2(stored)
    return {"sha1": pbkdf2_sha1, "sha256": pbkdf2_sha256, "sha512": pbkdf2_sha512}[h].verify(pw, stored.decode())


def v_hashlib_passlib(pw, stored):
    h, it, salt, ck = parse_passlib_pbkdf2(stored)
    return hashlib.pbkdf2_hmac(h, pw, salt, it, len(ck)) == ck


def v_openssl_kdf_passlib(pw, stored):
    h, it, salt, ck = parse_passlib_pbkdf2(stored)
    if not salt:
        return None          # openssl kdf refuses an empty hexsalt
    r = subprocess.run(["openssl", "kdf", "-keylen", str(len(ck)), "-kdfopt", "digest:" + h.upper(),
                        "-kdfopt", "hexpass:" + pw.hex(), "-kdfopt", "hexsalt:" + salt.hex(),
                        "-kdfopt", "iter:%d" % it, "PBKDF2"], capture_output=True, check=True)
    return bytes.fromhex(r.stdout.decode().strip().replace(":", "")) == ck


def v_ref_pbkdf2_passlib(pw, stored):
    h, it, salt, ck = parse_passlib_pbkdf2(stored)
    if it > 200000:
        return None
    return ref_pbkdf2(h, pw, salt, it, len(ck)) == ck


for _s in ("passlib-pbkdf2-sha1", "passlib-pbkdf2-sha256", "passlib-pbkdf2-sha512"):
    VERIFIERS[_s] = [("passlib-pbkdf2", v_passlib_pbkdf2), ("hashlib", v_hashlib_passlib),
                     ("openssl-kdf", v_openssl_kdf_passlib), ("ref-pbkdf2", v_ref_pbkdf2_passlib)]

import argon2.low_level as a2ll  # noqa: E402


def parse_argon2(stored):
    m = re.fullmatch(rb"\$(argon2id|argon2i)\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)", stored)
    assert m, stored
    dec = lambda s: base64.b64decode(s + b"=" * (-len(s) % 4), validate=True)  # noqa: E731
    return (m.group(1).decode(), int(m.group(2)), int(m.group(3)), int(m.group(4)),
            dec(m.group(5)), dec(m.group(6)))


def v_argon2_cffi(pw, stored):
    variant = parse_argon2(stored)[0]
    typ = {"argon2id": a2ll.Type.ID, "argon2i": a2ll.Type.I}[variant]
    try:
        return a2ll.verify_secret(stored, pw, typ)
    except Exception:             # VerifyMismatchError
        return False


def v_argon2_cli(pw, stored):
    variant, m, t, p, salt, h = parse_argon2(stored)
    if not 0 < len(pw) < 128 or b"\x00" in salt:
        return None
    r = subprocess.run(["argon2", salt, "-" + variant[6:], "-t", str(t), "-k", str(m), "-p", str(p),
                        "-l", str(len(h)), "-e"], input=pw, capture_output=True, check=True)
    return r.stdout.strip() == stored


for _s in ("argon2id", "argon2i"):
    VERIFIERS[_s] = [("argon2-cffi", v_argon2_cffi), ("argon2-cli", v_argon2_cli)]

def v_pyescrypt(pw, stored):
    from pyescrypt import Mode, WrongPassword, Yescrypt
    try:
        Yescrypt(mode=Mode.MCF).compare(pw, stored)
        return True
    except WrongPassword:
        return False


VERIFIERS["yescrypt"] = [("libxcrypt", v_xcrypt), ("pyescrypt", v_pyescrypt)]

# which verifier families count as "the same implementation" as a Source
SAME_FAMILY = {
    "libxcrypt": ["libxcrypt", "mkpasswd", "htpasswd -d"],
    "pyca-bcrypt": ["python bcrypt"],
    "passlib-bcrypt": ["passlib"], "passlib-md5_crypt": ["passlib"],
    "passlib-apr_md5_crypt": ["passlib"], "passlib-sha256_crypt": ["passlib"],
    "passlib-sha512_crypt": ["passlib"], "passlib-des_crypt": ["passlib"],
    "openssl-apr1": ["openssl passwd"], "openssl-kdf": ["openssl kdf"],
    "hashlib": ["hashlib"],
    "passlib-hex": ["passlib"], "passlib-ldap_sha1": ["passlib"],
    "openssl-dgst": ["openssl dgst"], "argon2-cffi": ["argon2-cffi"], "argon2-cli": ["argon2 CLI"], "passlib-pbkdf2": ["passlib"],
    "pyescrypt": ["pyescrypt"],
}


# Comment prefix of the two $2a$ records that only their own family verifies.
COUNTERMEASURE = "crypt_blowfish $2a$ countermeasure"

# Schemes that read only this many password bytes: longer passwords carry "Truncated = yes".
SIGNIFICANT_BYTES = {"bcrypt": 72, "descrypt": 8}


def check_positive(path, recs, stats):
    scheme = os.path.basename(path)[:-4]
    errors = []
    for r in recs:
        where = "%s:%d" % (os.path.basename(path), r["_line"])
        try:
            assert r["Scheme"] == scheme, "Scheme %s in %s" % (r["Scheme"], path)
            assert "Error" not in r and r.get("Verify") in ("OK", "Err"), "needs Verify"
            pw, stored = r["Password"], r["Stored"]
            assert pw and b"\x00" not in pw and len(pw) <= MAX_PASSWORD, "password policy"
            assert all(0x20 <= c <= 0x7E for c in stored), "positive Stored must be printable ASCII"
            if scheme in SIGNIFICANT_BYTES:
                assert (r.get("Truncated") == "yes") == (len(pw) > SIGNIFICANT_BYTES[scheme]), \
                    "Truncated flag"
            else:
                assert "Truncated" not in r
            expect = r["Verify"] == "OK"
            verdicts = {}
            for name, fn in VERIFIERS[scheme]:
                v = fn(pw, stored)
                if v is not None:
                    verdicts[name] = v
            indep = [n for n in verdicts
                     if not any(r["Source"].startswith(p) for p in SAME_FAMILY.get(n, []))]
            if COUNTERMEASURE in r.get("Comment", "") and stored.startswith(b"$2a$"):
                # $2a$ has two readings for this password (bcrypt.txt's header): the other
                # reading's implementations compute another digest, so only the Source's own
                # family is asked.
                own = {n: v for n, v in verdicts.items() if n not in indep}
                assert own and all(v == expect for v in own.values()), "own family %r" % own
                for n in verdicts:
                    stats[(scheme, n)] += 1
                continue
            assert all(v == expect for v in verdicts.values()), "verdicts %r, expected %s" % (verdicts, expect)
            assert len(verdicts) >= 2 and indep, "not enough independent verifiers: %r" % verdicts
            for n in verdicts:
                stats[(scheme, n)] += 1
        except AssertionError as e:
            errors.append("%s: %s" % (where, e))
    return errors


POLICY = {"CostTooHigh", "RoundsTooHigh", "WorkTooHigh", "EmptyPassword", "PasswordTooLong", "NulInPassword"}


def check_malformed(path, recs):
    errors = []
    seen = set()
    for r in recs:
        where = "%s:%d" % (os.path.basename(path), r["_line"])
        try:
            assert "Verify" not in r and "Truncated" not in r
            kind = r.get("Error")
            assert kind in ERROR_KINDS, "unknown kind %r" % kind
            assert r["Scheme"] in SCHEMES + ["unknown"]
            st, pw = r["Stored"], r["Password"]
            assert (st, pw, kind) not in seen, "duplicate record"
            seen.add((st, pw, kind))
            st.decode("utf-8")
            nonascii = any(c >= 0x80 or c < 0x20 or c == 0x7F for c in st)
            assert nonascii == (kind == "NonAscii"), "NonAscii iff non-ASCII/control bytes"
            if kind == "Disabled":
                assert st == b"" or st[:1] in (b"*", b"!")
            if kind == "EmptyPassword":
                assert pw == b""
            elif kind == "PasswordTooLong":
                assert len(pw) > MAX_PASSWORD and b"\x00" not in pw
            elif kind == "NulInPassword":
                assert b"\x00" in pw and len(pw) <= MAX_PASSWORD
            else:
                assert pw and b"\x00" not in pw and len(pw) <= MAX_PASSWORD, "password must be acceptable"
            if kind in ("EmptyPassword", "PasswordTooLong", "NulInPassword"):
                # Stored must be a good hash: it verifies "password" (or the NUL-free prefix)
                # (for NulInPassword: of "password" or of the part before the NUL)
                cands = [b"password"] + ([pw.split(b"\x00")[0]] if kind == "NulInPassword" else [])
                ok = False
                for good in [c for c in cands if c]:
                    verdicts = [fn(good, st) for _, fn in VERIFIERS[r["Scheme"]]]
                    verdicts = [v for v in verdicts if v is not None]
                    ok = ok or (len(verdicts) >= 2 and all(verdicts))
                assert ok, "policy record must use a good hash"
            if kind == "CostTooHigh":
                assert re.fullmatch(rb"\$2[aby]\$(1[7-9]|2\d|3[01])\$[./A-Za-z0-9]{53}", st)
            if kind == "RoundsTooHigh":
                m = re.match(rb"\$[56]\$rounds=(\d+)\$", st)
                assert m and 10000000 < int(m.group(1)) <= 999999999
            if kind == "WorkTooHigh" and r["Scheme"] in ("sha256crypt", "sha512crypt"):
                m = re.fullmatch(rb"\$([56])\$rounds=(\d+)\$([^$]*)\$[./0-9A-Za-z]+", st)
                digest, block, padding = (32, 64, 9) if m.group(1) == b"5" else (64, 128, 17)
                blocks = -(-(digest + len(m.group(3)) + 2 * len(pw) + padding) // block)
                assert int(m.group(2)) <= 10000000 and int(m.group(2)) * blocks > 20000000
            elif kind == "WorkTooHigh":
                if r["Scheme"].startswith("passlib-"):
                    h, it, salt, dk = parse_passlib_pbkdf2(st)
                else:
                    h, it, salt, dk = parse_pbkdf2(st)
                hl = hashlib.new(h).digest_size
                assert it < 2 ** 32 and it * -(-len(dk) // hl) > 10000000 and 16 <= len(dk) <= 256
        except (AssertionError, ValueError, KeyError) as e:
            errors.append("%s: %s: %r" % (where, r.get("Error"), e))
    return errors


def main():
    files = sorted(glob.glob(os.path.join(VECDIR, "*.txt")))
    expected = sorted(os.path.join(VECDIR, s + ".txt") for s in SCHEMES + ["malformed"])
    errors = []
    if files != expected:
        errors.append("file set mismatch: %r" % files)
    stats = collections.Counter()
    counts = {}
    for path in files:
        try:
            recs = parse_file(path)
        except ValueError as e:
            errors.append(str(e))
            continue
        for r in recs:
            for k in ("Source", "Scheme", "Password", "Stored"):
                if k not in r:
                    errors.append("%s:%d: missing %s" % (path, r["_line"], k))
            if ("Verify" in r) == ("Error" in r):
                errors.append("%s:%d: need exactly one of Verify/Error" % (path, r["_line"]))
        name = os.path.basename(path)
        if name == "malformed.txt":
            errors += check_malformed(path, recs)
        else:
            errors += check_positive(path, recs, stats)
        counts[name] = recs
    print("records per file and Source:")
    for name, recs in counts.items():
        print("  %-28s %4d" % (name, len(recs)))
        by = collections.Counter(r.get("Source", "?") for r in recs)
        for s, n in sorted(by.items()):
            print("      %4d  %s" % (n, s))
        if name == "malformed.txt":
            kinds = collections.Counter(r.get("Error") for r in recs)
            print("      by kind: " + ", ".join("%s=%d" % kv for kv in sorted(kinds.items())))
        else:
            v = collections.Counter(r.get("Verify") for r in recs)
            print("      OK=%d Err=%d" % (v["OK"], v["Err"]))
    print("independent re-verifications (scheme, verifier): count")
    for k, n in sorted(stats.items()):
        print("  %-24s %-24s %d" % (k[0], k[1], n))
    if errors:
        print("\nSELF-CHECK FAILED (%d problems):" % len(errors))
        for e in errors:
            print("  " + e)
        return 1
    print("\nself-check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
