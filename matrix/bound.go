package matrix

// UnknownProjects reports whether the project bindings could not be told:
// the snapshot has no project list, or only part of one (the scanning key
// sees only its projects). Every project binding is then Unknown.
func (b *Bound) UnknownProjects() bool { return b.unknownProjects }

// UnknownGroups reports whether the role bindings could not be told: the
// snapshot has no role list. Every group that needs a role is then Unknown.
func (b *Bound) UnknownGroups() bool { return b.unknownGroups }
