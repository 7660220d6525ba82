#!/usr/bin/env python3
"""Whole-process timing of commands side by side: each run is posix_spawn + wait4, with
standard input from a file and standard output to /dev/null; the commands take turns
(A B C A B C ...) so that drift in the machine's speed hits each alike. Prints, for each
command, the wall time (min, 10th percentile, median, 90th percentile), the CPU time and the
minor page faults the kernel accounted to the child, and each command's median ratio to the
first, taken run by run.

  spawn-bench.py [-n RUNS] [--cpu N] [--stdin FILE] --cmd LABEL 'COMMAND ARGS' --cmd ...
"""

import argparse
import os
import shlex
import statistics
import sys
import time


def spawn(argv, stdin):
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, stdin, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
    ]
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter_ns() - start
    return wall / 1e6, os.waitstatus_to_exitcode(status), usage


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--runs", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--cpu", type=int, help="pin this process and its children to one CPU")
    ap.add_argument("--stdin", default=os.devnull)
    ap.add_argument("--cmd", nargs=2, action="append", metavar=("LABEL", "COMMAND"), required=True)
    a = ap.parse_args()
    if a.cpu is not None:
        os.sched_setaffinity(0, {a.cpu})
    cmds = [(label, shlex.split(c)) for label, c in a.cmd]
    for _, argv in cmds:
        argv[0] = os.path.abspath(argv[0]) if os.sep in argv[0] else argv[0]
    walls = {label: [] for label, _ in cmds}
    cpus = {label: [] for label, _ in cmds}
    faults = {label: [] for label, _ in cmds}
    codes = {label: set() for label, _ in cmds}
    for i in range(a.warmup + a.runs):
        for label, argv in cmds:
            wall, code, ru = spawn(argv, a.stdin)
            if i < a.warmup:
                continue
            walls[label].append(wall)
            cpus[label].append((ru.ru_utime + ru.ru_stime) * 1e3)
            faults[label].append(ru.ru_minflt + ru.ru_majflt)
            codes[label].add(code)
    base = cmds[0][0]
    print(f"{a.runs} runs each, alternating, after {a.warmup} warm-up rounds"
          + (f", pinned to CPU {a.cpu}" if a.cpu is not None else ""))
    print(f"{'command':<24} {'min':>7} {'p10':>7} {'median':>7} {'p90':>7}  {'cpu':>6}"
          f"  {'faults':>6}  {'÷ ' + base:>12}  exit")
    for label, _ in cmds:
        w = walls[label]
        ratio = statistics.median(x / y for x, y in zip(w, walls[base]))
        print(f"{label:<24} {min(w):7.3f} {pct(w, .1):7.3f} {statistics.median(w):7.3f}"
              f" {pct(w, .9):7.3f}  {statistics.median(cpus[label]):6.3f}"
              f"  {statistics.median(faults[label]):6.0f}  {ratio:12.3f}"
              f"  {','.join(map(str, sorted(codes[label])))}")
    print("wall and cpu in ms (cpu = user + system from wait4); faults = minor + major, median")


if __name__ == "__main__":
    sys.exit(main())
