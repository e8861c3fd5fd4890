#!/usr/bin/env bash
# A real Neo4j 5.26 LTS community server for development and CI, built from Maven Central jars.
#
#   scripts/neo4j.sh install   resolve the server jars (cached in ~/.m2 and .neo4j/lib), write conf, set password,
#                              record the server's class-data archive (below)
#   scripts/neo4j.sh start     install if needed, start the server, wait until Bolt answers
#   scripts/neo4j.sh stop      stop it (no-op when not running)
#   scripts/neo4j.sh status    exit 0 when running and Bolt answers, 3 otherwise
#   scripts/neo4j.sh uri       print KG_NEO4J_URI=… KG_NEO4J_USER=… KG_NEO4J_PASSWORD=… lines
#   scripts/neo4j.sh admin …   run neo4j-admin of this installation (e.g. `admin database info`)
#   scripts/neo4j.sh import …  run `neo4j-admin database import full …` (server stopped; used by `kg load --bulk`)
#   scripts/neo4j.sh reset     stop and delete the data (keeps the jars); the next start begins empty
#
# The jars are exactly those of the tarball's lib/ (org.neo4j:neo4j and its runtime dependencies); the server
# runs through the distribution's own launcher classes (Neo4jCommand → CommunityEntryPoint), so this is the
# same server process as `bin/neo4j start`. No APOC or other plugin is installed.
#
# Class-data sharing: install runs a small `kg load --bulk` and the store's queries on a scratch database
# (kg.store.neo4j_training), the server and neo4j-admin import with -XX:ArchiveClassesAtExit; later starts and
# imports map the classes those runs loaded from .neo4j/cds/{server,import}.jsa instead of loading and verifying
# them again. The archives are used only with the Java and Neo4j they were recorded with; a JVM that cannot map
# one runs without it (-Xshare:auto).
#
# Environment: KG_NEO4J_PASSWORD (else a generated one kept in .neo4j/password, mode 0600),
# KG_NEO4J_BOLT_PORT (7687), KG_NEO4J_VERSION (5.26.16), KG_NEO4J_HEAP (1g), KG_NEO4J_PAGECACHE (256m),
# KG_NEO4J_START_TIMEOUT and KG_NEO4J_STOP_TIMEOUT seconds (180, 120), KG_NEO4J_ADMIN_HEAP (the heap of
# `import`, KG_NEO4J_HEAP), KG_NEO4J_HOME (<repo>/.neo4j), JAVA_HOME (else `java` on PATH), KG_NEO4J_CDS (1; 0:
# install records no archive and start uses none), KG_NEO4J_PYTHON (a Python with the kg package's dependencies
# for the recording run; else <repo>/.venv/bin/python, else python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${KG_NEO4J_VERSION:-5.26.16}"
HOME_DIR="${KG_NEO4J_HOME:-$ROOT/.neo4j}"
PORT="${KG_NEO4J_BOLT_PORT:-7687}"
HEAP="${KG_NEO4J_HEAP:-1g}"
PAGECACHE="${KG_NEO4J_PAGECACHE:-256m}"
TIMEOUT="${KG_NEO4J_START_TIMEOUT:-180}"
STOP_TIMEOUT="${KG_NEO4J_STOP_TIMEOUT:-120}"
ADMIN_HEAP="${KG_NEO4J_ADMIN_HEAP:-$HEAP}"
USER_NAME="neo4j"
PW_FILE="$HOME_DIR/password"
CDS="${KG_NEO4J_CDS:-1}"
CDS_ARCHIVE="$HOME_DIR/cds/server.jsa"  # and import.jsa, of neo4j-admin import
# the data, logs and run folders: the installation's, or a scratch folder while install records the archive
STATE_DIR="${KG_NEO4J_CDS_RECORDING:-$HOME_DIR}"
PID_FILE="$STATE_DIR/run/neo4j.pid"
LOG_FILE="$STATE_DIR/logs/neo4j.log"

die() { echo "neo4j.sh: $*" >&2; exit 1; }

JAVA=""
JAVA_ID=""
java_bin() {  # sets JAVA (a Java 17 or 21) and JAVA_ID (its home and VM build, and Neo4j's version: an archive's key)
  [[ -z "$JAVA" ]] || return 0
  local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  command -v "$java" >/dev/null 2>&1 || die "no java found; install a JDK 17 or 21 (apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
  local props major
  props="$("$java" -XshowSettings:properties -version 2>&1)"
  major="$(sed -n 's/^ *java.specification.version = //p' <<<"$props")"
  [[ "$major" == "17" || "$major" == "21" ]] || die "Neo4j 5.26 needs Java 17 or 21, found $major; set JAVA_HOME to a JDK 17 or 21"
  JAVA="$java"
  JAVA_ID="$(sed -n 's/^ *java.home = //p; s/^ *java.vm.version = //p' <<<"$props" | tr '\n' ' ')neo4j $VERSION"
}

# a launcher runs for a second or two: the C1 compiler alone and the serial GC start it ~30% faster
SHORT_JVM=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC)

neo4j_java() {  # run a launcher class of the installed distribution with its environment (the server JVM it
  local cls="$1"; shift  # starts takes its options from neo4j.conf)
  java_bin
  NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$HOME_DIR/conf" JAVA_CMD="$JAVA" \
    "$JAVA" -Xmx512m "${SHORT_JVM[@]}" -cp "$HOME_DIR/lib/*" "$cls" "$@"
}

installed() { [[ -f "$HOME_DIR/lib/.complete-$VERSION" ]]; }

cds_stamp() { java_bin; echo "$JAVA_ID, $(stat -c %s "$1") bytes"; }  # an archive's Java, Neo4j and size

cds_current() {  # the archive ($1, else the server's) is whole and was recorded with this Java and Neo4j
  local archive="${1:-$CDS_ARCHIVE}"
  java_bin
  [[ "$CDS" == "1" && -f "$archive" && "$(cat "$archive.id" 2>/dev/null)" == "$(cds_stamp "$archive")" ]]
}

drop_cds() {
  rm -f "$HOME_DIR"/cds/*.jsa "$HOME_DIR"/cds/*.jsa.id
  write_conf
}

write_conf() {
  mkdir -p "$HOME_DIR"/{conf,plugins,import,licenses} "$STATE_DIR"/{data,logs,run}
  cat >"$HOME_DIR/conf/neo4j.conf" <<EOF
# Written by scripts/neo4j.sh; edits are overwritten on the next install/start.
server.directories.import=$HOME_DIR/import
server.directories.data=$STATE_DIR/data
server.directories.logs=$STATE_DIR/logs
server.directories.run=$STATE_DIR/run
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$PORT
server.bolt.tls_level=DISABLED
server.http.enabled=false
server.https.enabled=false
server.memory.heap.initial_size=$HEAP
server.memory.heap.max_size=$HEAP
server.memory.pagecache.size=$PAGECACHE
dbms.memory.transaction.total.max=512m
dbms.security.auth_enabled=true
dbms.security.allow_csv_import_from_file_urls=false
dbms.usage_report.enabled=false
db.transaction.timeout=120s
db.tx_log.rotation.retention_policy=100M size
# seconds Bolt's event loops wait for quiet on stop (5 by default, for each of two: 10 s of every stop)
internal.dbms.bolt.netty_server_shutdown_quiet_period=0
server.jvm.additional=-XX:+UseG1GC
server.jvm.additional=-XX:-OmitStackTraceInFastThrow
server.jvm.additional=-XX:+ExitOnOutOfMemoryError
server.jvm.additional=-Djdk.nio.maxCachedBufferSize=1024
server.jvm.additional=-Dio.netty.tryReflectionSetAccessible=true
server.jvm.additional=-XX:+UnlockDiagnosticVMOptions
server.jvm.additional=-XX:+DebugNonSafepoints
EOF
  if [[ -n "${KG_NEO4J_CDS_RECORDING:-}" ]]; then
    echo "server.jvm.additional=-XX:ArchiveClassesAtExit=$STATE_DIR/server.jsa" >>"$HOME_DIR/conf/neo4j.conf"
  elif cds_current; then
    printf 'server.jvm.additional=%s\n' -Xshare:auto "-XX:SharedArchiveFile=$CDS_ARCHIVE" \
      "-XX:ErrorFile=$STATE_DIR/logs/hs_err_pid%p.log" >>"$HOME_DIR/conf/neo4j.conf"
  fi
}

initialised() { [[ -d "$STATE_DIR/data/databases/system" ]]; }

password() {  # the password of this installation's neo4j user, created on first use
  if [[ -n "${KG_NEO4J_PASSWORD:-}" ]]; then
    if [[ -f "$PW_FILE" ]] && initialised && [[ "$(cat "$PW_FILE")" != "$KG_NEO4J_PASSWORD" ]]; then
      die "KG_NEO4J_PASSWORD differs from the password this server was initialised with; unset it, or run 'scripts/neo4j.sh reset' to start over"
    fi
    echo "$KG_NEO4J_PASSWORD"
  elif [[ -f "$PW_FILE" ]]; then
    cat "$PW_FILE"
  else
    (umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24 >"$PW_FILE")
    cat "$PW_FILE"
  fi
}

set_initial_password() {  # only possible before the first start; later the data keeps the password it has
  local pw
  pw="$(password)"
  [[ ${#pw} -ge 8 ]] || die "the Neo4j password must have at least 8 characters; set KG_NEO4J_PASSWORD accordingly"
  if ! initialised; then
    (umask 077; printf '%s' "$pw" >"$PW_FILE")
    rm -f "$STATE_DIR/data/dbms/auth.ini"
    neo4j_java org.neo4j.server.startup.Neo4jAdminCommand dbms set-initial-password "$pw" >/dev/null \
      || die "neo4j-admin dbms set-initial-password failed; see the output above"
  fi
  chmod 600 "$PW_FILE"
}

cmd_install() {
  mkdir -p "$HOME_DIR"
  if ! installed; then
    command -v mvn >/dev/null 2>&1 || die "mvn not found; install Maven (apt-get install maven)"
    echo "neo4j.sh: resolving Neo4j $VERSION jars from Maven Central (cached in ~/.m2) ..." >&2
    rm -rf "$HOME_DIR/lib"
    mvn -B -q -f "$ROOT/scripts/neo4j/pom.xml" -Dneo4j.version="$VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$HOME_DIR/lib" >&2 \
      || die "could not resolve org.neo4j:neo4j:$VERSION from Maven Central; check network access to Maven Central"
    touch "$HOME_DIR/lib/.complete-$VERSION"
  fi
  write_conf
  set_initial_password
  [[ -n "${KG_NEO4J_CDS_RECORDING:-}" ]] || record_cds
  echo "neo4j.sh: Neo4j $VERSION installed in $HOME_DIR" >&2
}

recording_python() {
  local py
  for py in "${KG_NEO4J_PYTHON:-}" "$ROOT/.venv/bin/python" python3; do
    if [[ -n "$py" ]] && command -v "$py" >/dev/null 2>&1 \
        && (cd "$ROOT" && "$py" -c 'import kg.store.neo4j_training') >/dev/null 2>&1; then
      echo "$py"; return 0
    fi
  done
  return 1
}

record_cds() {  # the server's class-data archive, recorded by a run on a scratch database (see the top)
  if [[ "$CDS" != "1" ]] || cds_current; then return 0; fi
  if pid_alive || bolt_answers; then
    echo "neo4j.sh: port $PORT answers; the class-data archive is recorded by the next install" >&2
    return 0
  fi
  local py scratch="$HOME_DIR/cds/recording"
  if ! py="$(recording_python)"; then
    echo "neo4j.sh: no Python with the kg package (set KG_NEO4J_PYTHON): no class-data archive, starts are slower" >&2
    return 0
  fi
  rm -rf "$scratch"
  mkdir -p "$scratch"
  (STATE_DIR="$scratch" KG_NEO4J_CDS_RECORDING="$scratch"; write_conf)
  if ! (cd "$ROOT" && KG_NEO4J_CDS_RECORDING="$scratch" KG_NEO4J_HOME="$HOME_DIR" KG_NEO4J_BOLT_PORT="$PORT" \
        "$py" -m kg.store.neo4j_training >"$scratch/recording.out" 2>&1) || [[ ! -s "$scratch/server.jsa" ]]; then
    KG_NEO4J_CDS_RECORDING="$scratch" KG_NEO4J_HOME="$HOME_DIR" KG_NEO4J_BOLT_PORT="$PORT" \
      bash "${BASH_SOURCE[0]}" stop >/dev/null 2>&1 || true
    tail -n 5 "$scratch/recording.out" >&2
    echo "neo4j.sh: recording the class-data archive failed (above); Neo4j works without it, only starts slower" >&2
  else
    local archive
    for archive in "$scratch"/*.jsa; do
      mv "$archive" "$HOME_DIR/cds/"
      cds_stamp "$HOME_DIR/cds/${archive##*/}" >"$HOME_DIR/cds/${archive##*/}.id"
    done
  fi
  rm -rf "$scratch"
  write_conf
}

pid_alive() { [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

bolt_answers() {  # a Bolt handshake: magic 0x6060B017 then four proposed versions; any non-zero reply is a yes
  local reply
  { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
  printf '\x60\x60\xb0\x17\x00\x00\x04\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' >&3 2>/dev/null || { exec 3<&-; return 1; }
  reply="$(timeout 2 head -c 4 <&3 2>/dev/null | od -An -tx1 | tr -d ' \n')" || true
  exec 3<&-
  [[ ${#reply} -eq 8 && "$reply" != "00000000" ]]
}

SERVER_CMD=()
server_command() {  # the server JVM's command line as the launcher builds it from neo4j.conf (`console --dry-run`),
  # kept per neo4j.conf: a start then runs one JVM instead of a launcher JVM that starts the server JVM
  local cache="$STATE_DIR/run/server-command" key line
  [[ "$HOME_DIR$STATE_DIR" != *[[:space:]]* ]] || return 1  # the line is split on spaces
  key="$(cksum <"$HOME_DIR/conf/neo4j.conf")"
  if [[ -f "$cache" && "$(head -n 1 "$cache")" == "$key" ]]; then
    mapfile -t SERVER_CMD < <(tail -n +2 "$cache")
    return 0
  fi
  line="$(neo4j_java org.neo4j.server.startup.Neo4jCommand console --dry-run 2>/dev/null | tail -n 1)" || return 1
  [[ "$line" == *" org.neo4j.server.CommunityEntryPoint "*" --console-mode" ]] || return 1
  read -ra SERVER_CMD <<<"${line% --console-mode}"
  { echo "$key"; printf '%s\n' "${SERVER_CMD[@]}"; } >"$cache"
}

launch() {  # start the server process in the background, detached, its output in neo4j.log, its pid in the pid file
  if server_command; then
    # the subshell becomes the server (exec), so $! is its pid and it keeps none of this script's descriptors
    (cd "$HOME_DIR" || exit 1
     NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$HOME_DIR/conf" exec setsid "${SERVER_CMD[@]}" >>"$LOG_FILE" 2>&1 </dev/null) &
    echo $! >"$PID_FILE"
  else
    neo4j_java org.neo4j.server.startup.Neo4jCommand start >"$STATE_DIR/logs/start.out" 2>&1 \
      || { cat "$STATE_DIR/logs/start.out" >&2; die "Neo4j failed to start; see $STATE_DIR/logs/start.out and $LOG_FILE"; }
  fi
}

cmd_start() {
  installed || cmd_install
  write_conf
  if pid_alive && ! bolt_answers; then
    # a server of this installation is starting, or still exiting (e.g. just killed): wait for one or the other
    local settle=0
    while pid_alive && ! bolt_answers && (( settle < 150 )); do sleep 0.2; settle=$((settle + 1)); done
  fi
  if pid_alive; then
    if bolt_answers; then echo "neo4j.sh: already running (pid $(cat "$PID_FILE")) on bolt://127.0.0.1:$PORT" >&2; return 0; fi
  else
    set_initial_password
    if bolt_answers; then die "port $PORT already answers Bolt but not from this installation; stop that server or set KG_NEO4J_BOLT_PORT"; fi
    launch
  fi
  local tenths=0
  until bolt_answers; do
    if ! pid_alive; then
      if cds_current; then
        # a class-data archive this JVM cannot map (e.g. damaged) must never keep the server down
        echo "neo4j.sh: Neo4j exited at start with the class-data archive; removed it (the next install records a new one), starting without" >&2
        drop_cds
        launch
        continue
      fi
      tail -n 30 "$LOG_FILE" >&2 2>/dev/null || true; die "Neo4j exited during start-up; see $LOG_FILE"
    fi
    if (( tenths >= TIMEOUT * 10 )); then
      tail -n 30 "$LOG_FILE" >&2 2>/dev/null || true
      die "Neo4j did not answer on bolt://127.0.0.1:$PORT within ${TIMEOUT}s; see $LOG_FILE (raise KG_NEO4J_START_TIMEOUT on a slow machine)"
    fi
    sleep 0.2; tenths=$((tenths + 2))
  done
  echo "neo4j.sh: Neo4j $VERSION answers on bolt://127.0.0.1:$PORT (pid $(cat "$PID_FILE"), $((tenths / 10)).$((tenths % 10))s)" >&2
}

cmd_stop() {  # SIGTERM, as `neo4j stop` sends (without a launcher JVM), then wait until the server has exited
  if ! pid_alive; then echo "neo4j.sh: not running" >&2; rm -f "$PID_FILE"; return 0; fi
  local pid tenths=0
  pid="$(cat "$PID_FILE")"
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != "Z" ]]; do
    (( tenths < STOP_TIMEOUT * 10 )) || die "Neo4j (pid $pid) did not stop within ${STOP_TIMEOUT}s; see $LOG_FILE"
    sleep 0.1; tenths=$((tenths + 1))
  done
  rm -f "$PID_FILE"
  echo "neo4j.sh: stopped (pid $pid)" >&2
}

cmd_status() {
  if pid_alive && bolt_answers; then
    echo "running: pid $(cat "$PID_FILE"), bolt://127.0.0.1:$PORT, Neo4j $VERSION, home $HOME_DIR"
  else
    echo "not running (home $HOME_DIR)"; exit 3
  fi
}

cmd_uri() {
  [[ -f "$PW_FILE" || -n "${KG_NEO4J_PASSWORD:-}" ]] || die "no password yet; run 'scripts/neo4j.sh install' first"
  printf 'KG_NEO4J_URI=%s\nKG_NEO4J_USER=%s\nKG_NEO4J_PASSWORD=%q\n' "bolt://127.0.0.1:$PORT" "$USER_NAME" "$(password)"
}

cmd_admin() {
  installed || die "not installed; run 'scripts/neo4j.sh install' first"
  neo4j_java org.neo4j.server.startup.Neo4jAdminCommand "$@"
}

cmd_import() {  # neo4j-admin database import full in one JVM (the launcher would start a second one); C1 only:
  # C2 compilation cost more CPU than it saved (0.4 and 1.2 million rows, 2 cores: 30-40% less CPU, 15-30% less time)
  installed || die "not installed; run 'scripts/neo4j.sh install' first"
  java_bin
  write_conf
  local cds=()
  if [[ -n "${KG_NEO4J_CDS_RECORDING:-}" ]]; then cds=(-XX:ArchiveClassesAtExit="$STATE_DIR/import.jsa")
  elif cds_current "$HOME_DIR/cds/import.jsa"; then cds=(-Xshare:auto -XX:SharedArchiveFile="$HOME_DIR/cds/import.jsa"); fi
  local rc=0
  NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$HOME_DIR/conf" "$JAVA" -Xmx"$ADMIN_HEAP" -XX:+UseG1GC "${cds[@]}" \
    -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -XX:ErrorFile="$STATE_DIR/logs/hs_err_pid%p.log" \
    -Dfile.encoding=UTF-8 -cp "$HOME_DIR/conf/*:$HOME_DIR/lib/*" org.neo4j.cli.AdminTool database import full "$@" \
    || rc=$?
  if (( rc > 128 )) && [[ -z "${KG_NEO4J_CDS_RECORDING:-}" ]] && (( ${#cds[@]} )); then
    echo "neo4j.sh: neo4j-admin import crashed with the class-data archive; removed it, importing without" >&2
    drop_cds
    cmd_import "$@"
  else
    return "$rc"
  fi
}

cmd_reset() {
  cmd_stop
  rm -rf "$STATE_DIR/data" "$STATE_DIR/logs" "$STATE_DIR/run"
  [[ -n "${KG_NEO4J_PASSWORD:-}" ]] || rm -f "$PW_FILE"
  echo "neo4j.sh: data removed from $HOME_DIR" >&2
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  uri) cmd_uri ;;
  admin) shift; cmd_admin "$@" ;;
  import) shift; cmd_import "$@" ;;
  reset) cmd_reset ;;
  *) echo "usage: scripts/neo4j.sh install|start|stop|status|uri|admin ARGS…|import ARGS…|reset" >&2; exit 2 ;;
esac
