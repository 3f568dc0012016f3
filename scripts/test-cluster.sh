#!/usr/bin/env bash
# `make test-cluster`: start a real single-node SLURM cluster on this machine (Debian's slurm-wlm,
# munge, slurmdbd + MariaDB for sacct) and run the demo through workflow/profiles/slurm.
#
# Asserts, from sacct and from the files:
#   - every job of the demo ran as a SLURM job and COMPLETED (the one exception is below);
#   - minimap2_index, given 1500 MB on purpose, is killed for memory on attempt 1 and COMPLETES
#     on attempt 2 with 3000 MB (memory grows with the attempt);
#   - a job that outlives its 1-minute time limit ends as TIMEOUT and Snakemake says so;
#   - the cluster run's results (reports, BAMs, VCFs, QC, provenance checksum) are byte-identical
#     to a local run's, although the cluster run used other `resources`.
# Prints the SLURM job IDs. Everything it writes lives in $CLUSTER_STATE (default .cluster/,
# git-ignored) and the one symlink /etc/slurm/slurm.conf (removed at the end). It stops exactly
# the daemons it started (by PID) and can be run again. Root only: it installs packages and
# runs the daemons.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${CLUSTER_STATE:-$ROOT/.cluster}
VENV=${VENV:-$ROOT/.venv}
PY=$VENV/bin/python
SNAKEMAKE=$VENV/bin/snakemake
ETC_CONF=/etc/slurm/slurm.conf
CLUSTER=genotailor-ci
ACCOUNT=ci
PARTITION=ci
T0=$(date +%s)

log() { printf '[test-cluster %4ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
die() { printf 'test-cluster: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and starts the SLURM daemons)"
[ -x "$SNAKEMAKE" ] || die "$SNAKEMAKE not found: run \`make venv\` first"

# ---- packages ----------------------------------------------------------------------------------
PACKAGES=(munge slurmctld slurmd slurm-client slurmdbd mariadb-server)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- daemons: started here as background children, stopped here by PID --------------------------
# $STATE/pids/NAME holds "PID COMMAND" of each daemon this script started; a later run stops
# leftovers of an interrupted run only when the PID still runs that command.
stop_pid_file() {
  local f=$1 pid cmd
  read -r pid cmd <"$f" || return 0
  if [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$cmd" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -e "/proc/$pid" ] || break; sleep 0.2; done
    [ -e "/proc/$pid" ] && kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    log "stopped $cmd (pid $pid)"
  fi
  rm -f "$f"
}

stop_daemons() {
  local name
  [ -d "$STATE/pids" ] || return 0
  if [ -e "$STATE/pids/slurmctld" ]; then
    scancel --quiet --user=root 2>/dev/null || true
  fi
  for name in slurmd slurmctld slurmdbd mariadbd munged; do
    [ -e "$STATE/pids/$name" ] && stop_pid_file "$STATE/pids/$name"
  done
  return 0
}

remove_conf_link() {
  if [ -L "$ETC_CONF" ] && [ "$(readlink "$ETC_CONF")" = "$STATE/etc/slurm.conf" ]; then
    rm -f "$ETC_CONF"
  fi
}

SNAKEMAKE_PIDS=()
cleanup() {
  local rc=$? pid
  for pid in "${SNAKEMAKE_PIDS[@]}"; do
    # SIGINT: Snakemake cancels its SLURM jobs and exits (SIGTERM would wait for them).
    [ -e "/proc/$pid" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  stop_daemons
  remove_conf_link
  log "done (exit $rc, wall time $(($(date +%s) - T0)) s)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() {  # start NAME COMMAND...: run in the background, record the PID
  local name=$1; shift
  "$@" >>"$STATE/log/$name.out" 2>&1 &
  echo "$! $name" >"$STATE/pids/$name"
}

wait_for() {  # wait_for WHAT SECONDS COMMAND...
  local what=$1 secs=$2; shift 2
  for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "$what did not come up within ${secs}s (logs: $STATE/log/)"
}

stop_daemons   # leftovers of an interrupted run
remove_conf_link
if [ -e "$ETC_CONF" ] || [ -L "$ETC_CONF" ]; then
  die "$ETC_CONF exists and is not this test's: refusing to replace a real cluster's configuration"
fi
rm -rf "$STATE"
mkdir -p "$STATE"/{etc,pids,log,run,db,spool/ctld,spool/d,munge}
echo '*' >"$STATE/.gitignore"

HOST=$(hostname -s)
# CPUs, sockets, cores and memory as slurmd sees them on this machine.
NODE_HW=$(slurmd -C | head -1 | sed "s/^NodeName=[^ ]*//")
CPUS=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$NODE_HW")

cat >"$STATE/etc/slurm.conf" <<EOF
# Single-node test cluster written by scripts/test-cluster.sh (state: $STATE).
ClusterName=$CLUSTER
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/spool/ctld
SlurmdSpoolDir=$STATE/spool/d
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
# No systemd or cgroups here: track processes through /proc, kill on memory from accounting.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherParams=OverMemoryKill
JobAcctGatherFrequency=task=1
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageEnforce=associations
AccountingStoreFlags=job_comment
# Finished jobs stay visible to squeue/scontrol for an hour; sacct has them for good.
MinJobAge=3600
KillWait=5
MailProg=/bin/true
ReturnToService=2
NodeName=$HOST NodeAddr=127.0.0.1 $NODE_HW State=UNKNOWN
PartitionName=$PARTITION Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

cat >"$STATE/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
PidFile=$STATE/run/slurmdbd.pid
LogFile=$STATE/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db
EOF
chmod 600 "$STATE/etc/slurmdbd.conf"

# The daemons and the commands here read $SLURM_CONF; jobs need the default path too, because
# the jobstep plugin clears SLURM_CONF before its inner srun.
export SLURM_CONF=$STATE/etc/slurm.conf
mkdir -p "$(dirname "$ETC_CONF")"
ln -s "$SLURM_CONF" "$ETC_CONF"
# slurmdbd reaches MariaDB over this socket (the client library reads MYSQL_UNIX_PORT).
export MYSQL_UNIX_PORT=$STATE/run/mysqld.sock

log "starting munged, MariaDB, slurmdbd, slurmctld, slurmd (state: $STATE)"
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "munged already running: using it"
else
  mkdir -p /run/munge && chown munge:munge /run/munge "$STATE/munge"
  # setpriv execs munged, so $! is munged's PID.
  start munged setpriv --reuid=munge --regid=munge --init-groups \
    munged --foreground --pid-file="$STATE/munge/munged.pid" --log-file="$STATE/munge/munged.log"
  wait_for munged 10 bash -c 'munge -n | unmunge'
fi

mariadb-install-db --no-defaults --user=root --datadir="$STATE/db" --skip-test-db \
  --auth-root-authentication-method=socket >"$STATE/log/mariadb-install.out" 2>&1 \
  || die "mariadb-install-db failed (see $STATE/log/mariadb-install.out)"
start mariadbd mariadbd --no-defaults --user=root --datadir="$STATE/db" --skip-networking \
  --socket="$MYSQL_UNIX_PORT" --pid-file="$STATE/run/mariadbd.pid" --log-error="$STATE/log/mariadb.log"
wait_for MariaDB 30 mariadb-admin --no-defaults --socket="$MYSQL_UNIX_PORT" ping

start slurmdbd slurmdbd -D
wait_for slurmdbd 30 sacctmgr -n list cluster
start slurmctld slurmctld -D -i
wait_for slurmctld 30 scontrol ping
wait_for "cluster registration" 30 bash -c "sacctmgr -n -P list cluster format=cluster | grep -qx $CLUSTER"
sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description="genotailor CI" Organization=genotailor >/dev/null
sacctmgr -i add user root Account="$ACCOUNT" DefaultAccount="$ACCOUNT" Cluster="$CLUSTER" >/dev/null
start slurmd slurmd -D
wait_for "node $HOST idle" 60 bash -c "sinfo -h -n $HOST -o %T | grep -qx idle"
log "cluster up: $(sinfo -h -o '%P %D %c CPUs %m MB %T')"

# ---- the runs -----------------------------------------------------------------------------------
# Absolute paths in the config: the runs work in their own directories under $STATE.
"$PY" - "$ROOT" "$STATE" <<'PY'
import sys
from pathlib import Path

import yaml

root, state = Path(sys.argv[1]), Path(sys.argv[2])
cfg = yaml.safe_load((root / "config/config.yaml").read_text())
cfg["samples"] = str(root / cfg["samples"])
cfg["reference"]["fasta"] = str(root / cfg["reference"]["fasta"])
cfg["panels"] = {k: str(root / v) for k, v in cfg["panels"].items()}
cfg["knowledge_base"] = {k: str(root / v) for k, v in cfg["knowledge_base"].items()}
(state / "config.yaml").write_text(yaml.safe_dump(cfg))
PY
# The site file of the cluster run: where jobs go, and minimap2_index deliberately given less
# memory than its 2.45 GB peak, so attempt 1 is killed and attempt 2 (2 x 1500 MB) completes.
cat >"$STATE/site.yaml" <<EOF
resources:
  index: {mem_mb: 1500}
  cluster: {partition: $PARTITION, account: $ACCOUNT}
EOF

export PATH=$VENV/bin:$PATH
# Quick status checks suit a test cluster (the defaults suit a real one: see docs/usage.md).
FAST_POLL=(--slurm-init-seconds-before-status-checks 1 --seconds-between-status-checks 1)

log "timeout check submitted (a 1-minute job that sleeps); local demo run meanwhile"
timeout -s INT -k 30 600 "$SNAKEMAKE" -s "$ROOT/tests/cluster/Snakefile" -d "$STATE/timeout" \
  --workflow-profile "$ROOT/workflow/profiles/slurm" --retries 0 "${FAST_POLL[@]}" \
  --default-resources slurm_account=$ACCOUNT slurm_partition=$PARTITION \
  >"$STATE/timeout.log" 2>&1 &
TIMEOUT_PID=$!
SNAKEMAKE_PIDS+=("$TIMEOUT_PID")

timeout -s INT -k 30 600 "$SNAKEMAKE" -s "$ROOT/workflow/Snakefile" -d "$STATE/local" \
  --configfile "$STATE/config.yaml" --workflow-profile "$ROOT/workflow/profiles/local" --cores 2 \
  >"$STATE/local.log" 2>&1 || die "local run failed (see $STATE/local.log)"
log "local run done"
rc=0; wait "$TIMEOUT_PID" || rc=$?
[ "$rc" -ne 0 ] || die "the time-limit job did not fail (see $STATE/timeout.log)"
log "timeout check done (Snakemake exit $rc, as expected)"

log "demo through workflow/profiles/slurm"
timeout -s INT -k 30 900 "$SNAKEMAKE" -s "$ROOT/workflow/Snakefile" -d "$STATE/slurm" \
  --configfile "$STATE/config.yaml" "$STATE/site.yaml" \
  --workflow-profile "$ROOT/workflow/profiles/slurm" "${FAST_POLL[@]}" \
  >"$STATE/slurm.log" 2>&1 &
SNAKEMAKE_PIDS+=("$!")
wait "$!" || die "cluster run failed (see $STATE/slurm.log)"
log "cluster run done"

# ---- assertions -----------------------------------------------------------------------------------
"$PY" "$ROOT/tests/cluster/check_run.py" --state "$STATE" --account "$ACCOUNT"
