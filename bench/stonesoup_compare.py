#!/usr/bin/env python3
"""Triad's fusion beside a standard Stone Soup tracker on the same detection reports (issue 15).

Stone Soup (PyPI `stonesoup`): each detection converted to a Cartesian position with its
first-order covariance (range, azimuth, elevation -> ECEF -> one local east-north-up frame; the
conversion is written here, not taken from Triad), a nearly-constant-velocity model
(CombinedLinearGaussianTransitionModel of three ConstantVelocity, q below), the Kalman
predictor/updater (ExtendedKalmanPredictor/Updater: with these linear models an EKF is the
Kalman filter), global nearest neighbour (GNNWith2DAssignment over a DistanceHypothesiser with
the Mahalanobis measure), MultiMeasurementInitiator (3 points) and UpdateTimeDeleter. One scan
per report, in time order.

Both trackers are scored here in the same way against the simulator's truth: every confirmed
track state (Triad: the `track` lines of `triad fuse --out`) is given to the nearest truth
target at its time when within GATE_M; per target: track ids, position error (median, RMS).

usage: stonesoup_compare.py REPORTS TRUTH TRIAD_OUT [Q]
SPDX-License-Identifier: GPL-2.0-or-later
"""
import datetime as dt
import json
import math
import sys

import numpy as np

A = 6378137.0
F = 1.0 / 298.257223563
E2 = F * (2.0 - F)
GATE_M = 20e3


def geo_to_ecef(lat, lon, alt):
    s, c = math.sin(lat), math.cos(lat)
    n = A / math.sqrt(1.0 - E2 * s * s)
    return np.array([(n + alt) * c * math.cos(lon), (n + alt) * c * math.sin(lon),
                     (n * (1.0 - E2) + alt) * s])


def enu_basis(lat, lon):
    sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
    return np.array([[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]])


def parse_utc(s):
    return dt.datetime.strptime(s.replace("Z", ""), "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=dt.timezone.utc).timestamp()


def load_truth(path):
    start, truth = None, {}
    for line in open(path):
        m = json.loads(line)
        if m.get("type") == "scenario":
            start = parse_utc(m["start_utc"].replace("Z", ".0Z") if "." not in m["start_utc"]
                              else m["start_utc"])
        elif m.get("type") == "truth":
            truth.setdefault(m["target"], []).append((m["time_s"], np.array(m["ecef_m"])))
    out = {}
    for k, v in truth.items():
        v.sort(key=lambda x: x[0])
        out[k] = (np.array([start + t for t, _ in v]), np.array([p for _, p in v]))
    return out


def truth_at(tr, t):
    ts, ps = tr
    if t < ts[0] or t > ts[-1]:
        return None
    i = min(max(np.searchsorted(ts, t) - 1, 0), len(ts) - 2)
    u = (t - ts[i]) / (ts[i + 1] - ts[i])
    return ps[i] + u * (ps[i + 1] - ps[i])


def score(states, truth):
    """states: (time, track id, ecef). Per target: ids, errors; "_false": ids never matched."""
    per = {k: {"ids": set(), "err": []} for k in truth}
    every = set(tid for _, tid, _ in states)
    for t, tid, p in states:
        best, bd = None, GATE_M
        for k, tr in truth.items():
            q = truth_at(tr, t)
            if q is not None:
                d = float(np.linalg.norm(p - q))
                if d < bd:
                    best, bd = k, d
        if best is not None:
            per[best]["ids"].add(tid)
            per[best]["err"].append(bd)
    matched = set().union(*(v["ids"] for v in per.values())) if per else set()
    per["_false"] = {"ids": every - matched, "err": []}
    return per


def triad_states(path):
    out = []
    for line in open(path):
        m = json.loads(line)
        if m.get("type") == "track" and m.get("status") == "confirmed":
            out.append((m["time_s"], m["track_id"],
                        geo_to_ecef(math.radians(m["lat_deg"]), math.radians(m["lon_deg"]),
                                    m["alt_m"])))
    return out


def stonesoup_states(reports_path, q):
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (CombinedLinearGaussianTransitionModel,
                                                    ConstantVelocity)
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    reports = [json.loads(l) for l in open(reports_path)]
    for r in reports:
        r["t_abs"] = parse_utc(r["time_utc"])
    reports.sort(key=lambda r: (r["t_abs"], r["site"]))
    # the common frame: ENU at the mean of the sites
    sites = {r["site"]: (r["site_lat_deg"], r["site_lon_deg"], r["site_alt_m"]) for r in reports}
    lat0 = math.radians(np.mean([s[0] for s in sites.values()]))
    lon0 = math.radians(np.mean([s[1] for s in sites.values()]))
    o, rot = geo_to_ecef(lat0, lon0, 0.0), enu_basis(lat0, lon0)
    frames = {k: (geo_to_ecef(math.radians(v[0]), math.radians(v[1]), v[2]),
                  enu_basis(math.radians(v[0]), math.radians(v[1]))) for k, v in sites.items()}
    t0 = reports[0]["t_abs"]
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)

    def scans():
        for r in reports:
            when = epoch + dt.timedelta(seconds=r["t_abs"] - t0)
            spos, srot = frames[r["site"]]
            dets = set()
            for d in r["detections"]:
                rg, az = d["range_m"], math.radians(d["azimuth_deg"])
                el = math.radians(d["elevation_deg"])
                ca, sa, ce, se = math.cos(az), math.sin(az), math.cos(el), math.sin(el)
                local = np.array([rg * ce * sa, rg * ce * ca, rg * se])
                jac = np.array([[ce * sa, rg * ce * ca, -rg * se * sa],
                                [ce * ca, -rg * ce * sa, -rg * se * ca],
                                [se, 0.0, rg * ce]])
                var = np.diag([d["var_range_m2"], d["var_azimuth_deg2"] * math.radians(1) ** 2,
                               d["var_elevation_deg2"] * math.radians(1) ** 2])
                ecef = spos + srot.T @ local
                c_ecef = srot.T @ jac @ var @ jac.T @ srot
                z = rot @ (ecef - o)
                cz = rot @ c_ecef @ rot.T
                model = LinearGaussian(ndim_state=6, mapping=(0, 2, 4), noise_covar=cz)
                dets.add(Detection(z.reshape(3, 1), timestamp=when, measurement_model=model))
            yield when, dets

    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * 3)
    predictor = ExtendedKalmanPredictor(transition)
    updater = ExtendedKalmanUpdater(measurement_model=None)
    hyp = DistanceHypothesiser(predictor, updater, measure=Mahalanobis(), missed_distance=4.0)
    gnn = GNNWith2DAssignment(hyp)
    deleter = UpdateTimeDeleter(dt.timedelta(seconds=8))
    prior = GaussianState(np.zeros((6, 1)), np.diag([1e8, 1e6, 1e8, 1e6, 1e8, 1e6]))
    init_hyp = DistanceHypothesiser(predictor, updater, measure=Mahalanobis(), missed_distance=4.0)
    initiator = MultiMeasurementInitiator(prior, deleter, GNNWith2DAssignment(init_hyp), updater,
                                          measurement_model=None, min_points=3)

    class Source:
        def __iter__(self):
            return iter(scans())

        @property
        def detections(self):
            return set()

    tracker = MultiTargetTracker(initiator=initiator, deleter=deleter, detector=Source(),
                                 data_associator=gnn, updater=updater)
    ids, out = {}, []
    for when, tracks in tracker:
        t = t0 + (when - epoch).total_seconds()
        for trk in tracks:
            s = trk.state
            if s.timestamp != when:
                continue
            tid = ids.setdefault(trk.id, len(ids) + 1)
            enu = np.array([s.state_vector[0, 0], s.state_vector[2, 0], s.state_vector[4, 0]])
            out.append((t, tid, o + rot.T @ enu))
    return out


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    q = float(sys.argv[4]) if len(sys.argv) > 4 else 100.0
    truth = load_truth(sys.argv[2])
    rows = [("triad", score(triad_states(sys.argv[3]), truth)),
            ("stonesoup", score(stonesoup_states(sys.argv[1], q), truth))]
    for name, per in rows:
        print("%s false_track_ids=%d" % (name, len(per.pop("_false")["ids"])))
        for k in sorted(per):
            e = per[k]["err"]
            print("%s %s ids=%d states=%d err_median_m=%.0f err_rms_m=%.0f" % (
                name, k, len(per[k]["ids"]), len(e), float(np.median(e)) if e else float("nan"),
                math.sqrt(float(np.mean(np.square(e)))) if e else float("nan")))


if __name__ == "__main__":
    main()
