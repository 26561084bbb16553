# lambda-connect — the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: venv demo test unit lint browser deploy-check services services-down services-status bench faults clean stack \
	stack-down demo-stack docs compat-4.1

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

## The main job: the seed scenario end to end (MariaDB -> Kafka -> CRM table, S3, OpenSearch; FileStream pair),
## then MirrorMaker 2 replicating a topic and a group's offsets from the second local cluster.
demo: venv services
	$(PY) -m demo.seed_scenario
	$(PY) -m demo.mirror_scenario

## All tests: lint, unit, and integration tests against the real services (started on demand).
## A native crash (SIGSEGV in a C extension) ends pytest with only the Python stack: the core file's native stacks
## follow it, so a crash on CI names its C frames. confluent-kafka is held below 2.16 (pyproject.toml): 2.16's
## free-threading rewrite of the client lifecycle segfaulted once in CI inside AdminClient.list_offsets.
## 2.15.1 crashed there too (rd_kafka_ListOffsets -> ..._query_leaders_async_worker -> pthread_mutex_lock(0x0)): a
## librdkafka race when the leaders are not cached yet. 2.16.1 has the same race (reproduced with the same stack), so
## its CI crash was most likely this one; log_bounds now fills the cache first (leaders_in_cache), on both versions.
## infra/local/list_offsets_race.py reproduces it (infra/local/README.md, pitfalls).
## `make test` spreads the suite over PYTEST_WORKERS pytest-xdist workers (tests/_parallel.py: a module, or all the
## modules of one JVM harness or deployed stack, per worker; longest first); the tests that failed there run once
## more, one at a time (as Kafka's build retries a failed test: one that fails again fails the run; the timing report
## names each that passed only alone); then the tests marked `alone` (they keep to a schedule's ticks) run in a
## session with nothing beside them. The tests that kill brokers of their private cluster are one unit of the parallel
## session, started first (a failure under load reruns alone). PYTEST_WORKERS=0 runs everything in this process.
## Either way a timing report (wall, the machine's CPU, per worker, slowest work units) ends the output.
## The JVMs the tests start (Kafka Connect workers, Maven, oracles) compile with C1 only (TEST_JVM_OPTIONS, through
## the java launcher's JDK_JAVA_OPTIONS): they run briefly, and C2's compiling competed with the tests for 2 cores.
## `make bench` never sets it: its JVM worker is measured warm.
PYTEST_WORKERS ?= 3
TEST_JVM_OPTIONS ?= -XX:TieredStopAtLevel=1
test: venv lint browser
	@rm -f core core.[0-9]*; ulimit -c unlimited 2>/dev/null; export JDK_JAVA_OPTIONS="$(TEST_JVM_OPTIONS)"; \
	if [ "$(PYTEST_WORKERS)" = 0 ]; then $(PY) -m pytest; rc=$$?; else \
	  $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not alone"; rc=$$?; \
	  if [ $$rc -eq 1 ]; then \
	    LAMBDA_CONNECT_TEST_PHASE=rerun $(PY) -m pytest --last-failed --last-failed-no-failures none -m "not alone"; \
	    rc=$$?; if [ $$rc -eq 5 ]; then rc=1; fi; \
	  fi; \
	  LAMBDA_CONNECT_TEST_PHASE=alone $(PY) -m pytest -m alone; alone=$$?; \
	  if [ $$alone -ne 0 ] && [ $$alone -ne 5 ] && [ $$rc -eq 0 ]; then rc=$$alone; fi; \
	fi; \
	for core in core core.[0-9]*; do \
	  [ -f "$$core" ] || continue; echo "make test: native crash, stacks from $$core:"; \
	  if command -v gdb >/dev/null; then gdb -batch -q -ex "thread apply all bt 6" -ex "echo the crashing thread:\\n" -ex "bt 40" $(PY) "$$core" 2>&1 \
	    | grep -v -e '^\[New LWP' -e '^warning:' | tail -200; else echo "(no gdb)"; fi; rm -f "$$core"; \
	done; exit $$rc

## Debian's Chromium for the status page's browser test (driven over its DevTools pipe: no driver needed).
## Needs root (or password-less sudo); fails naming the package otherwise.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then sudo=; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else \
	    echo "make browser: chromium is missing and this user cannot apt-get install it (not root, no sudo)" >&2; \
	    exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq --no-install-recommends chromium \
	    || { echo "make browser: apt-get install chromium failed" >&2; exit 1; }; }

unit: venv
	$(PY) -m pytest -m "not integration"

lint: venv
	$(PY) -m ruff check .
	$(PY) -m mypy  # connect_core/ and functions/, configured in pyproject.toml

## The documentation site (MkDocs + Material, mkdocs.yml; docs/index.md says how pages name their tests) into
## .run/site, failing on a broken link, anchor or nav entry. `make test` builds it too (tests/docs).
docs: venv
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

## template.yaml only: sam validate --lint, the translated resources and IAM, sam build + handler imports (no services).
deploy-check: venv
	$(PY) -m pytest tests/unit/infra tests/unit/kafka/test_auth.py tests/integration/deploy

## The deployed stack: sam build + sam deploy of template.yaml onto LocalStack (local Kafka); prints the coordinator's
## Function URL. Idempotent. `make stack-down` deletes it and everything its coordinator created.
## WORKER_CONFIG=connect-distributed.properties: the stack takes that worker file (internal topics, group, converters,
## config providers, security), as `lambda-connect up --worker-config` does; a file whose bootstrap.servers names the
## three-broker cluster of `make services` (127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094) deploys the stack on it.
## KAFKA=cluster: stack lambda-connect-cluster on that cluster's SASL_SSL/SCRAM listeners, as MSK serves a function.
stack: venv services
	$(PY) -m infra.local.stack up $(if $(filter cluster,$(KAFKA)),--cluster) $(if $(WORKER_CONFIG),--worker-config $(WORKER_CONFIG))

stack-down: venv
	$(PY) -m infra.local.stack down $(if $(filter cluster,$(KAFKA)),--cluster)

## The seed scenario of `make demo` through the deployed stack (after `make stack`): same connectors, same summary.
## KAFKA=cluster: on the three-broker cluster (after `make stack KAFKA=cluster`), topics created through KIP-158.
demo-stack: venv services
	$(PY) -m demo.stack_scenario $(if $(filter cluster,$(KAFKA)),--cluster)

services: venv
	$(PY) -m infra.local.services up

services-status: venv
	$(PY) -m infra.local.services status

services-down:
	@if [ -x $(PY) ]; then $(PY) -m infra.local.services down; else $(PYTHON) -m infra.local.services down; fi

## The fault suite at full size (`make test` runs it small; the CDC kills on a LocalStack stack of its own only here):
## per case runs, rows expected, lost, duplicated. Each file runs in a process of its own: the in-process Lambda model's
## thousands of schedules leave Kafka clients behind, and one process past 1,024 live librdkafka handles fails every
## later client ("Failed to initialize thread local storage"); FAULTS_FILES runs some files only.
FAULTS_FILES ?= $(sort $(wildcard tests/faults/test_*.py))
faults: venv services
	@mkdir -p .run && rm -f .run/faults-tally.txt
	@status=0; for file in $(FAULTS_FILES); do \
	  LAMBDA_CONNECT_FAULTS_SIZE=big LAMBDA_CONNECT_FAULTS_TALLY=.run/faults-tally.txt $(PY) -m pytest $$file \
	    || { echo "== $$file failed"; status=1; }; \
	done; echo "== fault suite: per case"; cat .run/faults-tally.txt 2>/dev/null; exit $$status

## The compatibility oracles on the previous Kafka release (4.1.1; `make test` runs them on infra/local/versions.py's):
## converters, SMTs, Java text and properties, the worker harness. Where 4.1 and 4.3 differ, the cases say so
## (version-keyed expected failures, tests/compat/_oracle.py kafka_before).
compat-4.1: venv services
	LAMBDA_CONNECT_COMPAT_KAFKA=4.1.1 $(PY) -m pytest tests/compat/test_json_converter_compat.py \
	  tests/compat/test_transforms_compat.py tests/compat/test_java_text_compat.py \
	  tests/compat/test_java_properties_compat.py tests/compat/connect_worker

## Benchmarks: ratios against raw baselines and Kafka Connect, written to bench/results/latest.json (method: bench/README.md;
## BENCH_JAVA_REPEATS interleaved repetitions per size, BENCH_JAVA_CASES selects the case 4 rows).
## Sizes: BENCH_RECORDS (default 100000), BENCH_REPEATS (3), BENCH_BATCH (1000), BENCH_CASES, BENCH_JAVA=0.
bench: venv services
	$(PY) -m bench.run

clean: services-down
	rm -rf .run
