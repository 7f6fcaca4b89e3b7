#!/usr/bin/env bash
# Submits lmforge to Kubernetes in cluster mode. Needs K8S_API (https://host:port of the API
# server) and LMFORGE_IMAGE (an image built with scripts/submit/Dockerfile, which holds the
# cluster jars at /opt/lmforge/). Configs and outputs on S3/HDFS, e.g.:
#   K8S_API=https://k8s.example:6443 LMFORGE_IMAGE=registry.example/lmforge:0.1 \
#   scripts/submit/k8s.sh --conf spark.executor.instances=20 \
#     -- corpus --config s3a://bucket/lmforge/cc.conf --out s3a://bucket/corpora/cc
# Data-parallel training on 4 GPU executors (NCCL), one rank each; --out on a volume every pod
# mounts at the same path (add it to the pod templates):
#   K8S_GPU=executors K8S_API=... LMFORGE_IMAGE=... scripts/submit/k8s.sh \
#     --conf spark.executor.instances=4 --executor-cores 4 --executor-memory 32g \
#     -- train --config s3a://bucket/train-gpu.conf --data s3a://bucket/corpora/cc/shards \
#        --out /mnt/shared/runs/cc --distributed 4
#
# The pods are made from the templates in scripts/submit/k8s/ (driver.yaml, executor.yaml; the
# -gpu variants with K8S_GPU); the driver's service account and role are in scripts/submit/k8s/rbac/.
# Environment, besides common.sh's:
#   K8S_NAMESPACE (default default), K8S_SERVICE_ACCOUNT (default spark),
#   K8S_GPU=1: one NVIDIA GPU for the driver and for each executor; K8S_GPU=executors: for each
#     executor only (train --distributed: the driver only coordinates),
#   K8S_MEMORY_OVERHEAD_FACTOR: the pods' non-heap share for every command but `corpus` (default
#     0.4; libtorch allocates its tensors outside the Java heap); `corpus` keeps Spark's 0.1.
# Options given here (--conf ...) come after the wrapper's and replace them.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
: "${K8S_API:?set K8S_API to the Kubernetes API server, e.g. https://host:6443}"
: "${LMFORGE_IMAGE:?set LMFORGE_IMAGE to an image built from scripts/submit/Dockerfile}"
TEMPLATES="$ROOT/scripts/submit/k8s"

# The lmforge command: the first argument after "--".
command=""
seen_separator=0
for arg in "$@"; do
  if [ "$seen_separator" = 1 ]; then
    command="$arg"
    break
  fi
  [ "$arg" = "--" ] && seen_separator=1
done

# The jar inside the image (scripts/submit/Dockerfile): corpus runs from the corpus jar.
if [ "$command" = corpus ]; then
  LMFORGE_JAR="${LMFORGE_JAR:-local:///opt/lmforge/lmforge-corpus.jar}"
else
  LMFORGE_JAR="${LMFORGE_JAR:-local:///opt/lmforge/lmforge.jar}"
fi

driver_template="$TEMPLATES/driver.yaml"
executor_template="$TEMPLATES/executor.yaml"
k8s_args=()
# Spark ships the discovery script in its image; it prints the GPUs nvidia-smi sees.
gpu_script=/opt/spark/examples/src/main/scripts/getGpusResources.sh
case "${K8S_GPU:-0}" in
  0 | "") ;;
  1 | executors)
    executor_template="$TEMPLATES/executor-gpu.yaml"
    k8s_args+=(--conf spark.executor.resource.gpu.amount=1
      --conf spark.executor.resource.gpu.vendor=nvidia.com
      --conf spark.executor.resource.gpu.discoveryScript="$gpu_script"
      --conf spark.task.resource.gpu.amount=1)
    if [ "$K8S_GPU" = 1 ]; then
      driver_template="$TEMPLATES/driver-gpu.yaml"
      k8s_args+=(--conf spark.driver.resource.gpu.amount=1
        --conf spark.driver.resource.gpu.vendor=nvidia.com
        --conf spark.driver.resource.gpu.discoveryScript="$gpu_script")
    fi
    ;;
  *)
    echo "k8s.sh: K8S_GPU must be 0, 1 or executors, not '$K8S_GPU'" >&2
    exit 2
    ;;
esac

# libtorch's tensors, the DJL natives and NCCL's buffers live outside the Java heap; Spark's
# default pod overhead (10% of the heap, at least 384 MiB) is too little for training. A fixed
# --conf spark.{driver,executor}.memoryOverhead=8g given below takes precedence over the factor.
if [ -n "$command" ] && [ "$command" != corpus ]; then
  overhead="${K8S_MEMORY_OVERHEAD_FACTOR:-0.4}"
  k8s_args+=(--conf spark.driver.memoryOverheadFactor="$overhead"
    --conf spark.executor.memoryOverheadFactor="$overhead")
fi

submit --master "k8s://$K8S_API" --deploy-mode cluster \
  --conf spark.kubernetes.container.image="$LMFORGE_IMAGE" \
  --conf spark.kubernetes.namespace="${K8S_NAMESPACE:-default}" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName="${K8S_SERVICE_ACCOUNT:-spark}" \
  --conf spark.kubernetes.driver.podTemplateFile="$driver_template" \
  --conf spark.kubernetes.executor.podTemplateFile="$executor_template" \
  --conf spark.kubernetes.driver.podTemplateContainerName=spark-kubernetes-driver \
  --conf spark.kubernetes.executor.podTemplateContainerName=spark-kubernetes-executor \
  ${k8s_args[@]+"${k8s_args[@]}"} \
  "$@"
