// Package matrix reads hogaudit's access matrix (docs/matrix.md), binds it
// to a PostHog organization's Inventory, and turns it into the normalized
// document the Rego rules read as input.matrix (policies/INPUT.md). It
// imports no other hogaudit package: the caller describes the organization
// in an Inventory (policies.Inventory builds one from a snapshot).
//
// # Parsing
//
// Parse (and Load, which reads a file first) is strict and reports every
// problem at once, as an Errors sorted by position, each "file:line:col:
// message": unknown keys at every level (with the nearest valid key
// suggested), values of the wrong type or outside their enumeration,
// negative numbers, duplicate keys, project keys that are not valid names
// (see ValidKey), exceptions without rule, subject, reason or expires, with
// a date that is not YYYY-MM-DD, or with a rule that is neither an id
// (PH204) nor a kebab-case name. Typos must not turn into silently ignored
// policy. API key scopes PostHog does not know (event:read) are not errors:
// they are kept and rule PH307 reports them, because PostHog adds scopes
// often. An empty file, a root that is not a mapping and several YAML
// documents are errors. YAML aliases are followed; merge keys (<<) are
// rejected. A value of nothing where a mapping is expected (`organization:`
// with no settings, a project entry with none) is an empty mapping.
//
// A parsed Matrix keeps the position of every section, key, setting and
// list item, so that findings can point at the line that declares the
// violated expectation. A matrix that is only access_matrix: is valid: its
// groups and projects then bind by name.
//
// # Binding
//
// Matrix.Bind resolves project keys to PostHog projects and group keys to
// RBAC roles of an Inventory (see Bind for the rules) and evaluates
// exceptions at a given time. It never fails: a key that binds to nothing is
// recorded as unbound and rule PH903 reports it. When the inventory does not
// know every project (or role) — the snapshot lacks the section, or its
// project list is partial — the bindings of that kind cannot be told: they
// are marked Unknown, their "bound" is left out of the document, and the
// document's binding_unknown says which kinds are affected
// ({"projects": true, "groups": true}). A group bound by members: or keys:
// alone needs no role and stays bound.
//
// A project key that binds to no project, or to several, keeps its
// Candidates (every match, else the nearest names) for the messages, and
// ProjectBinding.Failing says when the binding leaves the rules unable to
// judge what the matrix means — a protected key bound to nothing, any key
// matching several — so that the engine does not evaluate them (fail
// closed; docs/matrix.md, "Bindings that fail closed").
//
// # Exceptions
//
// An exception's expires is a date; the exception applies through the end
// of that day in UTC and has expired from the next day's 00:00 UTC. DaysLeft
// counts whole days from the evaluation date (UTC) to expires: 0 on the last
// day, negative after it. Exception.Matches compares the rule by id
// (case-insensitively) or name, the subject exactly or as a '*' glob, and
// the project key when the exception names one.
//
// The document the rules read (input.matrix) is written by package policies
// from a Bound (its Matrix, Projects, Groups, Keys and Exceptions).
package matrix
