package policies

import (
	"context"
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
)

// SSOEnforcement is, per email domain (lower case) of snap whose SSO
// enforcement takes effect, the provider PostHog makes its members sign in
// with: the library's judgement (data.hogaudit.lib.org.effective_sso, the
// one PH101 and PH106 use), so a review never tells another story than the
// rules. A domain absent from the map enforces nothing effective. The
// caller must check the domains section was collected: without it the map
// is empty and proves nothing.
func (e *Engine) SSOEnforcement(ctx context.Context, snap *snapshot.Snapshot) (map[string]string, error) {
	if snap == nil {
		return nil, errors.New("sso enforcement: no snapshot")
	}
	asOf := snap.CollectedAt.UTC()
	empty, err := matrix.Parse("", []byte("version: 1\n"))
	if err != nil {
		return nil, fmt.Errorf("sso enforcement: empty matrix: %w", err)
	}
	doc, err := BuildInput(snap, empty.Bind(Inventory(snap), asOf), asOf)
	if err != nil {
		return nil, fmt.Errorf("sso enforcement: %w", err)
	}
	value, err := toValue(doc)
	if err != nil {
		return nil, fmt.Errorf("sso enforcement: convert policy input: %w", err)
	}
	q, err := rego.New(rego.Compiler(e.compiler), rego.Query(
		`{lower(d.domain): p | some d in input.snapshot.domains; is_string(d.domain); p := data.hogaudit.lib.org.effective_sso(d)}`,
	)).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("sso enforcement: prepare the library's query: %w", err)
	}
	rs, err := q.Eval(ctx, rego.EvalParsedInput(value), rego.EvalTime(asOf))
	if err != nil {
		return nil, fmt.Errorf("sso enforcement: evaluate the library: %w", err)
	}
	out := map[string]string{}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("sso enforcement: the library gave %d results", len(rs))
	}
	if err := roundTrip(rs[0].Expressions[0].Value, &out); err != nil {
		return nil, fmt.Errorf("sso enforcement: read the library's answer: %w", err)
	}
	return out, nil
}
