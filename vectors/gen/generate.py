#!/usr/bin/env python3
"""Regenerate every passgate test-vector file under vectors/.

Every Stored value comes from an implementation that is independent of
passgate: libxcrypt (ctypes), openssl passwd / openssl kdf, htpasswd
(apr-util), mkpasswd (whois), python `bcrypt`, passlib's pure-Python
("builtin") backends and hashlib.  malformed.txt is made by applying string
templates to good hashes produced by those tools.

Run:  python3 vectors/gen/generate.py        (then it runs check.py)

Salts/passwords chosen by the script come from a seeded RNG, so re-running
only changes the records whose tool picks its own random salt (htpasswd).
"""

import os
import sys

sys.dont_write_bytecode = True

os.environ.setdefault("PASSLIB_BUILTIN_BCRYPT", "enabled")

import base64
import hashlib
import random
import subprocess
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (XCrypt, MAX_PASSWORD, write_file, dpkg_version,  # noqa: E402
                    libxcrypt_version, openssl_cli_version, mkpasswd_version,
                    python_version, python_openssl_version)
import descrypt                                             # noqa: E402

warnings.filterwarnings("ignore")
import passlib                                              # noqa: E402
from passlib.hash import (md5_crypt, apr_md5_crypt, sha256_crypt,   # noqa: E402
                          sha512_crypt, bcrypt as passlib_bcrypt,
                          pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512)
import bcrypt as pybcrypt                                   # noqa: E402
import yescrypt                                             # noqa: E402

for _h in (md5_crypt, sha256_crypt, sha512_crypt, passlib_bcrypt):
    _h.set_backend("builtin")   # pure-Python code, not libxcrypt/os_crypt

XC = XCrypt()
RNG = random.Random(0x70A55)    # deterministic salts & passwords

# --------------------------------------------------------------------------
# versions / Source strings
# --------------------------------------------------------------------------

XV = libxcrypt_version()
OV = openssl_cli_version()
MV = mkpasswd_version()
HV = dpkg_version("apache2-utils") or "unknown"
AV = dpkg_version("libaprutil1") or "unknown"
PYV = python_version()
PLV = passlib.__version__
BV = pybcrypt.__version__

# Comment prefix of the two $2a$ records that only their own family verifies.
COUNTERMEASURE = "crypt_blowfish $2a$ countermeasure"

SRC = {
    "xcrypt": "libxcrypt %s crypt_rn via ctypes" % XV,
    "ossl-1": "openssl passwd -1 (%s)" % OV,
    "ossl-apr1": "openssl passwd -apr1 (%s)" % OV,
    "ossl-5": "openssl passwd -5 (%s)" % OV,
    "ossl-6": "openssl passwd -6 (%s)" % OV,
    "ossl-kdf": "openssl kdf PBKDF2 (%s)" % OV,
    "ht-B": "htpasswd -B (apache2-utils %s, apr-util %s)" % (HV, AV),
    "ht-m": "htpasswd -m (apache2-utils %s, apr-util %s)" % (HV, AV),
    "mk-bcrypt": "mkpasswd -m bcrypt (whois %s, libxcrypt %s)" % (MV, XV),
    "mk-bcrypt-a": "mkpasswd -m bcrypt-a (whois %s, libxcrypt %s)" % (MV, XV),
    "mk-md5crypt": "mkpasswd -m md5crypt (whois %s, libxcrypt %s)" % (MV, XV),
    "mk-sha-256": "mkpasswd -m sha-256 (whois %s, libxcrypt %s)" % (MV, XV),
    "mk-sha-512": "mkpasswd -m sha-512 (whois %s, libxcrypt %s)" % (MV, XV),
    "pybcrypt": "python bcrypt %s hashpw (Python %s)" % (BV, PYV),
    "pl-bcrypt": "passlib %s bcrypt builtin backend (Python %s)" % (PLV, PYV),
    "pl-md5": "passlib %s md5_crypt builtin backend (Python %s)" % (PLV, PYV),
    "pl-apr1": "passlib %s apr_md5_crypt (Python %s)" % (PLV, PYV),
    "pl-sha256": "passlib %s sha256_crypt builtin backend (Python %s)" % (PLV, PYV),
    "pl-sha512": "passlib %s sha512_crypt builtin backend (Python %s)" % (PLV, PYV),
    "hashlib": "hashlib.pbkdf2_hmac (Python %s, %s)" % (PYV, python_openssl_version()),
    "sftpgo": "SFTPGo documentation",
    "hl-hex": "hashlib.%%s hexdigest (Python %s, %s)" % (PYV, python_openssl_version()),
    "hl-b64": "hashlib.sha1 + base64.b64encode (Python %s, %s)" % (PYV, python_openssl_version()),
    "ossl-dgst": "openssl dgst -%%s (%s)" % OV,
    "pl-pbkdf2": "passlib %s pbkdf2_%%s (Python %s)" % (PLV, PYV),
    "a2-cli": "argon2 CLI (Debian argon2 %s)" % (dpkg_version("argon2") or "unknown"),
    "a2-cffi": "argon2-cffi %s low_level.hash_secret (Python %s)" % (
        __import__("importlib.metadata").metadata.version("argon2-cffi"), PYV),
    "ht-s": "htpasswd -s (apache2-utils %s, apr-util %s)" % (HV, AV),
}

# --------------------------------------------------------------------------
# tool wrappers (passwords always go in as raw bytes on stdin / via ctypes)
# --------------------------------------------------------------------------


def run(args, inp):
    r = subprocess.run(args, input=inp, capture_output=True)
    if r.returncode != 0 or r.stderr.strip():
        raise RuntimeError("%r failed: rc=%d %r %r" % (args, r.returncode, r.stdout, r.stderr))
    return r.stdout


def xcrypt(pw: bytes, setting: bytes) -> bytes:
    assert len(pw) <= XC.MAX_PHRASE
    out = XC.crypt(pw, setting)
    if out is None:
        raise RuntimeError("libxcrypt rejected setting %r" % setting)
    return out


def openssl_passwd(flag: str, salt: str, pw: bytes) -> bytes:
    # openssl passwd -stdin reads one password per line and silently keeps
    # only the first 256 bytes of a line.
    assert b"\n" not in pw and len(pw) <= 256
    out = run(["openssl", "passwd", flag, "-salt", salt, "-stdin"], pw + b"\n").rstrip(b"\n")
    if not out.startswith(b"$") or b"\n" in out:
        raise RuntimeError("openssl passwd %s -salt %r: %r" % (flag, salt, out))
    return out


def htpasswd(flags, pw: bytes) -> bytes:
    # -i: read the password from stdin (one line); refuses > 255 bytes.
    assert b"\n" not in pw and b"\r" not in pw and len(pw) <= 255
    out = run(["htpasswd", "-ni"] + flags + ["user"], pw).strip()
    assert out.startswith(b"user:"), out
    return out[len(b"user:"):]


def mkpasswd(method, pw: bytes, salt=None, rounds=None) -> bytes:
    assert b"\n" not in pw and len(pw) <= XC.MAX_PHRASE
    args = ["mkpasswd", "-m", method, "-s"]
    if salt is not None:
        args += ["-S", salt]
    if rounds is not None:
        args += ["-R", str(rounds)]
    return run(args, pw).strip()


def openssl_kdf(digest: str, pw: bytes, salt: bytes, it: int, dklen: int) -> bytes:
    out = run(["openssl", "kdf", "-keylen", str(dklen),
               "-kdfopt", "digest:" + digest.upper(),
               "-kdfopt", "hexpass:" + pw.hex(),
               "-kdfopt", "hexsalt:" + salt.hex(),
               "-kdfopt", "iter:%d" % it, "PBKDF2"], b"")
    return bytes.fromhex(out.decode().strip().replace(":", ""))


# --------------------------------------------------------------------------
# deterministic salts / passwords
# --------------------------------------------------------------------------

H64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
STD64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
BC64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UNUSUAL_SALT = ".-_#%&@~"          # allowed, but outside the hash64 alphabet


def h64(n):
    return "".join(RNG.choice(H64) for _ in range(n))


def bcrypt_salt():
    """22-char canonical bcrypt salt from 16 seeded random bytes."""
    s = base64.b64encode(RNG.randbytes(16)).decode()[:22]
    return s.translate(str.maketrans(STD64, BC64))


def rand_bytes(n, alphabet):
    return bytes(RNG.choice(alphabet) for _ in range(n))


PRINTABLE = bytes(range(0x20, 0x7F))
PRINT_AND_8BIT = bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))
NO_NUL = bytes(range(1, 0x100))

PUNCT = b'$:;*!"\\'                                   # the nasty ones
PUNCT2 = b"p@ss w0rd!#%&'()*+,-./:;<=>?@[\\]^_`{|}~\"$"
BIT8 = b"\x80\x81\xfe\xff"                            # not UTF-8
LATIN1 = b"caf\xe9"                                   # latin-1 e-acute, not UTF-8
E_ACUTE = "\u00e9".encode()                           # é
UMLAUT = "p\u00e4ssw\u00f6rd".encode()                # pässwörd
CJK = "\u5bc6\u7801".encode()                         # 密码
EMOJI = "\U0001F511\U0001F980 emoji".encode()         # 🔑🦀 emoji
SPACES = b"correct horse battery staple"
LEADTRAIL = b"  leading and trailing spaces  "
CONTROL = b"tab\there\x01\x1b[0m\x7f"
NEWLINE = b"line one\nline two\r\n"

SHORT = [b"x", b"password", SPACES, LEADTRAIL, PUNCT, PUNCT2, BIT8, LATIN1,
         E_ACUTE, UMLAUT, CJK, EMOJI, b"\xff", b"0", b"secret"]


def long_pw(n, alphabet=PRINTABLE):
    return rand_bytes(n, alphabet)


# --------------------------------------------------------------------------
# records
# --------------------------------------------------------------------------

_variant = [0]


def make_wrong(pw: bytes, scheme: str) -> (bytes, str):
    """A password that must NOT verify against the hash of `pw`."""
    lim = 72 if scheme == "bcrypt" else MAX_PASSWORD
    v = _variant[0] % 4
    _variant[0] += 1
    if v == 1 and len(pw) < min(lim, MAX_PASSWORD):
        return pw + b"!", "wrong password: one byte appended"
    if v == 2 and 1 < len(pw) <= lim:
        return pw[:-1], "wrong password: last byte removed"
    i = min(len(pw), 72 if scheme == "bcrypt" else len(pw)) - 1
    nb = pw[i] ^ 0x01
    if nb == 0:
        nb = pw[i] ^ 0x02
    what = "last byte" if i == len(pw) - 1 else "byte %d (inside the 72 bytes bcrypt uses)" % (i + 1)
    return pw[:i] + bytes([nb]) + pw[i + 1:], "wrong password: %s changed" % what


def describe(pw: bytes) -> str:
    return "%d-byte password" % len(pw)


def rec(source, scheme, pw, stored, verify=None, error=None, comment=None):
    r = {"Source": source, "Scheme": scheme, "Password": pw, "Stored": stored}
    if verify is not None:
        r["Verify"] = verify
    if error is not None:
        r["Error"] = error
    if scheme == "bcrypt" and len(pw) > 72 and error is None:
        r["Truncated"] = "yes"
    if comment:
        r["Comment"] = comment
    return r


def pair(out, source, scheme, pw, stored, comment=None, wrong=None):
    assert pw and b"\x00" not in pw and len(pw) <= MAX_PASSWORD
    c = comment if comment and "byte" in comment else describe(pw) + ("; " + comment if comment else "")
    out.append(rec(source, scheme, pw, stored, verify="OK", comment=c))
    if wrong is None:
        wpw, wc = make_wrong(pw, scheme)
    else:
        wpw, wc = wrong, "wrong password: a different password"
    assert wpw != pw and wpw and b"\x00" not in wpw and len(wpw) <= MAX_PASSWORD
    if scheme == "bcrypt":
        assert wpw[:72] != pw[:72] or len(wpw) != len(pw) and min(len(wpw), len(pw)) < 72
    out.append(rec(source, scheme, wpw, stored, verify="Err",
                   comment=wc + (" (" + comment + ")" if comment else "")))


def header(scheme, extra=()):
    return ["passgate test vectors: %s" % scheme,
            "Generated by vectors/gen/generate.py; verified by vectors/gen/check.py.",
            "Every Stored value was produced by the tool named in its Source line,",
            "never by passgate.  Format: see vectors/gen/README.md."] + list(extra)


# --------------------------------------------------------------------------
# bcrypt
# --------------------------------------------------------------------------

L71 = long_pw(71)
L72 = long_pw(72, PRINT_AND_8BIT)
L73 = long_pw(73)
L100 = long_pw(100)
L200 = long_pw(200, PRINT_AND_8BIT)
L255 = long_pw(255)
L256 = long_pw(256, PRINT_AND_8BIT)
L300 = long_pw(300)
L500 = long_pw(500, PRINT_AND_8BIT)
L1000 = long_pw(1000)
L1024 = long_pw(1024, PRINT_AND_8BIT)


def gen_bcrypt():
    out = []
    S = SRC["xcrypt"]

    def xc(prefix, cost, pw, comment=None):
        setting = XC.gensalt(prefix.encode(), cost, RNG.randbytes(16))
        h = xcrypt(pw, setting)
        pair(out, S, "bcrypt", pw, h, comment)
        return h

    xc("$2b$", 4, b"x", "1-byte password")
    xc("$2b$", 4, b"\xff", "single 8-bit byte")
    xc("$2b$", 4, b"password")
    xc("$2b$", 5, SPACES, "spaces")
    xc("$2b$", 4, LEADTRAIL, "leading/trailing spaces")
    xc("$2b$", 4, PUNCT, "punctuation $:;*!\"\\")
    xc("$2b$", 4, BIT8, "8-bit bytes, not UTF-8")
    xc("$2b$", 4, b"\xa3", "crypt_blowfish sign-extension bug trigger ($2x$ would differ)")
    xc("$2b$", 4, b"\xff\xa3345", "crypt_blowfish sign-extension bug trigger")
    xc("$2b$", 5, b"\xff\xff\xa3", "crypt_blowfish test password; $2b$ agrees with OpenBSD/pyca")
    xc("$2y$", 5, b"\xff\xff\xa3", "crypt_blowfish test password; $2y$ agrees with OpenBSD/pyca")
    # $2a$ has two readings for this password (see the file header): both must verify, and
    # the countermeasure digest must not verify under $2y$.
    cm = xc("$2a$", 5, b"\xff\xff\xa3", COUNTERMEASURE + ": libxcrypt's (crypt_blowfish) reading")
    out.append(rec(S, "bcrypt", b"\xff\xff\xa3", b"$2y$" + cm[4:], verify="Err",
                   comment="libxcrypt's $2a$ countermeasure digest relabelled $2y$: "
                           "$2y$ has no countermeasure"))
    xc("$2b$", 4, E_ACUTE, "UTF-8")
    xc("$2b$", 4, CJK, "UTF-8")
    xc("$2b$", 4, EMOJI, "UTF-8 emoji")
    xc("$2b$", 4, CONTROL, "control bytes")
    h71 = xc("$2b$", 4, L71, "71 bytes: key is password + NUL = 72 bytes")
    h72 = xc("$2b$", 4, L72, "72 bytes: exactly the bcrypt key size")
    xc("$2b$", 4, L73, "73 bytes: the 73rd byte is ignored by bcrypt")
    h100 = xc("$2b$", 4, L100, "100 bytes: only the first 72 are used")
    xc("$2b$", 5, L255, "255 bytes")
    xc("$2b$", 4, L500, "500 bytes")
    xc("$2a$", 4, b"password", "$2a$ ident")
    xc("$2a$", 5, UMLAUT, "$2a$ ident, UTF-8")
    xc("$2a$", 4, L72, "$2a$ ident, 72 bytes")
    xc("$2a$", 4, L300, "$2a$ ident, 300 bytes (>255: length wrapped in pre-2014 OpenBSD $2a$)")
    xc("$2y$", 4, b"password", "$2y$ ident")
    xc("$2y$", 4, L100, "$2y$ ident, 100 bytes")
    xc("$2b$", 6, b"secret", "cost 6")
    xc("$2y$", 6, LATIN1, "cost 6, latin-1 byte")

    # truncation semantics (all Stored from libxcrypt above)
    mod = bytearray(L100)
    mod[90] ^= 0x01
    out.append(rec(S, "bcrypt", bytes(mod), h100, verify="OK",
                   comment="100-byte password differing from the hashed one only at byte 91: "
                           "bcrypt ignores bytes after 72, so it verifies"))
    out.append(rec(S, "bcrypt", L72 + b"!", h72, verify="OK",
                   comment="Stored is the hash of a 72-byte password; this is the same password "
                           "plus one byte (73 bytes): verifies because bcrypt truncates to 72"))
    out.append(rec(S, "bcrypt", L71 + b"!", h71, verify="Err",
                   comment="Stored is the hash of a 71-byte password; this one has one byte "
                           "appended (72 bytes): the appended byte replaces the NUL terminator "
                           "that bcrypt hashes as the 72nd key byte, so it must NOT verify"))

    # htpasswd (apr-util's own crypt_blowfish copy), $2y$
    for cost, pw, c in [(4, b"password", None), (5, BIT8 + b" " + LATIN1, "8-bit bytes"),
                        (4, CJK + EMOJI, "UTF-8"), (4, long_pw(73), "73 bytes"),
                        (5, long_pw(255, PRINT_AND_8BIT), "255 bytes (htpasswd maximum)")]:
        h = htpasswd(["-B", "-C", str(cost)], pw)
        pair(out, SRC["ht-B"], "bcrypt", pw, h, ("cost %d" % cost) + ("; " + c if c else ""))

    # mkpasswd (libxcrypt underneath; salt handling by mkpasswd)
    for pw, c in [(b"password", None), (EMOJI, "UTF-8"), (long_pw(72), "72 bytes")]:
        h = mkpasswd("bcrypt", pw, salt=bcrypt_salt(), rounds=5)
        pair(out, SRC["mk-bcrypt"], "bcrypt", pw, h, c)
    h = mkpasswd("bcrypt-a", b"hunter2", salt=bcrypt_salt(), rounds=4)
    pair(out, SRC["mk-bcrypt-a"], "bcrypt", b"hunter2", h, "$2a$ via mkpasswd -m bcrypt-a")

    # python bcrypt (pyca, Rust core; refuses passwords > 72 bytes)
    for ident, pw, c in [("2b", b"secret", None), ("2b", PUNCT2, "punctuation"),
                         ("2a", long_pw(72, PRINT_AND_8BIT), "$2a$, 72 bytes"),
                         ("2y", b"\xd1\x91\xe2\x82\xac", "$2y$, UTF-8")]:
        h = pybcrypt.hashpw(pw, ("$%s$04$%s" % (ident, bcrypt_salt())).encode())
        pair(out, SRC["pybcrypt"], "bcrypt", pw, h, c)

    h = pybcrypt.hashpw(b"\xff\xff\xa3", ("$2a$05$%s" % bcrypt_salt()).encode())
    pair(out, SRC["pybcrypt"], "bcrypt", b"\xff\xff\xa3", h,
         COUNTERMEASURE + ": OpenBSD's (and Go's) reading")

    # passlib pure-Python bcrypt: the only tool here that takes > 511 bytes
    for ident, cost, pw, c in [("2b", 4, L1000, "1000 bytes"), ("2b", 4, L1024, "1024 bytes (maximum)"),
                               ("2y", 4, b"0", "$2y$, 1 byte")]:
        h = passlib_bcrypt.using(ident=ident, rounds=cost, salt=bcrypt_salt()).hash(pw).encode()
        pair(out, SRC["pl-bcrypt"], "bcrypt", pw, h, c)
        if pw == L1024:
            other = L1024[:72] + long_pw(1024 - 72)
            out.append(rec(SRC["pl-bcrypt"], "bcrypt", other, h, verify="OK",
                           comment="1024-byte password sharing only the first 72 bytes with "
                                   "the hashed one: verifies (bcrypt truncation)"))

    # SFTPGo's documented example (cost 14: slow-ish, only this one)
    sftp = b"$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK"
    assert pybcrypt.checkpw(b"secret", sftp)
    pair(out, SRC["sftpgo"], "bcrypt", b"secret", sftp,
         "documented example (docs/account.md), cost 14", wrong=b"Secret")

    write_file("bcrypt.txt", header("bcrypt", [
        "",
        "$2a$ has two readings: libxcrypt (crypt_blowfish) applies a countermeasure for",
        "the old sign-extension bug, so for a few 8-bit passwords its $2a$ output",
        "differs from OpenBSD/Go/pyca/passlib $2a$, e.g. for \"\\xff\\xff\\xa3\" with salt",
        "/OK.fbVrR/bpIqNJ5ianF. at cost 5:",
        "  libxcrypt $2a$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85.",
        "  pyca     $2a$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e",
        "($2b$/$2y$ give CE5elH... everywhere.) passgate verifies $2a$ under both",
        "readings; the records whose Comment holds \"" + COUNTERMEASURE + "\" are",
        "checked only by their own family (check.py).",
    ]), out)
    return out


# --------------------------------------------------------------------------
# md5crypt / apr1
# --------------------------------------------------------------------------

def gen_md5crypt():
    out = []
    S = SRC["xcrypt"]
    pws = [b"x", b"password", SPACES, PUNCT, BIT8, E_ACUTE, CJK, EMOJI, LEADTRAIL]
    for n in range(0, 9):
        salt = h64(n)
        h = xcrypt(pws[n], b"$1$" + salt.encode() + b"$")
        pair(out, S, "md5crypt", pws[n], h, "salt length %d" % n)
    for salt, pw, c in [(UNUSUAL_SALT, PUNCT2, "salt with unusual allowed chars"),
                        ("a/b.c/d", CONTROL, "salt with / and ., control bytes in password"),
                        ("abcdefghijk", b"secret", "11-char salt given to libxcrypt; output keeps 8"),
                        (h64(8), NEWLINE, "password containing newline / CR"),
                        (h64(8), long_pw(500, PRINT_AND_8BIT), "500 bytes")]:
        h = xcrypt(pw, b"$1$" + salt.encode() + b"$")
        pair(out, S, "md5crypt", pw, h, c)
    # openssl passwd -1 (OpenSSL's own md5crypt code)
    for salt, pw, c in [("", b"password", "empty salt (-salt '')"),
                        ("abc", LATIN1, "salt length 3, latin-1"),
                        (h64(8), UMLAUT, "salt length 8, UTF-8"),
                        ("abcdefghijklmn", b"secret", "14-char salt given to openssl; output keeps 8"),
                        ("%&@~#-_.", b"\xff", "unusual salt chars"),
                        (h64(8), L256, "256 bytes")]:
        h = openssl_passwd("-1", salt, pw)
        pair(out, SRC["ossl-1"], "md5crypt", pw, h, c)
    # mkpasswd insists on exactly 8 salt chars for md5crypt
    for pw, c in [(b"password", None), (EMOJI, "UTF-8"), (L255, "255 bytes")]:
        h = mkpasswd("md5crypt", pw, salt=h64(8))
        pair(out, SRC["mk-md5crypt"], "md5crypt", pw, h, c)
    for salt, pw, c in [(h64(8), L1000, "1000 bytes"), (h64(4), L1024, "1024 bytes (maximum)"),
                        (h64(8), b"0", None)]:
        h = md5_crypt.using(salt=salt).hash(pw).encode()
        pair(out, SRC["pl-md5"], "md5crypt", pw, h, c)
    write_file("md5crypt.txt", header("md5crypt ($1$)"), out)
    return out


def gen_apr1():
    out = []
    pws = [b"x", b"password", SPACES, PUNCT, BIT8, E_ACUTE, CJK, EMOJI, LEADTRAIL]
    for n in range(0, 9):
        h = openssl_passwd("-apr1", h64(n), pws[n])
        pair(out, SRC["ossl-apr1"], "apr1", pws[n], h, "salt length %d" % n)
    for salt, pw, c in [("abcdefghijkl", b"secret", "12-char salt given to openssl; output keeps 8"),
                        (UNUSUAL_SALT, PUNCT2, "unusual salt chars"),
                        (h64(8), L256, "256 bytes")]:
        h = openssl_passwd("-apr1", salt, pw)
        pair(out, SRC["ossl-apr1"], "apr1", pw, h, c)
    for pw, c in [(b"password", None), (BIT8 + LATIN1, "8-bit bytes"), (UMLAUT + b" " + EMOJI, "UTF-8"),
                  (L255, "255 bytes (htpasswd maximum)")]:
        h = htpasswd(["-m"], pw)
        pair(out, SRC["ht-m"], "apr1", pw, h, c)
    for salt, pw, c in [(h64(8), L1000, "1000 bytes"), (h64(8), L1024, "1024 bytes (maximum)"),
                        (h64(5), CJK, "UTF-8")]:
        h = apr_md5_crypt.using(salt=salt).hash(pw).encode()
        pair(out, SRC["pl-apr1"], "apr1", pw, h, c)
    write_file("apr1.txt", header("apr1 ($apr1$, Apache MD5)"), out)
    return out


# --------------------------------------------------------------------------
# sha256crypt / sha512crypt
# --------------------------------------------------------------------------

def gen_shacrypt(bits):
    out = []
    ident = "$5$" if bits == 256 else "$6$"
    scheme = "sha%dcrypt" % bits
    S = SRC["xcrypt"]
    ossl = SRC["ossl-5" if bits == 256 else "ossl-6"]
    mk = SRC["mk-sha-256" if bits == 256 else "mk-sha-512"]
    mkm = "sha-256" if bits == 256 else "sha-512"
    pl = sha256_crypt if bits == 256 else sha512_crypt
    pls = SRC["pl-sha256" if bits == 256 else "pl-sha512"]

    def xc(setting, pw, c):
        h = xcrypt(pw, setting.encode())
        pair(out, S, scheme, pw, h, c)

    # salt lengths 0..16 spread over libxcrypt / openssl / mkpasswd
    pws = [b"x", b"password", SPACES, PUNCT, BIT8, E_ACUTE, CJK, EMOJI, LEADTRAIL,
           CONTROL, UMLAUT, LATIN1, PUNCT2, b"\xff", b"secret", b"0", NEWLINE]
    for n in [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 16]:
        xc(ident + h64(n) + "$", pws[n], "salt length %d, implicit rounds" % n)
    xc(ident + "abcdefghijklmnopqrst$", b"secret", "20-char salt given to libxcrypt; output keeps 16")
    xc(ident + "rounds=1000$" + h64(16) + "$", b"password", "rounds=1000 (minimum)")
    xc(ident + "rounds=1234$" + h64(8) + "$", EMOJI, "rounds=1234")
    xc(ident + "rounds=2000$" + h64(12) + "$", BIT8, "rounds=2000")
    xc(ident + "rounds=5000$" + h64(16) + "$", b"password",
       "explicit rounds=5000 (the default, but written out: must stay in the string)")
    xc(ident + "rounds=6000$" + h64(4) + "$", CJK, "rounds=6000")
    xc(ident + "rounds=1000$$", b"secret", "explicit rounds with empty salt")
    xc(ident + UNUSUAL_SALT + "/$", PUNCT2, "salt with unusual allowed chars")
    xc(ident + "rounds=1500$" + UNUSUAL_SALT + "$", b"x", "rounds=1500, unusual salt chars")
    xc(ident + "rounds=1000$" + h64(16) + "$", long_pw(500, PRINT_AND_8BIT), "500 bytes, rounds=1000")

    for salt, pw, c in [(h64(12), b"password", "salt length 12"),
                        (h64(13), LATIN1, "salt length 13, latin-1"),
                        (h64(14), UMLAUT, "salt length 14, UTF-8"),
                        ("ABCDEFGHIJKLMNOPQRST", b"secret", "20-char salt given to openssl; output keeps 16"),
                        ("rounds=5000$" + h64(8), EMOJI, "explicit rounds=5000 via -salt 'rounds=5000$...'"),
                        ("rounds=1000$" + h64(16), BIT8, "rounds=1000 via -salt 'rounds=1000$...'"),
                        ("rounds=1000$" + h64(16), L256, "256 bytes, rounds=1000")]:
        h = openssl_passwd("-5" if bits == 256 else "-6", salt, pw)
        pair(out, ossl, scheme, pw, h, c)

    for salt, rounds, pw, c in [(h64(8), None, b"password", "salt length 8"),
                                (h64(15), None, SPACES, "salt length 15"),
                                (h64(16), 5000, CJK, "-R 5000: explicit rounds=5000"),
                                (h64(10), 1000, L255, "-R 1000, 255 bytes")]:
        h = mkpasswd(mkm, pw, salt=salt, rounds=rounds)
        pair(out, mk, scheme, pw, h, c)

    for salt, rounds, pw, c in [(h64(16), 1000, L1000, "1000 bytes, rounds=1000"),
                                (h64(16), 1000, L1024, "1024 bytes (maximum), rounds=1000"),
                                (h64(8), 3000, b"x", "rounds=3000")]:
        p = pl.using(salt=salt, rounds=rounds) if rounds else pl.using(salt=salt)
        h = p.hash(pw).encode()
        pair(out, pls, scheme, pw, h, c)

    write_file(scheme + ".txt", header("%s (%s)" % (scheme, ident)), out)
    return out


# --------------------------------------------------------------------------
# pbkdf2 (SFTPGo formats)
# --------------------------------------------------------------------------

HLEN = {"sha1": 20, "sha256": 32, "sha512": 64}
SALT_CHARS = bytes(c for c in range(0x21, 0x7F) if c != 0x24)   # printable, no '$'


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def pbkdf2_stored(h, salt: str, it: int, dk: bytes) -> bytes:
    return ("$pbkdf2-%s$%d$%s$%s" % (h, it, salt, b64(dk))).encode()


def pbkdf2_salt(n):
    return rand_bytes(n, SALT_CHARS).decode()


SFTPGO_LOOKALIKES = {}


def gen_pbkdf2(h):
    out = []
    scheme = "pbkdf2-" + h
    hl = HLEN[h]
    cases = [  # (iterations, salt, password, dklen, comment)
        (1, pbkdf2_salt(8), b"x", hl, "1 iteration"),
        (2, pbkdf2_salt(1), b"password", hl, "salt length 1"),
        (10, pbkdf2_salt(12), PUNCT, hl, None),
        (100, "abc def", SPACES, hl, "salt containing a space"),
        (1000, pbkdf2_salt(16), BIT8, hl, "salt length 16"),
        (1000, '"quoted\\salt:;*!"', E_ACUTE, hl, 'salt with " and \\ and :;*!'),
        (1234, pbkdf2_salt(20), CJK, hl, None),
        (4096, pbkdf2_salt(32), EMOJI, hl, "salt length 32"),
        (5000, pbkdf2_salt(64), LEADTRAIL, hl, "salt length 64"),
        (1000, "saltSALTsaltSALT", L1000, hl, "1000-byte password (HMAC key longer than block)"),
        (500, pbkdf2_salt(8), L1024, hl, "1024 bytes (maximum)"),
        (1000, pbkdf2_salt(10), CONTROL + NEWLINE, hl, "control bytes, newline"),
        (1000, pbkdf2_salt(12), b"password", 16, "dklen 16 (minimum)"),
        (1000, pbkdf2_salt(12), LATIN1, 24, "dklen 24"),
        (1000, pbkdf2_salt(12), UMLAUT, 48, "dklen 48"),
        (100, pbkdf2_salt(12), b"secret", 100, "dklen 100"),
        (100, pbkdf2_salt(12), PUNCT2, 256, "dklen 256 (maximum)"),
    ]
    if h == "sha1":
        cases.append((1000, pbkdf2_salt(12), b"\xff", 21, "dklen 21: one more than SHA-1 output (2 blocks)"))
    for it, salt, pw, dklen, c in cases:
        dk = hashlib.pbkdf2_hmac(h, pw, salt.encode(), it, dklen)
        cc = "%d iterations, dklen %d" % (it, dklen) + ("; " + c if c else "")
        pair(out, SRC["hashlib"], scheme, pw, pbkdf2_stored(h, salt, it, dk), cc)
    for it, salt, pw, dklen, c in [(1000, pbkdf2_salt(12), b"password", hl, None),
                                   (2000, pbkdf2_salt(16), BIT8 + CJK, hl, "8-bit + UTF-8"),
                                   (1, pbkdf2_salt(4), b"0", 32, "1 iteration, dklen 32")]:
        dk = openssl_kdf(h, pw, salt.encode(), it, dklen)
        cc = "%d iterations, dklen %d" % (it, dklen) + ("; " + c if c else "")
        pair(out, SRC["ossl-kdf"], scheme, pw, pbkdf2_stored(h, salt, it, dk), cc)
    if h == "sha256":
        doc = b"$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo="
        dk = hashlib.pbkdf2_hmac("sha256", b"password", b"E86a9YMX3zC7", 150000, 32)
        assert pbkdf2_stored("sha256", "E86a9YMX3zC7", 150000, dk) == doc
        pair(out, SRC["sftpgo"], scheme, b"password", doc,
             "documented example (docs/account.md), 150000 iterations; recomputed with hashlib",
             wrong=b"Password")
    if h in ("sha256", "sha512"):
        out += SFTPGO_LOOKALIKES.get(h, [])
    write_file(scheme + ".txt", header("%s ($pbkdf2-%s$ITER$SALT$B64DIGEST, SFTPGo)" % (scheme, h), [
        "SALT is used as raw bytes; DIGEST is padded standard base64 of",
        "PBKDF2-HMAC-%s(password, salt, ITER, dkLen)." % h.upper()]), out)
    return out


def b64salt_stored(it: int, salt: bytes, dk: bytes) -> bytes:
    return ("$pbkdf2-b64salt-sha256$%d$%s$%s" % (it, b64(salt), b64(dk))).encode()


def gen_b64salt():
    out = []
    scheme = "pbkdf2-b64salt-sha256"
    cases = [  # (iterations, salt bytes, password, dklen, comment)
        (2048, RNG.randbytes(64), b"password", 256, "389-DS style: 64-byte salt, 2048 iterations, 256-byte digest"),
        (1000, RNG.randbytes(16), b"x", 32, "16-byte salt, 32-byte digest"),
        (1, RNG.randbytes(16), PUNCT, 32, "16-byte salt, 1 iteration"),
        (4096, RNG.randbytes(16), BIT8, 32, "16-byte salt"),
        (5000, RNG.randbytes(16), EMOJI, 32, "16-byte salt"),
        (1000, RNG.randbytes(16), L1024, 32, "16-byte salt, 1024-byte password"),
        (100, RNG.randbytes(1), b"secret", 32, "1-byte salt (base64 with ==)"),
        (100, RNG.randbytes(2), SPACES, 16, "2-byte salt (base64 with =), 16-byte digest (==)"),
        (100, RNG.randbytes(3), CJK, 48, "3-byte salt (no padding), 48-byte digest (no padding)"),
        (1000, bytes(8), LATIN1, 32, "salt of 8 zero bytes"),
        (1000, b"\xff" * 12, LEADTRAIL, 33, "salt of 0xff bytes, 33-byte digest"),
        (2000, RNG.randbytes(32), L500, 100, "32-byte salt, 100-byte digest, 500-byte password"),
    ]
    for it, salt, pw, dklen, c in cases:
        dk = hashlib.pbkdf2_hmac("sha256", pw, salt, it, dklen)
        cc = "%d iterations, %d-byte salt, dklen %d; %s" % (it, len(salt), dklen, c)
        pair(out, SRC["hashlib"], scheme, pw, b64salt_stored(it, salt, dk), cc)
    for it, salt, pw, dklen, c in [(2048, RNG.randbytes(64), b"password", 256, "389-DS style"),
                                   (1000, RNG.randbytes(16), E_ACUTE, 32, "16-byte salt")]:
        dk = openssl_kdf("sha256", pw, salt, it, dklen)
        cc = "%d iterations, %d-byte salt, dklen %d; %s" % (it, len(salt), dklen, c)
        pair(out, SRC["ossl-kdf"], scheme, pw, b64salt_stored(it, salt, dk), cc)
    write_file(scheme + ".txt", header(scheme + " ($pbkdf2-b64salt-sha256$ITER$B64SALT$B64DIGEST)", [
        "B64SALT is padded standard base64 of the raw salt bytes; DIGEST as for pbkdf2-sha256."]), out)
    return out


# --------------------------------------------------------------------------
# unsalted digests: SFTPGo {MD5} {SHA256} {SHA512} (lower-case hex), htpasswd {SHA}
# --------------------------------------------------------------------------

DIGEST_PREFIX = {"md5": "{MD5}", "sha256": "{SHA256}", "sha512": "{SHA512}"}
DIGEST_PWS = SHORT + [CONTROL + NEWLINE, L255, L1000, L1024]


def openssl_dgst(h: str, pw: bytes) -> bytes:
    out = run(["openssl", "dgst", "-" + h, "-binary"], pw)
    assert len(out) == hashlib.new(h).digest_size
    return out


def gen_sftpgo_digest(h):
    out = []
    scheme = "sftpgo-" + h
    for pw in DIGEST_PWS:
        stored = (DIGEST_PREFIX[h] + hashlib.new(h, pw).hexdigest()).encode()
        pair(out, SRC["hl-hex"] % h, scheme, pw, stored)
    for pw in [b"password", BIT8 + CJK, LEADTRAIL, L500]:
        stored = (DIGEST_PREFIX[h] + openssl_dgst(h, pw).hex()).encode()
        pair(out, SRC["ossl-dgst"] % h, scheme, pw, stored, "digest from the openssl CLI")
    write_file(scheme + ".txt", header("%s (%sHEX, SFTPGo)" % (scheme, DIGEST_PREFIX[h]), [
        "HEX is the lower-case hex of the unsalted %s of the password." % h.upper(),
        "Legacy: always needs a rehash."]), out)
    return out


def gen_htpasswd_sha1():
    out = []
    scheme = "htpasswd-sha1"
    for pw in [b"password", b"x", SPACES, LEADTRAIL, PUNCT, PUNCT2, BIT8, E_ACUTE, CJK, EMOJI, L255]:
        pair(out, SRC["ht-s"], scheme, pw, htpasswd(["-s"], pw), "htpasswd picks no salt: SHA-1 is unsalted")
    for pw in [b"0", LATIN1, UMLAUT, b"secret", CONTROL + NEWLINE, L1000, L1024]:
        stored = ("{SHA}" + base64.b64encode(hashlib.sha1(pw).digest()).decode()).encode()
        pair(out, SRC["hl-b64"], scheme, pw, stored)
    write_file(scheme + ".txt", header("htpasswd-sha1 ({SHA}B64, Apache htpasswd -s)", [
        "B64 is padded standard base64 of the unsalted SHA-1 of the password (28 chars).",
        "Legacy: always needs a rehash."]), out)
    return out


def malformed_passlib(bad, PW):
    """Malformed records for passlib's pbkdf2 forms (bases are hashes of "password")."""
    RNG.seed(0x2A2A1)   # independent of how much the records before drew (htpasswd-dependent)
    base = {h: passlib_pbkdf2(h, PW, 1000, RNG.randbytes(16)).decode() for h in ("sha1", "sha256", "sha512")}
    for h, st in base.items():
        scheme = "passlib-pbkdf2-" + h
        src = SRC["pl-pbkdf2"] % h
        f = st.split("$")          # ['', id, rounds, salt, checksum]

        def edit(i, v):
            g = list(f)
            g[i] = v
            return "$".join(g)
        bad(src, scheme, st, "EmptyPassword", "good hash of \"password\", empty password", pw=b"", mutated=False)
        bad(src, scheme, edit(2, "01000"), "NonCanonicalNumber", "rounds with a leading zero (passlib refuses it too)")
        bad(src, scheme, edit(2, "0"), "IterationsOutOfRange", "rounds 0")
        bad(src, scheme, edit(3, f[3] + "$x"), "TrailingData", "an extra field")
        bad(src, scheme, edit(4, f[4][:-1]), "InvalidLength",
            "checksum one char short (%d)" % (len(f[4]) - 1))
        bad(src, scheme, edit(4, f[4][:5] + "-" + f[4][6:]), "InvalidCharacter", "url-safe '-' in the checksum")
        last = STD64.index(f[4][-1].replace(".", "+"))
        unused = {20: 2, 32: 2, 64: 4}[HLEN[h]]   # unused low bits of the last character
        assert last % (1 << unused) == 0
        nc = STD64[last + 1].replace("+", ".")
        bad(src, scheme, edit(4, f[4][:-1] + nc), "NonCanonical",
            "non-zero unused bits in the checksum's last char (passlib would decode it leniently)")
        bad(src, scheme, edit(3, f[3][:-1] + STD64[STD64.index(f[3][-1].replace(".", "+")) + 1].replace("+", ".")),
            "NonCanonical", "non-zero unused bits in the salt's last char")
        bad(src, scheme, edit(3, f[3][:1]), "InvalidBase64", "1-char salt (no whole byte)")
        bad(src, scheme, edit(3, f[3] + "=="), "InvalidCharacter", "salt with '=' padding")
        bad(src, scheme, edit(2, "10000001"), "WorkTooHigh", "10000001 rounds edited in")
    s1, s256, s512 = base["sha1"], base["sha256"], base["sha512"]
    S1, S256 = SRC["pl-pbkdf2"] % "sha1", SRC["pl-pbkdf2"] % "sha256"
    bad(S256, "passlib-pbkdf2-sha256", "$".join(s256.split("$")[:3] + ["a+b" + s256.split("$")[3][3:]] + s256.split("$")[4:]),
        "InvalidCharacter", "'+' in the salt: passlib's salt is ab64 ('.' for '+')")
    bad(S256, "passlib-pbkdf2-sha256", "$".join(s256.split("$")[:3] + [ab64(b"x" * 1025)] + s256.split("$")[4:]),
        "InvalidLength", "1025-byte salt (passlib's maximum is 1024)")
    bad(S256, "passlib-pbkdf2-sha1", "$pbkdf2$" + s256.split("$", 2)[2], "InvalidLength",
        "a sha256 checksum (43 chars) under $pbkdf2$ (27)")
    bad(S1, "passlib-pbkdf2-sha256", "$pbkdf2-sha256$" + s1.split("$", 2)[2], "InvalidLength",
        "a sha1 checksum (27 chars) under $pbkdf2-sha256$ (43)")
    bad(S256, "passlib-pbkdf2-sha512", "$pbkdf2-sha512$" + s256.split("$", 2)[2], "InvalidLength",
        "a sha256 checksum (43 chars) under $pbkdf2-sha512$ (86)")
    bad(S1, "passlib-pbkdf2-sha1", s1.rsplit("$", 1)[0], "MissingField", "no checksum field")
    bad(S1, "unknown", s1.replace("$pbkdf2$", "$PBKDF2$"), "UnknownScheme", "upper-case id")
    ck = s1.rsplit("$", 1)[1]
    bad(S1, "pbkdf2-sha1", s1.replace("$pbkdf2$", "$pbkdf2-sha1$"),
        "InvalidCharacter" if "." in ck else "InvalidBase64",
        "passlib's sha1 hash under SFTPGo's $pbkdf2-sha1$ id (27-char unpadded digest)")
    bad(S256, "passlib-pbkdf2-sha256", s256[:25] + "\u00e9" + s256[26:], "NonAscii", "U+00E9 in the salt")


def ab64(b: bytes) -> str:
    return base64.b64encode(b).decode().rstrip("=").replace("+", ".")


def malformed_digests(bad, PW):
    """Malformed records for the {NAME} digests (bases are hashes of "password")."""
    HH = SRC["hl-hex"]
    md5h = "{MD5}" + hashlib.md5(PW).hexdigest()
    s256 = "{SHA256}" + hashlib.sha256(PW).hexdigest()
    s512 = "{SHA512}" + hashlib.sha512(PW).hexdigest()
    sha = htpasswd(["-s"], PW).decode()
    HS = SRC["ht-s"]
    bad(HH % "md5", "sftpgo-md5", md5h.upper(), "InvalidCharacter",
        "upper-case hex: SFTPGo compares with Go's lower-case %x, so it never verifies there")
    bad(HH % "md5", "sftpgo-md5", md5h[:-1], "InvalidLength", "31 hex digits")
    bad(HH % "md5", "sftpgo-md5", md5h + "0", "InvalidLength", "33 hex digits")
    bad(HH % "md5", "sftpgo-md5", md5h + " ", "InvalidLength", "trailing space")
    bad(HH % "md5", "sftpgo-md5", "{MD5}", "InvalidLength", "empty digest")
    bad(HH % "md5", "sftpgo-md5", md5h[:10] + "g" + md5h[11:], "InvalidCharacter", "'g' in the hex")
    bad(HH % "md5", "sftpgo-md5", "{MD5}" + base64.b64encode(hashlib.md5(PW).digest()).decode(),
        "InvalidLength", "LDAP-style base64 MD5 under SFTPGo's hex prefix")
    bad(HH % "md5", "unknown", "{md5}" + md5h[5:], "UnknownScheme", "lower-case prefix")
    bad(HH % "md5", "unknown", "{MD5" + md5h[5:], "UnknownScheme", "no closing brace")
    bad(HH % "md5", "unknown", md5h[5:], "UnknownScheme", "bare hex without prefix")
    bad(HH % "sha256", "sftpgo-sha256", s256[:8] + s256[8:].upper(), "InvalidCharacter", "upper-case hex")
    bad(HH % "sha256", "sftpgo-sha256", s256[:20] + "E" + s256[21:], "InvalidCharacter",
        "one upper-case hex digit")
    bad(HH % "sha256", "sftpgo-sha256", "{SHA256}0x" + s256[8:-2], "InvalidCharacter", "0x prefix")
    bad(HH % "sha512", "sftpgo-sha256", "{SHA256}" + s512[8:], "InvalidLength",
        "a SHA-512 hex digest under {SHA256}")
    bad(HH % "sha256", "unknown", "{SHA-256}" + s256[8:], "UnknownScheme", "{SHA-256} is not a prefix")
    bad(HH % "sha256", "unknown", "{sha256}" + s256[8:], "UnknownScheme", "lower-case prefix")
    bad(HH % "sha512", "sftpgo-sha512", s512[:-1], "InvalidLength", "127 hex digits")
    bad(HH % "sha512", "sftpgo-sha512", s512 + "$", "InvalidLength", "trailing $")
    bad(HH % "sha512", "sftpgo-sha512", s512[:40] + "A" + s512[41:], "InvalidCharacter",
        "one upper-case hex digit")
    bad(HH % "sha256", "sftpgo-sha512", "{SHA512}" + s256[8:], "InvalidLength",
        "a SHA-256 hex digest under {SHA512}")
    # {SHA}: 27 base64 characters + '='; the last data character carries 2 unused bits
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".index(sha[-2])
    assert last % 4 == 0
    nc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[last + 1]
    bad(HS, "htpasswd-sha1", sha[:-2] + nc + "=", "NonCanonical",
        "non-zero unused bits in the last base64 character (Apache compares re-encoded strings)")
    bad(HS, "htpasswd-sha1", sha[:-1], "InvalidLength", "padding removed (27 chars)")
    bad(HS, "htpasswd-sha1", sha + "=", "InvalidLength", "extra '=' (29 chars)")
    bad(HS, "htpasswd-sha1", sha[:-1] + "A", "InvalidBase64", "28 chars, no padding: 21 bytes would decode")
    bad(HS, "htpasswd-sha1", sha[:10] + "=" + sha[11:], "InvalidBase64", "'=' inside the base64")
    i = next(j for j in range(5, len(sha)) if sha[j] in "+/")  if any(c in "+/" for c in sha[5:]) else 8
    bad(HS, "htpasswd-sha1", sha[:i] + "-" + sha[i + 1:], "InvalidCharacter", "url-safe '-' in the base64")
    bad(HS, "htpasswd-sha1", "{SHA}" + hashlib.sha1(PW).hexdigest(), "InvalidLength",
        "hex SHA-1 under {SHA}")
    bad(HS, "htpasswd-sha1", "{SHA}", "InvalidLength", "empty digest")
    bad(HS, "unknown", "{SSHA}" + sha[5:], "UnknownScheme", "{SSHA} (salted, LDAP) is not verified")
    bad(HS, "unknown", "{SHA1}" + sha[5:], "UnknownScheme", "{SHA1} is not a prefix")
    bad(HS, "unknown", "{sha}" + sha[5:], "UnknownScheme", "lower-case prefix")
    bad(HS, "unknown", " " + sha, "UnknownScheme", "leading space")
    bad(HS, "htpasswd-sha1", sha[:12] + "\u00e9" + sha[13:], "NonAscii",
        "U+00E9 in the base64")
    for scheme, h in [("sftpgo-md5", md5h), ("sftpgo-sha256", s256), ("sftpgo-sha512", s512),
                      ("htpasswd-sha1", sha)]:
        src = HS if scheme == "htpasswd-sha1" else HH % scheme[7:]
        bad(src, scheme, h, "EmptyPassword", "good hash of \"password\", empty password", pw=b"",
            mutated=False)
    for scheme, h in [("sftpgo-md5", md5h), ("htpasswd-sha1", sha)]:
        src = HS if scheme == "htpasswd-sha1" else HH % scheme[7:]
        bad(src, scheme, h, "NulInPassword", "good hash of \"password\", NUL inside the password",
            pw=b"pass\x00word", mutated=False)
        bad(src, scheme, h, "PasswordTooLong", "good hash of \"password\", 1025-byte password",
            pw=b"password" + long_pw(1017), mutated=False)


# --------------------------------------------------------------------------
# passlib pbkdf2: $pbkdf2$ / $pbkdf2-sha256$ / $pbkdf2-sha512$ ROUNDS$AB64SALT$AB64CHECKSUM
# --------------------------------------------------------------------------

PASSLIB_PBKDF2 = {"sha1": pbkdf2_sha1, "sha256": pbkdf2_sha256, "sha512": pbkdf2_sha512}
PASSLIB_ID = {"sha1": "pbkdf2", "sha256": "pbkdf2-sha256", "sha512": "pbkdf2-sha512"}


def passlib_pbkdf2(h, pw, rounds=None, salt=None):
    kw = {}
    if rounds is not None:
        kw["rounds"] = rounds
    if salt is not None:
        kw["salt"] = salt
    handler = PASSLIB_PBKDF2[h].using(**kw) if kw else PASSLIB_PBKDF2[h]
    return handler.hash(pw).encode()


def ab64_salt():
    """22 characters that are both canonical ab64 of 16 random bytes (passlib's salt) and
    free of '+' and '.' (so also a plain SFTPGo raw salt)."""
    while True:
        t = base64.b64encode(RNG.randbytes(16)).decode().rstrip("=")
        if "+" not in t:
            return t


def last_field(stored: bytes) -> bytes:
    return stored.rsplit(b"$", 1)[1]


def gen_passlib_pbkdf2(h):
    out = []
    scheme = "passlib-pbkdf2-" + h
    src = SRC["pl-pbkdf2"] % h
    cases = [  # (rounds, salt bytes or None (passlib's own 16 random bytes), password, comment)
        (1, RNG.randbytes(16), b"x", "1 round"),
        (2, RNG.randbytes(1), b"password", "1-byte salt (2 ab64 chars)"),
        (10, RNG.randbytes(2), PUNCT, "2-byte salt (3 ab64 chars)"),
        (100, RNG.randbytes(3), SPACES, "3-byte salt (4 ab64 chars)"),
        (1000, b"", BIT8, "empty salt (passlib writes it when asked)"),
        (1000, b"\xfb\xef\xbe" * 4, E_ACUTE, "salt of 0xfb 0xef 0xbe: ab64 '.' characters"),
        (1234, RNG.randbytes(64), CJK, "64-byte salt"),
        (500, RNG.randbytes(1024), EMOJI, "1024-byte salt (passlib's maximum)"),
        (2000, RNG.randbytes(12), LEADTRAIL, None),
        (1000, RNG.randbytes(16), L1000, "1000-byte password"),
        (500, RNG.randbytes(16), L1024, "1024-byte password (maximum)"),
        (1000, RNG.randbytes(16), CONTROL + NEWLINE, "control bytes, newline"),
        (None, RNG.randbytes(16), b"password", "passlib's default rounds, 16-byte salt"),
    ]
    for rounds, salt, pw, c in cases:
        stored = passlib_pbkdf2(h, pw, rounds, salt)
        cc = ("%s rounds" % (rounds or "default")) + ("; " + c if c else "")
        pair(out, src, scheme, pw, stored, cc)
    # The passlib strings that look most like SFTPGo's: a checksum without '.', so it is plain
    # unpadded standard base64 (its length, 27/43/86, is never a multiple of 4).
    found = 0
    for i in range(1000):
        salt = RNG.randbytes(16)
        pw = b"look-alike %d" % i
        stored = passlib_pbkdf2(h, pw, 1000, salt)
        if b"." not in last_field(stored) and b"." not in stored.split(b"$")[3]:
            pair(out, src, scheme, pw, stored,
                 "closest to SFTPGo's form: no '.' in salt or checksum; %d-char checksum, not a multiple of 4"
                 % len(last_field(stored)))
            found += 1
            if found == 2:
                break
    assert found == 2
    if h in ("sha256", "sha512"):
        # SFTPGo's form with the digest's '=' padding stripped: the same bytes read as passlib's
        # form, where the salt field is ab64-decoded instead of used raw, so it is another hash
        # and the password does not verify.
        dl = HLEN[h]
        for i in range(1000):
            salt = ab64_salt()
            dk = hashlib.pbkdf2_hmac(h, b"password", salt.encode(), 1000, dl)
            d = b64(dk)
            if "+" not in d:
                break
        stripped = ("$pbkdf2-%s$1000$%s$%s" % (h, salt, d.rstrip("="))).encode()
        out.append(rec("mutation of " + SRC["hashlib"], scheme, b"password", stripped, verify="Err",
                       comment="SFTPGo's $pbkdf2-%s$ hash of \"password\" with the '=' padding stripped: "
                               "read as passlib's form (salt field ab64-decoded), another hash" % h))
    write_file(scheme + ".txt", header("%s ($%s$ROUNDS$AB64SALT$AB64CHECKSUM, passlib)" % (scheme, PASSLIB_ID[h]), [
        "AB64 is passlib's adapted base64: standard alphabet, '.' for '+', no padding.",
        "The checksum is one block of PBKDF2-HMAC-%s(password, salt, ROUNDS)." % h.upper(),
        "Told apart from SFTPGo's $pbkdf2-<hash>$ by the last field: SFTPGo's is padded",
        "(length a multiple of 4, may hold '+' and '='), passlib's never is."]), out)
    return out


def sftpgo_lookalikes(h):
    """SFTPGo hashes that look most like passlib's: salt in the ab64 alphabet (22 chars, like
    passlib's 16-byte salt) and a digest without '+'.  The padding alone tells them apart."""
    out = []
    for i in range(2000):
        salt = ab64_salt()
        pw = b"look-alike %d" % i
        dk = hashlib.pbkdf2_hmac(h, pw, salt.encode(), 1000, HLEN[h])
        if "+" not in b64(dk):
            pair(out, SRC["hashlib"], "pbkdf2-" + h, pw, pbkdf2_stored(h, salt, 1000, dk),
                 "closest to passlib's form: ab64-alphabet salt, no '+' in the digest; only the "
                 "'=' padding (length %d, a multiple of 4) marks it as SFTPGo's" % len(b64(dk)))
            if len(out) == 4:
                break
    # passlib's form with '=' padding added: read as SFTPGo's (salt used raw), another hash.
    while True:
        stored = passlib_pbkdf2(h, b"password", 1000, RNG.randbytes(16))
        ck = last_field(stored)
        if b"." not in ck:
            break
    if True:
        padded = stored + b"=" * (-len(ck) % 4)
        out.append(rec("mutation of " + SRC["pl-pbkdf2"] % h, "pbkdf2-" + h, b"password", padded, verify="Err",
                       comment="passlib's hash of \"password\" with '=' padding added: read as SFTPGo's "
                               "form (salt used raw), another hash"))
    return out


# --------------------------------------------------------------------------
# argon2id / argon2i PHC strings
# --------------------------------------------------------------------------

import argon2.low_level as a2ll  # noqa: E402


def argon2_cli(variant, pw: bytes, salt: bytes, t, m, p, length=32, version=None) -> bytes:
    # The CLI reads the password from stdin (raw bytes, < 128) and the salt from argv.
    assert 0 < len(pw) < 128 and b"\x00" not in salt and len(salt) >= 8
    args = ["argon2", salt, "-" + {"argon2id": "id", "argon2i": "i", "argon2d": "d"}[variant],
            "-t", str(t), "-k", str(m), "-p", str(p), "-l", str(length), "-e"]
    if version:
        args += ["-v", version]
    return run(args, pw).strip()


def argon2_cffi(variant, pw: bytes, salt: bytes, t, m, p, length=32) -> bytes:
    typ = {"argon2id": a2ll.Type.ID, "argon2i": a2ll.Type.I}[variant]
    return a2ll.hash_secret(pw, salt, time_cost=t, memory_cost=m, parallelism=p, hash_len=length, type=typ)


def salt_no_nul(n):
    return bytes(b or 1 for b in RNG.randbytes(n))


def gen_argon2(variant):
    out = []
    cli, cffi = SRC["a2-cli"], SRC["a2-cffi"]
    cases = [  # (t, m KiB, p, length, salt, password, comment)
        (1, 8, 1, 32, b"saltsalt", b"password", "m=8 (minimum for 1 lane), 8-byte salt"),
        (2, 64, 1, 32, rand_bytes(12, PRINTABLE[1:]), b"x", None),
        (3, 256, 2, 32, rand_bytes(16, PRINTABLE[1:]), SPACES, "2 lanes"),
        (1, 32, 4, 16, rand_bytes(16, PRINTABLE[1:]), PUNCT, "4 lanes, 16-byte hash (minimum)"),
        (2, 128, 1, 64, rand_bytes(16, PRINTABLE[1:]), CJK, "64-byte hash (maximum)"),
        (1, 16, 2, 24, salt_no_nul(64), BIT8, "64-byte binary salt (maximum)"),
        (2, 4096, 1, 32, b"somesalt", b"password", "the CLI's default memory (4 MiB)"),
        (1, 100, 1, 32, salt_no_nul(16), CONTROL + NEWLINE, "m=100 (not a power of 2)"),
        (4, 24, 3, 32, salt_no_nul(16), EMOJI, "3 lanes, m=24 (8 per lane)"),
    ]
    for t, m, p, length, salt, pw, c in cases:
        stored = argon2_cli(variant, pw, salt, t, m, p, length)
        cc = "m=%d,t=%d,p=%d, %d-byte salt, %d-byte hash" % (m, t, p, len(salt), length) + ("; " + c if c else "")
        pair(out, cli, variant, pw, stored, cc)
    cases = [
        (1, 8, 1, 32, salt_no_nul(16), b"password", "argon2-cffi's 16-byte salt"),
        (2, 512, 1, 32, salt_no_nul(16), E_ACUTE, None),
        (1, 64, 8, 32, salt_no_nul(16), UMLAUT, "8 lanes"),
        # The CLI, the second verifier, reads at most 127 bytes of password.
        (1, 32, 1, 32, salt_no_nul(16), long_pw(127, PRINT_AND_8BIT), "127-byte password (the CLI's longest)"),
        (1, 32, 1, 32, salt_no_nul(8), long_pw(100), "100-byte password, 8-byte salt"),
        (3, 65536, 4, 32, salt_no_nul(16), b"correct horse", "RFC 9106 second recommendation: 64 MiB, t=3, p=4"),
    ]
    for t, m, p, length, salt, pw, c in cases:
        stored = argon2_cffi(variant, pw, salt, t, m, p, length)
        cc = "m=%d,t=%d,p=%d, %d-byte salt, %d-byte hash" % (m, t, p, len(salt), length) + ("; " + c if c else "")
        pair(out, cffi, variant, pw, stored, cc)
    write_file(variant + ".txt", header("%s ($%s$v=19$m=M,t=T,p=P$B64SALT$B64HASH, PHC string)" % (variant, variant), [
        "B64 is unpadded standard base64. Both tools write v=19 (Argon2 1.3)."]), out)
    return out


def malformed_argon2(bad, PW):
    cli = SRC["a2-cli"]
    base = argon2_cli("argon2id", PW, b"saltsalt1234", 2, 64, 1).decode()
    bi = argon2_cli("argon2i", PW, b"saltsalt1234", 2, 64, 1).decode()
    bad(cli, "argon2id", base, "EmptyPassword", "good hash of \"password\", empty password", pw=b"", mutated=False)
    bad(cli, "argon2i", bi, "EmptyPassword", "good hash of \"password\", empty password", pw=b"", mutated=False)
    bad(cli, "argon2id", argon2_cli("argon2id", PW, b"saltsalt1234", 2, 64, 1, version="10"),
        "UnsupportedVariant", "genuine v=16 (argon2 -v 10): only v=19 is accepted", mutated=False)
    bad(cli, "unknown", argon2_cli("argon2d", PW, b"saltsalt1234", 2, 64, 1), "UnsupportedVariant",
        "genuine $argon2d$ (argon2 -d): not verified", mutated=False)
    bad(cli, "argon2id", argon2_cli("argon2id", PW, b"saltsalt1234", 2, 64, 1, length=4), "DigestTooShort",
        "genuine 4-byte hash (argon2 -l 4): libargon2's minimum, below our 16", mutated=False)
    bad(cli, "argon2id", argon2_cli("argon2id", PW, b"saltsalt1234", 2, 64, 1, length=65), "DigestTooLong",
        "genuine 65-byte hash (argon2 -l 65)", mutated=False)
    f = base.split("$")  # ['', 'argon2id', 'v=19', 'm=64,t=2,p=1', salt, hash]

    def ed(i, v):
        g = list(f)
        g[i] = v
        return "$".join(g)
    bad(cli, "argon2id", "$".join(f[:2] + f[3:]), "MissingField", "no v= field (the pre-1.3 form)")
    bad(cli, "argon2id", ed(2, "v=019"), "NonCanonicalNumber", "v=019")
    bad(cli, "argon2id", ed(3, "t=2,m=64,p=1"), "MissingField", "parameters out of order")
    bad(cli, "argon2id", ed(3, "m=64,t=2"), "MissingField", "no p")
    bad(cli, "argon2id", ed(3, "m=064,t=2,p=1"), "NonCanonicalNumber", "m with a leading zero")
    bad(cli, "argon2id", ed(3, "m=64,t=+2,p=1"), "NonCanonicalNumber", "t with a sign")
    bad(cli, "argon2id", ed(3, "m=64,t=0,p=1"), "CostOutOfRange", "t=0")
    bad(cli, "argon2id", ed(3, "m=64,t=2,p=0"), "CostOutOfRange", "p=0")
    bad(cli, "argon2id", ed(3, "m=64,t=2,p=9"), "CostOutOfRange", "m=64 below 8 KiB x 9 lanes")
    bad(cli, "argon2id", ed(3, "m=64,t=2,p=16777216"), "CostOutOfRange", "p=2^24")
    bad(cli, "argon2id", ed(3, "m=4294967296,t=2,p=1"), "CostOutOfRange", "m=2^32")
    bad(cli, "argon2id", ed(3, "m=64,t=2,p=1,keyid=AAAA"), "TrailingData", "PHC keyid= field")
    bad(cli, "argon2id", ed(3, "m=64,t=2,p=1,data=AAAA"), "TrailingData", "PHC data= field")
    bad(cli, "argon2id", ed(4, f[4] + "="), "InvalidCharacter", "salt with '=' padding")
    bad(cli, "argon2id", ed(5, f[5] + "="), "InvalidCharacter", "hash with '=' padding")
    bad(cli, "argon2id", ed(5, f[5][:4] + "-" + f[5][5:]), "InvalidCharacter", "url-safe '-' in the hash")
    bad(cli, "argon2id", ed(5, f[5][:4] + "." + f[5][5:]), "InvalidCharacter", "crypt '.' in the hash")
    bad(cli, "argon2id", ed(4, base64.b64encode(b"saltsal").decode().rstrip("=")), "InvalidLength", "7-byte salt (libargon2's minimum is 8)")
    bad(cli, "argon2id", ed(4, base64.b64encode(b"s" * 65).decode().rstrip("=")), "InvalidLength", "65-byte salt")
    bad(cli, "argon2id", ed(5, f[5][:-1]), "InvalidBase64" if len(f[5][:-1]) % 4 == 1 else "NonCanonical",
        "hash one char short")
    last = STD64.index(f[5][-1])
    assert last % 4 == 0           # 32 bytes in 43 chars: 2 unused bits
    bad(cli, "argon2id", ed(5, f[5][:-1] + STD64[last + 1]), "NonCanonical", "non-zero unused bits in the hash")
    bad(cli, "argon2id", ed(5, ""), "DigestTooShort", "empty hash")
    bad(cli, "argon2id", base + "$", "TrailingData", "trailing $")
    bad(cli, "unknown", base.replace("$argon2id$", "$Argon2id$"), "UnknownScheme", "capitalised id")
    bad(cli, "unknown", base.replace("$argon2id$", "$argon2$"), "UnknownScheme", "$argon2$")
    bad(cli, "argon2id", ed(3, "m=262145,t=2,p=1"), "Argon2CostTooHigh", "m=262145 KiB (limit 256 MiB)")
    bad(cli, "argon2id", ed(3, "m=64,t=11,p=1"), "Argon2CostTooHigh", "t=11 (limit 10)")
    bad(cli, "argon2id", ed(3, "m=256,t=2,p=17"), "Argon2CostTooHigh", "p=17 (limit 16)")
    bad(cli, "argon2id", ed(3, "m=4294967295,t=4294967295,p=1"), "Argon2CostTooHigh", "u32 maxima")


# --------------------------------------------------------------------------
# malformed.txt
# --------------------------------------------------------------------------

def gen_malformed():
    out = []
    PW = b"password"

    def bad(base_src, scheme, stored, kind, comment, pw=PW, mutated=True):
        if isinstance(stored, str):
            stored = stored.encode()
        src = ("mutation of " + base_src) if mutated else base_src
        out.append(rec(src, scheme, pw, stored, error=kind, comment=comment))

    X = SRC["xcrypt"]

    def xc_setting(prefix, count):
        return XC.gensalt(prefix, count, RNG.randbytes(16))

    # ---- good base hashes (all of the password "password")
    b2b = xcrypt(PW, xc_setting(b"$2b$", 4)).decode()
    b2y = htpasswd(["-B", "-C", "4"], PW).decode()
    b2a = pybcrypt.hashpw(PW, ("$2a$04$" + bcrypt_salt()).encode()).decode()
    m1 = xcrypt(PW, ("$1$%s$" % h64(8)).encode()).decode()
    m1o = openssl_passwd("-1", h64(8), PW).decode()
    ap = openssl_passwd("-apr1", h64(8), PW).decode()
    s5 = xcrypt(PW, ("$5$%s$" % h64(16)).encode()).decode()
    s5r = xcrypt(PW, ("$5$rounds=5000$%s$" % h64(16)).encode()).decode()
    s6 = xcrypt(PW, ("$6$%s$" % h64(16)).encode()).decode()
    s6r = openssl_passwd("-6", "rounds=1000$" + h64(16), PW).decode()
    s6m = mkpasswd("sha-512", PW, salt=h64(16)).decode()
    O1, OA, O6 = SRC["ossl-1"], SRC["ossl-apr1"], SRC["ossl-6"]
    HB, MK6, PB = SRC["ht-B"], SRC["mk-sha-512"], SRC["pybcrypt"]
    HL = SRC["hashlib"]

    def pb(h, it, salt, dklen=None, pw=PW):
        return pbkdf2_stored(h, salt, it, hashlib.pbkdf2_hmac(h, pw, salt.encode(), it, dklen or HLEN[h])).decode()

    p256 = pb("sha256", 1000, "abcdefghijkl")
    p1 = pb("sha1", 1000, "abcdefghijkl")
    p512 = pb("sha512", 1000, "abcdefghijkl")
    p512_256 = pb("sha512", 1000, "abcdefghijkl", 256)
    bsalt = RNG.randbytes(16)
    bs = b64salt_stored(1000, bsalt, hashlib.pbkdf2_hmac("sha256", PW, bsalt, 1000, 32)).decode()
    bsalt64 = RNG.randbytes(64)
    bs389 = b64salt_stored(2048, bsalt64, hashlib.pbkdf2_hmac("sha256", PW, bsalt64, 2048, 256)).decode()
    # a pbkdf2 digest that contains both '+' and '/' (for url-safe mutations)
    while True:
        salt = pbkdf2_salt(12)
        purl = pb("sha256", 1000, salt)
        d = purl.rsplit("$", 1)[1]
        if "+" in d[:-2] and "/" in d[:-2]:
            break

    def f(s):          # split a $-hash into fields
        return s.split("$")

    def repl_at(s, i, ch):
        return s[:i] + ch + s[i + 1:]

    def bc_parts(s):   # "$2b$04$" , salt22, digest31
        return s[:7], s[7:29], s[29:]

    # ---------------- NonAscii ----------------
    fs = f(s6)
    bad(X, "sha512crypt", "$6$%s\u00e9%s$%s" % (fs[2][:5], fs[2][6:], fs[3]), "NonAscii", "U+00E9 (e-acute) replacing a salt char")
    pre, sl, dg = bc_parts(b2b)
    bad(X, "bcrypt", pre + sl + dg[:10] + "\u00fc" + dg[11:], "NonAscii", "U+00FC (u-umlaut) replacing a digest char")
    bad(X, "unknown", "$\u00e91$" + m1[3:], "NonAscii", "U+00E9 (e-acute) inside the scheme id")
    bad(O1, "md5crypt", m1o[:-5] + "\u5bc6" + m1o[-4:], "NonAscii", "U+5BC6 (CJK) replacing a digest char")
    bad(X, "sha256crypt", s5[:8] + "\x01" + s5[9:], "NonAscii", "control byte 0x01 in the salt")
    bad(X, "bcrypt", b2b[:40] + "\x7f" + b2b[41:], "NonAscii", "DEL (0x7f) in the digest")
    bad(HL, "pbkdf2-sha256", p256.replace("abcdefghijkl", "abcdef\tghijk"), "NonAscii", "tab in the pbkdf2 salt")
    bad(X, "sha512crypt", s6 + "\n", "NonAscii", "trailing newline (as read from a file)")
    bad(X, "sha512crypt", s6 + "\r", "NonAscii", "trailing CR")
    bad(X, "sha256crypt", s5 + "\x00", "NonAscii", "trailing NUL")
    bad(OA, "apr1", ap[:8] + "\u00e4" + ap[9:], "NonAscii", "U+00E4 (a-umlaut) in the apr1 salt")
    bad(HL, "pbkdf2-sha1", p1.replace("abcdefghijkl", "abcdef\u00a0ghijk"), "NonAscii", "no-break space in the pbkdf2 salt")
    bad(HL, "pbkdf2-sha512", p512[:-6] + "\u5bc6" + p512[-5:], "NonAscii", "U+5BC6 (CJK) in the pbkdf2 digest")
    bad(HL, "pbkdf2-b64salt-sha256", bs[:-10] + "\x1b" + bs[-9:], "NonAscii", "ESC in the digest")
    bad(X, "bcrypt", "\u200b" + b2b, "NonAscii", "leading zero-width space")

    # ---------------- UnknownScheme ----------------
    bad(X, "unknown", m1[1:], "UnknownScheme", "leading '$' removed")
    bad(X, "unknown", " " + s6, "UnknownScheme", "leading space")
    bad(X, "unknown", f(m1)[3], "UnknownScheme", "bare md5crypt digest, no prefix")
    bad("hand-written", "unknown", "password", "UnknownScheme",
        "plaintext: Stored equals the password; must not be compared as plaintext", mutated=False)
    bad(X, "unknown", "$3" + m1[2:], "UnknownScheme", "id changed to $3$")
    bad(X, "unknown", "$7" + s5[2:], "UnknownScheme", "id changed to $7$")
    bad(X, "unknown", "$md5" + m1[2:], "UnknownScheme", "id changed to $md5$")
    bad(X, "unknown", "$2A" + b2b[3:], "UnknownScheme", "upper-case bcrypt id $2A$")
    bad(HL, "unknown", p256.replace("$pbkdf2-sha256$", "$PBKDF2-SHA256$"), "UnknownScheme", "upper-case id")
    bad(OA, "unknown", ap.replace("$apr1$", "$APR1$"), "UnknownScheme", "upper-case id")
    bad(HL, "unknown", p256.replace("$pbkdf2-sha256$", "$pbkdf2-md5$"), "UnknownScheme", "unknown pbkdf2 hash")
    bad(HL, "unknown", p256.replace("$pbkdf2-sha256$", "$pbkdf2-sha384$"), "UnknownScheme", "unsupported pbkdf2 hash")
    bad(HL, "passlib-pbkdf2-sha1", p1.replace("$pbkdf2-sha1$", "$pbkdf2$"), "InvalidLength",
        "SFTPGo's sha1 hash under passlib's $pbkdf2$ id: a 28-char padded digest, passlib's is 27")
    bad(HL, "unknown", bs.replace("$pbkdf2-b64salt-sha256$", "$pbkdf2-b64salt-sha512$"), "UnknownScheme",
        "b64salt variant with sha512 (not supported)")
    for prefix, count, name in [(b"$gy$", 0, "gost-yescrypt"),
                                (b"$7$", 0, "scrypt"), (b"$md5", 1000, "SunMD5"),
                                (b"$3$", 0, "NT hash"), (b"$sha1", 1000, "NetBSD sha1crypt"),
                                (b"_", 0, "BSDi extended DES"), (b"", 0, "traditional DES")]:
        h = xcrypt(PW, xc_setting(prefix, count)).decode()
        if not prefix:      # traditional DES is verified now: its classes come from descrypt.py
            descrypt.malformed(bad, X, h)
            continue
        bad(X, "unknown", h, "UnknownScheme", "real %s hash (scheme not supported)" % name, mutated=False)

    # ---------------- UnsupportedVariant ----------------
    bad(X, "bcrypt", "$2x" + b2b[3:], "UnsupportedVariant", "$2x$ (crypt_blowfish buggy mode)")
    bad(X, "bcrypt", "$2" + b2b[3:], "UnsupportedVariant", "original $2$ (no minor)")
    bad(HB, "bcrypt", "$2c" + b2y[3:], "UnsupportedVariant", "$2c$")
    bad(PB, "bcrypt", "$2z" + b2a[3:], "UnsupportedVariant", "$2z$")
    h2x = xcrypt(PW, ("$2x$04$" + bcrypt_salt()).encode()).decode()
    bad(X, "bcrypt", h2x, "UnsupportedVariant", "real libxcrypt $2x$ hash", mutated=False)

    # ---------------- Disabled ----------------
    for s, c in [("", "empty string"), ("*", "*"), ("!", "!"), ("!!", "!! (useradd default)"),
                 ("!*", "!*"), ("*LK*", "*LK* (Solaris locked)")]:
        bad("hand-written shadow marker", "unknown", s, "Disabled", "shadow marker: " + c, mutated=False)
    bad(X, "unknown", "!" + s6, "Disabled", "locked account: ! + real sha512crypt hash")
    bad(HB, "unknown", "!" + b2y, "Disabled", "locked account: ! + real bcrypt hash")
    bad(O1, "unknown", "*" + m1o, "Disabled", "* + real md5crypt hash")
    bad(HL, "unknown", "*" + p256, "Disabled", "* + real pbkdf2 hash")

    # ---------------- MissingField ----------------
    bad(X, "sha512crypt", "$6$" + f(s6)[2], "MissingField", "salt, no digest")
    bad(X, "sha512crypt", "$6$", "MissingField", "id only")
    bad(X, "sha256crypt", "$5$rounds=5000$" + f(s5r)[3], "MissingField", "rounds and salt, no digest")
    bad(X, "md5crypt", "$1$", "MissingField", "id only")
    bad(OA, "apr1", "$apr1$" + f(ap)[2], "MissingField", "salt, no digest")
    bad(X, "bcrypt", "$2b$04$", "MissingField", "id and cost only")
    bad(HB, "bcrypt", b2y[:7], "MissingField", "id and cost only ($2y$)")
    bad(HL, "pbkdf2-sha256", p256.rsplit("$", 1)[0], "MissingField", "no digest field")
    bad(HL, "pbkdf2-sha256", "$pbkdf2-sha256$1000", "MissingField", "iterations only")
    bad(HL, "pbkdf2-sha512", p512.rsplit("$", 1)[0], "MissingField", "no digest field")
    bad(HL, "pbkdf2-b64salt-sha256", bs.rsplit("$", 1)[0], "MissingField", "no digest field")

    # ---------------- TrailingData ----------------
    bad(X, "bcrypt", b2b + "a", "TrailingData", "61 chars: one extra char")
    bad(HB, "bcrypt", b2y + "$x", "TrailingData", "extra $field after bcrypt")
    bad(X, "bcrypt", b2b + " ", "TrailingData", "trailing space after 60 chars")
    bad(X, "sha512crypt", s6 + "$x", "TrailingData", "extra $field")
    bad(X, "sha256crypt", s5r + "$", "TrailingData", "extra empty $field")
    bad(X, "md5crypt", m1 + "$x", "TrailingData", "extra $field")
    bad(OA, "apr1", ap + "$abc", "TrailingData", "extra $field")
    bad(HL, "pbkdf2-sha256", p256 + "$x", "TrailingData", "extra $field")
    bad(HL, "pbkdf2-sha512", p512 + "$", "TrailingData", "extra empty $field")
    bad(HL, "pbkdf2-b64salt-sha256", bs + "$AAAA", "TrailingData", "extra $field")

    # ---------------- InvalidLength ----------------
    bad(X, "bcrypt", b2b[:-1], "InvalidLength", "59 chars (digest one char short)")
    bad(HB, "bcrypt", b2y[:-2], "InvalidLength", "58 chars")
    bad(X, "md5crypt", "$1$%sx$%s" % (f(m1)[2], f(m1)[3]), "InvalidLength", "9-char salt")
    bad(O1, "md5crypt", m1o[:-1], "InvalidLength", "21-char digest")
    bad(O1, "md5crypt", m1o + ".", "InvalidLength", "23-char digest")
    bad(OA, "apr1", "$apr1$%sx$%s" % (f(ap)[2], f(ap)[3]), "InvalidLength", "9-char salt")
    bad(OA, "apr1", ap[:-1], "InvalidLength", "21-char digest")
    bad(X, "sha256crypt", "$5$%sx$%s" % (f(s5)[2], f(s5)[3]), "InvalidLength", "17-char salt")
    bad(X, "sha256crypt", "$5$rounds=5000$%sx$%s" % (f(s5r)[3], f(s5r)[4]), "InvalidLength",
        "17-char salt after rounds=")
    bad(X, "sha256crypt", s5[:-1], "InvalidLength", "42-char digest")
    bad(X, "sha256crypt", s5 + ".", "InvalidLength", "44-char digest")
    bad(X, "sha512crypt", "$6$%sx$%s" % (f(s6)[2], f(s6)[3]), "InvalidLength", "17-char salt")
    bad(MK6, "sha512crypt", s6m[:-1], "InvalidLength", "85-char digest")
    bad(O6, "sha512crypt", s6r + ".", "InvalidLength", "87-char digest")
    bad(HL, "pbkdf2-sha256", p256.replace("$abcdefghijkl$", "$$"), "InvalidLength", "empty salt")
    bad(HL, "pbkdf2-sha1", p1.replace("$abcdefghijkl$", "$$"), "InvalidLength", "empty salt")
    bad(HL, "pbkdf2-b64salt-sha256", "$".join(f(bs)[:3] + ["", f(bs)[4]]), "InvalidLength", "empty base64 salt")

    # ---------------- InvalidCharacter ----------------
    pre, sl, dg = bc_parts(b2b)
    bad(X, "bcrypt", pre + sl + repl_at(dg, 10, "+"), "InvalidCharacter", "'+' in the bcrypt digest")
    pre, sl, dg = bc_parts(b2y)
    bad(HB, "bcrypt", pre + repl_at(sl, 5, "-") + dg, "InvalidCharacter", "'-' in the bcrypt salt")
    pre, sl, dg = bc_parts(b2a)
    bad(PB, "bcrypt", pre + repl_at(sl, 0, "_") + dg, "InvalidCharacter", "'_' in the bcrypt salt")
    bad(X, "md5crypt", repl_at(m1, len(m1) - 8, "+"), "InvalidCharacter", "'+' in the md5crypt digest")
    bad(X, "sha512crypt", repl_at(s6, len(s6) - 20, "-"), "InvalidCharacter", "'-' in the sha512crypt digest")
    bad(X, "sha256crypt", repl_at(s5, len(s5) - 5, "_"), "InvalidCharacter", "'_' in the sha256crypt digest")
    bad(OA, "apr1", repl_at(ap, len(ap) - 3, "="), "InvalidCharacter", "'=' in the apr1 digest")
    for kind_ch, base, src, scheme, off in [(":", m1, X, "md5crypt", 5), (";", s5, X, "sha256crypt", 6),
                                            ("*", s6, X, "sha512crypt", 4), ("!", ap, OA, "apr1", 8),
                                            ("\\", s6m, MK6, "sha512crypt", 7), (" ", m1o, O1, "md5crypt", 6)]:
        name = {"\\": "backslash", " ": "space"}.get(kind_ch, "'%s'" % kind_ch)
        bad(src, scheme, repl_at(base, off, kind_ch), "InvalidCharacter", "%s in the salt" % name)
    bad(X, "sha256crypt", "$5$rounds=5000$%s$%s" % (repl_at(f(s5r)[3], 3, ":"), f(s5r)[4]),
        "InvalidCharacter", "':' in the salt after rounds=")
    dg = p256.rsplit("$", 1)[1]
    bad(HL, "pbkdf2-sha256", p256.rsplit("$", 1)[0] + "$" + repl_at(dg, 5, "*"), "InvalidCharacter",
        "'*' in the pbkdf2 digest")

    # ---------------- NonCanonical ----------------
    pre, sl, dg = bc_parts(b2b)
    c = {"O": "P", ".": "/", "e": "f", "u": "v"}[sl[-1]]
    bad(X, "bcrypt", pre + sl[:-1] + c + dg, "NonCanonical", "last salt char %r -> %r (unused bits set)" % (sl[-1], c))
    pre, sl, dg = bc_parts(b2y)
    c = {"O": "Q", ".": "A", "e": "g", "u": "w"}[sl[-1]]
    bad(HB, "bcrypt", pre + sl[:-1] + c + dg, "NonCanonical", "last salt char %r -> %r" % (sl[-1], c))
    for base, src in [(b2b, X), (b2a, PB)]:
        pre, sl, dg = bc_parts(base)
        c = BC64[BC64.index(dg[-1]) + 1]
        bad(src, "bcrypt", pre + sl + dg[:-1] + c, "NonCanonical", "last digest char %r -> %r" % (dg[-1], c))
    for base, src, scheme in [(m1, X, "md5crypt"), (ap, OA, "apr1"), (s6, X, "sha512crypt")]:
        c = {".": "2", "/": "3", "0": "4", "1": "z"}[base[-1]]
        bad(src, scheme, base[:-1] + c, "NonCanonical", "last digest char %r -> %r" % (base[-1], c))
    c = "E" if s5[-1] != "E" else "z"
    bad(X, "sha256crypt", s5[:-1] + c, "NonCanonical", "last digest char %r -> %r" % (s5[-1], c))
    c = "z"
    bad(X, "sha256crypt", s5r[:-1] + c, "NonCanonical", "last digest char %r -> %r" % (s5r[-1], c))

    # ---------------- InvalidNumber ----------------
    bad(X, "bcrypt", "$2b$ab$" + b2b[7:], "InvalidNumber", "cost 'ab'")
    bad(X, "bcrypt", "$2b$4$" + b2b[7:], "InvalidNumber", "one-digit cost '4'")
    bad(HB, "bcrypt", "$2y$004$" + b2y[7:], "InvalidNumber", "three-digit cost '004'")
    bad(X, "sha256crypt", s5r.replace("rounds=5000", "rounds="), "InvalidNumber", "empty rounds=")
    bad(X, "sha256crypt", s5r.replace("rounds=5000", "rounds=abc"), "InvalidNumber", "rounds=abc")
    bad(O6, "sha512crypt", s6r.replace("rounds=1000", "rounds=1e3"), "InvalidNumber", "rounds=1e3")
    bad(O6, "sha512crypt", s6r.replace("rounds=1000", "rounds=-1000"), "InvalidNumber", "rounds=-1000")
    bad(HL, "pbkdf2-sha256", p256.replace("$1000$", "$$"), "InvalidNumber", "empty iterations")
    bad(HL, "pbkdf2-sha256", p256.replace("$1000$", "$1e3$"), "InvalidNumber", "iterations 1e3")
    bad(HL, "pbkdf2-sha1", p1.replace("$1000$", "$-1000$"), "InvalidNumber", "iterations -1000")
    bad(HL, "pbkdf2-b64salt-sha256", bs.replace("$1000$", "$0x3e8$"), "InvalidNumber", "iterations 0x3e8")

    # ---------------- NonCanonicalNumber ----------------
    bad(X, "sha256crypt", s5r.replace("rounds=5000", "rounds=05000"), "NonCanonicalNumber", "rounds=05000")
    bad(O6, "sha512crypt", s6r.replace("rounds=1000", "rounds=011021"), "NonCanonicalNumber", "rounds=011021")
    bad(X, "sha256crypt", s5r.replace("rounds=5000", "rounds=+5000"), "NonCanonicalNumber", "rounds=+5000")
    bad(HL, "pbkdf2-sha256", p256.replace("$1000$", "$01000$"), "NonCanonicalNumber", "iterations 01000")
    bad(HL, "pbkdf2-sha512", p512.replace("$1000$", "$+1000$"), "NonCanonicalNumber", "iterations +1000")
    bad(HL, "pbkdf2-b64salt-sha256", bs.replace("$1000$", "$0001000$"), "NonCanonicalNumber", "iterations 0001000")

    # ---------------- CostOutOfRange ----------------
    for base, src, cost in [(b2b, X, "03"), (b2b, X, "32"), (b2y, HB, "99"), (b2a, PB, "00"), (b2b, X, "02")]:
        bad(src, "bcrypt", base[:4] + cost + base[6:], "CostOutOfRange", "cost %s" % cost)

    # ---------------- RoundsOutOfRange ----------------
    for r, base, src, scheme in [("999", s5r, X, "sha256crypt"), ("0", s5r, X, "sha256crypt"),
                                 ("1000000000", s6r, O6, "sha512crypt"),
                                 ("99999999999999999999", s6r, O6, "sha512crypt"),
                                 ("4294967296", s5r, X, "sha256crypt")]:
        old = "rounds=" + f(base)[2].split("=")[1]
        bad(src, scheme, base.replace(old, "rounds=" + r), "RoundsOutOfRange", "rounds=" + r)

    # ---------------- IterationsOutOfRange ----------------
    for it, base, scheme in [("0", p256, "pbkdf2-sha256"), ("4294967296", p1, "pbkdf2-sha1"),
                             ("99999999999999999999", p512, "pbkdf2-sha512"), ("0", bs, "pbkdf2-b64salt-sha256")]:
        bad(HL, scheme, base.replace("$1000$", "$%s$" % it), "IterationsOutOfRange", "iterations " + it)

    # ---------------- DigestTooShort ----------------
    bad(HL, "pbkdf2-sha256", p256.rsplit("$", 1)[0] + "$", "DigestTooShort",
        "empty digest: SFTPGo would accept any password")
    bad(HL, "pbkdf2-sha1", p1.rsplit("$", 1)[0] + "$", "DigestTooShort", "empty digest")
    bad(HL, "pbkdf2-b64salt-sha256", bs.rsplit("$", 1)[0] + "$", "DigestTooShort", "empty digest")
    bad(HL, "pbkdf2-sha512", p512.rsplit("$", 1)[0] + "$AA==", "DigestTooShort", "1-byte digest AA==")
    bad(HL, "pbkdf2-sha256", pb("sha256", 1000, "abcdefghijkl", 15), "DigestTooShort",
        "genuine 15-byte PBKDF2 output", mutated=False)
    bad(HL, "pbkdf2-sha256", pb("sha256", 1000, "abcdefghijkl", 1), "DigestTooShort",
        "genuine 1-byte PBKDF2 output", mutated=False)
    bsalt2 = RNG.randbytes(16)
    bad(HL, "pbkdf2-b64salt-sha256",
        b64salt_stored(1000, bsalt2, hashlib.pbkdf2_hmac("sha256", PW, bsalt2, 1000, 8)).decode(),
        "DigestTooShort", "genuine 8-byte PBKDF2 output", mutated=False)

    # ---------------- DigestTooLong ----------------
    bad(HL, "pbkdf2-sha256", pb("sha256", 100, "abcdefghijkl", 257), "DigestTooLong",
        "genuine 257-byte PBKDF2 output", mutated=False)
    bad(HL, "pbkdf2-sha1", pb("sha1", 100, "abcdefghijkl", 512), "DigestTooLong",
        "genuine 512-byte PBKDF2 output", mutated=False)
    bsalt3 = RNG.randbytes(64)
    bad(HL, "pbkdf2-b64salt-sha256",
        b64salt_stored(100, bsalt3, hashlib.pbkdf2_hmac("sha256", PW, bsalt3, 100, 300)).decode(),
        "DigestTooLong", "genuine 300-byte PBKDF2 output", mutated=False)

    # ---------------- InvalidBase64 ----------------
    # Padding removed from a digest without '+' gives a well-formed passlib string (another
    # hash: see passlib-pbkdf2-*.txt); from a digest with '+' it stays SFTPGo's, and is bad.
    p256p = pb("sha256", 1000, "abcdefghijkm")
    p512p = pb("sha512", 1000, "abcdefghijkm")
    assert "+" in p256p.rsplit("$", 1)[1] and "+" in p512p.rsplit("$", 1)[1]
    bad(HL, "pbkdf2-sha256", p256p.rstrip("="), "InvalidBase64",
        "padding removed; the '+' in the digest keeps it SFTPGo's form")
    bad(HL, "pbkdf2-sha512", p512p.rstrip("="), "InvalidBase64",
        "padding removed (==); the '+' in the digest keeps it SFTPGo's form")
    bad(HL, "passlib-pbkdf2-sha256", p256.rstrip("=")[:-1], "InvalidLength",
        "SFTPGo digest without padding or '+', one char cut (42): read as passlib's form, "
        "whose checksum is 43 chars")
    bad(HL, "pbkdf2-sha1", p1 + "=", "InvalidBase64", "extra '='")
    bad(HL, "pbkdf2-sha512", p512_256[:-5] + "=" + p512_256[-4:], "InvalidBase64", "'=' in the middle")
    p48 = pb("sha256", 1000, "abcdefghijkl", 48)
    bad(HL, "passlib-pbkdf2-sha256", p48[:-1], "InvalidLength",
        "63 chars, no padding, no '+': read as passlib's form, whose checksum is 43 chars")
    dg = purl.rsplit("$", 1)[1]
    head = purl.rsplit("$", 1)[0] + "$"
    bad(HL, "pbkdf2-sha256", head + dg.replace("+", "-", 1), "InvalidCharacter", "url-safe '-' instead of '+'")
    bad(HL, "pbkdf2-sha256", head + dg.replace("/", "_", 1), "InvalidCharacter", "url-safe '_' instead of '/'")
    # (Not included: non-zero unused bits in the last base64 char.  Go's
    # lenient StdEncoding -- and so SFTPGo -- accepts them, and so does passgate.)
    fb = f(bs)
    bad(HL, "pbkdf2-b64salt-sha256", "$".join(fb[:3] + [fb[3].rstrip("="), fb[4]]), "InvalidBase64",
        "salt base64 without padding")
    bad(HL, "pbkdf2-b64salt-sha256", "$".join(fb[:3] + [fb[3][:5] + "=" + fb[3][6:], fb[4]]), "InvalidBase64",
        "'=' inside the salt base64")
    bad(HL, "pbkdf2-b64salt-sha256", "$".join(fb[:3] + ["abcdefghijklm", fb[4]]), "InvalidBase64",
        "raw 13-char salt: not valid base64 (bad length)")
    bad(HL, "pbkdf2-b64salt-sha256", "$".join(fb[:3] + [fb[3][:3] + "-" + fb[3][4:], fb[4]]), "InvalidCharacter",
        "url-safe '-' inside the salt base64")

    # ---------------- policy: CostTooHigh ----------------
    for base, src, cost in [(b2b, X, "17"), (b2y, HB, "20"), (b2a, PB, "31")]:
        bad(src, "bcrypt", base[:4] + cost + base[6:], "CostTooHigh",
            "valid syntax, cost %s edited in; refused before hashing" % cost)
    h17 = xcrypt(PW, ("$2b$17$" + bcrypt_salt()).encode()).decode()
    bad(X, "bcrypt", h17, "CostTooHigh", "genuine cost-17 hash of the password (verifies without the limit)",
        mutated=False)

    # ---------------- policy: RoundsTooHigh ----------------
    for r, base, src, scheme in [("10000001", s5r, X, "sha256crypt"), ("999999999", s6r, O6, "sha512crypt"),
                                 ("50000000", s6r, O6, "sha512crypt")]:
        old = "rounds=" + f(base)[2].split("=")[1]
        bad(src, scheme, base.replace(old, "rounds=" + r), "RoundsTooHigh", "rounds=%s edited in" % r)
    hr = xcrypt(PW, ("$5$rounds=10000001$%s$" % h64(16)).encode()).decode()
    bad(X, "sha256crypt", hr, "RoundsTooHigh", "genuine rounds=10000001 hash of the password", mutated=False)

    # ---------------- policy: WorkTooHigh ----------------
    hw = pb("sha256", 10000001, "abcdefghijkl")
    bad(HL, "pbkdf2-sha256", hw, "WorkTooHigh", "genuine: 10000001 iterations x 1 block", mutated=False)
    p96 = pb("sha256", 1000, "abcdefghijkl", 96)
    bad(HL, "pbkdf2-sha256", p96.replace("$1000$", "$5000000$"), "WorkTooHigh",
        "5000000 iterations x 3 blocks (96-byte digest) = 15000000")
    bad(HL, "pbkdf2-sha512", p512_256.replace("$1000$", "$2500001$"), "WorkTooHigh",
        "2500001 iterations x 4 blocks (256-byte digest on sha512)")
    bad(HL, "pbkdf2-sha1", p1.replace("$1000$", "$4294967295$"), "WorkTooHigh",
        "iterations 4294967295 (u32 max: parses, but far too much work)")
    bad(HL, "pbkdf2-b64salt-sha256", bs389.replace("$2048$", "$1250001$"), "WorkTooHigh",
        "389-DS style 256-byte digest (8 blocks) x 1250001 iterations")
    # sha-crypt: rounds x the blocks of the longest round (digest, salt, two copies of the password).
    long500 = b"0123456789" * 50
    hs = xcrypt(long500, b"$6$rounds=2600000$abcdefghijklmnop$").decode()
    bad(X, "sha512crypt", hs, "WorkTooHigh",
        "genuine hash of this 500-byte password: 2600000 rounds x 9 blocks = 23400000", pw=long500,
        mutated=False)
    bad(O6, "sha512crypt", s6r.replace("rounds=1000$", "rounds=10000000$"), "WorkTooHigh",
        "10000000 rounds edited in, 80-byte password: 3 blocks a round", pw=b"p" * 80)
    bad(X, "sha256crypt", s5r.replace("rounds=5000$", "rounds=1000000$"), "WorkTooHigh",
        "1000000 rounds edited in, 1024-byte password: 33 blocks a round", pw=b"q" * 1024)

    # ---------------- policy: EmptyPassword / PasswordTooLong / NulInPassword ----------------
    goods = [(X, "bcrypt", b2b), (X, "md5crypt", m1), (OA, "apr1", ap), (X, "sha256crypt", s5),
             (O6, "sha512crypt", s6r), (HL, "pbkdf2-sha1", p1), (HL, "pbkdf2-sha256", p256),
             (HL, "pbkdf2-sha512", p512), (HL, "pbkdf2-b64salt-sha256", bs)]
    for src, scheme, h in goods:
        bad(src, scheme, h, "EmptyPassword", "good hash of \"password\", empty password", pw=b"", mutated=False)
    subset = [goods[i] for i in (0, 2, 3, 6, 8)]
    for src, scheme, h in subset:
        bad(src, scheme, h, "PasswordTooLong", "good hash of \"password\", 1025-byte password",
            pw=b"password" + long_pw(1017), mutated=False)
    for src, scheme, h in subset:
        bad(src, scheme, h, "NulInPassword", "good hash of \"password\", NUL inside the password",
            pw=b"pass\x00word", mutated=False)
    hp = xcrypt(b"pass", xc_setting(b"$2b$", 4)).decode()
    bad(X, "bcrypt", hp, "NulInPassword",
        "Stored is the bcrypt hash of \"pass\": a C-string verifier would accept \"pass\\x00word\"",
        pw=b"pass\x00word", mutated=False)
    hp = xcrypt(b"password", ("$6$%s$" % h64(16)).encode()).decode()
    bad(X, "sha512crypt", hp, "NulInPassword", "trailing NUL: C would hash \"password\"",
        pw=b"password\x00", mutated=False)
    bad(X, "md5crypt", m1, "NulInPassword", "password is a single NUL", pw=b"\x00", mutated=False)

    malformed_digests(bad, PW)
    malformed_passlib(bad, PW)
    malformed_argon2(bad, PW)
    yescrypt.malformed_yescrypt(sys.modules[__name__], bad, PW)

    write_file("malformed.txt", [
        "passgate test vectors: malformed / refused hashes",
        "Generated by vectors/gen/generate.py.  Each Stored is a good hash from an",
        "independent tool, either used as is (the Source names the tool) or edited",
        "by a string template (Source = mutation of <tool>).  Every record must",
        "fail with exactly the given Error kind.",
    ], out)
    return out


def main():
    gen_bcrypt()
    gen_md5crypt()
    gen_apr1()
    gen_shacrypt(256)
    gen_shacrypt(512)
    rng_before = {}
    for h in ("sha1", "sha256", "sha512"):
        rng_before[h] = (RNG.getstate(), _variant[0])
        gen_pbkdf2(h)
    gen_b64salt()
    gen_malformed()
    # Reseeded: the records above draw a varying amount (some depend on htpasswd's own salts),
    # and the files below must not change from run to run.
    RNG.seed(0x2A2A2)
    for h in ("md5", "sha256", "sha512"):
        gen_sftpgo_digest(h)
    gen_htpasswd_sha1()
    for h in ("sha1", "sha256", "sha512"):
        gen_passlib_pbkdf2(h)
    # The SFTPGo look-alikes of passlib's form go into the SFTPGo files, which are rewritten
    # here with them (the RNG state of everything before stays the same).
    for h in ("sha256", "sha512"):
        SFTPGO_LOOKALIKES[h] = sftpgo_lookalikes(h)
    gen_argon2("argon2id")
    gen_argon2("argon2i")
    yescrypt.gen_yescrypt(sys.modules[__name__])
    descrypt.gen_descrypt()
    for h in ("sha256", "sha512"):
        RNG.setstate(rng_before[h][0])
        _variant[0] = rng_before[h][1]
        gen_pbkdf2(h)
    print("vector files written to", os.path.relpath(os.path.join(os.path.dirname(__file__), "..")))
    import check
    sys.exit(check.main())


if __name__ == "__main__":
    main()
