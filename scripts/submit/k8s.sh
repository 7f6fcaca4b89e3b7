#!/usr/bin/env bash
# Submits lmforge to Kubernetes in cluster mode. Needs K8S_API (https://host:port of the API
# server) and LMFORGE_IMAGE (an image built with scripts/submit/Dockerfile, which holds the
# cluster jar at /opt/lmforge/lmforge.jar). Configs and outputs on S3/HDFS, e.g.:
#   K8S_API=https://k8s.example:6443 LMFORGE_IMAGE=registry.example/lmforge:0.1 \
#   scripts/submit/k8s.sh --conf spark.executor.instances=20 \
#     -- corpus --config s3a://bucket/lmforge/cc.conf --out s3a://bucket/corpora/cc
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
: "${K8S_API:?set K8S_API to the Kubernetes API server, e.g. https://host:6443}"
: "${LMFORGE_IMAGE:?set LMFORGE_IMAGE to an image built from scripts/submit/Dockerfile}"
LMFORGE_JAR="${LMFORGE_JAR:-local:///opt/lmforge/lmforge.jar}"
submit --master "k8s://$K8S_API" --deploy-mode cluster \
  --conf spark.kubernetes.container.image="$LMFORGE_IMAGE" \
  --conf spark.kubernetes.namespace="${K8S_NAMESPACE:-default}" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName="${K8S_SERVICE_ACCOUNT:-spark}" \
  "$@"
