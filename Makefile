# Tessera. `make help` lists the targets.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/tessera
PKGS  := ./...

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-10s %s\n", $$1, $$2}'

generate: ## regenerate templ views
	$(GO) tool templ generate

build: generate ## build bin/tessera
	$(GO) build -o $(BIN) .

run: build ## build and start the demo: manage, connect and simulated sites on http://localhost:8080
	@scripts/ensure-postgres.sh
	$(BIN) serve --demo

lint: ## go vet, gofmt, go.mod/go.sum as go mod tidy leaves them, and the dependency rules (connect links no manage, domain no I/O)
	$(GO) vet $(PKGS)
	@GO=$(GO) scripts/lint-deps.sh
	@$(GO) mod tidy -diff >/dev/null || { echo "go mod tidy would change go.mod or go.sum; run 'go mod tidy' and commit:"; $(GO) mod tidy -diff; exit 1; }
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

check-generate: ## fail if templ generate changes committed files
	$(GO) tool templ generate
	@if [ -n "$$(git status --porcelain -- '*_templ.go')" ]; then echo "templ generate changed files; run 'make generate' and commit:"; git status --porcelain -- '*_templ.go'; exit 1; fi

test-deps: ## install and start what the tests need (PostgreSQL, slapd, Chromium)
	@scripts/test-deps.sh

test: test-deps check-generate lint ## install test dependencies and run every test, browser tests included
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

bench: test-deps ## run the benchmarks (figures go to docs/benchmarks.md)
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 -timeout 30m $(PKGS)

.PHONY: help generate build run lint check-generate test-deps test bench
