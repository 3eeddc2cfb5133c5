"""Seed 004 with ember: a Kubeflow pipeline that submits an ember Indexed Job,
polls it until it completes, then commits its output.

    go run ./examples/kubeflow -in s3://b/iris.csv -model /models/iris.onnx \
        -plan s3://b/plans/iris.json -out s3://b/scored
    ember k8s manifest s3://b/plans/iris.json --image ghcr.io/ember-df/ember:latest \
        --parallelism 8 --plan-url s3://b/plans/iris.json --env-secret s3-credentials > job.yaml
    python pipeline.py   # writes ember_job_pipeline.yaml; upload it in the Kubeflow UI

Written for the KFP v1 SDK, as the seed is (kfp.components, kfp.dsl).
"""
import logging
import pathlib

import kfp.compiler as compiler
import kfp.components as comp
import kfp.dsl as dsl

HERE = pathlib.Path(__file__).parent

apply_op = comp.load_component_from_file(str(HERE / "component-apply.yaml"))
wait_op = comp.load_component_from_file(str(HERE / "component-wait.yaml"))
commit_op = comp.load_component_from_file(str(HERE / "component-commit.yaml"))


def no_cache(op):
    # Every step acts on the cluster or the store: never reuse an old result.
    op.execution_options.caching_strategy.max_cache_staleness = "P0D"
    return op


@dsl.pipeline(
    name="ember Indexed Job",
    description="Score a dataset with a saved ember plan as a Kubernetes Indexed Job, then commit it",
)
def ember_job_pipeline(manifest: str, plan_url: str, timeout_seconds: int = 86400):
    applied = no_cache(apply_op(manifest=manifest))
    done = no_cache(wait_op(name=applied.outputs["name"], timeout_seconds=timeout_seconds))
    committed = no_cache(commit_op(plan=plan_url))
    committed.after(done)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    compiler.Compiler().compile(ember_job_pipeline, "ember_job_pipeline.yaml")
    logging.info("Generated pipeline file: ember_job_pipeline.yaml")
