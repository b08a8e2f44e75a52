package snapshot

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// Redacted replaces every secret value hogaudit removes from activity-log
// details.
const Redacted = "[redacted]"

// secretKey reports whether an object key or a changed field's name denotes a
// secret: tokens, keys' values, passwords, verification challenges,
// certificates' private parts. PostHog masks most of them in its activity
// log already; hogaudit does not rely on that. Field names are matched both
// raw and as PostHog's display names ("SCIM token", "domain verification").
func secretKey(k string) bool {
	k = strings.ToLower(strings.TrimSpace(k))
	k = strings.NewReplacer(" ", "_", "-", "_").Replace(k)
	switch k {
	case "value", "secure_value", "api_key", "personal_api_key", "private_key":
		return true
	}
	for _, s := range []string{"token", "secret", "password", "challenge", "verification"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// redactDetail returns a copy of d with secret context values and the
// before/after of secret field changes replaced by Redacted.
func redactDetail(d *posthog.ActivityDetail) *posthog.ActivityDetail {
	if d == nil {
		return nil
	}
	out := *d
	if d.Context != nil {
		out.Context, _ = redactValue(d.Context).(map[string]any)
	}
	if d.Changes != nil {
		out.Changes = make([]posthog.ActivityChange, len(d.Changes))
		for i, c := range d.Changes {
			if c.Field != nil && secretKey(*c.Field) {
				if len(c.Before) > 0 && string(c.Before) != "null" {
					c.Before = json.RawMessage(`"` + Redacted + `"`)
				}
				if len(c.After) > 0 && string(c.After) != "null" {
					c.After = json.RawMessage(`"` + Redacted + `"`)
				}
			} else {
				c.Before = redactRaw(c.Before)
				c.After = redactRaw(c.After)
			}
			out.Changes[i] = c
		}
	}
	return &out
}

// redactRaw redacts secret keys inside a JSON value (a change's before or
// after may be an object such as a domain's settings).
func redactRaw(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		return raw
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return json.RawMessage(`"` + Redacted + `"`)
	}
	b, err := json.Marshal(redactValue(v))
	if err != nil {
		return json.RawMessage(`"` + Redacted + `"`)
	}
	return b
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if secretKey(k) && t[k] != nil {
				out[k] = Redacted
				continue
			}
			out[k] = redactValue(t[k])
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = redactValue(e)
		}
		return out
	}
	return v
}
