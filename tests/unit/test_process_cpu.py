"""The timing report's CPU by kind of process: the kinds named from command lines, and a busy child counted."""

from __future__ import annotations

import subprocess
import sys
import time

from tests._process_cpu import ProcessCpu, process_kind


def test_kinds_name_the_services_and_the_workers() -> None:
    kafka = ["java", "-Xmx768m", "-cp", "/a.jar:/b.jar", "-Dkafka.logs.dir=/work/main/.run/kafka", "kafka.Kafka",
             "/work/main/.run/kafka/server.properties"]
    assert process_kind(kafka, "java") == "java Kafka .run/kafka"
    assert process_kind(["/usr/bin/java", "-jar", "/x/registry-runner.jar"], "java") == "java registry-runner.jar"
    assert process_kind(["/v/bin/python", "-m", "localstack.runtime.main"], "python") == \
        "python -m localstack.runtime.main"
    assert process_kind(["python3", "-c", "import sys;exec(eval(sys.stdin.readline()))"], "python3") == \
        "pytest worker"
    assert process_kind(["python3", "-c", "print(1)"], "python3") == "python -c"
    assert process_kind(["/usr/sbin/mariadbd", "--datadir=/w/.run/mariadb/data"], "mariadbd") == \
        "mariadbd .run/mariadb"
    assert process_kind(["postgres: connect connect 127.0.0.1(1) idle"], "postgres") == "postgres"
    assert process_kind([], "kworker/0:1") == "kernel"


def test_a_busy_process_that_exits_still_counts_what_it_used() -> None:
    sampler = ProcessCpu(interval_s=0.2)
    sampler.start()
    subprocess.run([sys.executable, "-c", "import time\nend = time.process_time() + 1.0\n"
                    "while time.process_time() < end: pass"], check=True)
    time.sleep(0.3)
    sampler.stop()
    used = sampler.by_kind()
    assert used.get("python -c", 0.0) >= 0.6, used  # sampled at least once near its end
    assert sampler.lines(machine_cpu_s=sum(used.values()))[1].strip().endswith(next(iter(used)))


def test_a_process_that_exited_unreaped_keeps_its_kind() -> None:
    """A zombie has no command line: its CPU stays with what it was, never moves to the kernel's."""
    sampler = ProcessCpu()
    sampler._note({(7, 1): ("java Kafka .run/kafka", 3.0)})
    sampler._note({(7, 1): ("kernel", 4.0), (8, 1): ("kernel", 1.0)})
    assert sampler.by_kind() == {"java Kafka .run/kafka": 4.0, "kernel": 1.0}
