// Command hogaudit checks a PostHog organization's access control against a
// declared access matrix: it snapshots the organization through PostHog's
// REST API, evaluates Rego policies on the snapshot, and reports violations
// as SARIF, JSON, Markdown or a terminal table. Run `hogaudit --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// main runs hogaudit with a context that SIGINT and SIGTERM cancel alike:
// the run then writes reports saying the check did not complete and exits
// 130. A second signal is not caught: it ends the process at once.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], newEnv())
	stop()
	os.Exit(code)
}
