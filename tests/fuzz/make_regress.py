#!/usr/bin/env python3
"""Writes the hand-made regression cases of the fuzz corpora (issue 18's list and the hostile
cases of issue 17) from the seeds that fuzz_make_seeds wrote: tests/fuzz/make_regress.py
CORPUS_DIR. Each becomes CORPUS_DIR/TARGET/regress-NAME; the replay tests keep them.
SPDX-License-Identifier: GPL-2.0-or-later"""
import json, os, re, sys

corpus = sys.argv[1]


def put(target, name, data):
    with open(os.path.join(corpus, target, "regress-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def read(target, name):
    with open(os.path.join(corpus, target, name), "rb") as f:
        return f.read()


# fusion: the first truth line and the first report line with a detection
truth = read("fusion_jsonl", "truth").decode().splitlines()
tl = json.loads(next(l for l in truth if '"type":"truth"' in l))
rep = json.loads(next(l for l in read("fusion_jsonl", "reports").decode().splitlines()
                      if '"range_m"' in l))
t = dict(tl, seen_by=1e10)
put("fusion_jsonl", "seen_by_1e10", json.dumps(t) + "\n")
t = dict(tl, ecef_m=["x", None, {}])
put("fusion_jsonl", "ecef_not_numbers", json.dumps(t) + "\n")
r = dict(rep)
r.pop("time_utc")
r["time_s"] = 1e308
put("fusion_jsonl", "time_s_1e308", json.dumps(r) + "\n")
put("fusion_jsonl", "range_inf", json.dumps(rep).replace('"range_m": ', '"range_m": 1e999, "x": ', 1) + "\n")
put("fusion_jsonl", "nested_100000", '{"detections":' + "[" * 100000 + "]" * 100000 + "}\n")

# scene: issue 18's carrier, rx_delay, datetime
scene = json.loads(read("scene", "default.json"))
for name, key, value in (("carrier_1e-300", "carrier_hz", 1e-300), ("rx_delay_1e300", "rx_delay_s", 1e300),
                         ("datetime_9999", "datetime", "9999-12-31T23:59:60Z"),
                         ("datetime_-999", "datetime", "-999-01-01T00:00:00Z"),
                         ("samples_2p31", "samples_per_pulse", 2 ** 31)):
    s = json.loads(json.dumps(scene))
    s["radar"][key] = value
    put("scene", name, json.dumps(s))
put("scene", "nested_100000", '{"radar":' + "[" * 100000 + "]" * 100000 + "}")

# SigMF (8 bytes of data size, then the meta): the same values in the meta's own fields
raw = read("sigmf", "cf32")
size, meta = raw[:8], raw[8:].decode()
for name, pat, repl in (("carrier_1e-300", r'"core:frequency":\s*[-0-9.e+]+', '"core:frequency": 1e-300'),
                        ("rx_delay_1e300", r'"radar:rx_delay_s":\s*[-0-9.e+]+', '"radar:rx_delay_s": 1e300'),
                        ("datetime_9999", r'"core:datetime":\s*"[^"]*"', '"core:datetime": "9999-12-31T23:59:60Z"'),
                        ("samples_2p31", r'"radar:samples_per_pulse":\s*[0-9]+', '"radar:samples_per_pulse": 2147483648'),
                        ("pulses_2p31", r'"radar:pulses_per_cpi":\s*[0-9]+', '"radar:pulses_per_cpi": 2147483648')):
    m, n = re.subn(pat, repl, meta)
    if n:
        put("sigmf", name, size + m.encode())
put("sigmf", "data_short", b"\0\0\0\0\0\0\0\1" + meta.encode())

# sharing: a store line with a huge seq and time, a config with an absurd domain
line = read("share_envelope", "line0").decode()
put("share_envelope", "seq_2p64", re.sub(r'"seq":\d+', '"seq":18446744073709551616', line))
put("share_envelope", "time_1e30", re.sub(r'"time_ns":\d+', '"time_ns":1e30', line))
hub = json.loads(read("share_config", "hub"))
hub["links"][0]["domain"] = 1e10
hub["max_age_s"] = float("inf")
put("share_config", "domain_1e10_age_inf", json.dumps(hub).replace("Infinity", "1e999"))
