"""A single-node Apache Kafka 4.x broker in KRaft mode, from Maven Central jars, on loopback."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from wagerflow.devenv import process
from wagerflow.errors import WagerflowError

KAFKA_VERSION = "4.1.1"
LOG4J_VERSION = "2.24.3"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>wagerflow.dev</groupId><artifactId>kafka-broker</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId>
      <version>{log4j}</version></dependency>
  </dependencies>
</project>
"""

_LOG4J2 = """status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
"""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wagerflow" / f"kafka-{KAFKA_VERSION}"


def ensure_jars() -> Path:
    """The directory of the broker's jars, downloading them with Maven on first use."""
    libs = cache_dir() / "libs"
    if (libs / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
        return libs
    if shutil.which("mvn") is None or shutil.which("java") is None:
        msg = "Kafka needs Java 17+ and Maven (mvn) to fetch its jars; neither may be missing"
        raise WagerflowError(msg)
    work = cache_dir()
    work.mkdir(parents=True, exist_ok=True)
    (work / "pom.xml").write_text(_POM.format(kafka=KAFKA_VERSION, log4j=LOG4J_VERSION))
    tmp = work / "libs.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    result = subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={tmp}",
            "-DincludeScope=runtime",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        msg = f"downloading the Kafka jars with Maven failed:\n{result.stdout[-2000:]}"
        raise WagerflowError(msg)
    tmp.rename(libs)
    return libs


@dataclass(frozen=True, slots=True)
class KafkaPaths:
    root: Path

    @property
    def pid(self) -> Path:
        return self.root / "kafka.pid"

    @property
    def log(self) -> Path:
        return self.root / "kafka.log"

    @property
    def config(self) -> Path:
        return self.root / "server.properties"

    @property
    def data(self) -> Path:
        return self.root / "data"


def _properties(paths: KafkaPaths, port: int, controller_port: int) -> str:
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={paths.data}",
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "",
        ]
    )


def configured_port(paths: KafkaPaths) -> int | None:
    if not paths.config.exists():
        return None
    for line in paths.config.read_text().splitlines():
        if line.startswith("advertised.listeners="):
            return int(line.rsplit(":", 1)[1])
    return None


def start(paths: KafkaPaths, timeout_s: float = 90.0) -> str:
    """Start the broker (idempotent); return its bootstrap address."""
    port = configured_port(paths)
    if process.running_pid(paths.pid) is not None and port is not None:
        return f"127.0.0.1:{port}"
    libs = ensure_jars()
    paths.root.mkdir(parents=True, exist_ok=True)
    if port is None or process.port_open(port):
        port = process.free_port()
        controller = process.free_port()
        paths.config.write_text(_properties(paths, port, controller))
    log4j = paths.root / "log4j2.properties"
    log4j.write_text(_LOG4J2.format(log=paths.log))
    classpath = f"{libs}/*"
    if not (paths.data / "meta.properties").exists():
        result = subprocess.run(
            [
                "java",
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                # "=" form: a cluster id may start with "-" (1 in 64), which the tool's
                # argument parser would take for an option
                "--cluster-id=" + base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="),
                "-c",
                str(paths.config),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            msg = f"formatting Kafka storage failed: {result.stdout}{result.stderr}"
            raise WagerflowError(msg)
    process.spawn(
        [
            "java",
            "-Xms256m",
            "-Xmx768m",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            classpath,
            "kafka.Kafka",
            str(paths.config),
        ],
        paths.root / "kafka.stdout",
        paths.pid,
        paths.root,
    )
    if not process.wait_until(lambda: process.port_open(port), timeout_s, paths.pid):
        process.stop(paths.pid)
        msg = f"Kafka did not start within {timeout_s:.0f}s; see {paths.log}"
        raise WagerflowError(msg)
    return f"127.0.0.1:{port}"
