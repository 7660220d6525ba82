#!/usr/bin/env python3
"""Writes src/scheme/blowfish_pi.rs: Blowfish's initial P-array and S-boxes, which are the
hexadecimal digits of pi's fractional part (Schneier, "Description of a New Variable-Length
Key, 64-Bit Block Cipher", 1993). Computed here from Machin's formula with Python integers.

    python3 tools/blowfish_constants.py > src/scheme/blowfish_pi.rs
"""

WORDS = 18 + 4 * 256
BITS = WORDS * 32 + 64  # guard bits


def arctan_inv(x: int, one: int) -> int:
    """arctan(1/x) * one, by its Taylor series."""
    total, term, n, sign = 0, one // x, 1, 1
    x2 = x * x
    while term:
        total += sign * (term // n)
        term //= x2
        n += 2
        sign = -sign
    return total


one = 1 << BITS
pi = 4 * (4 * arctan_inv(5, one) - arctan_inv(239, one))
frac = (pi - 3 * one) >> 64  # drop the guard bits: WORDS * 32 bits of the fraction
words = [(frac >> (32 * (WORDS - 1 - i))) & 0xFFFFFFFF for i in range(WORDS)]
assert words[0] == 0x243F6A88 and words[17] == 0x8979FB1B
assert words[18] == 0xD1310BA6 and words[-1] == 0x3AC372E6

print("//! Blowfish's initial state: the hexadecimal digits of pi's fractional part.")
print("//! Written by `tools/blowfish_constants.py`; do not edit.")
print()
print("/// The initial P-array.")
print("pub(super) const P: [u32; 18] = [")
for i in range(0, 18, 6):
    print("    " + " ".join(f"0x{w:08x}," for w in words[i:i + 6]))
print("];")
print()
print("/// The initial S-boxes.")
print("pub(super) const S: [[u32; 256]; 4] = [")
for box in range(4):
    print("    [")
    base = 18 + 256 * box
    for i in range(0, 256, 6):
        print("        " + " ".join(f"0x{w:08x}," for w in words[base + i:base + min(i + 6, 256)]))
    print("    ],")
print("];")
