package matrix

// UnknownProjects reports whether the project bindings could not be told:
// the snapshot has no project list, or only part of one (the scanning key
// sees only its projects). Every project binding is then Unknown.
func (b *Bound) UnknownProjects() bool { return b.unknownProjects }

// UnknownGroups reports whether the role bindings could not be told: the
// snapshot has no role list. Every group that needs a role is then Unknown.
func (b *Bound) UnknownGroups() bool { return b.unknownGroups }

// anys converts strings for keysDoc (keys.go), the last of the map-based
// document policies now builds (policies/matrixdoc.go).
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
