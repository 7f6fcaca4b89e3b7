#!/usr/bin/env bash
# Submits lmforge to YARN in cluster mode. Configs and outputs should live on HDFS or S3 (the
# driver starts on a cluster node), e.g.:
#   scripts/submit/yarn.sh --num-executors 40 --executor-memory 16g --executor-cores 4 \
#     -- corpus --config hdfs:///lmforge/cc.conf --out hdfs:///corpora/cc-2026-11
# Data-parallel training on 4 GPU executors with NCCL: your config (train-gpu.conf here, shipped by
# --files into the driver's working directory) sets train.device = gpu and
# distributed { backend = nccl, gpus-per-task = 1 };
# --out must be a directory every node sees at the same path (a shared mount):
#   scripts/submit/yarn.sh --num-executors 4 --executor-cores 1 --executor-memory 32g \
#     --conf spark.executor.resource.gpu.amount=1 \
#     --conf spark.executor.resource.gpu.discoveryScript=/opt/spark/getGpusResources.sh \
#     --files train-gpu.conf -- train --config train-gpu.conf --data hdfs:///corpora/cc-2026-11/shards \
#     --out /mnt/shared/runs/cc --distributed 4
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
submit --master yarn --deploy-mode cluster "$@"
