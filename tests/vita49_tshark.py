"""Receive UDP datagrams into a pcap file, or check tshark's decoding of one against what the
VITA-49 stream of a recording must be, computed here from the recording alone.

  vita49_tshark.py capture PORT_FILE OUT.pcap IDLE_S
      binds 127.0.0.1:0, writes the port to PORT_FILE, stores every datagram (as Ethernet/
      IPv4/UDP frames to that port) until IDLE_S seconds pass without one
  vita49_tshark.py check MODE REC.sigmf-meta FIELDS.tsv
      MODE sample-count | picoseconds | free-running | difi; FIELDS.tsv is tshark -T fields
      output with the columns of FIELDS below
SPDX-License-Identifier: GPL-2.0-or-later"""
import json
import math
import socket
import struct
import sys
import time

FIELDS = ["frame.number", "vrt.type", "vrt.sid", "vrt.cidflag", "vrt.tflag", "vrt.tsi",
          "vrt.tsf", "vrt.seq", "vrt.len", "vrt.ts_int", "vrt.ts_frac_sample",
          "vrt.ts_frac_picosecond", "vrt.oui", "vrt.pcc", "vrt.valid_en", "vrt.valid",
          "vrt.reflock_en", "vrt.reflock", "vrt.overrng_en", "vrt.overrng",
          "vrt.sampleloss_en", "vrt.caltime_en", "vrt.caltime", "vrt.data"]


def capture(port_file, out, idle_s):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    with open(port_file, "w") as f:
        f.write(f"{port}\n")
    frames = []
    s.settimeout(float(idle_s))
    try:
        while True:
            frames.append(s.recv(65536))
    except socket.timeout:
        pass
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # Ethernet
        for i, d in enumerate(frames):
            udp = struct.pack(">HHHH", 40000, port, 8 + len(d), 0) + d
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                             bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
            eth = b"\0" * 12 + b"\x08\x00" + ip
            f.write(struct.pack("<IIII", i // 1000, (i % 1000) * 1000, len(eth), len(eth)))
            f.write(eth)
    print(f"captured {len(frames)} datagrams on port {port}")


def utc_split(dt):
    # "2026-11-23T00:00:00.25Z": whole seconds and the exact fraction, from the text
    import calendar
    date, clock = dt.rstrip("Z").split("T")
    y, mo, d = map(int, date.split("-"))
    h, mi, sec = clock.split(":")
    whole, _, frac = sec.partition(".")
    s = calendar.timegm((y, mo, d, int(h), int(mi), int(whole)))
    return s, float("0." + frac) if frac else 0.0


def flag(v):
    return v in ("1", "True", "true")


def check(mode, meta_path, tsv):
    meta = json.load(open(meta_path))
    g = meta["global"]
    fs = g["core:sample_rate"]
    n = g["radar:samples_per_pulse"]
    p = g["radar:pulses_per_cpi"]
    c = g.get("core:num_channels", 1)
    pri = g["radar:pri_s"]
    carrier = meta["captures"][0]["core:frequency"]
    ep_s, ep_frac = utc_split(meta["captures"][0]["core:datetime"])
    raw = open(meta_path.replace(".sigmf-meta", ".sigmf-data"), "rb").read()
    iq = struct.unpack("<%dh" % (len(raw) // 2), raw)
    cpis = len(iq) // (2 * n * p * c)
    rows = [line.rstrip("\n").split("\t") for line in open(tsv)]
    col = {name: i for i, name in enumerate(FIELDS)}
    get = lambda r, name: r[col[name]]
    data = [r for r in rows if get(r, "vrt.type") == "1"]
    ctx = [r for r in rows if get(r, "vrt.type") == "4"]
    assert len(rows) == len(data) + len(ctx), "a packet neither data nor context"
    payload = 360
    per_cpi = -(-n * p // payload)
    assert len(data) == cpis * per_cpi * c, (len(data), cpis * per_cpi * c)
    difi = mode == "difi"
    tsf_want = {"sample-count": "1", "picoseconds": "2", "difi": "2", "free-running": "3"}[mode]
    seq = {}
    over_seen = [0, 0]
    j = 0
    for k in range(cpis):
        for off in range(0, n * p, payload):
            ln = min(payload, n * p - off)
            i = k * n * p + off
            t = ep_frac + (i // n) * pri + (i % n) / fs
            for ch in range(c):
                r = data[j]
                j += 1
                where = f"data packet {j} (CPI {k}, channel {ch}, offset {off})"
                assert int(get(r, "vrt.sid"), 0) == 1 + ch, where
                assert flag(get(r, "vrt.cidflag")) == difi, where
                assert flag(get(r, "vrt.tflag")) == (not difi), where
                assert get(r, "vrt.tsi") == "1", (where, get(r, "vrt.tsi"))
                assert get(r, "vrt.tsf") == tsf_want, (where, get(r, "vrt.tsf"))
                words = 2 + (2 if difi else 0) + 1 + 2 + ln + (0 if difi else 1)
                assert int(get(r, "vrt.len")) == words, (where, get(r, "vrt.len"), words)
                s = seq.get(("d", ch), int(get(r, "vrt.seq")))
                assert int(get(r, "vrt.seq")) == s % 16, where
                seq[("d", ch)] = s + 1
                whole = math.floor(t)
                if mode == "free-running":
                    assert int(get(r, "vrt.ts_frac_sample")) == i, where
                    assert int(get(r, "vrt.ts_int")) == ep_s + whole, where
                elif mode == "sample-count":
                    cnt = round((t - whole) * fs)
                    sec = ep_s + whole + (1 if cnt >= fs else 0)
                    cnt = cnt - fs if cnt >= fs else cnt
                    assert int(get(r, "vrt.ts_int")) == sec, (where, get(r, "vrt.ts_int"), sec)
                    assert int(get(r, "vrt.ts_frac_sample")) == cnt, (where, get(r, "vrt.ts_frac_sample"), cnt)
                    assert cnt < fs
                else:
                    ps = round((t - whole) * 1e12)
                    got = int(get(r, "vrt.ts_frac_picosecond"))
                    assert int(get(r, "vrt.ts_int")) == ep_s + whole, where
                    assert abs(got - ps) <= 1, (where, got, ps)
                if difi:
                    assert int(get(r, "vrt.oui"), 0) == 0x6A621E, where
                    assert int(get(r, "vrt.pcc"), 0) == 0, where
                # the samples: the recording's ci16, big endian on the wire
                body = bytes.fromhex(get(r, "vrt.data").replace(":", ""))
                vals = struct.unpack(">%dh" % (2 * ln), body[:4 * ln])
                want = []
                for q in range(ln):
                    base = 2 * ((i + q) * c + ch)
                    want += [iq[base], iq[base + 1]]
                assert list(vals) == want, where + ": samples differ"
                if not difi:
                    over = any(v in (32767, -32768) for v in vals)
                    over_seen[over] += 1
                    assert flag(get(r, "vrt.valid_en")) and flag(get(r, "vrt.valid")), where
                    assert flag(get(r, "vrt.reflock_en")) and flag(get(r, "vrt.reflock")), where
                    assert flag(get(r, "vrt.overrng_en")), where
                    assert flag(get(r, "vrt.overrng")) == over, (where, "over-range", over)
                    assert not flag(get(r, "vrt.sampleloss_en")), where
                    assert flag(get(r, "vrt.caltime_en")) and flag(get(r, "vrt.caltime")), where
    if not difi:
        assert over_seen[0] and over_seen[1], f"over-range never or always: {over_seen}"
    # context: one per channel at the start and per second of stream time, before the data
    # packet it precedes; the body decoded here from VITA 49.0's field table
    assert ctx and len(ctx) % c == 0, len(ctx)
    for r in ctx:
        ch = int(get(r, "vrt.sid"), 0) - 1
        assert 0 <= ch < c
        s = seq.get(("c", ch), int(get(r, "vrt.seq")))
        assert int(get(r, "vrt.seq")) == s % 16
        seq[("c", ch)] = s + 1
        assert flag(get(r, "vrt.cidflag")) == difi
        if difi:
            assert int(get(r, "vrt.oui"), 0) == 0x6A621E and int(get(r, "vrt.pcc"), 0) == 1
        body = bytes.fromhex(get(r, "vrt.data").replace(":", ""))
        cif0 = struct.unpack(">I", body[:4])[0]
        sizes = {30: 1, 29: 2, 28: 2, 27: 2, 26: 2, 25: 2, 24: 1, 23: 1, 22: 1, 21: 2, 20: 2,
                 19: 1, 18: 1, 17: 2, 16: 1, 15: 2}
        if difi:
            assert cif0 & 0x7FFFFFFF == 0x7BB98000, hex(cif0)  # DIFI's standard set
            assert len(body) == 4 * (27 - 7)  # after header, stream ID, class ID, timestamps
        at = 4
        got = {}
        for bit in range(30, 14, -1):
            if cif0 >> bit & 1:
                w = body[at:at + 4 * sizes[bit]]
                got[bit] = w
                at += 4 * sizes[bit]
        fixed = lambda w: struct.unpack(">q", w)[0] / 2 ** 20
        assert fixed(got[21]) == fs, fixed(got[21])
        assert fixed(got[27]) == carrier, fixed(got[27])
        assert fixed(got[29]) == meta["global"]["radar:waveform"]["bandwidth_hz"]
        assert struct.unpack(">q", got[20])[0] == 0  # timestamp adjustment
        assert struct.unpack(">hh", got[23]) == (0, 0)  # gain
    print(f"vita49_tshark {mode}: {len(data)} data packets, {len(ctx)} context packets match; "
          f"over-range in {over_seen[1]} of {over_seen[0] + over_seen[1]}")


if __name__ == "__main__":
    if sys.argv[1] == "capture":
        capture(*sys.argv[2:5])
    elif sys.argv[1] == "fields":
        print(" ".join(f"-e {f}" for f in FIELDS))
    else:
        check(*sys.argv[2:5])
