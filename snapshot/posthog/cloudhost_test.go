package posthog

import (
	"strings"
	"testing"
)

// A name Go's transport maps onto posthog.com (IDNA's lookup profile turns
// the ideographic and fullwidth full stops, and fullwidth letters, into
// ASCII) is Cloud; an internationalized name elsewhere is not.
func TestIsCloudHostUnicodeDots(t *testing.T) {
	for host, want := range map[string]bool{
		"https://us.posthog\u3002com":              true, // U+3002 ideographic full stop
		"https://us\uff0eposthog\uff0ecom":         true, // U+FF0E fullwidth full stop
		"https://eu.posthog\uff61com":              true, // U+FF61 halfwidth ideographic full stop
		"https://\uff55\uff53.posthog.com":         true, // fullwidth "us"
		"https://us.posthog.com\u3002":             true, // a trailing (ideographic) dot
		"https://us.posthog.com":                   true,
		"https://posthog.b\u00fccher.example":      false, // a legitimate IDN host
		"https://posthog\u3002example":             false, // mapped, but not under posthog.com
		"https://us.posthog\u3002com.evil.example": false,
		"https://posthog.com.example":              false,
	} {
		if got := IsCloudHost(host); got != want {
			t.Errorf("IsCloudHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// A --host that does not parse is refused without echoing what may be a
// password; one without credentials is still named.
func TestNormalizeHostNeverEchoesCredentials(t *testing.T) {
	for _, host := range []string{
		"https://admin:hunter2@posthog.internal.example:99x",
		"admin:hunter2@posthog.internal.example:99x",
		"https://admin:hunter2@posthog.internal.example",
		"ftp://admin:hunter2@posthog.internal.example",
	} {
		_, err := NormalizeHost(host, false)
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("NormalizeHost(%q) = %v, want an error without the password", host, err)
		}
	}
	if _, err := NormalizeHost("https://posthog.internal.example:99x", false); err == nil || !strings.Contains(err.Error(), "posthog.internal.example:99x") {
		t.Errorf("without credentials the error names the host: %v", err)
	}
	if got, err := NormalizeHost(" https://PostHog.Internal.example/api/ ", false); err != nil || got != "https://posthog.internal.example" {
		t.Errorf("NormalizeHost = %q, %v", got, err)
	}
}
