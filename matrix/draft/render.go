package draft

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// quote writes s as a YAML double-quoted scalar (Go's escapes are YAML's).
func quote(s string) string { return strconv.Quote(s) }

// flowList writes items as a YAML flow sequence of quoted strings.
func flowList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

type writer struct{ bytes.Buffer }

func (w *writer) comments(indent string, lines []string) {
	for _, l := range lines {
		if l == "" {
			w.WriteString(indent + "#\n")
			continue
		}
		w.WriteString(indent + "# " + oneLine(l) + "\n")
	}
}

func (w *writer) line(indent, text, beside string) {
	w.WriteString(indent + text)
	if beside != "" {
		w.WriteString("  # " + oneLine(beside))
	}
	w.WriteByte('\n')
}

func (d *drafted) render(opt Options) []byte {
	var w writer
	s := d.snap
	w.comments("", []string{
		"Access matrix drafted by `hogaudit matrix init` from the snapshot of organization " + quote(s.Org.Name) + " (" + s.Org.ID + ")",
		"at " + s.Host + ", collected " + s.CollectedAt.UTC().Format(time.RFC3339) + sourceNote(opt.Source) + ".",
		"",
		"It allows at least what the organization grants today (a group allows the highest level",
		"any of its members holds; key groups share their owners' highest levels), so `hogaudit",
		"check` with it on that snapshot reports no access or key finding (PH2xx, PH3xx). Organization settings",
		"(PH1xx), the audit trail (PH4xx) and hogaudit's own rules (PH9xx) still judge the",
		"organization as it is: a setting drafted as it is today (require_2fa, enforce_sso) may",
		"still find members without 2FA or domains without SSO.",
		"",
		"It is a starting point, not a policy: read every DECIDE comment, tighten what should",
		"not be allowed, and commit the file. The format is in docs/matrix.md.",
	})
	w.WriteString("version: 1\n\n")

	w.comments("", []string{"Organization-wide requirements, as the organization is set today."})
	w.WriteString("organization:\n")
	for _, st := range d.org {
		w.comments("  ", st.above)
		if st.key != "" {
			w.line("  ", st.key+": "+st.value, st.beside)
		}
	}
	w.WriteString("\n")

	w.comments("", []string{"Hygiene for the personal API keys hogaudit audits (--audit-key-env), relaxed to what they meet today."})
	w.WriteString("api_keys:\n")
	for _, st := range d.keys {
		w.comments("  ", st.above)
		w.line("  ", st.key+": "+st.value, st.beside)
	}
	w.WriteString("\n")

	if s.LookbackDays > 0 {
		w.WriteString("audit:\n")
		w.line("  ", fmt.Sprintf("lookback_days: %d", s.LookbackDays), "as far back as the snapshot read the activity log")
		w.WriteString("\n")
	}

	w.comments("", []string{"Every project, bound by id (names change; ids do not)."})
	if len(d.projects) == 0 {
		w.WriteString("projects: {}\n\n")
	} else {
		w.WriteString("projects:\n")
		for _, p := range d.projects {
			w.comments("  ", p.above)
			w.line("  ", p.key+":", p.beside)
			w.line("    ", fmt.Sprintf("id: %d", p.id), "")
			if p.protected {
				w.line("    ", "protected: true", "only listed groups may get in; PostHog's default access here is none")
			}
		}
		w.WriteString("\n")
	}

	w.comments("", []string{"Who is who: PostHog roles, organization admins, members no role explains, service accounts, pending invites."})
	if len(d.groups) == 0 {
		w.WriteString("groups: {}\n\n")
	} else {
		w.WriteString("groups:\n")
		for _, g := range d.groups {
			w.comments("  ", g.above)
			w.line("  ", g.key+":", "")
			if g.role != "" {
				w.line("    ", "role: "+quote(g.role), "")
			}
			if g.members != nil {
				w.line("    ", "members: "+flowList(g.members), "")
			}
			if g.keys != nil {
				w.line("    ", "keys: "+flowList(g.keys), "")
			}
			if g.orgLevel != "" {
				w.line("    ", "org_level: "+g.orgLevel, "")
			}
		}
		w.WriteString("\n")
	}

	w.comments("", []string{
		"What each group may do in each project: its members' highest project level today (role),",
		"their levels on the resources with rules (resources), and its keys' scopes (api_key_scopes).",
		"A project a group does not list allows it none.",
	})
	var withEntries int
	for _, g := range d.groups {
		if len(g.entries) > 0 {
			withEntries++
		}
	}
	if withEntries == 0 {
		w.WriteString("access_matrix: {}\n")
	} else {
		w.WriteString("access_matrix:\n")
		for _, g := range d.groups {
			if len(g.entries) == 0 {
				continue
			}
			w.line("  ", g.key+":", "")
			for _, e := range g.entries {
				var parts []string
				if e.role != "" {
					parts = append(parts, "role: "+e.role)
				}
				if len(e.resources) > 0 {
					rs := make([]string, len(e.resources))
					for i, r := range e.resources {
						rs[i] = quote(r.k) + ": " + r.v
					}
					parts = append(parts, "resources: {"+strings.Join(rs, ", ")+"}")
				}
				if len(e.scopes) > 0 {
					parts = append(parts, "api_key_scopes: "+flowList(e.scopes))
				}
				w.line("    ", e.project+": {"+strings.Join(parts, ", ")+"}", e.beside)
			}
		}
	}

	if len(d.exceptions) > 0 {
		w.WriteString("\n")
		w.comments("", []string{
			"Findings no matrix entry can answer, accepted for " + strconv.Itoa(ExceptionDays) + " days from the snapshot so that",
			"the first check is clean: decide each, then fix it in PostHog or renew the exception.",
		})
		w.WriteString("exceptions:\n")
		for _, x := range d.exceptions {
			w.comments("  ", x.above)
			w.line("  ", "- rule: "+x.rule, "")
			w.line("    ", "subject: "+quote(x.subject), "")
			w.line("    ", "reason: "+quote(x.reason), "")
			w.line("    ", "expires: "+x.expires, "")
		}
	}
	return w.Bytes()
}

func sourceNote(src string) string {
	if src == "" {
		return ""
	}
	return " (" + oneLine(src) + ")"
}
