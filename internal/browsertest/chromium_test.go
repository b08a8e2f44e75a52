package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records Fatal and Skip instead of ending
// the test.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Fatal(args ...any)            { r.fatal = fmt.Sprint(args...); panic(r) }
func (r *recorder) Skip(args ...any)             { r.skip = fmt.Sprint(args...); panic(r) }
func (r *recorder) Fatalf(f string, args ...any) { r.Fatal(fmt.Sprintf(f, args...)) }

func find(t *testing.T) (rec *recorder, c *Chromium) {
	rec = &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != rec {
			panic(p)
		}
	}()
	return rec, Find(rec)
}

// TestFindWithoutChromium: without a browser the test fails under CI,
// naming the install command, and is skipped elsewhere with it.
func TestFindWithoutChromium(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("HOGAUDIT_CHROMIUM", "")
	for _, c := range []struct {
		ci       string
		wantFail bool
	}{{"true", true}, {"1", true}, {"", false}, {"false", false}} {
		t.Setenv("CI", c.ci)
		rec, got := find(t)
		if got != nil {
			t.Fatalf("CI=%q: found a browser on an empty PATH", c.ci)
		}
		msg := rec.skip
		if c.wantFail {
			msg = rec.fatal
		}
		if msg == "" || (c.wantFail && rec.skip != "") || (!c.wantFail && rec.fatal != "") {
			t.Errorf("CI=%q: fatal %q, skip %q; want a %s", c.ci, rec.fatal, rec.skip, map[bool]string{true: "failure", false: "skip"}[c.wantFail])
		}
		if !strings.Contains(msg, InstallHint) {
			t.Errorf("CI=%q: %q does not name the install command", c.ci, msg)
		}
	}
}

// TestFindHonoursOverride: $HOGAUDIT_CHROMIUM names the binary.
func TestFindHonoursOverride(t *testing.T) {
	t.Setenv("HOGAUDIT_CHROMIUM", "/opt/chrome/chrome")
	rec, got := find(t)
	if got == nil || got.Path != "/opt/chrome/chrome" || rec.fatal != "" || rec.skip != "" {
		t.Errorf("Find = %+v (fatal %q, skip %q), want /opt/chrome/chrome", got, rec.fatal, rec.skip)
	}
}

func TestConsoleLine(t *testing.T) {
	for _, c := range []struct {
		line string
		want bool
	}{
		{`[1:1:1201/163011.3:INFO:CONSOLE(3)] "Uncaught TypeError: x", source: file:///r.html (3)`, true},
		{`[1:1:1201/163011.3:ERROR:CONSOLE] "Refused to execute inline script"`, true},
		{`[2491:2491:1201/163404.584876:INFO:CONSOLE:1] "Uncaught TypeError: null", source: file:///t.html (1)`, true},
		{`[29882:29909:1201/163011.333762:ERROR:dbus/bus.cc:405] Failed to connect to the bus`, false},
	} {
		if got := consoleLine.MatchString(c.line); got != c.want {
			t.Errorf("consoleLine(%q) = %v, want %v", c.line, got, c.want)
		}
	}
}

// TestLoadSeesConsoleErrors is the near miss of the HTML report's browser
// test: a page whose script throws, or whose inline script its CSP blocks,
// shows up in Page.Console; a clean one does not.
func TestLoadSeesConsoleErrors(t *testing.T) {
	c := Find(t)
	dir := t.TempDir()
	pages := map[string]string{
		"throws.html":  `<!DOCTYPE html><body><script>document.body.setAttribute("data-x","1");null.f();</script></body>`,
		"blocked.html": `<!DOCTYPE html><head><meta http-equiv="Content-Security-Policy" content="script-src 'none'"></head><body><script>document.body.setAttribute("data-x","1")</script></body>`,
		"clean.html":   `<!DOCTYPE html><body><script>document.body.setAttribute("data-x","1")</script></body>`,
	}
	for name, src := range pages {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, wantConsole := range map[string]bool{"throws.html": true, "blocked.html": true, "clean.html": false} {
		p := c.Load(t, filepath.Join(dir, name), time.Minute)
		if got := len(p.Console) > 0; got != wantConsole {
			t.Errorf("%s: console %q, want messages: %v", name, p.Console, wantConsole)
		}
		if ran := strings.Contains(p.DOM, `data-x="1"`); ran == (name == "blocked.html") {
			t.Errorf("%s: script ran = %v", name, ran)
		}
	}
}
