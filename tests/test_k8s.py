"""The deployment as CI can check it without a cluster: every manifest valid against the
Kubernetes schemas (kubernetes-validate, strict), the kustomization renders, the KafkaTopic
resources are the topic table's, the alert rules pass ``promtool test rules``, and the
Containerfile keeps its promises (non-root 10001, the wheel, the entry point)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.conftest import IN_CI
from wagerflow.ops import manifests

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "k8s"
K8S_VERSION = "1.32.0"
CRDS = {"PodMonitor", "PrometheusRule", "KafkaTopic"}
"""Custom resources: not in the Kubernetes schemas; checked here by their own shape."""


def _render() -> list[dict[str, Any]]:
    """The kustomization's resources in order, then its generated ConfigMaps (files only: no
    patches, no name hashes, so rendering is reading them)."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert set(kustomization) == {"apiVersion", "kind", "resources", "configMapGenerator"}
    docs: list[dict[str, Any]] = []
    for name in kustomization["resources"]:
        docs.extend(d for d in yaml.safe_load_all((K8S / name).read_text()) if d)
    for gen in kustomization["configMapGenerator"]:
        assert gen["options"]["disableNameSuffixHash"] is True
        files = {Path(f).name: (K8S / f).read_text() for f in gen["files"]}
        meta = {"name": gen["name"], "labels": gen["options"]["labels"]}
        docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": files})
    return docs


def test_every_manifest_is_valid_against_the_kubernetes_schemas() -> None:
    docs = _render()
    kinds = {d["kind"] for d in docs}
    assert {"StatefulSet", "Service", "Secret", "PodDisruptionBudget", "Job"} <= kinds
    assert kinds >= CRDS
    for doc in docs:
        if doc["kind"] in CRDS:
            continue
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_kubectl_kustomize_renders_the_same_resources() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed; the pure-Python render above still runs")
    done = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rendered = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(done.stdout) if d}
    assert rendered == {(d["kind"], d["metadata"]["name"]) for d in _render()}


def test_the_statefulset_forms_one_cluster_and_probes_health() -> None:
    sts = next(d for d in _render() if d["kind"] == "StatefulSet")
    container = sts["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["WAGERFLOW_REPLICAS"]["value"] == str(sts["spec"]["replicas"]) != "1"
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["WAGERFLOW_CLUSTER_SERVICE"]["value"] == sts["spec"]["serviceName"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"secretRef": {"name": "wagerflow-secrets"}} in container["envFrom"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_kafka_topics_are_rendered_from_the_topic_table() -> None:
    assert (K8S / "kafka-topics.yaml").read_text() == manifests.render()
    topics = {t["spec"]["topicName"]: t["spec"] for t in manifests.kafka_topics()}
    assert topics["exposure"]["config"]["cleanup.policy"] == "compact"
    assert topics["raw.betfair"]["partitions"] == manifests.PARTITIONS


def test_alert_rules_pass_promtool_unit_tests(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        if IN_CI:
            pytest.fail("promtool is missing (Debian package prometheus; make system-deps)")
        pytest.skip("promtool is not installed (Debian package prometheus)")
    rule = yaml.safe_load((K8S / "prometheusrule.yaml").read_text())
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    shutil.copy(K8S / "alerts-test.yaml", tmp_path / "alerts-test.yaml")
    check = subprocess.run([promtool, "check", "rules", "rules.yaml"], cwd=tmp_path,
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    done = subprocess.run([promtool, "test", "rules", "alerts-test.yaml"], cwd=tmp_path,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_containerfile_builds_the_wheel_and_runs_as_10001() -> None:
    text = (ROOT / "Containerfile").read_text()
    stages = [ln for ln in text.splitlines() if ln.startswith("FROM ")]
    assert len(stages) >= 2
    assert "pip wheel" in text and "/wheels/*.whl" in text
    assert "USER 10001:10001" in text
    assert 'ENTRYPOINT ["wagerflow"]' in text
