#!/usr/bin/env python3
"""Turns criterion's results (target/criterion) into BENCHMARKS.md: per scheme, the median
time of passgate and of each peer measured in the same run, and the ratios passgate ÷ peer.

    cargo bench -p passgate-peers --bench verify && python3 peers/benches/report.py > BENCHMARKS.md

The results are read where criterion writes them: $CRITERION_HOME, else
$CARGO_TARGET_DIR/criterion, else target/criterion.
"""
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
CRITERION = (pathlib.Path(os.environ["CRITERION_HOME"]) if os.environ.get("CRITERION_HOME")
             else pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target") / "criterion")

# Group → (peer to compare with, target ratio, what the target is measured against).
TARGETS = {
    "bcrypt-cost12": [("libxcrypt", 0.95)],
    "md5crypt": [("libxcrypt", 0.90)],
    "apr1": [("libxcrypt", 0.90)],
    "descrypt": [("libxcrypt", None)],
    "sha512crypt-400000": [("libxcrypt", 0.90)],
    "sha256crypt-800000": [("libxcrypt", 0.30)],
    "pbkdf2-sha256-1000000": [("limit-rustcrypto", 1.05), ("limit-openssl", None)],
    "pbkdf2-sha512-400000": [("limit-rustcrypto", 1.10), ("limit-openssl", None)],
    "pbkdf2-sha1-1500000": [("limit-rustcrypto", 1.05), ("limit-openssl", None)],
    "argon2id-m19456-t2-p1": [("libargon2", None), ("argon2-crate", None)],
    "argon2id-m65536-t3-p4": [("libargon2", None), ("argon2-crate", None)],
    "yescrypt-n4096-r32": [("libxcrypt", None), ("yescrypt-crate", None)],
    "yescrypt-n1024-r8": [("libxcrypt", None), ("yescrypt-crate", None)],
}


def median_ns(group: str, function: str) -> float | None:
    path = CRITERION / group / function / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"]


def fmt_ms(ns: float) -> str:
    if ns < 1e5:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns / 1e6:.3f} ms" if ns < 1e7 else f"{ns / 1e6:.1f} ms"


def machine() -> str:
    cpu = "unknown CPU"
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    cores = len([l for l in pathlib.Path("/proc/cpuinfo").read_text().splitlines()
                 if l.startswith("processor")])
    return f"{cpu}, {cores} cores, {platform.system()} {platform.release()}, {rustc}"


def main() -> int:
    if not CRITERION.exists():
        print("no criterion results: run `cargo bench --bench verify` first", file=sys.stderr)
        return 1
    out = ["# Benchmarks", "",
           f"Machine: {machine()}. Run of {datetime.date.today().isoformat()}; medians of "
           "criterion samples, every figure of a row from the same run "
           "(`cargo bench -p passgate-peers --bench verify`, then `python3 peers/benches/report.py`).", "",
           "| scheme | passgate | peer | peer time | passgate ÷ peer | target |",
           "|---|---|---|---|---|---|"]
    missing = []
    for group, checks in TARGETS.items():
        ours = median_ns(group, "passgate")
        if ours is None:
            missing.append(group)
            continue
        peers = sorted(p.name for p in (CRITERION / group).iterdir()
                       if p.is_dir() and p.name not in ("passgate", "report"))
        for peer in peers:
            theirs = median_ns(group, peer)
            if theirs is None:
                continue
            target = dict(checks).get(peer)
            verdict = ""
            if target is not None:
                ratio = ours / theirs
                verdict = f"≤ {target:.2f} {'met' if ratio <= target else 'NOT met'}"
            out.append(f"| {group} | {fmt_ms(ours)} | {peer} | {fmt_ms(theirs)} | "
                       f"{ours / theirs:.3f} | {verdict} |")
    out += ["", "Peers: `libxcrypt` is the system's libcrypt.so.1 through `crypt_rn`; "
            "`openssl` is OpenSSL's `PKCS5_PBKDF2_HMAC`; `libargon2` is the reference Argon2 "
            "(the system's libargon2.so.1, as the `argon2` CLI uses it; Debian builds its portable "
            "C code, without the SSE2 path) through `argon2id_hash_raw`, which runs p lanes on "
            "p threads; `bcrypt-crate`, "
            "`sha-crypt-crate`, `pbkdf2-crate`, `argon2-crate` and `yescrypt-crate` are the "
            "RustCrypto / `bcrypt` crates' raw functions (for Argon2, the very call passgate "
            "makes, so passgate ÷ crate is passgate's own overhead; yescrypt runs passgate's "
            "own engine, the crate is its cross-check; libxcrypt maps fresh memory for yescrypt "
            "on every call, while the memory passgate frees is reused by the allocator, so "
            "see the yescrypt note below for the compute-only comparison); "
            "`limit-rustcrypto` and `limit-openssl` are two compression-function calls per "
            "PBKDF2 iteration at bulk hashing speed (RustCrypto's `compress*`, with SHA-NI where "
            "the CPU has it, and OpenSSL's digest), the floor for any PBKDF2 built on that "
            "function.",
            "apr1 is compared with libxcrypt's md5crypt, the same work (libxcrypt has no apr1)."
            " descrypt is traditional DES crypt (25 DES encryptions, salt `ab`)."]
    seq = median_ns("batch-16-bcrypt8", "sequential")
    many = median_ns("batch-16-bcrypt8", "verify_many")
    if seq and many:
        out += ["", "## Batch verification", "",
                "| work | one by one | verify_many | speed-up | target |", "|---|---|---|---|---|",
                f"| 16 × bcrypt cost 8 | {fmt_ms(seq)} | {fmt_ms(many)} | {seq / many:.2f}× | "
                f"≥ 5.50× {'met' if seq / many >= 5.5 else 'NOT met'} |"]
    if missing:
        out += ["", "Not measured in this run: " + ", ".join(missing) + "."]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
