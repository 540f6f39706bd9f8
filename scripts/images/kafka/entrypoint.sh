#!/bin/bash
# faultline's Kafka entrypoint: one node in KRaft mode, broker and controller in one process.
#
# Every variable KAFKA_CFG_<NAME> becomes the server property <name> (upper case to lower case,
# "_" to "."), after the defaults below, so any setting can be overridden, e.g.
#   KAFKA_CFG_ADVERTISED_LISTENERS=PLAINTEXT://toxiproxy:8666
# makes clients reach the broker through a proxy after metadata discovery too.
# Storage is formatted on first start (KAFKA_CLUSTER_ID, or a random one).
set -euo pipefail

: "${KAFKA_DATA_DIR:=/var/lib/kafka/data}"
: "${KAFKA_HEAP_OPTS:=-Xms256m -Xmx512m}"
config=/tmp/server.properties
mkdir -p "$KAFKA_DATA_DIR"

declare -A props=(
  [process.roles]="broker,controller"
  [node.id]="1"
  [controller.quorum.voters]="1@localhost:9093"
  [controller.listener.names]="CONTROLLER"
  [listeners]="PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093"
  [advertised.listeners]="PLAINTEXT://localhost:9092"
  [inter.broker.listener.name]="PLAINTEXT"
  [listener.security.protocol.map]="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  [log.dirs]="$KAFKA_DATA_DIR"
  [num.partitions]="1"
  [offsets.topic.replication.factor]="1"
  [offsets.topic.num.partitions]="1"
  [transaction.state.log.replication.factor]="1"
  [transaction.state.log.min.isr]="1"
  [share.coordinator.state.topic.replication.factor]="1"
  [share.coordinator.state.topic.min.isr]="1"
  [group.initial.rebalance.delay.ms]="0"
  [auto.create.topics.enable]="true"
  [log.retention.hours]="24"
)

while IFS='=' read -r name value; do
  key=${name#KAFKA_CFG_}
  key=${key,,}
  key=${key//_/.}
  props[$key]=$value
done < <(env | grep '^KAFKA_CFG_' || true)

: > "$config"
for key in "${!props[@]}"; do
  printf '%s=%s\n' "$key" "${props[$key]}" >> "$config"
done

cp=(-cp "/opt/kafka/libs/*")
java_opts=($KAFKA_HEAP_OPTS -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true
  -Dorg.slf4j.simpleLogger.defaultLogLevel="${KAFKA_LOG_LEVEL:-info}"
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn
  -Dorg.slf4j.simpleLogger.log.kafka=warn
  -Dorg.slf4j.simpleLogger.log.kafka.server.KafkaRaftServer=info
  -Dorg.slf4j.simpleLogger.showDateTime=true)

if [ ! -f "$KAFKA_DATA_DIR/meta.properties" ]; then
  cluster_id=${KAFKA_CLUSTER_ID:-$(java "${cp[@]}" -Xmx256m -XX:TieredStopAtLevel=1 kafka.tools.StorageTool random-uuid)}
  if [ "${FAULTLINE_KAFKA_FORMAT_ONLY:-}" = "1" ]; then echo "$cluster_id" > /opt/kafka/cluster-id; fi
  java "${cp[@]}" -Xmx256m -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=warn kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$config" --ignore-formatted >/dev/null
  echo "faultline-kafka: formatted $KAFKA_DATA_DIR (cluster $cluster_id)"
fi

# The image is built with its storage already formatted (FAULTLINE_KAFKA_FORMAT_ONLY=1 at build
# time), which saves a JVM start on every container start.
if [ "${FAULTLINE_KAFKA_FORMAT_ONLY:-}" = "1" ]; then exit 0; fi

# At build time (FAULTLINE_KAFKA_CDS_DUMP=1): start the broker once, stop it when it is up, and
# keep the classes it loaded as a class-data-sharing archive; later starts map it instead of
# loading and verifying those classes again.
cds=/opt/kafka/kafka-cds.jsa
if [ "${FAULTLINE_KAFKA_CDS_DUMP:-}" = "1" ]; then
  log=/tmp/kafka-cds.log
  java "${java_opts[@]}" -XX:ArchiveClassesAtExit="$cds" "${cp[@]}" kafka.Kafka "$config" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    grep -q "Kafka Server started" "$log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.5
  done
  kill -TERM "$pid"
  wait "$pid" || true
  [ -s "$cds" ] || { echo "faultline-kafka: no CDS archive written"; tail -n 30 "$log"; exit 1; }
  # Start the image's storage afresh: formatted, with no metadata from this run.
  rm -rf "${KAFKA_DATA_DIR:?}"/* "$log"
  java "${cp[@]}" -Xmx256m -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=warn kafka.tools.StorageTool format \
    -t "$(cat /opt/kafka/cluster-id)" -c "$config" >/dev/null
  exit 0
fi
[ -s "$cds" ] && java_opts+=(-XX:SharedArchiveFile="$cds" -Xshare:auto)

echo "faultline-kafka: advertised.listeners=${props[advertised.listeners]}"
exec java "${java_opts[@]}" "${cp[@]}" kafka.Kafka "$config"
