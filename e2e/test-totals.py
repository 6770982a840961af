#!/usr/bin/env python3
"""Prints test totals from Surefire/Failsafe XML reports (the real-node tier, RealNode*IT, on a
line of its own) and, below them, what the real-node tier showed (the lines its tests print:
the build digest against the registry's, the page through the ingress, the requests during the
rolling update); exits 1 if a suite ran no tests or any failed or skipped."""
import glob
import os
import sys
import xml.etree.ElementTree as ET


def totals(paths):
    t = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for path in paths:
        suite = ET.parse(path).getroot()
        for key in t:
            t[key] += int(suite.get(key, 0))
    return t


failed = False
for directory in sys.argv[1:]:
    paths = glob.glob(os.path.join(directory, "TEST-*.xml"))
    name = os.path.basename(directory.rstrip("/"))
    groups = {name: [p for p in paths if "RealNode" not in os.path.basename(p)]}
    real_node = [p for p in paths if "RealNode" in os.path.basename(p)]
    if real_node or name.startswith("failsafe"):
        groups[name + " (real-node tier)"] = real_node
    for label, group in groups.items():
        t = totals(group)
        print(f"{label}: {t['tests']} tests, {t['failures']} failures, {t['errors']} errors, {t['skipped']} skipped")
        if t["tests"] == 0 or t["failures"] or t["errors"] or t["skipped"]:
            failed = True
    shown = []
    for path in sorted(real_node):
        out = ET.parse(path).getroot().findtext("system-out") or ""
        for testcase in ET.parse(path).getroot().iter("testcase"):
            out += testcase.findtext("system-out") or ""
        shown += [line.strip() for line in out.splitlines()
                  if line.startswith(("golden path:", "ingress:", "[index]", "[smoke] kaniko"))]
    if shown:
        print("real-node tier showed:")
        for line in shown:
            print("  " + line)
sys.exit(1 if failed else 0)
