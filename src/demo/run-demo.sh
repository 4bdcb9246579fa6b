#!/usr/bin/env bash
# blip2-stream demo: a real Kafka broker (KRaft, Kafka's own jars as a process), the service on
# a bundled model, every sample image submitted from one process for a caption and the demo's
# questions, the results printed as they arrive, everything stopped again.
#
#   bash src/demo/run-demo.sh            run it, then stop
#   bash src/demo/run-demo.sh --keep     keep the broker and the service up until Ctrl-C
#
# Needs Java 25 (Temurin in /usr/lib/jvm, or BLIP2_JAVA_HOME) and Maven. The first run fetches
# from Maven Central; later runs work offline. Work files and logs: target/demo/.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

DEMO=$ROOT/target/demo
LIB=$DEMO/lib
RUN=$DEMO/run
APP=$ROOT/target/quarkus-app/quarkus-run.jar

# ---- what the demo shows: the model, the pictures, the questions (each one line to change) ----
BUNDLE=${BLIP2_BUNDLE:-$ROOT/src/test/resources/bundles/shapes-opt}   # trained on coloured shapes
IMAGES=${BLIP2_DEMO_IMAGES:-$ROOT/src/test/resources/images/shapes}   # held-out pictures, never trained on
QUESTIONS=("what colour is the shape?" "how many shapes are there?")  # asked about every image

KAFKA_VERSION=4.1.2
READY_TIMEOUT_S=${BLIP2_DEMO_READY_TIMEOUT_S:-120}
RESULT_TIMEOUT_S=${BLIP2_DEMO_RESULT_TIMEOUT_S:-120}

KEEP=0
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) printf 'run-demo.sh: unknown option %s (known: --keep, --help)\n' "$arg" >&2; exit 2 ;;
  esac
done

BROKER_PID=
SERVICE_PID=
DEMO_START=$SECONDS

step() { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
fail() {
  printf '\nDEMO FAILED: %s\n' "$*" >&2
  exit 1
}

# ---- stop whatever was started, on success, failure or Ctrl-C ------------------------------
stop_process() { # name pid
  local name=$1 pid=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || { info "$name stopped"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  info "$name did not stop within 15 s: killed"
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$SERVICE_PID$BROKER_PID" ]; then
    step "Stopping"
    stop_process "service" "$SERVICE_PID"
    stop_process "Kafka broker" "$BROKER_PID"
  fi
  if [ "$rc" -ne 0 ]; then
    printf 'logs: %s/broker.log %s/service.log\n' "$RUN" "$RUN" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- Java 25, chosen explicitly (the machine's default java may be older) -------------------
java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
pick_java() {
  local candidates=("${BLIP2_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-* \
                    /usr/lib/jvm/*-25-* "${JAVA_HOME:-}")
  local home major
  for home in "${candidates[@]}"; do
    [ -n "$home" ] && [ -x "$home/bin/java" ] || continue
    major=$(java_major "$home")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      echo "$home"
      return 0
    fi
  done
  return 1
}

step "Java"
JAVA_HOME=$(pick_java) || fail "no Java 25 found: install Temurin 25 or set BLIP2_JAVA_HOME"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH" DJL_OFFLINE=true OPT_OUT_TRACKING=true
info "$JAVA_HOME ($("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1))"
command -v mvn >/dev/null || fail "Maven (mvn) is not on PATH"

# Maven offline first (no network needed once ~/.m2 holds everything), online as a fallback.
mvn_quiet() {
  local log=$DEMO/maven.log
  mkdir -p "$DEMO"
  if mvn -B -q -o "$@" >"$log" 2>&1; then return 0; fi
  info "(not everything is in ~/.m2 yet: fetching from Maven Central)"
  mvn -B -q "$@" >"$log" 2>&1 || { tail -n 40 "$log" >&2; fail "mvn $* failed (full log: $log)"; }
}

# ---- build ------------------------------------------------------------------------------------
step "Building the service (tests skipped)"
if [ -f "$APP" ] && [ -z "$(find src/main pom.xml -newer "$APP" -print -quit)" ]; then
  info "up to date: $APP"
else
  mvn_quiet package -DskipTests -DskipITs
  [ -f "$APP" ] || fail "the build did not produce $APP"
  info "built $APP"
fi
[ -f "$BUNDLE/manifest.json" ] || fail "no model bundle at $BUNDLE"

step "Fetching Kafka $KAFKA_VERSION broker jars"
if [ -f "$LIB/kafka_2.13-$KAFKA_VERSION.jar" ] && [ "$LIB/.complete" -nt src/demo/pom.xml ]; then
  info "already in $LIB"
else
  rm -rf "$LIB"
  mvn_quiet -f src/demo/pom.xml dependency:copy-dependencies
  touch "$LIB/.complete"
  info "$(ls "$LIB"/*.jar | wc -l) jars in $LIB"
fi

# ---- free localhost ports -------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
TAKEN=" "
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    case "$TAKEN" in *" $port "*) continue ;; esac
    if ! port_in_use "$port"; then TAKEN="$TAKEN$port "; echo "$port"; return 0; fi
  done
  fail "no free localhost port found"
}
BROKER_PORT=$(free_port)
CONTROLLER_PORT=$(free_port)
HTTP_PORT=$(free_port)
BOOTSTRAP=localhost:$BROKER_PORT

# ---- Kafka broker (KRaft, combined broker + controller) ---------------------------------------
step "Starting a Kafka broker on $BOOTSTRAP"
rm -rf "$RUN"
mkdir -p "$RUN/kafka-data" "$RUN/results"
cat >"$RUN/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:$CONTROLLER_PORT
listeners=PLAINTEXT://localhost:$BROKER_PORT,CONTROLLER://localhost:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://localhost:$BROKER_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN/kafka-data
num.partitions=2
auto.create.topics.enable=true
message.max.bytes=10486784
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
cat >"$RUN/log4j2.properties" <<EOF
rootLogger.level=WARN
rootLogger.appenderRef.file.ref=file
logger.server.name=kafka.server.KafkaRaftServer
logger.server.level=INFO
appender.file.type=File
appender.file.name=file
appender.file.fileName=$RUN/broker.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
EOF
KAFKA_JAVA=("$JAVA_HOME/bin/java" -Xms128m -Xmx512m -cp "$LIB/*"
            "-Dlog4j2.configurationFile=$RUN/log4j2.properties")
# 16 random bytes, base64url (Kafka's Uuid text form); a leading '-' would read as an option
CLUSTER_ID=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
CLUSTER_ID=A${CLUSTER_ID:1}
"${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$RUN/server.properties" \
  >"$RUN/format.log" 2>&1 || { cat "$RUN/format.log" >&2; fail "formatting the KRaft storage failed"; }
"${KAFKA_JAVA[@]}" kafka.Kafka "$RUN/server.properties" >"$RUN/broker.out" 2>&1 &
BROKER_PID=$!

wait_for() { # what timeout-s pid check-command...
  local what=$1 timeout=$2 pid=$3
  shift 3
  local start=$SECONDS
  until "$@"; do
    kill -0 "$pid" 2>/dev/null || fail "$what exited while starting"
    [ $((SECONDS - start)) -lt "$timeout" ] || fail "$what not ready within $timeout s"
    sleep 0.5
  done
  info "$what ready after $((SECONDS - start)) s"
}
broker_ready() { grep -q "Kafka Server started" "$RUN/broker.log" 2>/dev/null; }
wait_for "Kafka broker" "$READY_TIMEOUT_S" "$BROKER_PID" broker_ready

# ---- the service ------------------------------------------------------------------------------
step "Starting blip2-stream on bundle $(basename "$BUNDLE") (http://localhost:$HTTP_PORT)"
KAFKA_BOOTSTRAP_SERVERS=$BOOTSTRAP BLIP2_BUNDLE=$BUNDLE HTTP_PORT=$HTTP_PORT \
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$APP" >"$RUN/service.log" 2>&1 &
SERVICE_PID=$!

http_status() { # port path -> HTTP status code (plain bash, no curl needed)
  local status
  status=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" &&
             printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3 &&
             head -n 1 <&3) 2>/dev/null) || return 1
  echo "$status" | awk '{print $2}'
}
service_ready() { [ "$(http_status "$HTTP_PORT" /q/health/ready)" = "200" ]; }
wait_for "service (/q/health/ready)" "$READY_TIMEOUT_S" "$SERVICE_PID" service_ready

# ---- requests: one submit process for the whole set ------------------------------------------
[ -d "$IMAGES" ] || fail "no image folder $IMAGES"
n_images=$(find "$IMAGES" -maxdepth 1 -type f ! -name '.*' | wc -l)
[ "$n_images" -gt 0 ] || fail "no sample images in $IMAGES"
question_args=()
for q in "${QUESTIONS[@]}"; do question_args+=(--question "$q"); done
n_requests=$((n_images * (1 + ${#QUESTIONS[@]})))

step "Submitting $n_images images: a caption and ${#QUESTIONS[@]} questions each ($n_requests requests, one process)"
submit_start=$SECONDS
set +e
"$JAVA_HOME/bin/java" -jar "$APP" submit --bootstrap "$BOOTSTRAP" --dir "$IMAGES" --caption \
  "${question_args[@]}" --wait --format text --timeout-s "$RESULT_TIMEOUT_S" 2>"$RUN/submit.err" |
  tee "$RUN/results.txt"
submit_status=${PIPESTATUS[0]}
set -e
SUBMIT_S=$((SECONDS - submit_start))
info "submit phase: $SUBMIT_S s (results also in $RUN/results.txt)"
case "$submit_status" in
  0) ;;
  1) fail "some requests got an error result (lines with ERROR above)" ;;
  3) fail "not every request got a result within $RESULT_TIMEOUT_S s (see $RUN/service.log)" ;;
  *) cat "$RUN/submit.err" >&2; fail "submit failed with exit status $submit_status" ;;
esac

if [ "$KEEP" = 1 ]; then
  step "Demo done in $((SECONDS - DEMO_START)) s; the broker and the service keep running"
  info "live page:  http://localhost:$HTTP_PORT/stream"
  info "health:     http://localhost:$HTTP_PORT/q/health/ready"
  info "send more:  bin/blip2 submit --bootstrap $BOOTSTRAP --image FILE --wait --format text"
  info "Ctrl-C stops both."
  trap 'exit 0' INT
  while kill -0 "$SERVICE_PID" 2>/dev/null && kill -0 "$BROKER_PID" 2>/dev/null; do sleep 1; done
  fail "the service or the broker stopped on its own (logs: $RUN)"
fi
step "Demo finished in $((SECONDS - DEMO_START)) s: $n_requests requests, $n_requests results (submit phase $SUBMIT_S s)"
