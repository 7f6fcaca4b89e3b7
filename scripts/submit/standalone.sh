#!/usr/bin/env bash
# Submits lmforge to a Spark standalone master in client mode (the driver runs here, so a local
# --config works), e.g.:
#   SPARK_MASTER=spark://head:7077 scripts/submit/standalone.sh --total-executor-cores 64 \
#     -- corpus --config conf/sample.conf --out hdfs:///corpora/sample
# Data-parallel training, one rank per single-core executor; --out must be a directory that the
# driver and every executor see at the same path (a shared mount: rank 0 checkpoints there and a
# retried stage resumes from it):
#   SPARK_MASTER=spark://head:7077 scripts/submit/standalone.sh --total-executor-cores 4 --executor-cores 1 \
#     -- train --config conf/train-tiny.conf --data hdfs:///corpora/sample/shards --out /mnt/shared/runs/tiny \
#        --distributed 4 --threads 1
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
: "${SPARK_MASTER:?set SPARK_MASTER, e.g. spark://head:7077}"
submit --master "$SPARK_MASTER" --deploy-mode client "$@"
