# Agora developer entry points. `make help` lists them.

UV ?= python3 -m uv
RUN := $(UV) run --no-sync
PROFILE ?= dev
# `make logs C=kafka F=1` follows one component's log.
C ?=
F ?=
MYPY_PATHS := libs/*/src services/*/src gateway/src deploy/local/src tests $(if $(wildcard bench/*.py bench/*/*.py),bench)

.DEFAULT_GOAL := help
.PHONY: help deps install-infra up demo down status logs test lint typecheck bench bench-feed
.PHONY: bench-search bench-gateway
.PHONY: k8s-check k8s-topics

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install uv if missing and sync the virtualenv (frozen when uv.lock exists)
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --user 'uv==0.13.9'
	@if [ -f uv.lock ]; then $(UV) sync --frozen; else $(UV) sync; fi

install-infra: deps ## download and build Kafka, Elasticsearch and FerretDB into ~/.cache/agora
	$(RUN) agora-infra install

up: deps ## start the dev stack (infrastructure and services), wait until ready, load the demo once
	$(RUN) agora-infra up --profile $(PROFILE)

demo: deps ## load (or resume) the demo organisation into the running dev stack
	$(RUN) agora-infra demo

down: deps ## stop the dev stack and everything it started
	$(RUN) agora-infra down --profile $(PROFILE)

status: deps ## show what runs where; fails if something is unhealthy
	$(RUN) agora-infra status --profile $(PROFILE)

logs: deps ## show the logs (C=component to pick one, F=1 to follow)
	$(RUN) agora-infra logs --profile $(PROFILE) $(C) $(if $(F),-f)

lint: deps ## ruff check and ruff format --check
	$(RUN) ruff check
	$(RUN) ruff format --check

typecheck: deps ## mypy --strict over the libraries, local infra, tests and benchmarks
	$(RUN) mypy $(MYPY_PATHS)

test: lint typecheck k8s-check ## lint, typecheck, the Kubernetes checks, then pytest (its fixtures install and start the test stack)
	$(RUN) pytest --ignore=tests/k8s

bench: deps ## run the benchmarks
	$(RUN) python -m bench

bench-feed: deps ## run the feed benchmark (a generated organisation; about 15 minutes)
	$(RUN) python -m bench.feed

bench-search: deps ## run the search benchmark (relevance NDCG@10, latency, freshness)
	$(RUN) python -m bench.search

bench-gateway: deps ## run the gateway benchmark (through the gateway vs straight to the feed; about 7 minutes)
	$(RUN) python -m bench.gateway

.PHONY: bench-metrics
bench-metrics: deps ## run the metrics benchmark (a year of 10,000 people's events: projection vs raw, dashboards)
	$(RUN) python -m bench.metrics

k8s-check: deps ## render every deploy/k8s overlay (kustomize, built once with Go), validate it offline, lint the Dockerfiles, check the policies
	$(RUN) pytest tests/k8s -q -p no:cacheprovider

k8s-topics: deps ## regenerate deploy/k8s/base/kafka/topics.yaml from agora.eventsourcing.topics
	$(RUN) python -m agora.eventsourcing.k8s_topics --output deploy/k8s/base/kafka/topics.yaml
