#!/usr/bin/env bash
# Submits lmforge to YARN in cluster mode. Configs and outputs should live on HDFS or S3 (the
# driver starts on a cluster node), e.g.:
#   scripts/submit/yarn.sh --queue research --num-executors 40 --executor-memory 16g --executor-cores 4 \
#     -- corpus --config hdfs:///lmforge/cc.conf --out hdfs:///corpora/cc-2026-11
# Data-parallel training on 4 GPU executors with NCCL: your config (train-gpu.conf here, shipped by
# --files into the driver's working directory) sets train.device = gpu and
# distributed { backend = nccl, gpus-per-task = 1 };
# --out must be an absolute path every node sees (a shared mount):
#   scripts/submit/yarn.sh --num-executors 4 --executor-cores 1 --executor-memory 32g \
#     --conf spark.executor.resource.gpu.amount=1 \
#     --conf spark.executor.resource.gpu.discoveryScript=/opt/spark/getGpusResources.sh \
#     --files train-gpu.conf -- train --config train-gpu.conf --data hdfs:///corpora/cc-2026-11/shards \
#     --out /mnt/shared/runs/cc --distributed 4
#
# What the wrapper adds (options given here come after and replace them):
#   every command but corpus: spark.{driver,executor}.memoryOverheadFactor=$YARN_MEMORY_OVERHEAD_FACTOR
#     (default 0.4): libtorch's tensors and DJL's natives live outside the Java heap, and YARN kills
#     a container that outgrows heap + overhead;
#   train --distributed N: spark.dynamicAllocation.enabled=false (Spark does not schedule barrier
#     stages under it) and --num-executors N (one rank per executor).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

command=""
ranks=""
seen_separator=0
previous=""
for arg in "$@"; do
  if [ "$seen_separator" = 1 ]; then
    [ -z "$command" ] && command="$arg"
    [ "$previous" = --distributed ] && ranks="$arg"
  fi
  [ "$arg" = "--" ] && seen_separator=1
  previous="$arg"
done

yarn_args=()
if [ -n "$command" ] && [ "$command" != corpus ]; then
  overhead="${YARN_MEMORY_OVERHEAD_FACTOR:-0.4}"
  yarn_args+=(--conf spark.driver.memoryOverheadFactor="$overhead"
    --conf spark.executor.memoryOverheadFactor="$overhead")
fi
if [ "$command" = train ] && [ -n "$ranks" ]; then
  yarn_args+=(--conf spark.dynamicAllocation.enabled=false --num-executors "$ranks")
fi

submit --master yarn --deploy-mode cluster ${yarn_args[@]+"${yarn_args[@]}"} "$@"
