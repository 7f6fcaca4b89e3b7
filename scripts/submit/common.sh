# Shared by the spark-submit wrappers: finds (or builds) the cluster jar and submits
# io.lmforge.cli.LmForge with DJL kept offline on the driver and the executors.
#
# Arguments: [spark-submit options...] -- <lmforge subcommand and its options>
# Environment: SPARK_HOME (spark-submit is taken from $SPARK_HOME/bin, else from PATH),
#   LMFORGE_JAR (a jar path or URI; default: the locally built cluster jar),
#   LMFORGE_DRY_RUN=1 prints the command instead of running it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

cluster_jar() {
  if [ -n "${LMFORGE_JAR:-}" ]; then
    echo "$LMFORGE_JAR"
    return
  fi
  local jar
  jar=$(ls "$ROOT"/spark-jobs/target/lmforge-spark-jobs-*-cluster.jar 2>/dev/null | head -1 || true)
  if [ -z "$jar" ]; then
    echo "lmforge: building the cluster jar (mvn -Pcluster package)..." >&2
    (cd "$ROOT" && mvn -B -q -Pcluster -DskipTests package >&2)
    jar=$(ls "$ROOT"/spark-jobs/target/lmforge-spark-jobs-*-cluster.jar | head -1)
  fi
  echo "$jar"
}

submit() {
  local spark_args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    spark_args+=("$1")
    shift
  done
  if [ $# -eq 0 ]; then
    echo "usage: $0 [spark-submit options] -- corpus|train ... (lmforge arguments)" >&2
    exit 2
  fi
  shift
  local spark_submit="spark-submit"
  [ -n "${SPARK_HOME:-}" ] && spark_submit="$SPARK_HOME/bin/spark-submit"
  # Our Java options come first so that a user's own --conf spark.*.extraJavaOptions given
  # later replaces them; keep -Dai.djl.offline=true in yours.
  local cmd=("$spark_submit"
    --class io.lmforge.cli.LmForge
    --conf spark.driver.extraJavaOptions=-Dai.djl.offline=true
    --conf spark.executor.extraJavaOptions=-Dai.djl.offline=true
    "${spark_args[@]}"
    "$(cluster_jar)" "$@")
  if [ "${LMFORGE_DRY_RUN:-0}" = 1 ]; then
    printf '%q ' "${cmd[@]}"
    echo
  else
    exec "${cmd[@]}"
  fi
}
