# Shared by the spark-submit wrappers: finds (or builds) the cluster jar for the command and
# submits io.lmforge.cli.LmForge with DJL kept offline on the driver and the executors.
# `corpus` runs from lmforge-corpus.jar (no trainer, no libtorch); every other command from
# lmforge-train.jar.
#
# Arguments: [spark-submit options...] -- <lmforge subcommand and its options>
# Environment: SPARK_HOME (spark-submit is taken from $SPARK_HOME/bin, else from PATH),
#   LMFORGE_JAR (a jar path or URI; default: the locally built cluster jar for the command),
#   LMFORGE_DRY_RUN=1 prints the command instead of running it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

cluster_jar() { # COMMAND
  if [ -n "${LMFORGE_JAR:-}" ]; then
    echo "$LMFORGE_JAR"
    return
  fi
  local name=lmforge-train.jar
  [ "$1" = corpus ] && name=lmforge-corpus.jar
  if [ ! -f "$ROOT/cli/target/$name" ]; then
    echo "lmforge: building the cluster jars (mvn -Pcluster package)..." >&2
    (cd "$ROOT" && mvn -B -q -Pcluster -DskipTests package >&2)
  fi
  echo "$ROOT/cli/target/$name"
}

# The JVM options Spark 4 needs on Java 17 (one list, written by the build); spark-submit adds
# its own copy, so a missing file only costs the local launcher's explicit list.
jvm_options() {
  local opens="$ROOT/common/target/jvm-opens.txt"
  if [ -f "$opens" ]; then
    echo "-Dai.djl.offline=true $(cat "$opens")"
  else
    echo "-Dai.djl.offline=true"
  fi
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
    --conf "spark.driver.extraJavaOptions=$(jvm_options)"
    --conf "spark.executor.extraJavaOptions=$(jvm_options)"
    "${spark_args[@]}"
    "$(cluster_jar "$1")" "$@")
  if [ "${LMFORGE_DRY_RUN:-0}" = 1 ]; then
    printf '%q ' "${cmd[@]}"
    echo
  else
    exec "${cmd[@]}"
  fi
}
