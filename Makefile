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
test: tools ## gofmt and vet, then run every test under the race detector (Go, Rego, SARIF validation); with CI set, also `make fuzz`
	@files=$$(git ls-files '*.go' 2>/dev/null); test -z "$$files" || test -z "$$(gofmt -l $$files)" || { gofmt -l $$files; echo "gofmt would change the files above"; exit 1; }
	$(GO) vet $(PKGS)
	$(GO) test -race -timeout 20m $(PKGS)
	@case "$$CI" in ""|false|FALSE|False) ;; *) $(MAKE) --no-print-directory fuzz ;; esac

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (default 10s), one after the other
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($${t%%:*}) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s $${t%%:*}; \
	done

# ACTIONLINT is run through the module proxy (go run pkg@version: go.mod is
# left alone).
ACTIONLINT ?= $(GO) run github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

.PHONY: lint
lint: ## gofmt, go vet, the Rego formatter check and actionlint (the workflows, shipped examples included)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt would change the files above"; exit 1; }
	$(GO) vet $(PKGS)
	$(GO) test -run 'TestRegoFormatted' ./policies/
	$(ACTIONLINT) .github/workflows/*.yml examples/workflows/*.yml

# BENCH_OUT receives the tables of the scale benchmarks (issue 13), which
# `make bench` also splices into docs/performance.md between its
# <!-- bench:NAME --> markers. BENCH_SCALE is the time factor of the
# throttled collection runs (a simulated minute lasts 60/BENCH_SCALE s); the
# default 1 runs them in real time, because scaling time multiplies every CPU
# cost in simulated time (docs/performance.md).
BENCH_OUT   ?= bench-out
BENCH_SCALE ?= 1

.PHONY: bench
bench: ## run the benchmarks (collection speedup, policy evaluation, a 5,000-member org collected five times under random faults, its SARIF capped and validated, a 60,000-member role collected; the scale tables of docs/performance.md)
	@mkdir -p $(BENCH_OUT); status=0; \
	$(GO) test -run '^$$' -bench '^Benchmark(Collect|Check|AccessTable)$$' -benchtime 3x ./snapshot/ ./policies/ || status=1; \
	$(GO) test -count=1 -v -run '^TestCollectUnderRandomFaults$$' ./snapshot/ -large-org || status=1; \
	$(GO) test -count=1 -v -run '^TestSARIFCapLargeOrg$$' ./cmd/hogaudit/ -large-org || status=1; \
	$(GO) test -count=1 -v -run '^TestCollectSixtyThousandMemberRole$$' ./snapshot/ -large-org || status=1; \
	$(GO) test -count=1 -timeout 60m -run '^$$' -bench '^BenchmarkCollectOrgs$$' -benchtime 1x ./snapshot/ \
		-bench-scale $(BENCH_SCALE) -bench-table $(CURDIR)/$(BENCH_OUT)/collect.md || status=1; \
	$(GO) test -count=1 -timeout 60m -run '^$$' -bench '^BenchmarkCheckSizes$$' -benchtime 1x ./cmd/hogaudit/ \
		-bench-table $(CURDIR)/$(BENCH_OUT)/check.md || status=1; \
	for t in collect check; do \
		test -s $(BENCH_OUT)/$$t.md || continue; \
		echo; cat $(BENCH_OUT)/$$t.md; \
		awk -v f=$(BENCH_OUT)/$$t.md -v name=$$t ' \
			$$0 == "<!-- bench:" name " -->" { print; while ((getline l < f) > 0) print l; skip = 1; next } \
			$$0 == "<!-- /bench:" name " -->" { skip = 0 } \
			!skip' docs/performance.md > $(BENCH_OUT)/performance.md && \
		cp $(BENCH_OUT)/performance.md docs/performance.md; \
	done; \
	exit $$status

# Release: static (CGO_ENABLED=0), trimmed binaries for every RELEASE_TARGETS
# entry, archived as hogaudit_<version>_<os>_<arch>.tar.gz (.zip for
# windows) in DIST, with DIST/SHA256SUMS in sha256sum's format. VERSION is
# the tag being released (v1.2.3); the commit comes from the build info Go
# records (vcs.revision, vcs.modified), so build from a git checkout.
VERSION         ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)
DIST            ?= dist
RELEASE_TARGETS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
VERSION_PKG     := github.com/hogaudit/hogaudit/internal/version
# COMMIT and MODIFIED are linked in as well, for the builds where Go records
# no VCS information (a git worktree, GOFLAGS=-buildvcs=false).
COMMIT          ?= $(shell git rev-parse HEAD 2>/dev/null)
MODIFIED        ?= $(shell test -z "$$(git status --porcelain 2>/dev/null)" && echo false || echo true)

.PHONY: release
release: ## cross-build the release archives and SHA256SUMS into dist/ (VERSION=v1.2.3)
	@set -eu; v='$(VERSION)'; v="$${v#v}"; dist='$(DIST)'; \
	rm -rf "$$dist"; mkdir -p "$$dist/.build"; \
	for t in $(RELEASE_TARGETS); do \
		os="$${t%/*}"; arch="$${t#*/}"; name="hogaudit_$${v}_$${os}_$${arch}"; \
		exe=hogaudit; [ "$$os" = windows ] && exe=hogaudit.exe; \
		echo "build $$name"; \
		mkdir -p "$$dist/.build/$$name"; \
		CGO_ENABLED=0 GOOS="$$os" GOARCH="$$arch" $(GO) build -trimpath -buildvcs=true \
			-ldflags "-s -w -X $(VERSION_PKG).Version=$(VERSION) -X $(VERSION_PKG).Revision=$(COMMIT) -X $(VERSION_PKG).Modified=$(MODIFIED)" \
			-o "$$dist/.build/$$name/$$exe" ./cmd/hogaudit; \
		cp README.md "$$dist/.build/$$name/"; \
		if [ "$$os" = windows ]; then \
			(cd "$$dist/.build/$$name" && zip -q -X "../../$$name.zip" "$$exe" README.md); \
		else \
			tar -C "$$dist/.build/$$name" -czf "$$dist/$$name.tar.gz" "$$exe" README.md; \
		fi; \
	done; \
	rm -rf "$$dist/.build"; \
	(cd "$$dist" && sha256sum hogaudit_* > SHA256SUMS); \
	cat "$$dist/SHA256SUMS"

.PHONY: clean
clean: ## remove build output
	rm -rf bin dist bench-out
