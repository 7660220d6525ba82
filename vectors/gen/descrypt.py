"""Traditional DES crypt for the passgate vectors: descrypt.txt, and the DES classes of
malformed.txt.  Called from generate.py; uses only common.py and the tools below.

Sources (the Stored values):
  * libxcrypt crypt_rn through ctypes, with a 2-character setting;
  * htpasswd -d (apache2-utils): hashes with the system crypt(3), i.e. libxcrypt too, so
    check.py counts it in libxcrypt's family;
  * passlib des_crypt, forced to its pure-Python builtin backend (independent of libxcrypt).

DES crypt reads only the first 8 password bytes, and only the low 7 bits of each (libxcrypt
shifts each byte left by one into the DES key byte); records with "Truncated = yes" have
longer passwords, and several records show a second password that verifies for that reason.
The module has its own seeded RNG, so it draws nothing from generate.py's.
"""

import random
import subprocess
import warnings

from common import XCrypt, write_file, dpkg_version, libxcrypt_version, python_version

warnings.filterwarnings("ignore")
import passlib                                       # noqa: E402
from passlib.hash import des_crypt, bsdi_crypt       # noqa: E402

des_crypt.set_backend("builtin")
bsdi_crypt.set_backend("builtin")

SCHEME = "descrypt"
SIGNIFICANT = 8                  # bytes DES crypt reads
H64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RNG = random.Random()            # seeded by each entry point, so their order does not matter
XC = XCrypt()

XV = libxcrypt_version()
SRC_XC = "libxcrypt %s crypt_rn via ctypes" % XV
SRC_HT = "htpasswd -d (apache2-utils %s, crypt(3) of libxcrypt %s)" % (
    dpkg_version("apache2-utils") or "unknown", XV)
SRC_PL = "passlib %s des_crypt builtin backend (Python %s)" % (passlib.__version__, python_version())

HTPASSWD_WARNING = b"Warning: Password truncated to 8 characters by CRYPT algorithm.\n"

PRINTABLE = bytes(range(0x20, 0x7F))
PRINT_AND_8BIT = PRINTABLE + bytes(range(0x80, 0x100))


def rand_pw(n, alphabet=PRINTABLE):
    return bytes(RNG.choice(alphabet) for _ in range(n))


def salt():
    return RNG.choice(H64) + RNG.choice(H64)


# --------------------------------------------------------------------------
# tools
# --------------------------------------------------------------------------

def xcrypt(pw: bytes, setting: str) -> bytes:
    assert len(pw) <= XC.MAX_PHRASE
    out = XC.crypt(pw, setting.encode())
    if out is None or len(out) != 13:
        raise RuntimeError("libxcrypt refused DES setting %r" % setting)
    return out


def htpasswd_d(pw: bytes) -> bytes:
    # -i: password on stdin (one line, at most 255 bytes); it warns when it keeps 8 bytes.
    assert b"\n" not in pw and b"\r" not in pw and len(pw) <= 255
    r = subprocess.run(["htpasswd", "-nid", "user"], input=pw, capture_output=True)
    expected_stderr = HTPASSWD_WARNING if len(pw) > SIGNIFICANT else b""
    if r.returncode != 0 or r.stderr != expected_stderr:
        raise RuntimeError("htpasswd -nid failed: rc=%d %r" % (r.returncode, r.stderr))
    out = r.stdout.strip()
    assert out.startswith(b"user:") and len(out) == 5 + 13, out
    return out[5:]


def passlib_des(pw: bytes, s: str) -> bytes:
    return des_crypt.using(salt=s).hash(pw).encode()


# --------------------------------------------------------------------------
# records
# --------------------------------------------------------------------------

def rec(source, pw, stored, verify, comment):
    r = {"Source": source, "Scheme": SCHEME, "Password": pw, "Stored": stored, "Verify": verify}
    if len(pw) > SIGNIFICANT:
        r["Truncated"] = "yes"
    r["Comment"] = comment
    return r


def wrong(pw: bytes) -> (bytes, str):
    """A password DES crypt tells apart from `pw`: the low bit of its last significant byte
    flipped (bytes past the 8th, and high bits, would not make it wrong)."""
    i = min(len(pw), SIGNIFICANT) - 1
    flip = 0x01 if pw[i] & 0x7F != 0x01 else 0x02
    where = "last byte" if i == len(pw) - 1 else "byte %d (the last one DES crypt reads)" % (i + 1)
    return pw[:i] + bytes([pw[i] ^ flip]) + pw[i + 1:], "wrong password: low bit of the %s flipped" % where


def pair(out, source, pw, stored, comment):
    assert pw and b"\x00" not in pw and len(pw) <= 1024
    out.append(rec(source, pw, stored, "OK", "%d-byte password; %s" % (len(pw), comment)))
    wpw, wc = wrong(pw)
    out.append(rec(source, wpw, stored, "Err", "%s (%s)" % (wc, comment)))


def also(out, source, pw, stored, comment):
    """Another password that verifies against `stored`."""
    out.append(rec(source, pw, stored, "OK", comment))


def gen_descrypt():
    RNG.seed(0xDE5C)
    out = []
    X = SRC_XC

    # Every salt character in both positions ("first" is the low six bits), and the corners.
    short = [b"x", b"pw", b"abc", b"test", b"hello", b"secret", b"letmein", b"password"]
    for i, first in enumerate(H64):
        s = first + H64[63 - i]
        pw = short[i % len(short)] if i % 3 else rand_pw(1 + i % 8)
        pair(out, X, pw, xcrypt(pw, s), "salt %r" % s)
    for s in ["..", "zz", "./", "/.", "ab"]:
        pair(out, X, b"password", xcrypt(b"password", s), "salt %r" % s)

    # Password lengths around 8.
    for n in (1, 2, 7, 8, 9, 16, 100, 255, 511):
        pw = rand_pw(n, PRINT_AND_8BIT if n > 16 else PRINTABLE)
        note = "libxcrypt maximum (it refuses 512 bytes or more)" if n == 511 else "length %d" % n
        pair(out, X, pw, xcrypt(pw, salt()), note)

    # Truncation: the 8-byte prefix of a longer password, and any tail, verify.
    for pw in (b"password1", b"correct horse battery staple"):
        h = xcrypt(pw, salt())
        pair(out, X, pw, h, "longer than 8 bytes")
        also(out, X, pw[:8], h, "the 8-byte prefix of the %d-byte password hashed: DES crypt reads "
             "only 8 bytes" % len(pw))
        also(out, X, pw[:8] + b"~" * 40, h, "the hashed password's first 8 bytes and another tail: "
             "DES crypt reads only 8 bytes")
        out.append(rec(X, pw[:7], h, "Err", "the 7-byte prefix of the %d-byte password hashed: "
                       "every one of the 8 bytes counts" % len(pw)))

    # 8-bit bytes: libxcrypt shifts the high bit out of the key byte (passlib does the same).
    h = xcrypt(b"caf\xe9", "ab")
    pair(out, X, b"caf\xe9", h, "latin-1 e-acute (0xe9)")
    also(out, X, b"caf\x69", h, "0x69 for the hashed 0xe9: only the low 7 bits of a byte count")
    also(out, X, b"\xe3\xe1\xe6\x69", h, "every byte of \"cafi\" with its high bit set: only the low "
         "7 bits count")
    h = xcrypt("\u00e9".encode(), salt())
    pair(out, X, "\u00e9".encode(), h, "UTF-8 e-acute (c3 a9)")
    also(out, X, b"C)", h, "\"C)\" (43 29) for UTF-8 e-acute (c3 a9): the high bits do not count")
    h = xcrypt(b"\xff", salt())
    pair(out, X, b"\xff", h, "single byte 0xff")
    also(out, X, b"\x7f", h, "0x7f for the hashed 0xff")
    h = xcrypt(b"\x80", salt())
    pair(out, X, b"\x80", h, "single byte 0x80: the all-zero key, as an empty password would give")
    also(out, X, b"\x80" * 8, h, "eight 0x80 bytes: the same all-zero key")
    for pw, c in [(b"\x80\x81\xfe\xff", "8-bit bytes, not UTF-8"),
                  ("p\u00e4ssw\u00f6rd".encode(), "UTF-8, 10 bytes"),
                  ("\u5bc6\u7801".encode(), "UTF-8 CJK"),
                  ("\U0001F511\U0001F980".encode(), "UTF-8 emoji"),
                  (b'$:;*!"\\', "punctuation"),
                  (b"tab\there\x01\x1b", "control bytes"),
                  (b"a\nb\r\n", "newline and CR"),
                  (b" ", "a single space"),
                  (b"        x", "eight spaces, then a byte DES crypt ignores")]:
        pair(out, X, pw, xcrypt(pw, salt()), c)

    # htpasswd -d picks its own salt.
    for pw, c in [(b"password", "htpasswd -d"), (b"\x80\x81\xfe\xff caf\xe9", "8-bit bytes, truncated"),
                  ("p\u00e4ssw\u00f6rd".encode(), "UTF-8, truncated"), (b"12345678", "8 digits"),
                  (rand_pw(255, PRINT_AND_8BIT), "255 bytes (htpasswd maximum)")]:
        pair(out, SRC_HT, pw, htpasswd_d(pw), c)

    # passlib's own DES.
    for s, pw, c in [("..", b"x", "salt '..'"), ("zz", b"zzzzzzzz", "salt 'zz'"),
                     (salt(), b"caf\xe9", "latin-1, high bit dropped"),
                     (salt(), rand_pw(300, PRINT_AND_8BIT), "300 bytes"),
                     (salt(), b"Password", "upper-case P")]:
        pair(out, SRC_PL, pw, passlib_des(pw, s), c)

    write_file("descrypt.txt", [
        "passgate test vectors: descrypt (traditional DES crypt, 13 characters)",
        "Generated by vectors/gen/generate.py (descrypt.py); verified by vectors/gen/check.py.",
        "Every Stored value was produced by the tool named in its Source line,",
        "never by passgate.  Format: see vectors/gen/README.md.",
        "",
        "DES crypt reads the first 8 password bytes and the low 7 bits of each: Truncated = yes",
        "marks longer passwords, and some records verify a second password for that reason.",
        "Legacy: always needs a rehash.",
    ], out)
    return out


# --------------------------------------------------------------------------
# malformed.txt
# --------------------------------------------------------------------------

def last_char_plus(h: str, k: int) -> str:
    """`h` with `k` (1-3) added to its last character: the unused low bits set."""
    v = H64.index(h[-1])
    assert v & 3 == 0
    return h[:-1] + H64[v + k]


def malformed(bad, src, h):
    """The DES classes of malformed.txt.  `h` is libxcrypt's DES hash of "password" (from
    `src`); `bad` is generate.py's record maker: bad(base_src, scheme, stored, kind, comment,
    pw=b"password", mutated=True)."""
    RNG.seed(0xDE5D)
    hp = passlib_des(b"password", salt()).decode()
    for base, bsrc in [(h, src), (hp, SRC_PL)]:
        for k in (1, 2, 3):
            bad(bsrc, SCHEME, last_char_plus(base, k), "NonCanonical",
                "last character + %d: non-zero unused bits (libxcrypt re-encodes, so it never "
                "verifies there)" % k)
    U = "UnknownScheme"
    bad(src, "unknown", h[:-1], U, "12 characters: not DES crypt's shape, no scheme")
    bad(src, "unknown", h + ".", U, "14 characters: not DES crypt's shape, no scheme")
    bad(SRC_PL, "unknown", hp[:-1], U, "12 characters")
    bad(src, "unknown", h[:2], U, "the 2-character salt alone (a crypt setting, not a hash)")
    bad(src, "unknown", h[:6] + "-" + h[7:], U, "13 characters, '-' outside the crypt alphabet")
    bad(src, "unknown", "_" + h[1:], U, "13 characters, '_' replacing a salt character")
    bad(SRC_PL, "unknown", hp[:12] + "=", U, "13 characters, '=' as the last character")
    bad(src, "unknown", " " + h[:-1], U, "13 characters, a leading space")
    bad(src, "unknown", h + " ", U, "trailing space")
    bad(src, "unknown", h + h[2:], U, "24 characters: bigcrypt-style second block (not supported)")
    bad(src, "unknown", "_" + h, U, "'_' + a DES hash: looks like BSDi extended DES, which is "
        "not supported")
    bsdi = bsdi_crypt.using(salt=salt() + salt(), rounds=725).hash(b"password")
    bad(SRC_PL.replace("des_crypt", "bsdi_crypt"), "unknown", bsdi, U,
        "real BSDi extended DES hash (scheme not supported)", mutated=False)
    bad(src, "unknown", "!" + h, "Disabled", "locked account: ! + real DES crypt hash")
    bad(src, "unknown", "*" + h, "Disabled", "* + real DES crypt hash")
    bad(src, SCHEME, h[:12] + "\u00e9", "NonAscii", "U+00E9 (e-acute) as the last character")
    bad(src, SCHEME, h + "\n", "NonAscii", "trailing newline (as read from a file)")
    bad(src, SCHEME, h, "EmptyPassword", "good hash of \"password\", empty password",
        pw=b"", mutated=False)
    bad(src, SCHEME, h, "PasswordTooLong", "good hash of \"password\", 1025-byte password that "
        "starts with it: refused before hashing, although DES crypt reads only 8 bytes",
        pw=b"password" + rand_pw(1017), mutated=False)
    bad(src, SCHEME, h, "NulInPassword", "good hash of \"password\"; a C-string verifier would "
        "stop at the NUL and accept", pw=b"password\x00", mutated=False)
