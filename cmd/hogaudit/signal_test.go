package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/internal/sarifcheck"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// runMainEnv makes the test binary run hogaudit's main instead of the
// tests, so that a test can start the real command — signal handling and
// os.Exit included — as a child process.
const runMainEnv = "HOGAUDIT_TEST_RUN_MAIN"

// sarifs are the SARIF logs the tests write, validated by one multitool
// run after them all (sarifcheck.Batch).
var sarifs sarifcheck.Batch

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	if os.Getenv(measureEnv) == "1" {
		os.Exit(measureChild(os.Args[1:]))
	}
	os.Exit(sarifs.Run(m))
}

// TestSignalsExitLikeEachOther stops a scan that waits on a stalled server
// with SIGINT, then another with SIGTERM: both exit 130, say so, and leave
// reports that say the check did not complete.
func TestSignalsExitLikeEachOther(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			// A request that arrives proves main's signal handling is
			// installed; the server then stalls until the client goes.
			arrived := make(chan struct{}, 64)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				arrived <- struct{}{}
				<-r.Context().Done()
			}))
			defer srv.Close()
			dir := t.TempDir()
			matrixPath := filepath.Join(dir, "access-matrix.yaml")
			if err := os.WriteFile(matrixPath, examples.Matrix, 0o600); err != nil {
				t.Fatal(err)
			}
			jsonPath := filepath.Join(dir, "scan.json")
			if err := os.WriteFile(jsonPath, []byte(`{"findings":[]}`), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "scan", "--matrix", matrixPath, "--json", jsonPath)
			cmd.Env = append(os.Environ(), runMainEnv+"=1",
				"POSTHOG_HOST="+srv.URL, "POSTHOG_PERSONAL_API_KEY="+posthogsim.AcmeScannerToken)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-arrived:
			case <-ctx.Done():
				t.Fatalf("no request arrived:\n%s", stderr.String())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
				t.Fatalf("%v: %v, want exit %d:\n%s", sig, err, exitInterrupted, stderr.String())
			}
			if !strings.Contains(stderr.String(), "hogaudit: interrupted") {
				t.Errorf("stderr:\n%s", stderr.String())
			}
			if f := decodeFailure(t, jsonPath); f == nil || !strings.Contains(f.Message, "check did not complete: the run was interrupted") {
				t.Errorf("%s: failure = %+v", jsonPath, f)
			}
		})
	}
}

// TestCancelledRunExits130 is the in-process half: a run whose context is
// cancelled exits 130 and writes reports saying so; whatever error the
// cancellation caused (a plain failure once exited 2) maps to 130, while a
// command that finished its reports despite it keeps its own code.
func TestCancelledRunExits130(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, scanArgs("--json", "r.json"), h.env(&out, &errb, nil))
	if code != exitInterrupted || !strings.Contains(errb.String(), "hogaudit: interrupted") {
		t.Errorf("cancelled scan: exit %d:\n%s", code, errb.String())
	}
	if f := decodeFailure(t, h.path("r.json")); f == nil || !strings.Contains(f.Cause, "interrupted") {
		t.Errorf("r.json failure = %+v", f)
	}

	live := context.Background()
	for _, c := range []struct {
		ctx  context.Context
		err  error
		want int
	}{
		{ctx, fail(errors.New("evaluate: rego stopped")), exitInterrupted},
		{ctx, context.Canceled, exitInterrupted},
		{ctx, exitCode(1), 1},
		{ctx, nil, 0},
		{live, fail(errors.New("evaluate: rego stopped")), 2},
		{live, exitCode(1), 1},
	} {
		var errb bytes.Buffer
		if got := exitAfter(c.ctx, &env{stderr: &errb}, c.err); got != c.want {
			t.Errorf("exitAfter(cancelled %v, %v) = %d, want %d", c.ctx.Err() != nil, c.err, got, c.want)
		}
	}
}
