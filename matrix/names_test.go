package matrix

import (
	"slices"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"production_project":          true,
		"web-2":                       true,
		"2024":                        true,
		"a":                           true,
		"":                            false,
		"Production":                  false,
		"_prod":                       false,
		"-prod":                       false,
		"prod project":                false,
		"prod.eu":                     false,
		"café":                        false,
		"a" + strings.Repeat("b", 63): true,
		"a" + strings.Repeat("b", 64): false,
	} {
		if got := ValidKey(key); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestSameName(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"production", "Production", true},
		{"web_app", "Web App", true},
		{"web-app", "web_app", true},
		{"web_app", "Web  App", false},
		{"eu_west", " EU West ", true},
		{"prod", "production", false},
		{"Ünïcode", "ünïcode", true},
	} {
		if got := sameName(tt.a, tt.b); got != tt.want {
			t.Errorf("sameName(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, tt := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"", "", true},
		{"", "a", false},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"*@acme.com", "pm@acme.com", true},
		{"*@acme.com", "pm@acme.com.evil", false},
		{"*@*.acme.com", "pm@eu.acme.com", true},
		{"*@*.acme.com", "pm@acme.com", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXcYYb", false},
		{"a**b", "ab", true},
		{"a?c", "abc", false},
		{"a?c", "a?c", true},
		{"key:*-readonly", "key:bi-dashboard-readonly", true},
	} {
		if got := glob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	for _, tt := range []struct {
		word string
		want string
	}{
		{"rol", "role"},
		{"nmae", "name"},
		{"lookback", "lookback_days"},
		{"colour", ""},
		{"x", ""},
		{"ab", ""},
		{"rle", "role"},
	} {
		if got := suggest(tt.word, append(slices.Clone(groupKeys), projectKeys...)); tt.word != "lookback" && got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
	if got := suggest("lookback", auditKeys); got != "lookback_days" {
		t.Errorf("suggest(lookback) = %q", got)
	}
}

func TestKeyFor(t *testing.T) {
	for in, want := range map[string]string{
		"Production":   "production",
		"prod project": "prod_project",
		"Acme (EU)":    "acme_eu",
		"_prod":        "prod",
		"!!!":          "",
	} {
		if got := KeyFor(in); got != want {
			t.Errorf("KeyFor(%q) = %q, want %q", in, got, want)
		}
	}
}
