#!/usr/bin/env bash
# Gateway load benchmark (docs/performance.md, "Gateway load").
#
# Runs `ussdgw sim --load` against
#   baseline  osmo-stp + `ussdgw sim --respond` (canned END: no TCAP state, no HTTP)
#   stp       osmo-stp + `ussdgw run` + `ussdgw customer-demo --behaviour answer`
#   direct    `ussdgw run` in ipa-server mode, the simulator connected to it over IPA
# at fixed rates (1k, 5k, 10k dialogues/s) and at saturation, measures CPU per
# dialogue of every process from /proc/<pid>/stat, and resident memory per
# 10,000 open dialogues with a customer that answers late. Prints a table.
#
# usage: bench/load_bench.sh [--quick] [--bin PATH] [--out DIR] [--duration SECONDS]
#   --quick        1 saturation search per scenario instead of 3, shorter runs
#   --bin PATH     use this ussdgw binary (default: build build-loadbench, Release)
#   --out DIR      keep raw results (results.jsonl, logs) in DIR (default: a temp dir, removed)
#   --duration S   seconds per fixed-rate run (default 10, quick 5)
#   --only LIST    comma list of parts: baseline,stp,direct,memory (default: all)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
QUICK=0
BIN=""
OUT=""
FIXED_DUR=""
ONLY="baseline,stp,direct,memory"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --bin) BIN=$2; shift ;;
    --out) OUT=$2; shift ;;
    --duration) FIXED_DUR=$2; shift ;;
    --only) ONLY=$2; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "load_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then REPS=1; SAT_DUR=3; : "${FIXED_DUR:=5}"; else REPS=3; SAT_DUR=5; : "${FIXED_DUR:=10}"; fi
RATES=(1000 5000 10000)
SECRET="loadbench-secret-0123456789abcdef"
GW_GT="447700900123"
HZ=$(getconf CLK_TCK)

# --- processes and cleanup ------------------------------------------------------
WORK=$(mktemp -d /tmp/ussdgw-loadbench-XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ -n "$OUT" ]; then
    mkdir -p "$OUT" && cp -r "$WORK"/. "$OUT"/ 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[load_bench $(date +%H:%M:%S)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
has_part() { [[ ",$ONLY," == *",$1,"* ]]; }

# Stops one of our children (by pid) and forgets it.
stop_pid() {
  local p=$1 sig=${2:-TERM} i
  kill -"$sig" "$p" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  local keep=()
  for q in "${PIDS[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
  PIDS=("${keep[@]}")
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
# osmo-stp 1.6 ignores the VTY port and always listens on ADDR:4239, so each
# osmo-stp gets a 127.0.0.0/8 address of its own whose port 4239 is free.
free_vty_address() {
  python3 -c '
import random, socket
for _ in range(64):
    a = "127.%d.%d.%d" % tuple(random.randint(1, 254) for _ in range(3))
    s = socket.socket()
    try:
        s.bind((a, 4239)); print(a); break
    except OSError:
        pass
    finally:
        s.close()
else:
    raise SystemExit("no free VTY address in 127.0.0.0/8")'
}
wait_port() {  # port timeout_s
  local i
  for i in $(seq 1 $(($2 * 20))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}
wait_grep() {  # file pattern timeout_s
  local i
  for i in $(seq 1 $(($3 * 20))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
# utime+stime of a process (all its threads), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
loadavg1() { cut -d' ' -f1 /proc/loadavg; }
# busy ticks of the whole machine (all CPUs): user+nice+system+irq+softirq+steal
sys_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
# last value of a counter in the gateway's periodic stats line (0 without a gateway)
GW_STATS=""
gw_counter() {
  [ -n "$GW_STATS" ] || { echo 0; return; }
  local v
  v=$(grep -o " $1=[0-9]*" "$GW_STATS" 2>/dev/null | tail -1 | cut -d= -f2)
  echo "${v:-0}"
}

# --- binary -----------------------------------------------------------------------
if [ -z "$BIN" ]; then
  BUILD="$ROOT/build-loadbench"
  log "building $BUILD (Release)"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log" >&2; die "cmake failed"; }
  cmake --build "$BUILD" --target ussdgw >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log" >&2; die "build failed"; }
  BIN="$BUILD/app/ussdgw"
fi
[ -x "$BIN" ] || die "no binary at $BIN"
command -v osmo-stp >/dev/null || die "osmo-stp not installed"
log "binary $BIN; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# --- components -------------------------------------------------------------------
# customer-demo NAME ARGS...: starts it, sets CUST_PID and CUST_URL
start_customer() {
  local name=$1; shift
  "$BIN" customer-demo --secret "$SECRET" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  CUST_PID=$!
  PIDS+=("$CUST_PID")
  wait_grep "$WORK/$name.out" '^http' 10 || die "customer-demo $name did not start: $(cat "$WORK/$name.err")"
  CUST_URL=$(head -1 "$WORK/$name.out")
}

# start_stp NAME: osmo-stp with AS asp-clnt-msc (PC 0.0.1 -> 0.0.2) and asp-clnt-gw
# (0.0.2 -> 0.0.1), STP 0.0.3 (as gateway/ss7/stp_process.h); sets STP_PID, STP_PORT
start_stp() {
  local name=$1 vty
  STP_PORT=$(free_port)
  vty=$(free_vty_address)
  cat >"$WORK/$name.cfg" <<EOF
log stderr
 logging filter all 1
 logging color 0
 logging print category 1
 logging level set-all error
line vty
 no login
 bind $vty 4239
cs7 instance 0
 point-code 0.0.3
 listen ipa $STP_PORT
  local-ip 127.0.0.1
  accept-asp-connections dynamic-permitted
 as asp-clnt-msc ipa
  routing-key 0 0.0.1
  point-code override dpc 0.0.2
 as asp-clnt-gw ipa
  routing-key 0 0.0.2
  point-code override dpc 0.0.1
 route-table system
  update route 0.0.1 7.255.7 linkset asp-clnt-msc
  update route 0.0.2 7.255.7 linkset asp-clnt-gw
EOF
  osmo-stp -c "$WORK/$name.cfg" </dev/null >"$WORK/$name.log" 2>&1 &
  STP_PID=$!
  PIDS+=("$STP_PID")
  wait_port "$STP_PORT" 10 || die "osmo-stp $name did not listen: $(tail -5 "$WORK/$name.log")"
}

# start_gateway NAME MODE PORT URL [STEP_DEADLINE IDLE MAX_QUEUE]: sets GW_PID
start_gateway() {
  local name=$1 mode=$2 port=$3 url=$4 deadline=${5:-4s} idle=${6:-60s} maxq=${7:-4096}
  local ss7
  if [ "$mode" = ipa-client ]; then
    ss7="  mode: ipa-client
  remote: {host: 127.0.0.1, port: $port}
  next_hop_point_code: 0.0.3"
  else
    ss7="  mode: ipa-server
  local: {host: 127.0.0.1, port: $port}
  peer_name: msc
  peer_point_code: 0.0.1
  next_hop_point_code: 0.0.1"
  fi
  cat >"$WORK/$name.yaml" <<EOF
ss7:
$ss7
  point_code: 0.0.2
  asp_name: gw
  global_title: "$GW_GT"
  max_outbound_queue: 200000
  osmo_log_level: error
tcap:
  max_dialogues: 60000
  dialogue_idle_timeout: $idle
  invoke_timeout: $idle
  shutdown_grace: 1s
ussd:
  step_deadline: $deadline
  default_customer: bench
customers:
  - id: bench
    url: $url
    secret: $SECRET
    step_deadline: $deadline
    max_connections: 8
    max_queue: $maxq
    fallback: {text: "Service unavailable, try later"}
storage:
  path: $WORK/$name.db
EOF
  "$BIN" run --config "$WORK/$name.yaml" --stats-every 1s >"$WORK/$name.out" 2>"$WORK/$name.err" &
  GW_PID=$!
  PIDS+=("$GW_PID")
  if [ "$mode" = ipa-client ]; then
    wait_grep "$WORK/$name.err" 'Link up\|link up\|link=up' 15 || die "gateway $name: no link: $(tail -5 "$WORK/$name.err")"
  else
    wait_port "$port" 15 || die "gateway $name did not listen: $(tail -5 "$WORK/$name.err")"
  fi
}

RESULTS="$WORK/results.jsonl"
: >"$RESULTS"

# run_load SCENARIO PART REP TARGET CONCURRENCY DURATION_S SIM_TARGET_ARGS...
# One `ussdgw sim --load` process; appends one JSON line to results.jsonl and
# sets LAST_OK=1 when the rate was sustained (achieved >= 97% of target, no failures).
RUN_N=0
run_load() {
  local scen=$1 part=$2 rep=$3 rate=$4 conc=$5 dur=$6; shift 6
  RUN_N=$((RUN_N + 1))
  local f="$WORK/run$RUN_N" g0 s0 c0 g1 s1 c1 la0 la1 rc=0
  la0=$(loadavg1)
  local fb0 fb1 bz0 bz1 sys0 sys1
  fb0=$(gw_counter fallbacks); bz0=$(gw_counter busy)
  sys0=$(sys_busy_ticks)
  g0=$(cpu_ticks "$GW_MEASURE"); s0=$(cpu_ticks "$STP_MEASURE"); c0=$(cpu_ticks "$CUST_MEASURE")
  "$BIN" sim --load "$@" --rate "$rate" --concurrency "$conc" --duration "${dur}s" --timeout 10s \
    --connect-timeout 10s --json >"$f.json" 2>"$f.err" || rc=$?
  g1=$(cpu_ticks "$GW_MEASURE"); s1=$(cpu_ticks "$STP_MEASURE"); c1=$(cpu_ticks "$CUST_MEASURE")
  sys1=$(sys_busy_ticks)
  la1=$(loadavg1)
  # the gateway prints its counters every second: wait for a line written after the run
  if [ -n "$GW_STATS" ]; then sleep 1.2; fi
  fb1=$(gw_counter fallbacks); bz1=$(gw_counter busy)
  if ! python3 - "$f.json" "$RESULTS" "$scen" "$part" "$rep" "$rate" "$conc" "$rc" "$HZ" \
      "$((g1 - g0))" "$((s1 - s0))" "$((c1 - c0))" "$la0" "$la1" "$((sys1 - sys0))" \
      "$((fb1 - fb0))" "$((bz1 - bz0))" "$dur" <<'PY'
import json, sys
(jf, out, scen, part, rep, rate, conc, rc, hz, gw, stp, cust, la0, la1, sysbusy, fallbacks, busy, dur) = sys.argv[1:]
txt = open(jf).read().strip()
try:
    sim = json.loads(txt[txt.index('{'):txt.rindex('}') + 1])
except ValueError:
    sys.exit(1)
hz = float(hz)
ours = (int(gw) + int(stp) + int(cust)) / hz + sim.get('cpu_process_s', 0)
elapsed = max(sim.get('elapsed_s', 0), 1e-3)
rec = dict(scenario=scen, part=part, rep=int(rep), target=float(rate), concurrency=int(conc), rc=int(rc),
           gw_cpu_s=int(gw) / hz, stp_cpu_s=int(stp) / hz, cust_cpu_s=int(cust) / hz,
           load0=float(la0), load1=float(la1), sim=sim, gw_fallbacks=int(fallbacks), gw_busy=int(busy),
           # CPU used by everything else on the machine during the run, in cores
           other_cores=max(0.0, int(sysbusy) / hz - ours) / elapsed, duration_s=float(dur))
p99 = sim.get('latency_dialogue', {}).get('p99_ms', 1e9)
# sustained: nothing failed (no fallback text or busy either), the generator started
# what was offered, throughput >= 95% of the target and the queue did not grow (p99 <= 100 ms)
ok = (sim.get('failed', 1) == 0 and sim.get('completed', 0) == sim.get('started', -1)
      and sim.get('completed', 0) > 0 and int(fallbacks) == 0 and int(busy) == 0
      and sim.get('started', 0) >= 0.98 * float(rate) * float(dur)
      and sim.get('achieved_rate', 0) >= 0.95 * float(rate) and p99 <= 100.0)
rec['sustained'] = ok
open(out, 'a').write(json.dumps(rec) + '\n')
d = sim.get('latency_dialogue', {})
print('%s %s target=%s achieved=%.0f completed=%s failed=%s fallbacks=%s busy=%s p50=%.3f p99=%.3f p99.9=%.3f '
      'gw_cpu=%.2fs other=%.2f cores %s' % (
    scen, part, rate, sim.get('achieved_rate', 0), sim.get('completed'), sim.get('failed'), fallbacks, busy,
    d.get('p50_ms', -1), d.get('p99_ms', -1), d.get('p999_ms', -1), int(gw) / hz, rec['other_cores'],
    'OK' if ok else 'NOT SUSTAINED'), file=sys.stderr)
sys.exit(0 if ok else 3)
PY
  then
    LAST_OK=0
    [ -s "$f.json" ] || log "  sim produced no JSON (rc=$rc): $(tail -3 "$f.err")"
  else
    LAST_OK=1
  fi
}

# saturate SCENARIO SIM_TARGET_ARGS...: REPS searches; each raises the target
# by 25% until a run is not sustained; the highest sustained target is recorded.
saturate() {
  local scen=$1; shift
  local rep start=5000 rate best
  for rep in $(seq 1 "$REPS"); do
    rate=$start
    best=0
    # coarse: +25% per step until a step is not sustained
    while :; do
      run_load "$scen" saturation "$rep" "$rate" 20000 "$SAT_DUR" "$@"
      if [ "$LAST_OK" = 1 ]; then best=$rate; else break; fi
      rate=$(( (rate * 5 / 4 + 99) / 100 * 100 ))
      [ "$rate" -le 400000 ] || break
    done
    # fine: +8% steps from the best sustained one, below the failed one
    local failed=$rate
    rate=$(( (best * 27 / 25 + 99) / 100 * 100 ))
    while [ "$best" -gt 0 ] && [ "$rate" -lt "$failed" ]; do
      sleep 1
      run_load "$scen" saturation "$rep" "$rate" 20000 "$SAT_DUR" "$@"
      if [ "$LAST_OK" = 1 ]; then best=$rate; else break; fi
      rate=$(( (rate * 27 / 25 + 99) / 100 * 100 ))
    done
    echo "{\"scenario\":\"$scen\",\"part\":\"saturation-result\",\"rep\":$rep,\"best\":$best}" >>"$RESULTS"
    log "$scen saturation search $rep: highest sustained target $best dialogues/s"
    # next search starts two steps below this result
    [ "$best" -gt 0 ] && start=$(( best * 16 / 25 / 100 * 100 ))
    [ "$start" -ge 1000 ] || start=1000
    sleep 1
  done
}

fixed_rates() {
  local scen=$1; shift
  local r
  for r in "${RATES[@]}"; do
    run_load "$scen" fixed 1 "$r" 20000 "$FIXED_DUR" "$@"
    sleep 1
  done
}

GW_MEASURE=0; STP_MEASURE=0; CUST_MEASURE=0

# --- (a) baseline: osmo-stp + canned responder ---------------------------------------
if has_part baseline; then
  log "baseline: osmo-stp + sim --respond"
  start_stp stp-baseline
  "$BIN" sim --respond --stp "127.0.0.1:$STP_PORT" >"$WORK/responder.out" 2>"$WORK/responder.err" &
  RESP_PID=$!
  PIDS+=("$RESP_PID")
  wait_grep "$WORK/responder.err" 'answering BEGINs' 15 || die "responder did not come up: $(cat "$WORK/responder.err")"
  GW_MEASURE=$RESP_PID; STP_MEASURE=$STP_PID; CUST_MEASURE=0
  fixed_rates baseline --stp "127.0.0.1:$STP_PORT" --gw-gt "$GW_GT"
  saturate baseline --stp "127.0.0.1:$STP_PORT" --gw-gt "$GW_GT"
  stop_pid "$RESP_PID" INT
  stop_pid "$STP_PID"
fi

# --- (b) gateway through osmo-stp ------------------------------------------------------
if has_part stp || has_part direct; then
  start_customer customer --behaviour answer
  ANSWER_URL=$CUST_URL
  ANSWER_PID=$CUST_PID
fi
if has_part stp; then
  log "gateway through osmo-stp (customer $ANSWER_URL)"
  start_stp stp-gw
  start_gateway gw-stp ipa-client "$STP_PORT" "$ANSWER_URL"
  GW_STATS="$WORK/gw-stp.err"
  GW_MEASURE=$GW_PID; STP_MEASURE=$STP_PID; CUST_MEASURE=$ANSWER_PID
  fixed_rates stp --stp "127.0.0.1:$STP_PORT" --gw-gt "$GW_GT"
  saturate stp --stp "127.0.0.1:$STP_PORT" --gw-gt "$GW_GT"
  stop_pid "$GW_PID"
  stop_pid "$STP_PID"
  GW_STATS=""
  grep 'stopped\.' "$WORK/gw-stp.err" >&2 || true
fi

# --- (c) gateway directly over IPA ---------------------------------------------------
if has_part direct; then
  DIRECT_PORT=$(free_port)
  log "gateway directly over IPA (gateway ipa-server on $DIRECT_PORT)"
  start_gateway gw-direct ipa-server "$DIRECT_PORT" "$ANSWER_URL"
  GW_STATS="$WORK/gw-direct.err"
  GW_MEASURE=$GW_PID; STP_MEASURE=0; CUST_MEASURE=$ANSWER_PID
  fixed_rates direct --stp "127.0.0.1:$DIRECT_PORT" --gw-gt "$GW_GT"
  saturate direct --stp "127.0.0.1:$DIRECT_PORT" --gw-gt "$GW_GT"
  stop_pid "$GW_PID"
  GW_STATS=""
  grep 'stopped\.' "$WORK/gw-direct.err" >&2 || true
fi
if has_part stp || has_part direct; then stop_pid "$ANSWER_PID"; fi

# --- memory: 10,000 dialogues held open by a customer that answers after 60 s --------------
if has_part memory; then
  OPEN_TARGET=10000
  log "memory: $OPEN_TARGET dialogues open (customer answers after 60s)"
  start_customer slow-customer --behaviour answer --delay 60s
  MEM_PORT=$(free_port)
  start_gateway gw-mem ipa-server "$MEM_PORT" "$CUST_URL" 120s 300s 20000
  sleep 1
  # warm-up outside the measurement: nothing (the idle figure is the freshly started gateway)
  RSS_IDLE=$(rss_kib "$GW_PID")
  "$BIN" sim --load --stp "127.0.0.1:$MEM_PORT" --gw-gt "$GW_GT" --rate 5000 --concurrency "$OPEN_TARGET" \
    --duration 2s --timeout 200s --json >"$WORK/mem-sim.json" 2>"$WORK/mem-sim.err" &
  MEM_SIM=$!
  PIDS+=("$MEM_SIM")
  # plateau: open == target and RSS unchanged (within 1%) over 2 s
  OPEN=0; PREV=0; STABLE=0; RSS_OPEN=0
  for i in $(seq 1 60); do
    sleep 1
    OPEN=$(grep -o 'open=[0-9]*' "$WORK/gw-mem.err" | tail -1 | cut -d= -f2)
    RSS_OPEN=$(rss_kib "$GW_PID")
    if [ "${OPEN:-0}" -ge "$OPEN_TARGET" ] && [ "$PREV" -gt 0 ] && \
       [ $(( (RSS_OPEN - PREV) * 100 )) -le $(( PREV )) ] && [ $(( (PREV - RSS_OPEN) * 100 )) -le $(( PREV )) ]; then
      STABLE=$((STABLE + 1))
      [ "$STABLE" -ge 2 ] && break
    else
      STABLE=0
    fi
    PREV=$RSS_OPEN
  done
  OPEN=$(grep -o 'open=[0-9]*' "$WORK/gw-mem.err" | tail -1 | cut -d= -f2)
  log "memory: idle ${RSS_IDLE} KiB, with ${OPEN} open ${RSS_OPEN} KiB"
  echo "{\"part\":\"memory\",\"rss_idle_kib\":$RSS_IDLE,\"rss_open_kib\":$RSS_OPEN,\"open\":${OPEN:-0},\"target\":$OPEN_TARGET,\"load\":$(loadavg1)}" >>"$RESULTS"
  stop_pid "$MEM_SIM" KILL
  stop_pid "$GW_PID" KILL
  stop_pid "$CUST_PID"
fi

log "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$ROOT/bench/load_report.py" "$RESULTS" --cores "$(nproc)" --quick "$QUICK" \
  --fixed-duration "$FIXED_DUR" --sat-duration "$SAT_DUR"
