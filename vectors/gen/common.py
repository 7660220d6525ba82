"""Shared helpers for generate.py and check.py (passgate test vectors).

Nothing in here implements a password hash: it only wraps the independent
tools (libxcrypt through ctypes, CLI tools) and reads/writes the vector
file format.
"""

import ctypes
import os
import re
import ssl
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECDIR = os.path.dirname(HERE)

SCHEMES = [
    "bcrypt", "md5crypt", "apr1", "sha256crypt", "sha512crypt",
    "pbkdf2-sha1", "pbkdf2-sha256", "pbkdf2-sha512", "pbkdf2-b64salt-sha256",
    "sftpgo-md5", "sftpgo-sha256", "sftpgo-sha512", "htpasswd-sha1",
    "passlib-pbkdf2-sha1", "passlib-pbkdf2-sha256", "passlib-pbkdf2-sha512",
    "argon2id", "argon2i", "yescrypt", "descrypt",
]

ERROR_KINDS = [
    # parse kinds
    "NonAscii", "UnknownScheme", "UnsupportedVariant", "Disabled",
    "MissingField", "TrailingData", "InvalidLength", "InvalidCharacter",
    "NonCanonical", "InvalidNumber", "NonCanonicalNumber", "CostOutOfRange",
    "RoundsOutOfRange", "IterationsOutOfRange", "DigestTooShort",
    "DigestTooLong", "InvalidBase64",
    # policy kinds
    "CostTooHigh", "RoundsTooHigh", "WorkTooHigh", "Argon2CostTooHigh", "YescryptCostTooHigh", "EmptyPassword",
    "PasswordTooLong", "NulInPassword",
]

KEY_ORDER = ["Source", "Scheme", "Password", "Stored", "Verify", "Error",
             "Truncated", "Comment"]

MAX_PASSWORD = 1024


# --------------------------------------------------------------------------
# libxcrypt via ctypes
# --------------------------------------------------------------------------

CRYPT_DATA_SIZE = 32768  # sizeof(struct crypt_data) in libxcrypt


class XCrypt:
    """crypt_rn / crypt_gensalt_rn from libcrypt.so.1 (libxcrypt).

    Passwords are handed over as raw bytes (8-bit bytes reach libxcrypt
    unchanged).  libxcrypt refuses phrases of CRYPT_MAX_PASSPHRASE_SIZE (512)
    bytes or more, so callers must keep passwords <= 511 bytes.
    """

    MAX_PHRASE = 511

    def __init__(self, path="libcrypt.so.1"):
        self.lib = ctypes.CDLL(path)
        self.lib.crypt_rn.restype = ctypes.c_char_p
        self.lib.crypt_rn.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.c_void_p, ctypes.c_int]
        self.lib.crypt_gensalt_rn.restype = ctypes.c_char_p
        self.lib.crypt_gensalt_rn.argtypes = [
            ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int,
            ctypes.c_char_p, ctypes.c_int]

    def crypt(self, phrase: bytes, setting: bytes):
        """Return the hash (bytes) or None when libxcrypt rejects the input."""
        assert b"\x00" not in phrase and b"\x00" not in setting
        data = ctypes.create_string_buffer(CRYPT_DATA_SIZE)
        r = self.lib.crypt_rn(phrase, setting, data, CRYPT_DATA_SIZE)
        if r is None or r.startswith(b"*"):
            return None
        return bytes(r)

    def gensalt(self, prefix: bytes, count: int, rbytes: bytes) -> bytes:
        out = ctypes.create_string_buffer(256)
        r = self.lib.crypt_gensalt_rn(prefix, count, rbytes, len(rbytes),
                                      out, 256)
        if r is None:
            raise RuntimeError("crypt_gensalt_rn(%r, %d) failed" % (prefix, count))
        return bytes(r)


# --------------------------------------------------------------------------
# tool versions
# --------------------------------------------------------------------------

def _run(args, **kw):
    return subprocess.run(args, capture_output=True, **kw)


def dpkg_version(pkg):
    try:
        r = _run(["dpkg-query", "-W", "-f=${Version}", pkg])
    except FileNotFoundError:
        return None
    if r.returncode != 0 or not r.stdout:
        return None
    v = r.stdout.decode().strip()
    v = re.sub(r"^\d+:", "", v)        # epoch
    v = re.sub(r"-[^-]*$", "", v)      # Debian revision
    return v


def libxcrypt_version():
    try:
        with open("/usr/include/crypt.h") as f:
            m = re.search(r'#define XCRYPT_VERSION_STR "([^"]+)"', f.read())
            if m:
                return m.group(1)
    except OSError:
        pass
    return dpkg_version("libcrypt1") or "unknown"


def openssl_cli_version():
    r = _run(["openssl", "version"])
    return " ".join(r.stdout.decode().split()[:2])          # "OpenSSL 3.0.22"


def mkpasswd_version():
    r = _run(["mkpasswd", "-V"])
    return r.stdout.decode().split("\n")[0].split()[-1]    # "5.5.17"


def python_version():
    return "%d.%d.%d" % sys.version_info[:3]


def python_openssl_version():
    return " ".join(ssl.OPENSSL_VERSION.split()[:2])


# --------------------------------------------------------------------------
# vector file format
# --------------------------------------------------------------------------

def quote(b: bytes) -> str:
    out = ['"']
    for c in b:
        if c == 0x5C:
            out.append("\\\\")
        elif c == 0x22:
            out.append('\\"')
        elif 0x20 <= c <= 0x7E:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    out.append('"')
    return "".join(out)


def bare_ok(b: bytes) -> bool:
    return (len(b) > 0 and all(0x20 <= c <= 0x7E for c in b)
            and b[0] != 0x20 and b[-1] != 0x20
            and b'"' not in b and b"\\" not in b)


def stored_field(b: bytes) -> str:
    b.decode("utf-8")  # Stored must be valid UTF-8
    return b.decode("ascii") if bare_ok(b) else quote(b)


def unquote(s: str) -> bytes:
    if len(s) < 2 or s[0] != '"' or s[-1] != '"':
        raise ValueError("not a quoted string: %r" % s)
    body = s[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1: i + 2]
            if nxt == "\\" or nxt == '"':
                out.append(ord(nxt))
                i += 2
            elif nxt == "x" and re.fullmatch(r"[0-9a-f]{2}", body[i + 2:i + 4] or ""):
                out.append(int(body[i + 2:i + 4], 16))
                i += 4
            else:
                raise ValueError("bad escape in %r" % s)
        elif ch == '"':
            raise ValueError("unescaped quote in %r" % s)
        else:
            c = ord(ch)
            if not (0x20 <= c <= 0x7E):
                raise ValueError("unescaped byte in %r" % s)
            out.append(c)
            i += 1
    # every escape must be necessary (canonical encoding)
    if quote(bytes(out)) != s:
        raise ValueError("non-canonical quoting %r" % s)
    return bytes(out)


def format_record(rec: dict) -> str:
    lines = []
    for k in KEY_ORDER:
        if k not in rec:
            continue
        v = rec[k]
        if k == "Password":
            v = quote(v)
        elif k == "Stored":
            v = stored_field(v)
        assert "\n" not in v
        lines.append("%s = %s" % (k, v))
    extra = set(rec) - set(KEY_ORDER)
    assert not extra, extra
    return "\n".join(lines) + "\n"


def write_file(name: str, header: list, records: list):
    path = os.path.join(VECDIR, name)
    parts = ["".join("# %s\n" % h if h else "#\n" for h in header)]
    for r in records:
        parts.append(format_record(r))
    text = "\n".join(parts)
    text.encode("ascii")
    with open(path, "w", newline="\n") as f:
        f.write(text)
    return path


LINE_RE = re.compile(r"([A-Z][A-Za-z]*) = (.*)")


def parse_file(path: str):
    """Strict parser for the vector format; returns list of dicts
    (Password/Stored decoded to bytes) with '_line' set."""
    with open(path, "rb") as f:
        raw = f.read()
    text = raw.decode("ascii")  # the files are pure ASCII by construction
    records, cur, start = [], {}, None
    for no, line in enumerate(text.split("\n"), 1):
        if line.startswith("#"):
            continue
        if line == "":
            if cur:
                cur["_line"] = start
                records.append(cur)
                cur = {}
            continue
        m = LINE_RE.fullmatch(line)
        if not m:
            raise ValueError("%s:%d: bad line %r" % (path, no, line))
        k, v = m.groups()
        if k not in KEY_ORDER:
            raise ValueError("%s:%d: unknown key %s" % (path, no, k))
        if k in cur:
            raise ValueError("%s:%d: duplicate key %s" % (path, no, k))
        if not cur:
            start = no
        if k == "Password":
            v = unquote(v)
        elif k == "Stored":
            if v.startswith('"'):
                v = unquote(v)
                if bare_ok(v):
                    raise ValueError("%s:%d: Stored quoted needlessly" % (path, no))
            else:
                if not bare_ok(v.encode("ascii")):
                    raise ValueError("%s:%d: bad bare Stored" % (path, no))
                v = v.encode("ascii")
        cur[k] = v
    if cur:
        cur["_line"] = start
        records.append(cur)
    return records
