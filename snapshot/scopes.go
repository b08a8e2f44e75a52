package snapshot

import "slices"

// ScopesFor returns the personal API key scopes that reading sections
// needs, by SectionScopes: each scope once, in the order the sections first
// need it, and an empty (non-nil) slice when none does. Sections that need
// no scope (api_keys, instance) and names that are not sections add
// nothing; callers check names against Sections.
func ScopesFor(sections []string) []string {
	out := []string{}
	for _, s := range sections {
		if sc := SectionScopes[s]; sc != "" && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}
