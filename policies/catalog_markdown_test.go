package policies

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rulesDoc is docs/rules.md, seen from this package's directory.
const rulesDoc = "../docs/rules.md"

// TestRulesDocCurrent fails when docs/rules.md is not exactly what the
// built-in rules' METADATA renders to: the document is generated, never
// edited by hand.
func TestRulesDocCurrent(t *testing.T) {
	eng, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := CatalogMarkdown(eng.Rules())
	want, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("docs/rules.md is stale; regenerate it from the repository's root with\n\t%s\n(-docs/rules.md +rendered):\n%s",
			RegenerateRulesDoc, cmp.Diff(string(want), string(got)))
	}
}

// docRule is a custom rule whose text holds every character Markdown
// could read as markup.
var docRule = Rule{
	ID: "ACME001", Name: "temporary-account", Title: "Temporary <x> accounts | *all*", Severity: "high",
	Description: "Accounts named temp_* or _x_ must go; max_owners stays.\nSecond line [a](b) `c` ~d~ \\e.",
	Remediation: "Remove the account (DELETE /api/x/<id>/).",
	Area:        "custom", Requires: []string{"members", "activity_log"}, Scopes: []string{"organization_member:read", "activity_log:read"},
	Notes:            "Notes are **Markdown**, kept as written:\n\n- one\n- two",
	RelatedResources: []Link{{URL: "https://example.com/a_(b)", Description: "Docs"}, {URL: "https://example.com/c"}},
	File:             "rules/temporary.rego", Custom: true,
}

func TestCatalogMarkdownRule(t *testing.T) {
	doc := string(CatalogMarkdown([]Rule{docRule}))
	for _, want := range []string{
		"## Custom rules\n\n| id | name | severity | title |\n|---|---|---|---|\n" +
			"| [ACME001](#acme001-temporary-account) | `temporary-account` | high | Temporary \\<x\\> accounts \\| \\*all\\* (custom) |\n",
		"### ACME001 temporary-account\n\n*Temporary \\<x\\> accounts \\| \\*all\\** — severity **high**\n\n",
		"Accounts named temp\\_\\* or \\_x\\_ must go; max_owners stays. Second line \\[a\\](b) \\`c\\` \\~d\\~ \\\\e.\n\n",
		"\n\nNotes are **Markdown**, kept as written:\n\n- one\n- two\n\n",
		"**How to fix.** Remove the account (DELETE /api/x/\\<id\\>/).\n\n",
		"**Evidence.** Snapshot sections `members`, `activity_log` (on PostHog Cloud the plan feature `audit_logs`); API\n" +
			"scopes of the scanning key `organization_member:read`, `activity_log:read`.\n\n",
		"**See** [Docs](<https://example.com/a_(b)>), [https://example.com/c](https://example.com/c).\n\n",
		"Defined in `rules/temporary.rego` (custom rule).\n",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks\n%q\nin\n%s", want, doc)
		}
	}

	// The near miss: a built-in rule (no custom marks) reading nothing.
	plain := docRule
	plain.Custom, plain.Area, plain.Requires, plain.Scopes, plain.Notes, plain.RelatedResources = false, "tool", nil, nil, "", nil
	doc = string(CatalogMarkdown([]Rule{plain}))
	for _, absent := range []string{"(custom", "Custom rules", "**See**", "Markdown"} {
		if strings.Contains(doc, absent) {
			t.Errorf("a built-in rule's document holds %q:\n%s", absent, doc)
		}
	}
	for _, want := range []string{"## Tool and evidence (9xx)\n", "**Evidence.** No snapshot section; no API scope.\n"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q:\n%s", want, doc)
		}
	}
}

// TestCatalogMarkdownDeterministic: the document depends on the rules, not
// on the order they come in; areas come in their fixed order.
func TestCatalogMarkdownDeterministic(t *testing.T) {
	eng, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rules := append(eng.Rules(), docRule)
	want := CatalogMarkdown(rules)
	reversed := slices.Clone(rules)
	slices.Reverse(reversed)
	if got := CatalogMarkdown(reversed); !bytes.Equal(want, got) {
		t.Errorf("the order of the rules changed the document:\n%s", cmp.Diff(string(want), string(got)))
	}
	var headings []string
	for _, l := range strings.Split(string(want), "\n") {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			headings = append(headings, h)
		}
	}
	var wantHeadings []string
	for _, a := range catalogAreas {
		wantHeadings = append(wantHeadings, a.heading)
	}
	wantHeadings = append(wantHeadings, "Controls index") // after the areas
	if diff := cmp.Diff(wantHeadings, headings); diff != "" {
		t.Errorf("area headings (-want +got):\n%s", diff)
	}
}

// TestCatalogAreasNameEveryArea: every area METADATA may give has its
// heading (an area without one would be headed by its bare name).
func TestCatalogAreasNameEveryArea(t *testing.T) {
	named := map[string]bool{}
	for _, a := range catalogAreas {
		named[a.area] = true
	}
	for a := range areas {
		if !named[a] {
			t.Errorf("area %s has no heading in catalogAreas", a)
		}
	}
	// The near miss: an unknown area still gets a section, after the others.
	odd := docRule
	odd.Area = "zzz"
	doc := string(CatalogMarkdown([]Rule{docRule, odd}))
	if i, j := strings.Index(doc, "## Custom rules"), strings.Index(doc, "## zzz"); i < 0 || j < i {
		t.Errorf("want the custom section, then zzz:\n%s", doc)
	}
}

// githubAnchor is the fragment GitHub gives a heading, computed here
// independently of ruleAnchor: lowercase; letters, digits, "-" and "_"
// kept, spaces to "-", the rest dropped.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(heading) {
		switch {
		case c == ' ':
			b.WriteByte('-')
		case c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
		}
	}
	return b.String()
}

// TestRulesDocLinks: every in-document link of docs/rules.md (the table's
// and those the notes write) leads to a heading of the document, and every
// rule has its section, headed by its id and name.
func TestRulesDocLinks(t *testing.T) {
	eng, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc := string(CatalogMarkdown(eng.Rules()))
	anchors := map[string]bool{}
	for _, l := range strings.Split(doc, "\n") {
		if m := regexp.MustCompile(`^#{1,6} (.+)$`).FindStringSubmatch(l); m != nil {
			anchors[githubAnchor(m[1])] = true
		}
	}
	links := regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(doc, -1)
	if len(links) < len(eng.Rules()) {
		t.Fatalf("%d in-document links for %d rules", len(links), len(eng.Rules()))
	}
	for _, m := range links {
		if !anchors[m[1]] {
			t.Errorf("link to #%s leads to no heading", m[1])
		}
	}
	for _, r := range eng.Rules() {
		if !strings.Contains(doc, "\n### "+r.ID+" "+r.Name+"\n") || !anchors[ruleAnchor(r)] {
			t.Errorf("%s has no section headed %q", r.ID, r.ID+" "+r.Name)
		}
	}
	// README.md links to the effective-access notes.
	if !anchors["effective-access-as-posthog-resolves-it"] {
		t.Error("the document lost its heading \"Effective access, as PostHog resolves it\" (README.md links to it)")
	}
}

func TestMdLiteral(t *testing.T) {
	for in, want := range map[string]string{
		"max_owners and org_level": "max_owners and org_level",
		"_x_ and x_ and _":         `\_x\_ and x\_ and \_`,
		`"role": "<role id>"`:      `"role": "\<role id\>"`,
		"scope * or a|b":           `scope \* or a\|b`,
		"[a](b) `c` ~d~ \\":        "\\[a\\](b) \\`c\\` \\~d\\~ \\\\",
		"two\nlines\tand tab":      "two lines and tab",
		"é_ü":                      "é_ü",
	} {
		if got := mdLiteral(in); got != want {
			t.Errorf("mdLiteral(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestParaNeverOpensBlock: wrapping never puts a word that would start a
// list, heading, quote or rule at the start of a line.
func TestParaNeverOpensBlock(t *testing.T) {
	filler := strings.Repeat("x", docWidth-1)
	for _, w := range []string{"-", "+", "*", ">", "#", "##", "1.", "12)", "---", "==="} {
		var b strings.Builder
		para(&b, filler+" "+w+" tail")
		lines := strings.Split(strings.TrimSpace(b.String()), "\n")
		if len(lines) != 2 || !strings.HasSuffix(lines[0], " "+w) || lines[1] != "tail" {
			t.Errorf("%q: wrapped as %q", w, lines)
		}
	}
	// The near miss: an ordinary word wraps.
	var b strings.Builder
	para(&b, filler+" word tail")
	if got := b.String(); got != filler+"\nword tail\n\n" {
		t.Errorf("wrapped as %q", got)
	}
}
