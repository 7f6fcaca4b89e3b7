"""A daily corpus refresh as an Airflow DAG: `lmforge corpus --root ROOT --refresh` on a Spark
cluster through SparkSubmitOperator (apache-airflow-providers-apache-spark).

The Spark connection `spark_lmforge` names the master (YARN, k8s://..., spark://...). The jar is
lmforge's corpus cluster jar (`mvn -Pcluster package` -> cli/target/lmforge-corpus.jar) copied to
where the cluster reads it. The refresh's lease on ROOT keeps a second run (a retry overlapping a
slow run, a manual trigger) from running at once: it fails at once naming the holder, and
max_active_runs=1 keeps Airflow from trying. A failed run never moves ROOT/latest, so downstream
tasks read ROOT/latest's run.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

CORPUS_JAR = "s3a://bucket/lmforge/lmforge-corpus.jar"
CONFIG = "s3a://bucket/lmforge/cc.conf"
ROOT = "s3a://bucket/corpora/cc"

with DAG(
    dag_id="lmforge_corpus_refresh",
    schedule="17 3 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=30)},
    tags=["lmforge"],
) as dag:
    refresh = SparkSubmitOperator(
        task_id="refresh",
        conn_id="spark_lmforge",
        application=CORPUS_JAR,
        java_class="io.lmforge.cli.LmForge",
        application_args=["corpus", "--config", CONFIG, "--root", ROOT, "--refresh"],
        conf={
            "spark.driver.extraJavaOptions": "-Dai.djl.offline=true",
            "spark.executor.extraJavaOptions": "-Dai.djl.offline=true",
        },
        name="lmforge-corpus-refresh",
        verbose=False,
    )
