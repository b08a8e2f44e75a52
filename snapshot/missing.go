package snapshot

// This file turns what went wrong into evidence: which failures stop a
// collection (isFatal), the Missing record that names every other one with
// its true cause (missingFor), and the records' final form (collapseMissing,
// sortMissing).

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// isFatal reports whether an error from the scanning key's client must stop
// the collection rather than become a Missing record: a rejected or
// project-scoped key, an unreachable host, a cancelled context. The
// context's deadline is not fatal: the sections it cut off are recorded
// missing.
func isFatal(err error) bool {
	return errors.Is(err, posthog.ErrUnauthorized) ||
		errors.Is(err, posthog.ErrKeyScopedToProjects) ||
		errors.Is(err, posthog.ErrUnreachable) ||
		errors.Is(err, context.Canceled)
}

// fail turns the failed request for src into its Missing record, or
// returns the error when it is fatal.
func (col *collector) fail(src source, err error) error {
	if isFatal(err) {
		return err
	}
	m := col.missingFor(src.section, src.endpoint, err)
	m.ProjectID = src.projectID
	col.mu.Lock()
	col.snap.Missing = append(col.snap.Missing, m)
	col.mu.Unlock()
	return nil
}

// missingFor is the package's missingFor, naming the collection's --timeout
// when its deadline cut the request off: the one given (Options.Timeout),
// the one derived from the plan (Options.TimeoutFor), or the planning one
// before the plan was known.
func (col *collector) missingFor(section, endpoint string, err error) Missing {
	m := missingFor(section, endpoint, err)
	if !errors.Is(err, context.DeadlineExceeded) {
		return m
	}
	switch derived := time.Duration(col.derived.Load()); {
	case col.opts.Timeout > 0:
		m.Reason = fmt.Sprintf("not collected: the collection's --timeout of %v passed first", col.opts.Timeout)
	case col.deadline != nil && derived > 0:
		m.Reason = fmt.Sprintf("not collected: the collection's derived --timeout of %v (from its request plan) passed first", derived)
	case col.deadline != nil:
		m.Reason = fmt.Sprintf("not collected: the collection's --timeout of %v before its request plan was known passed first", col.opts.PlanningTimeout)
	}
	return m
}

// missingFor describes why a request for section failed, naming the true
// cause with the status and what PostHog said: a response that is not
// PostHog's, a plan feature for a 402, the scope for a 403 that names one,
// the admin requirement for the organization-wide activity log, a server
// fault or a throttle with the number of attempts or the wait PostHog asked
// for, a stalled response, the collection's deadline. A scope is never
// blamed for anything but a 403 that names it.
func missingFor(section, endpoint string, err error) Missing {
	m := Missing{Section: section, Endpoint: endpoint}
	var retry *posthog.RetryError
	tries := ""
	if errors.As(err, &retry) {
		tries = fmt.Sprintf(" after %d %s", retry.Attempts, plural(retry.Attempts, "attempt"))
		if retry.Wait > 0 && !retry.Told {
			tries += ", the next retry being due after the collection's deadline"
		}
	} else {
		retry = nil
	}
	var apiErr *posthog.APIError
	if !errors.As(err, &apiErr) {
		m.Detail = err.Error()
		var rt *posthog.RequestTimeoutError
		switch {
		case errors.Is(err, posthog.ErrMalformed) || errors.Is(err, posthog.ErrIncompleteList) || errors.Is(err, posthog.ErrTooManyPages):
			m.Reason = answerFault(err)
			m.Status = 200 // PostHog answered, and the answer was unusable
		case errors.Is(err, context.DeadlineExceeded):
			m.Reason = "not collected: the collection's deadline (--timeout) passed first"
		case errors.As(err, &rt):
			m.Reason = fmt.Sprintf("no complete response within the request timeout of %v (--request-timeout)%s", rt.Timeout, tries)
		case errors.Is(err, posthog.ErrBodyTooLarge):
			// The cap defends against a server sending more than its
			// organization can hold: the error names the cap and how it
			// was sized.
			m.Reason = "the response is larger than hogaudit's body cap: " + bodyCapCause(err.Error())
		default:
			m.Reason = "request failed: " + err.Error()
		}
		return m
	}
	m.Status = apiErr.Status
	m.Detail = apiErr.Detail
	detail := ""
	if d := lowerFirst(apiErr.Detail); d != "" {
		detail = ": " + d
	}
	switch {
	case apiErr.NotPostHog:
		// Checked first: a proxy's 404 page is no evidence that the
		// deployment lacks the endpoint.
		m.Reason = apiErr.NotPostHogText() + tries
	case apiErr.Status == 404 && optionalSections[section]:
		m.NotApplicable = true
		m.Reason = "not applicable on this deployment"
	case apiErr.Status == 404:
		m.Reason = "endpoint not found on this deployment"
	case apiErr.Status == 402 || apiErr.Code == "payment_required":
		// PostHog's PaidFeatureException / EnterpriseFeatureException.
		m.Feature = apiErr.Feature
		if m.Feature == "" {
			m.Feature = SectionFeatures[section]
		}
		if m.Feature != "" {
			m.Reason = "the organization's PostHog plan lacks the feature " + m.Feature
		} else {
			m.Reason = "the organization's PostHog plan lacks a paid feature: " + lowerFirst(apiErr.Detail)
		}
	case apiErr.Status == 403 && apiErr.Scope != "":
		m.Scope = apiErr.Scope
		m.Reason = "missing scope " + apiErr.Scope
	case apiErr.Status == 403 && adminOnly(apiErr.Detail):
		m.Reason = "only organization admins and owners may read it: scan with an admin's or owner's key"
	case apiErr.Status == 403:
		m.Reason = "permission denied: " + lowerFirst(apiErr.Detail)
	case apiErr.Status == 429 && retry != nil && retry.Told && retry.ByDeadline:
		m.Reason = fmt.Sprintf("throttled (HTTP 429): posthog asked to wait %v, more than the %v left before the collection's deadline (--timeout)",
			retry.Wait, retry.Limit.Round(time.Second))
	case apiErr.Status == 429 && retry != nil && retry.Told && retry.Wait > 0:
		m.Reason = fmt.Sprintf("throttled (HTTP 429): posthog asked to wait %v, longer than the %v hogaudit waits before one retry",
			retry.Wait, retry.Limit)
	case apiErr.Status == 429:
		m.Reason = "throttled (HTTP 429)" + tries + detail
	case apiErr.Status >= 500:
		m.Reason = fmt.Sprintf("server error (HTTP %d)%s%s", apiErr.Status, tries, detail)
	default:
		m.Reason = fmt.Sprintf("http %d%s", apiErr.Status, detail)
	}
	return m
}

// answerFault describes a failure that is not an error status: a 2xx
// answer that is malformed (a required field missing, the wrong shape), a
// list whose pages did not add up, a list too long to read, or a request
// that got no answer.
func answerFault(err error) string {
	var de *posthog.DecodeError
	var le *posthog.ListError
	switch {
	case errors.As(err, &de):
		r := "malformed answer"
		if de.Page != "" {
			r += " (" + de.Page + ")"
		}
		field := de.Field
		if field == "" && strings.HasPrefix(de.Problem, "is ") {
			field = "the body"
		}
		return r + ": " + strings.TrimSpace(field+" "+de.Problem)
	case errors.As(err, &le):
		return fmt.Sprintf("the list did not add up: %s after %d attempts", le.Detail, le.Attempts)
	case errors.Is(err, posthog.ErrTooManyPages):
		// "GET PATH: what: too many pages": the endpoint is in the record.
		msg := strings.TrimSuffix(err.Error(), ": "+posthog.ErrTooManyPages.Error())
		if rest, ok := strings.CutPrefix(msg, "GET "); ok {
			if _, what, ok := strings.Cut(rest, ": "); ok {
				msg = what
			}
		}
		return "the list is too long to read whole: " + msg
	}
	return "request failed: " + err.Error()
}

// plural is word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// adminOnly reports whether a 403's detail is PostHog's refusal of an
// organization-admin endpoint to a lower member
// (OrganizationActivityLogPermission and its kin: "Only organization admins
// and owners can …").
func adminOnly(detail string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(detail)), "only organization admins")
}

func lowerFirst(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// collapseMissing replaces per-project records that failed identically for
// every one of n projects with a single record for the whole section.
func collapseMissing(ms []Missing, n int) []Missing {
	if n < 2 {
		return ms
	}
	type groupKey struct {
		section, scope, feature, reason string
		status                          int
		na                              bool
	}
	groups := map[groupKey][]int{}
	for i, m := range ms {
		if m.ProjectID == nil {
			continue
		}
		k := groupKey{m.Section, m.Scope, m.Feature, m.Reason, m.Status, m.NotApplicable}
		groups[k] = append(groups[k], i)
	}
	drop := map[int]bool{}
	var merged []Missing
	for k, idx := range groups {
		if len(idx) != n {
			continue
		}
		first := ms[idx[0]]
		for _, i := range idx {
			drop[i] = true
		}
		first.ProjectID = nil
		first.Endpoint = "/api/projects/{project_id}/" + k.section + "/"
		if k.section == SectionProjects {
			first.Endpoint = "/api/projects/{project_id}/"
		}
		merged = append(merged, first)
	}
	out := make([]Missing, 0, len(ms))
	for i, m := range ms {
		if !drop[i] {
			out = append(out, m)
		}
	}
	return append(out, merged...)
}

func sortMissing(ms []Missing) {
	sort.Slice(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.Section != b.Section {
			return sectionIndex(a.Section) < sectionIndex(b.Section)
		}
		pa, pb := int64(-1), int64(-1)
		if a.ProjectID != nil {
			pa = *a.ProjectID
		}
		if b.ProjectID != nil {
			pb = *b.ProjectID
		}
		if pa != pb {
			return pa < pb
		}
		if a.AuditKeyEnv != b.AuditKeyEnv {
			return a.AuditKeyEnv < b.AuditKeyEnv
		}
		return a.Endpoint < b.Endpoint
	})
}

func sectionIndex(s string) int {
	for i, name := range Sections {
		if name == s {
			return i
		}
	}
	return len(Sections)
}

// bodyCapCause is what an ErrBodyTooLarge error says past the request
// line ("GET /path: response body too large: ...").
func bodyCapCause(msg string) string {
	if _, rest, ok := strings.Cut(msg, posthog.ErrBodyTooLarge.Error()+": "); ok {
		return rest
	}
	return msg
}
