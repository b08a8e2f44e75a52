// Package frameworks is the list of compliance framework controls that
// hogaudit's rules may map to (custom.frameworks in a rule's METADATA):
// every SOC 2 Trust Services Criterion (2017, points of focus revised 2022)
// and every ISO/IEC 27001:2022 Annex A control, with a title each, read
// from controls.json beside this file. A rule naming an id that is not in
// the list does not load, so a report never claims a control that does not
// exist.
package frameworks

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Framework keys, as custom.frameworks spells them.
const (
	SOC2          = "soc2"
	ISO27001v2022 = "iso27001_2022"
)

// Framework is one compliance framework and its controls.
type Framework struct {
	// Key is the framework's key in custom.frameworks (soc2, iso27001_2022).
	Key string `json:"key"`
	// Short is the framework's name in a table ("SOC 2"), Name its full
	// name.
	Short string `json:"short"`
	Name  string `json:"name"`
	// Tag is the prefix of the framework's SARIF rule tags ("soc2" gives
	// soc2/CC6.1).
	Tag string `json:"tag"`
	// Controls are in the framework's own order (CC1.1 … P8.1, A.5.1 …
	// A.8.34).
	Controls []Control `json:"controls"`
}

// Control is one control (a SOC 2 criterion or an Annex A control).
type Control struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

//go:embed controls.json
var controlsJSON []byte

var all = mustLoad(controlsJSON)

func mustLoad(b []byte) []Framework {
	var doc struct {
		Frameworks []Framework `json:"frameworks"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		panic(fmt.Sprintf("frameworks: controls.json: %v", err)) // embedded at build time; a test loads it
	}
	return doc.Frameworks
}

// All returns the frameworks in their fixed order (SOC 2, then ISO 27001).
// The caller may not modify them.
func All() []Framework { return all }

// Keys returns the framework keys in their fixed order.
func Keys() []string {
	out := make([]string, len(all))
	for i, f := range all {
		out[i] = f.Key
	}
	return out
}

// Lookup returns the framework with key k.
func Lookup(k string) (Framework, bool) {
	for _, f := range all {
		if f.Key == k {
			return f, true
		}
	}
	return Framework{}, false
}

// Index returns the position of control id in f's order, or -1 when f has
// no such control. Ids are exact: "cc6.1" and "A.5.015" are not controls.
func (f Framework) Index(id string) int {
	return slices.IndexFunc(f.Controls, func(c Control) bool { return c.ID == id })
}

// Control returns f's control id.
func (f Framework) Control(id string) (Control, bool) {
	if i := f.Index(id); i >= 0 {
		return f.Controls[i], true
	}
	return Control{}, false
}

// ControlTag is the SARIF tag of control id of f: "soc2/CC6.1",
// "iso27001/A.5.15".
func (f Framework) ControlTag(id string) string { return f.Tag + "/" + id }

// Check validates a rule's custom.frameworks value as the Rego METADATA
// parser gives it (a map of framework key to a list of control ids) and
// returns it with each list in the framework's order, without duplicates,
// and the problems found, each a phrase naming the key or id and a hint.
// A nil value is no mapping (nil, no problem).
func Check(v any) (map[string][]string, []string) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, []string{"custom.frameworks must be a map of framework to control ids, e.g. {soc2: [CC6.1], iso27001_2022: [A.5.15]}"}
	}
	out := map[string][]string{}
	var problems []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f, known := Lookup(k)
		if !known {
			problems = append(problems, fmt.Sprintf("custom.frameworks names unknown framework %q (known: %s)", k, strings.Join(Keys(), ", ")))
			continue
		}
		items, isList := m[k].([]any)
		if !isList {
			problems = append(problems, fmt.Sprintf("custom.frameworks.%s must be a list of control ids", k))
			continue
		}
		var ids []string
		for _, it := range items {
			id, isString := it.(string)
			if !isString {
				problems = append(problems, fmt.Sprintf("custom.frameworks.%s must list control ids as strings, not %v", k, it))
				continue
			}
			if f.Index(id) < 0 {
				problems = append(problems, fmt.Sprintf("custom.frameworks.%s names unknown control %q (%s; the valid ids are in policies/frameworks/controls.json)", k, id, f.idHint()))
				continue
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			if len(items) == 0 {
				problems = append(problems, fmt.Sprintf("custom.frameworks.%s lists no control (leave the framework out instead)", k))
			}
			continue
		}
		slices.SortFunc(ids, func(a, b string) int { return f.Index(a) - f.Index(b) })
		out[k] = ids
	}
	return out, problems
}

// idHint summarizes f's ids as ranges of each family: "CC1.1–CC1.5, …".
func (f Framework) idHint() string {
	var parts []string
	first, last, family := "", "", ""
	flush := func() {
		if first == "" {
			return
		}
		if first == last {
			parts = append(parts, first)
		} else {
			parts = append(parts, first+"–"+last)
		}
	}
	for _, c := range f.Controls {
		fam := c.ID[:strings.LastIndexByte(c.ID, '.')]
		if fam != family {
			flush()
			first, family = c.ID, fam
		}
		last = c.ID
	}
	flush()
	return f.Name + " ids are " + strings.Join(parts, ", ")
}
