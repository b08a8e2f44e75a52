// Package policies evaluates a snapshot against an access matrix with Rego
// rules, in process.
//
// The built-in rules live under builtin/, one Rego package per rule with its
// _test.rego beside it and a METADATA block that is the single source of
// truth about the rule (id, name, severity, remediation, the snapshot
// sections it reads); docs/rules.md is rendered from it (CatalogMarkdown).
// An Engine compiles them once in strict mode, together with any custom
// rules from --policy-dir, and evaluates a snapshot and a bound matrix into
// report findings. INPUT.md documents the input document and the rule
// contract.
package policies
