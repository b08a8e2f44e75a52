// Package browsertest drives Debian's headless Chromium for the tests of
// hogaudit's HTML report: load a file, dump its DOM after its scripts ran
// with the console messages, take a screenshot. It is for tests only.
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// InstallHint is the command that installs the browser on Debian.
const InstallHint = "apt-get install -y --no-install-recommends chromium"

// Chromium is a headless browser binary.
type Chromium struct {
	Path string
}

// Find returns the Chromium the tests use: $HOGAUDIT_CHROMIUM, else
// chromium on PATH (Debian's package installs /usr/bin/chromium). Without
// one, the test fails under CI (CI set and not false) — CI must install
// it, .ci/run does — and is skipped elsewhere with the install command.
func Find(t testing.TB) *Chromium {
	t.Helper()
	path := os.Getenv("HOGAUDIT_CHROMIUM")
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			path = ""
		}
	}
	if path == "" {
		msg := "headless Chromium is not installed, so the HTML report is not tested in a browser; install it with: " + InstallHint +
			" (or set HOGAUDIT_CHROMIUM to a Chromium binary)"
		if InCI() {
			t.Fatal(msg + " — CI must run this test (.ci/run installs it)")
		}
		t.Skip(msg)
	}
	return &Chromium{Path: path}
}

// InCI reports whether $CI says the tests run in CI.
func InCI() bool {
	switch os.Getenv("CI") {
	case "", "0", "false", "FALSE", "False":
		return false
	}
	return true
}

// args are the flags of every run: headless, no sandbox (containers run
// as root), and nothing that reaches the network.
func (c *Chromium) args(profile string, extra ...string) []string {
	return append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
		"--user-data-dir=" + profile,
	}, extra...)
}

// Page is what a load of a file showed.
type Page struct {
	// DOM is the document serialized after its scripts ran.
	DOM string
	// Console are the page's console messages (errors, warnings, logs,
	// uncaught exceptions and CSP violations), one a line.
	Console []string
}

// consoleLine matches the lines Chromium's --enable-logging=stderr prints
// for a console message: `[…:INFO:CONSOLE:12] "text", source: url (12)`
// (Chromium 148; older ones print CONSOLE(12)).
var consoleLine = regexp.MustCompile(`:CONSOLE(?:\(\d+\)|:\d+)?\]`)

// Load opens file in Chromium and returns its DOM and console.
func (c *Chromium) Load(t testing.TB, file string, timeout time.Duration) Page {
	t.Helper()
	return c.LoadFragment(t, file, "", timeout)
}

// LoadFragment opens file#fragment (no '#' when fragment is empty) in
// Chromium and returns its DOM, as its script left it, and its console.
func (c *Chromium) LoadFragment(t testing.TB, file, fragment string, timeout time.Duration) Page {
	t.Helper()
	url := fileURL(t, file)
	if fragment != "" {
		url += "#" + fragment
	}
	stdout, stderr := c.run(t, timeout, "--enable-logging=stderr", "--v=0", "--dump-dom", url)
	var p Page
	p.DOM = stdout
	for _, l := range strings.Split(stderr, "\n") {
		if consoleLine.MatchString(l) {
			p.Console = append(p.Console, l)
		}
	}
	return p
}

// Screenshot writes a PNG of file, rendered in a window of width × height.
func (c *Chromium) Screenshot(t testing.TB, file, png string, width, height int, timeout time.Duration) {
	t.Helper()
	abs, err := filepath.Abs(png)
	if err != nil {
		t.Fatal(err)
	}
	c.run(t, timeout, "--screenshot="+abs, fmt.Sprintf("--window-size=%d,%d", width, height), fileURL(t, file))
	fi, err := os.Stat(abs)
	if err != nil || fi.Size() == 0 {
		t.Fatalf("chromium wrote no screenshot %s: %v", abs, err)
	}
}

func (c *Chromium) run(t testing.TB, timeout time.Duration, extra ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Path, c.args(t.TempDir(), extra...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v (ctx %v)\nstderr:\n%s", strings.Join(extra, " "), err, ctx.Err(), tail(errb.String(), 4000))
	}
	return out.String(), errb.String()
}

func fileURL(t testing.TB, file string) string {
	t.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	return "file://" + filepath.ToSlash(abs)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
