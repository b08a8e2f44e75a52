// Package actiontest holds the tests of what hogaudit ships for GitHub
// Actions and releases, none of which is Go: the composite action
// (action.yml), the workflows (.github/workflows, examples/workflows) and
// `make release`. Its tests parse the YAML and hold it to the rules of
// docs/ci.md (inputs reach a shell only through env:, every action pinned
// by commit), build the release archives, and run the action's shell steps
// against the simulated PostHog with a local release.
package actiontest
