package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The request budget's defaults are declared once, in snapshot: the help,
// the validation messages, the collection and docs/cli.md all show those
// values.

func TestHelpShowsTheBudgetConstants(t *testing.T) {
	h := newHarness(t, nil)
	for _, cmd := range []string{"scan", "snapshot"} {
		res := h.run(cmd, "--help")
		if res.code != 0 {
			t.Fatalf("%s --help: exit %d\n%s", cmd, res.code, res.stderr)
		}
		help := strings.Join(strings.Fields(res.stdout), " ") // unwrapped
		for _, want := range []string{
			fmt.Sprintf("--concurrency=%d ", snapshot.DefaultConcurrency),
			fmt.Sprintf("(1-%d)", maxConcurrency),
			fmt.Sprintf("--rate=%d ", snapshot.DefaultRate),
			fmt.Sprintf("PostHog allows %d/min and %d/h", snapshot.MaxRate, 10*snapshot.MaxRate),
		} {
			if !strings.Contains(help, want) {
				t.Errorf("%s --help lacks %q:\n%s", cmd, want, res.stdout)
			}
		}
		if strings.Contains(help, "${") {
			t.Errorf("%s --help shows an uninterpolated variable:\n%s", cmd, res.stdout)
		}
	}
}

func TestBudgetLimitsNameTheConstants(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"snapshot", "--concurrency", fmt.Sprint(maxConcurrency + 1)},
			fmt.Sprintf("use a value from 1 to %d (default %d)", maxConcurrency, snapshot.DefaultConcurrency)},
		// On PostHog Cloud: no more than its limit, and a budget
		// (budget_flags_test.go has the other hosts).
		{[]string{"snapshot", "--host", "https://us.posthog.com", "--rate", fmt.Sprint(snapshot.MaxRate + 1)},
			fmt.Sprintf("above PostHog's limit of %d requests a minute", snapshot.MaxRate)},
		{[]string{"snapshot", "--host", "https://eu.posthog.com", "--rate", "0"},
			fmt.Sprintf("the default %d is PostHog's own limit of %d a minute", snapshot.DefaultRate, snapshot.MaxRate)},
		{[]string{"snapshot", "--rate=-1"}, "must not be negative"},
	} {
		res := h.run(c.args...)
		if res.code != 2 || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%v: exit %d, want %q in:\n%s", c.args, res.code, c.want, res.stderr)
		}
	}
	// Near miss: the limits themselves are accepted (--rate 1 is too,
	// but a collection at one request a minute takes half an hour).
	for _, args := range [][]string{
		{"snapshot", "-o", "max.json", "--concurrency", fmt.Sprint(maxConcurrency), "--rate", fmt.Sprint(snapshot.MaxRate)},
		{"snapshot", "-o", "min.json", "--concurrency", "1"},
	} {
		if res := h.run(args...); res.code != 0 {
			t.Errorf("%v: exit %d\n%s", args, res.code, res.stderr)
		}
	}
}

func TestDefaultConcurrencyReachesTheCollection(t *testing.T) {
	// Every request takes 100 ms, and six projects' requests (started as
	// the project list arrives) fill the pool: a collection without
	// --concurrency has exactly the default in flight.
	more := func(o *posthogsim.Org) {
		for i := range 4 {
			p := o.Projects[len(o.Projects)-1]
			p.ID, p.UUID, p.Name = int64(13000+i), fmt.Sprintf("0190ffff-0000-7000-8000-%012d", i), fmt.Sprintf("Extra %d", i)
			p.APIToken, p.SecretAPIToken, p.SecretAPITokenBackup, p.LiveEventsToken = fmt.Sprintf("phc_extra%040d", i), "", "", ""
			p.AccessControl = false
			o.Projects = append(o.Projects, p)
		}
	}
	h := newHarness(t, more, posthogsim.WithLatency(100*time.Millisecond))
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"snapshot", "-o", "default.json"}, snapshot.DefaultConcurrency},
		{[]string{"snapshot", "-o", "three.json", "--concurrency", "3"}, 3}, // near miss
	} {
		h.sim.ResetStats()
		if res := h.run(c.args...); res.code != 0 {
			t.Fatalf("%v: exit %d\n%s", c.args, res.code, res.stderr)
		}
		if got := h.sim.Stats().MaxInFlight; got != c.want {
			t.Errorf("%v: %d requests in flight at most, want %d", c.args, got, c.want)
		}
	}
}

func TestCLIDocShowsTheBudgetConstants(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]int{"--concurrency N": snapshot.DefaultConcurrency, "--rate N": snapshot.DefaultRate} {
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(flag) + "` \\| [^|]* \\| ([^|]*) \\|")
		m := row.FindSubmatch(b)
		if m == nil {
			t.Errorf("docs/cli.md has no row for %s", flag)
			continue
		}
		if got := strings.TrimSpace(string(m[1])); got != fmt.Sprint(want) {
			t.Errorf("docs/cli.md gives %s the default %s, the code %d", flag, got, want)
		}
	}
	if !strings.Contains(string(b), fmt.Sprintf("PostHog allows %d/min", snapshot.MaxRate)) {
		t.Errorf("docs/cli.md does not name PostHog's limit of %d/min", snapshot.MaxRate)
	}
}
