# Shared by the spark-submit wrappers: finds (or builds) the cluster jar for the command and
# submits io.lmforge.cli.LmForge with DJL kept offline on the driver and the executors.
# `corpus` runs from lmforge-corpus.jar (no trainer, no libtorch); every other command from
# lmforge-train.jar.
#
# Arguments: [spark-submit options...] -- <lmforge subcommand and its options>
#   --rapids among the spark-submit options adds the RAPIDS Accelerator (see rapids_args).
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

# --rapids: the RAPIDS Accelerator jar (--jars) and conf/rapids.properties, one --conf per line
# (docs/rapids.md). The jar: LMFORGE_RAPIDS_JAR (a path or URI), else the one `mvn -Prapids
# package` fetched. A --jars of your own replaces this one: list the plugin jar in it too.
rapids_args() {
  local jar="${LMFORGE_RAPIDS_JAR:-}"
  if [ -z "$jar" ]; then
    if [ ! -f "$ROOT/cli/target/rapids-classpath.txt" ]; then
      echo "lmforge: --rapids needs the RAPIDS Accelerator jar: set LMFORGE_RAPIDS_JAR, or run mvn -Prapids -DskipTests package" >&2
      exit 2
    fi
    jar="$(cat "$ROOT/cli/target/rapids-classpath.txt")"
  fi
  printf '%s\0' --jars "$jar"
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    printf '%s\0' --conf "$line"
  done < "$ROOT/conf/rapids.properties"
}

submit() {
  local spark_args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    if [ "$1" = "--rapids" ]; then
      local extra
      while IFS= read -r -d '' extra; do spark_args+=("$extra"); done < <(rapids_args)
    else
      spark_args+=("$1")
    fi
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
