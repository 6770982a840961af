#!/usr/bin/env python3
"""Prints test totals from Surefire/Failsafe XML reports; exits 1 if a suite ran no tests."""
import glob
import os
import sys
import xml.etree.ElementTree as ET

failed = False
for directory in sys.argv[1:]:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for path in glob.glob(os.path.join(directory, "TEST-*.xml")):
        suite = ET.parse(path).getroot()
        for key in totals:
            totals[key] += int(suite.get(key, 0))
    name = os.path.basename(directory.rstrip("/"))
    print(f"{name}: {totals['tests']} tests, {totals['failures']} failures, "
          f"{totals['errors']} errors, {totals['skipped']} skipped")
    if totals["tests"] == 0 or totals["failures"] or totals["errors"] or totals["skipped"]:
        failed = True
sys.exit(1 if failed else 0)
