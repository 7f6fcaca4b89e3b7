#!/usr/bin/env bash
# Submits lmforge to YARN in cluster mode. Configs and outputs should live on HDFS or S3 (the
# driver starts on a cluster node), e.g.:
#   scripts/submit/yarn.sh --num-executors 40 --executor-memory 16g --executor-cores 4 \
#     -- corpus --config hdfs:///lmforge/cc.conf --out hdfs:///corpora/cc-2026-11
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
submit --master yarn --deploy-mode cluster "$@"
