"""A subscriber on a current Cyclone DDS (the `cyclonedds` Python binding, which bundles its
own C library, 11.x) for Triad's topics: DetectionReport, Track and Warning, types written
here from idl/*.idl by hand, so that the check does not go through Triad's idlc output.

usage: dds_interop.py DOMAIN DET_TOPIC TRACK_TOPIC WARNING_TOPIC OUT.jsonl TIMEOUT_S
Reads until every instance seen on the detection topic and every track instance has been
disposed, or TIMEOUT_S; writes one JSON line per sample and per instance-state change.
Exit 0 when it ends on the disposals, 1 on timeout.
SPDX-License-Identifier: GPL-2.0-or-later"""
import json
import math
import sys
import time
from dataclasses import dataclass

from cyclonedds.core import Qos, Policy
from cyclonedds.domain import DomainParticipant
from cyclonedds.idl import IdlStruct, IdlEnum
from cyclonedds.idl.annotations import key, appendable
from cyclonedds.idl.types import uint32, uint64, int64, float64, sequence, bounded_str, array
from cyclonedds.sub import DataReader
from cyclonedds.topic import Topic
from cyclonedds.util import duration
from cyclonedds.core import InstanceState


@dataclass
@appendable
class Detection(IdlStruct, typename="triad::Detection"):
    range_m: float64
    range_rate_mps: float64
    azimuth_deg: float64
    elevation_deg: float64
    snr_db: float64
    power_db: float64
    range_bin: float64
    doppler_bin: float64
    var_range_m2: float64
    var_range_rate_m2_s2: float64
    var_azimuth_deg2: float64
    var_elevation_deg2: float64


@dataclass
@appendable
class DetectionReport(IdlStruct, typename="triad::DetectionReport"):
    site_id: bounded_str[63]
    key("site_id")
    radar_id: uint32
    key("radar_id")
    channel: uint32
    key("channel")
    cpi: uint64
    time_s: float64
    cpi_time_utc_ns: int64
    site_lat_deg: float64
    site_lon_deg: float64
    site_alt_m: float64
    beam_azimuth_deg: float64
    beam_elevation_deg: float64
    degraded_fraction: float64
    latency_s: float64
    detections: sequence[Detection]


class TrackStatus(IdlEnum, typename="triad::TrackStatus"):
    TRACK_TENTATIVE = 0
    TRACK_CONFIRMED = 1
    TRACK_DELETED = 2


class MotionModel(IdlEnum, typename="triad::MotionModel"):
    MODEL_CV = 0
    MODEL_BALLISTIC = 1
    MODEL_BOOST = 2


@dataclass
@appendable
class Track(IdlStruct, typename="triad::Track"):
    track_id: uint32
    key("track_id")
    status: TrackStatus
    model: MotionModel
    ballistic: bool
    time_utc_ns: int64
    time_s: float64
    lat_deg: float64
    lon_deg: float64
    alt_m: float64
    ecef_pos_m: array[float64, 3]
    ecef_vel_mps: array[float64, 3]
    pos_var_m2: array[float64, 3]
    vel_var_m2_s2: array[float64, 3]
    hits: uint32
    sites: sequence[bounded_str[63], 8]


class WarningKind(IdlEnum, typename="triad::WarningKind"):
    WARNING_NEW = 0
    WARNING_UPDATE = 1
    WARNING_CANCEL = 2


@dataclass
@appendable
class GroundPoint(IdlStruct, typename="triad::GroundPoint"):
    lat_deg: float64
    lon_deg: float64
    alt_m: float64
    time_utc_ns: int64
    time_s: float64
    time_sigma_s: float64
    semi_major_m: float64
    semi_minor_m: float64
    orientation_deg: float64


@dataclass
@appendable
class Warning(IdlStruct, typename="triad::Warning"):
    event_id: uint64
    key("event_id")
    version: uint32
    kind: WarningKind
    track_id: uint32
    issued_utc_ns: int64
    issued_s: float64
    launch: GroundPoint
    impact: GroundPoint


def num(x):
    return None if isinstance(x, float) and math.isnan(x) else x


def main():
    domain, det_topic, track_topic, warning_topic, out_path, timeout_s = sys.argv[1:7]
    dp = DomainParticipant(int(domain))
    det_qos = Qos(Policy.Reliability.Reliable(duration(milliseconds=100)),
                  Policy.History.KeepLast(16), Policy.Durability.Volatile,
                  Policy.Deadline(duration(seconds=1000)))
    track_qos = Qos(Policy.Reliability.Reliable(duration(seconds=1)), Policy.History.KeepLast(1),
                    Policy.Durability.Volatile)
    warn_qos = Qos(Policy.Reliability.Reliable(duration(seconds=1)), Policy.History.KeepLast(8),
                   Policy.Durability.TransientLocal)
    readers = {
        "report": DataReader(dp, Topic(dp, det_topic, DetectionReport, qos=det_qos), qos=det_qos),
        "track": DataReader(dp, Topic(dp, track_topic, Track, qos=track_qos), qos=track_qos),
        "warning": DataReader(dp, Topic(dp, warning_topic, Warning, qos=warn_qos), qos=warn_qos),
    }
    alive = {"report": set(), "track": set()}
    disposed = {"report": set(), "track": set()}
    by_handle = {}
    end = time.monotonic() + float(timeout_s)
    ok = False
    with open(out_path, "w") as out:
        while time.monotonic() < end:
            got = False
            for kind, rd in readers.items():
                for s in rd.take(N=256):
                    got = True
                    info = s.sample_info
                    gone = info.instance_state == InstanceState.NotAliveDisposed
                    if not info.valid_data:
                        # a state change only: its key is the instance's
                        k = by_handle.get((kind, info.instance_handle))
                        if gone and k is not None and kind in disposed:
                            disposed[kind].add(k)
                            out.write(json.dumps({"type": "disposed", "topic": kind,
                                                  "key": k, "how": "invalid sample"}) + "\n")
                        continue
                    if kind == "report":
                        k = [s.site_id, s.radar_id, s.channel]
                        # Triad's end-of-stream sample (docs/FORMATS.md, "Detections on DDS")
                        is_end = (s.degraded_fraction == 1.0 and not s.detections and
                                  math.isnan(s.latency_s))
                        line = {"type": kind, "site": s.site_id, "radar_id": s.radar_id,
                                "channel": s.channel, "cpi": s.cpi,
                                "detections": [[round(d.range_m, 3), round(d.range_rate_mps, 3),
                                                round(d.snr_db, 2)] for d in s.detections]}
                    elif kind == "track":
                        k = s.track_id
                        is_end = s.status == TrackStatus.TRACK_DELETED
                        line = {"type": kind, "track_id": s.track_id, "hits": s.hits,
                                "status": s.status.name, "sites": list(s.sites)}
                    else:
                        k = s.event_id
                        is_end = False
                        line = {"type": kind, "event_id": s.event_id, "version": s.version,
                                "kind": s.kind.name, "impact_lat_deg": num(s.impact.lat_deg)}
                    by_handle[(kind, info.instance_handle)] = k
                    kk = tuple(k) if isinstance(k, list) else k
                    if is_end:
                        if gone:
                            disposed[kind].add(kk)
                        out.write(json.dumps({"type": "disposed", "topic": kind, "key": k,
                                              "how": "write-dispose", "state_disposed": gone})
                                  + "\n")
                        continue
                    if kind in alive:
                        alive[kind].add(kk)
                    out.write(json.dumps(line) + "\n")
            out.flush()
            want_tracks = track_topic != "-"
            if alive["report"] and alive["report"] <= disposed["report"] and \
                    (not want_tracks or (alive["track"] and alive["track"] <= disposed["track"])):
                ok = True
                break
            if not got:
                time.sleep(0.02)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
