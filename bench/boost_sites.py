#!/usr/bin/env python3
"""Write two.json (the scenario as it is: both radars) and one.json (KR-central alone) from a
boost scenario, for bench/fusion_bench.sh and bench/stonesoup_bench.sh.

usage: boost_sites.py SCENARIO_JSON   (writes into the current directory)
SPDX-License-Identifier: GPL-2.0-or-later
"""
import json
import sys

s = json.load(open(sys.argv[1]))
json.dump(s, open("two.json", "w"))
s["sites"] = [x for x in s["sites"] if x["id"] == "KR-central"]
json.dump(s, open("one.json", "w"))
