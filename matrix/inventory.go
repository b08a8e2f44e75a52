package matrix

// Target is a PostHog object a matrix key can bind to, by its ID and name: a
// project (Target[int64], PostHog's team id) or an RBAC role
// (Target[string], the role's UUID).
type Target[I int64 | string] struct {
	ID   I
	Name string
}

// Inventory is what a matrix is bound against (Matrix.Bind): one PostHog
// organization's projects and roles, and the labels of the personal API keys
// whose evidence was collected. It is the matrix's own view of that evidence,
// so that the package depends on no snapshot format; the caller builds it
// (policies.Inventory does, from a snapshot).
//
// The zero Inventory knows nothing. A list counts only when its Known flag
// says it is complete: a caller that cannot vouch for every project — the
// section was not collected, or the scanning key may not see every project —
// leaves ProjectsKnown false, and the project bindings are then Unknown, not
// unbound (fail closed: a project absent from an incomplete list may exist).
type Inventory struct {
	// Projects are the organization's projects, in any order; a project
	// listed twice (the same ID) counts once. Read only when ProjectsKnown.
	Projects []Target[int64]
	// ProjectsKnown says Projects is every project of the organization.
	ProjectsKnown bool
	// Roles are the organization's RBAC roles, in any order. Read only
	// when RolesKnown.
	Roles []Target[string]
	// RolesKnown says Roles is every role of the organization.
	RolesKnown bool
	// KeyLabels are the labels of the personal API keys whose evidence
	// was collected (the scanning key and every audited key), in any
	// order. A label the matrix declares is Audited when it is among
	// them, compared exactly (KeyBinding).
	KeyLabels []string
}
