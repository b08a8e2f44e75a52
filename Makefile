# hogaudit — `make help` lists the targets.

GO        ?= go
PKGS      ?= ./...
BIN       ?= bin/hogaudit
MULTITOOL := node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/hogaudit
	$(GO) build -trimpath -o $(BIN) ./cmd/hogaudit

.PHONY: tools
tools: $(MULTITOOL) ## install the SARIF validator (npm, pinned in package-lock.json)

$(MULTITOOL): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@chmod u+x $@ # its postinstall does this, but npm may skip install scripts
	@touch $@

.PHONY: test
test: tools ## vet, then run every test (Go, Rego, SARIF validation)
	$(GO) vet $(PKGS)
	$(GO) test $(PKGS)
	$(GO) test -race ./snapshot/... && $(GO) test -race -run 'TestFaults' ./cmd/hogaudit/ # the fault-injection suites, race-checked

.PHONY: lint
lint: ## gofmt, go vet and the Rego formatter check
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt would change the files above"; exit 1; }
	$(GO) vet $(PKGS)
	$(GO) test -run 'TestRegoFormatted' ./policies/

.PHONY: bench
bench: ## run the benchmarks (collection speedup, policy evaluation)
	$(GO) test -run '^$$' -bench . -benchtime 3x ./snapshot/ ./policies/

.PHONY: clean
clean: ## remove build output
	rm -rf bin
