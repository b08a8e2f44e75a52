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

# FUZZ_TARGETS are the fuzz targets, as package:Target; `go test -fuzz`
# runs one target of one package at a time.
FUZZ_TARGETS := ./matrix:FuzzParse ./snapshot:FuzzDecode ./snapshot/posthog:FuzzDecoders ./policies:FuzzCheck
FUZZTIME     ?= 10s

.PHONY: test
test: tools ## vet, then run every test under the race detector (Go, Rego, SARIF validation); with CI set, also `make fuzz`
	$(GO) vet $(PKGS)
	$(GO) test -race $(PKGS)
	@case "$$CI" in ""|false|FALSE|False) ;; *) $(MAKE) --no-print-directory fuzz ;; esac

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (default 10s), one after the other
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($${t%%:*}) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s $${t%%:*}; \
	done

.PHONY: lint
lint: ## gofmt, go vet and the Rego formatter check
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt would change the files above"; exit 1; }
	$(GO) vet $(PKGS)
	$(GO) test -run 'TestRegoFormatted' ./policies/

.PHONY: bench
bench: ## run the benchmarks (collection speedup, policy evaluation, a 5,000-member org collected five times under random faults, its SARIF capped and validated)
	$(GO) test -run '^$$' -bench . -benchtime 3x ./snapshot/ ./policies/
	$(GO) test -count=1 -v -run '^TestCollectUnderRandomFaults$$' ./snapshot/ -large-org
	$(GO) test -count=1 -v -run '^TestSARIFCapLargeOrg$$' ./cmd/hogaudit/ -large-org

.PHONY: clean
clean: ## remove build output
	rm -rf bin
