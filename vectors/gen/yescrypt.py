"""yescrypt ($y$) vectors and malformed records, for generate.py.

Sources: libxcrypt's crypt_rn (settings from crypt_gensalt_rn, or written here
to reach the parameters crypt_gensalt never writes: p, t, the WORM and classic
flavors, other salt lengths), mkpasswd -m yescrypt -R (random salts, so those
records change from run to run), and pyescrypt, a separate build of Openwall's
yescrypt (the upstream libxcrypt imports) called with the same settings.
"""

import random

import importlib.metadata

CRYPT64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
FLAVOR = {"classic": 0, "worm": 1, "rw": 47}
RNG = random.Random(0x7E5C)   # its own stream: the other files do not move


def encode_uint(value, lo):
    """yescrypt's variable-width number (encode64_uint32 in alg-yescrypt-common.c)."""
    v, start, end, bits = value - lo, 0, 47, 0
    assert v >= 0
    while v >= (end + 1 - start) << bits:
        v -= (end + 1 - start) << bits
        start, end, bits = end + 1, end + 1 + (62 - end) // 2, bits + 6
    out = CRYPT64[start + (v >> bits)]
    while bits:
        bits -= 6
        out += CRYPT64[(v >> bits) & 63]
    return out


def encode64(data: bytes) -> str:
    """yescrypt's little-endian base64 (encode64 in alg-yescrypt-common.c)."""
    out = ""
    for i in range(0, len(data), 3):
        group = data[i:i + 3]
        word = int.from_bytes(group, "little")
        for j in range((len(group) * 8 + 5) // 6):
            out += CRYPT64[(word >> (6 * j)) & 63]
    return out


def params(flavor="rw", n_log2=12, r=32, p=1, t=0):
    s = encode_uint(FLAVOR[flavor], 0) + encode_uint(n_log2, 1) + encode_uint(r, 1)
    have = (p != 1) | (t != 0) << 1
    if have:
        s += encode_uint(have, 1)
    if p != 1:
        s += encode_uint(p, 2)
    if t:
        s += encode_uint(t, 1)
    return s


def setting(salt: bytes, **kw) -> bytes:
    return ("$y$%s$%s" % (params(**kw), encode64(salt))).encode()


def pyescrypt_source(py_version):
    return "pyescrypt %s MCF digest (Openwall yescrypt, Python %s)" % (
        importlib.metadata.version("pyescrypt"), py_version)


def pyescrypt_digest(pw: bytes, setting_: bytes) -> bytes:
    from pyescrypt import Mode, Yescrypt
    return Yescrypt(mode=Mode.MCF).digest(password=pw, settings=setting_)


def gen_yescrypt(g):
    out = []
    X = g.SRC["xcrypt"]
    MK = "mkpasswd -m yescrypt (whois %s, libxcrypt %s)" % (g.MV, g.XV)
    PY = pyescrypt_source(g.PYV)

    def comment(kw, salt, extra=None):
        kw = dict({"flavor": "rw", "n_log2": 12, "r": 32, "p": 1, "t": 0}, **kw)
        c = "%s, N=2^%d, r=%d, p=%d, t=%d, %d-byte salt" % (
            kw["flavor"], kw["n_log2"], kw["r"], kw["p"], kw["t"], len(salt))
        return c + ("; " + extra if extra else "")

    # crypt_gensalt's own settings, costs 1-7 (libxcrypt's default is 5: 16 MiB).
    pws = g.SHORT + [g.CONTROL, g.long_pw(100), g.long_pw(510, g.PRINT_AND_8BIT)]
    for i, pw in enumerate(pws):
        cost = [1, 2, 3, 4, 5][i % 5]
        nbytes = [16, 16, 32, 64, 17][i % 5]
        st = g.XC.gensalt(b"$y$", cost, RNG.randbytes(nbytes))
        g.pair(out, X, "yescrypt", pw, g.xcrypt(pw, st),
               "crypt_gensalt cost %d, %d random bytes" % (cost, nbytes))
    for cost in (6, 7):
        st = g.XC.gensalt(b"$y$", cost, RNG.randbytes(16))
        g.pair(out, X, "yescrypt", b"password", g.xcrypt(b"password", st),
               "crypt_gensalt cost %d" % cost)

    # Settings crypt_gensalt never writes, through libxcrypt.
    hand = [
        ({}, b"", "empty salt"),
        ({}, RNG.randbytes(1), "1-byte salt (2 characters)"),
        ({}, RNG.randbytes(2), "2-byte salt (3 characters)"),
        ({}, RNG.randbytes(63), None),
        ({}, RNG.randbytes(64), "64-byte salt (the longest libxcrypt decodes)"),
        ({"p": 2}, RNG.randbytes(16), None),
        ({"p": 3, "n_log2": 10, "r": 8}, RNG.randbytes(16), None),
        ({"t": 1}, RNG.randbytes(16), None),
        ({"t": 2, "n_log2": 10, "r": 8}, RNG.randbytes(16), None),
        ({"t": 5, "n_log2": 8, "r": 4}, RNG.randbytes(16), None),
        ({"p": 2, "t": 3, "n_log2": 10, "r": 8}, RNG.randbytes(16), None),
        ({"r": 1, "n_log2": 2}, RNG.randbytes(16), "smallest N (4), r=1"),
        ({"r": 1, "n_log2": 16}, RNG.randbytes(16), "8 MiB in 128-byte blocks"),
        ({"r": 31, "n_log2": 12}, RNG.randbytes(16), "N*r just below the pre-hash threshold"),
        ({"r": 64, "n_log2": 11}, RNG.randbytes(16), "pre-hash with r=64"),
        ({"r": 5, "n_log2": 8}, RNG.randbytes(16), "no pre-hash (N < 256)"),
        ({"flavor": "worm"}, RNG.randbytes(16), "write-once/read-many flavor"),
        ({"flavor": "worm", "t": 1, "p": 2, "n_log2": 10, "r": 8}, RNG.randbytes(16), None),
        ({"flavor": "classic", "n_log2": 14, "r": 8}, RNG.randbytes(16), "classic scrypt flavor"),
        ({"flavor": "classic", "n_log2": 4, "r": 1, "p": 3}, RNG.randbytes(16), None),
        ({"p": 16, "n_log2": 12, "r": 1}, RNG.randbytes(16), "p=16, the default policy's highest"),
        ({"r": 600, "n_log2": 3}, RNG.randbytes(16), "r=600 (a two-character r)"),
    ]
    for i, (kw, salt, extra) in enumerate(hand):
        pw = [b"password", g.UMLAUT, g.PUNCT2, g.BIT8, g.SPACES][i % 5]
        st = setting(salt, **kw)
        g.pair(out, X, "yescrypt", pw, g.xcrypt(pw, st), comment(kw, salt, extra))

    # mkpasswd picks its own salt.
    for cost, pw in ((None, b"password"), (1, g.E_ACUTE), (3, g.CJK), (5, g.EMOJI), (6, g.LATIN1)):
        stored = g.mkpasswd("yescrypt", pw, rounds=cost)
        g.pair(out, MK, "yescrypt", pw, stored,
               "mkpasswd -R %s" % cost if cost else "mkpasswd's default cost")

    # pyescrypt, with settings of every kind.
    for i, kw in enumerate([{}, {"p": 2}, {"t": 1}, {"flavor": "worm"},
                            {"flavor": "classic", "n_log2": 10, "r": 8}, {"n_log2": 9, "r": 2}]):
        salt = RNG.randbytes([16, 8, 24, 16, 16, 5][i])
        pw = [b"secret", g.CONTROL, g.long_pw(200), b"x", g.LEADTRAIL, g.EMOJI][i]
        st = setting(salt, **kw)
        g.pair(out, PY, "yescrypt", pw, pyescrypt_digest(pw, st), comment(kw, salt))

    g.write_file("yescrypt.txt", g.header("yescrypt ($y$PARAMS$SALT$HASH, libxcrypt's format)", [
        "PARAMS: yescrypt's variable-width numbers (flavor, log2 N, r, then a 'have'",
        "mask and p, t); SALT and HASH: yescrypt's little-endian base64.",
        "pyescrypt is a separate build of Openwall's yescrypt, which libxcrypt",
        "imports: the two share their C lineage (see vectors/gen/README.md)."]), out)
    return out


def malformed_yescrypt(g, bad, PW):
    X = g.SRC["xcrypt"]
    base = g.xcrypt(PW, setting(bytes(range(16)))).decode()
    pre, sal, dig = base.rsplit("$", 2)
    assert pre == "$y$j9T"

    def ed(p=None, s=None, d=None):
        return "$y$%s$%s$%s" % (p if p is not None else "j9T", s if s is not None else sal,
                                d if d is not None else dig)

    bad(X, "yescrypt", base, "EmptyPassword", "good hash of \"password\", empty password",
        pw=b"", mutated=False)
    bad(X, "yescrypt", ed(p=""), "MissingField", "empty params")
    bad(X, "yescrypt", ed(p="j"), "InvalidLength", "params end before N")
    bad(X, "yescrypt", ed(p="j9"), "InvalidLength", "params end before r")
    bad(X, "yescrypt", ed(p="j9T_"), "InvalidCharacter", "'_' in params")
    bad(X, "yescrypt", ed(p="i9T"), "UnsupportedVariant", "flavor 46 (no pwxform settings libxcrypt computes)")
    bad(X, "yescrypt", ed(p="k9T"), "UnsupportedVariant", "flavor 59 ('k9', two characters)")
    bad(X, "yescrypt", ed(p="j.T"), "CostOutOfRange", "N=2 (libxcrypt needs N >= 4)")
    bad(X, "yescrypt", ed(p="jTT"), "CostOutOfRange", "N=2^32 (libxcrypt needs N < 2^32)")
    bad(X, "yescrypt", ed(p="j9T1."), "UnsupportedVariant", "g=1 (hash upgrades, removed from libxcrypt)")
    bad(X, "yescrypt", ed(p="j9T5."), "UnsupportedVariant", "NROM (needs a ROM crypt() never has)")
    bad(X, "yescrypt", ed(p="j9TD"), "NonCanonical",
        "'have' bit 16, which libxcrypt ignores (so it still verifies there) and no tool writes")
    bad(X, "yescrypt", ed(p="j9T..."), "TrailingData", "a character after p")
    bad(X, "yescrypt", ed(p=params(flavor="classic", t=1)), "CostOutOfRange", "classic scrypt with t=1")
    bad(X, "yescrypt", ed(p=params(n_log2=2, p=2)), "CostOutOfRange", "RW with N/p = 2 (libxcrypt needs > 3)")
    bad(X, "yescrypt", ed(p=params(r=1 << 29, p=2)), "CostOutOfRange", "r*p = 2^30")
    bad(X, "yescrypt", ed(s=sal[:-1]), "InvalidLength", "salt of 21 characters: a lone last character")
    bad(X, "yescrypt", ed(s=sal[:-2] + "zz"), "NonCanonical", "salt's unused high bits set")
    bad(X, "yescrypt", ed(s=sal[:-1] + "-"), "InvalidCharacter", "'-' in the salt")
    bad(X, "yescrypt", ed(s="F" * 88), "InvalidLength", "66-byte salt (libxcrypt decodes at most 64)")
    bad(X, "yescrypt", ed(d=""), "MissingField", "empty hash")
    bad(X, "yescrypt", "$y$j9T$" + sal, "MissingField", "a setting without its hash")
    bad(X, "yescrypt", ed(d=dig[:-1]), "DigestTooShort", "42-character hash")
    bad(X, "yescrypt", ed(d=dig + "."), "DigestTooLong", "44-character hash")
    bad(X, "yescrypt", ed(d=dig[:-1] + "z"), "NonCanonical", "hash's unused high bits set")
    bad(X, "yescrypt", ed(d=dig[:-1] + "+"), "InvalidCharacter", "'+' in the hash")
    bad(X, "yescrypt", base + "$", "TrailingData", "a '$' after the hash")
    bad(X, "unknown", "$Y$" + base[3:], "UnknownScheme", "upper-case identifier")
    bad(X, "unknown", "$7$" + base[3:], "UnknownScheme", "scrypt's $7$ identifier")
    bad(X, "unknown", "$gy$" + base[3:], "UnknownScheme", "gost-yescrypt's identifier")
    # Genuine hashes the default policy refuses before hashing.
    big = g.xcrypt(PW, g.XC.gensalt(b"$y$", 10, bytes(range(16)))).decode()
    bad(X, "yescrypt", big, "YescryptCostTooHigh",
        "genuine crypt_gensalt cost 10: 512 MiB, above the default 256 MiB", mutated=False)
    for kw, c in (({"p": 17, "n_log2": 7, "r": 1}, "p=17, above the default 16"),
                  ({"t": 11, "n_log2": 4, "r": 1}, "t=11, above the default 10")):
        st = setting(bytes(range(16)), **kw)
        bad(X, "yescrypt", g.xcrypt(PW, st).decode(), "YescryptCostTooHigh", "genuine " + c, mutated=False)
