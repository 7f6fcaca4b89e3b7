#!/usr/bin/env bash
# Submits lmforge to a Spark standalone master in client mode (the driver runs here, so a local
# --config works), e.g.:
#   SPARK_MASTER=spark://head:7077 scripts/submit/standalone.sh --total-executor-cores 64 \
#     -- corpus --config conf/sample.conf --out hdfs:///corpora/sample
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
: "${SPARK_MASTER:?set SPARK_MASTER, e.g. spark://head:7077}"
submit --master "$SPARK_MASTER" --deploy-mode client "$@"
