package frameworks

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestControlList checks the list against the frameworks' own numbering:
// every SOC 2 criterion and every ISO/IEC 27001:2022 Annex A control,
// none missing, none extra, each with a title.
func TestControlList(t *testing.T) {
	// Each family and its number of controls, in the frameworks' order.
	want := map[string][]string{
		SOC2: ids("CC1.:5 CC2.:3 CC3.:4 CC4.:2 CC5.:3 CC6.:8 CC7.:5 CC8.:1 CC9.:2 A1.:3 C1.:2 PI1.:5 " +
			"P1.:1 P2.:1 P3.:2 P4.:3 P5.:2 P6.:7 P7.:1 P8.:1"),
		ISO27001v2022: ids("A.5.:37 A.6.:8 A.7.:14 A.8.:34"),
	}
	if got := Keys(); strings.Join(got, ",") != "soc2,iso27001_2022" {
		t.Fatalf("frameworks %q, want soc2 then iso27001_2022", got)
	}
	for _, f := range All() {
		ids := make([]string, len(f.Controls))
		for i, c := range f.Controls {
			ids[i] = c.ID
			if strings.TrimSpace(c.Title) == "" {
				t.Errorf("%s %s has no title", f.Key, c.ID)
			}
		}
		if got, w := strings.Join(ids, " "), strings.Join(want[f.Key], " "); got != w {
			t.Errorf("%s controls:\n got %s\nwant %s", f.Key, got, w)
		}
		if f.Short == "" || f.Name == "" || !regexp.MustCompile(`^[a-z0-9]+$`).MatchString(f.Tag) {
			t.Errorf("%s: short %q, name %q, tag %q", f.Key, f.Short, f.Name, f.Tag)
		}
	}
	if len(want[SOC2]) != 61 || len(want[ISO27001v2022]) != 93 {
		t.Fatalf("the expectation itself is wrong: %d SOC 2, %d ISO ids", len(want[SOC2]), len(want[ISO27001v2022]))
	}
}

// ids expands "CC1.:2 A1.:1" to CC1.1 CC1.2 A1.1.
func ids(spec string) []string {
	var out []string
	for _, fam := range strings.Fields(spec) {
		prefix, n, _ := strings.Cut(fam, ":")
		count, _ := strconv.Atoi(n)
		for i := 1; i <= count; i++ {
			out = append(out, prefix+strconv.Itoa(i))
		}
	}
	return out
}

func TestCheck(t *testing.T) {
	got, problems := Check(map[string]any{
		"soc2":          []any{"CC6.3", "CC6.1", "CC6.3"},
		"iso27001_2022": []any{"A.5.15", "A.5.9"},
	})
	if len(problems) > 0 {
		t.Fatalf("problems %q", problems)
	}
	// Framework order, not string order (A.5.9 before A.5.15), duplicates dropped.
	if strings.Join(got[SOC2], ",") != "CC6.1,CC6.3" || strings.Join(got[ISO27001v2022], ",") != "A.5.9,A.5.15" {
		t.Errorf("got %q", got)
	}
	if m, p := Check(nil); m != nil || p != nil {
		t.Errorf("nil: %v %v", m, p)
	}
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"criterion past the last of its family", map[string]any{"soc2": []any{"CC6.9"}}, `custom.frameworks.soc2 names unknown control "CC6.9" (SOC 2`},
		{"control past the last of its theme", map[string]any{"iso27001_2022": []any{"A.5.38"}}, `custom.frameworks.iso27001_2022 names unknown control "A.5.38"`},
		{"ISO 27001:2013 numbering", map[string]any{"iso27001_2022": []any{"A.9.2.3"}}, `unknown control "A.9.2.3"`},
		{"lowercase id", map[string]any{"soc2": []any{"cc6.1"}}, `unknown control "cc6.1"`},
		{"framework of another framework's id", map[string]any{"soc2": []any{"A.5.15"}}, `unknown control "A.5.15"`},
		{"unknown framework", map[string]any{"iso27001": []any{"A.5.15"}}, `custom.frameworks names unknown framework "iso27001" (known: soc2, iso27001_2022)`},
		{"not a list", map[string]any{"soc2": "CC6.1"}, "custom.frameworks.soc2 must be a list of control ids"},
		{"a number", map[string]any{"soc2": []any{6.1}}, "must list control ids as strings"},
		{"empty list", map[string]any{"soc2": []any{}}, "custom.frameworks.soc2 lists no control"},
		{"not a map", []any{"CC6.1"}, "custom.frameworks must be a map"},
	} {
		_, problems := Check(tc.v)
		if len(problems) != 1 || !strings.Contains(problems[0], tc.want) {
			t.Errorf("%s: problems %q, want one containing %q", tc.name, problems, tc.want)
		}
	}
	// The hint lists the families' ranges.
	_, p := Check(map[string]any{"soc2": []any{"CC6.9"}})
	if !strings.Contains(p[0], "CC6.1–CC6.8") || !strings.Contains(p[0], "PI1.1–PI1.5") || !strings.Contains(p[0], "policies/frameworks/controls.json") {
		t.Errorf("hint %q", p[0])
	}
}
