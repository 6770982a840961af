#!/usr/bin/env python3
"""The run-wide secret check's verdict: reads what each test JVM searched (operator/target/secret-check/<pid>.txt,
written by dev.slipway.testing.SecretCheck) and fails on any hit, or when no JVM searched for a credential at all
(then the check proved nothing). Prints counts and places, never a credential."""
import glob
import os
import sys

directory = sys.argv[1]
files = sorted(glob.glob(os.path.join(directory, "*.txt")))
total_credentials = total_hits = 0
for path in files:
    credentials = hits = 0
    searched, found = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, _, rest = line.rstrip("\n").partition(" ")
            if word == "credentials":
                credentials = int(rest)
            elif word == "hits":
                hits = int(rest)
            elif word == "searched":
                count, size, kind = rest.split(" ", 2)
                searched.append(f"{kind} {count}x ({int(size) // 1024} KiB)")
            elif word == "hit":
                found.append(rest)
    total_credentials += credentials
    total_hits += hits
    print(f"test JVM {os.path.basename(path)[:-4]}: {credentials} credentials searched for in: {', '.join(searched) or 'nothing'}"
          f" -> {hits} hits")
    for h in found:
        print(f"  HIT: {h}")
print(f"secret check: {len(files)} test JVMs, {total_credentials} credentials, {total_hits} hits")
if not files or total_credentials == 0:
    print("secret check: no test JVM searched for a credential, so nothing is proven", file=sys.stderr)
    sys.exit(1)
sys.exit(1 if total_hits else 0)
