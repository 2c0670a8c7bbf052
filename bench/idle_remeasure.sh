#!/bin/bash
# usage: bench/idle_remeasure.sh [OUTDIR]   (after a release build in build/; nothing else running)
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole re-measurement of the CPU chain, CFAR variants, traffic model, peers, live input
# rate and fusion on an idle machine, as recorded in bench/RESULTS.md "Idle re-measurement".
cd "$(dirname "$0")/.."
O=${1:-/tmp/triad-idle}; mkdir -p $O
T=build/triad
git log --oneline -1 > "$O"/commit.txt; date -u >> "$O"/commit.txt; uptime >> "$O"/commit.txt
echo "== M x5 (wall)"; for i in 1 2 3 4 5; do $T bench --workload M --backend fftw --cpis 50 --json "$O"/M_$i.json > "$O"/M_$i.txt 2>&1; done
echo "== M x3 cpu 1 thread"; for i in 1 2 3; do $T bench --workload M --backend fftw --cpis 50 --clock cpu --threads 1 --json "$O"/Mcpu_$i.json > "$O"/Mcpu_$i.txt 2>&1; done
echo "== multi x3"; for i in 1 2 3; do $T bench --workload MATX,CFAR2,CFAR3,CFAR4 --backend fftw --cpis 20 --json "$O"/multi_$i.json > "$O"/multi_$i.txt 2>&1; done
echo "== CFAR variants on M"; for v in ca os go so; do $T bench --workload M --backend fftw --cpis 20 --cfar $v --json "$O"/cfar_$v.json > "$O"/cfar_$v.txt 2>&1; done
echo "== traffic"; $T bench --traffic -w all > "$O"/traffic.txt 2>&1
echo "== peers"; bash bench/run_peers.sh -w S,M -p numpy -r 3 > "$O"/peers_numpy.txt 2>&1; bash bench/run_peers.sh -w S,M -p pyfftw -r 3 > "$O"/peers_pyfftw.txt 2>&1
echo "== live rate"; bash bench/live_rate.sh $T build/tests/soapy-modules "$O/live" 3 > "$O"/live_rate.txt 2>&1
echo "== fusion"; bash bench/fusion_bench.sh $T "$O/fusion" > "$O"/fusion.txt 2>&1
echo done; uptime >> "$O"/commit.txt
