# General helpers shared by the built-in rules: matrix lines, time, emails,
# and the organization's name. Every helper is total where a rule builds a
# finding from it (a line always resolves, at worst to 1), so that a missing
# detail never makes a finding silently disappear.

# METADATA
# scope: package
# schemas:
#   - input: schema.input
package hogaudit.lib.util

# doc_line is the first line of the matrix document (1 when unknown).
doc_line := l if {
	l := input.matrix.line
	is_number(l)
} else := 1

# line_of is the line of key written inside the matrix object obj, else the
# line of obj itself, else the first line of the document.
line_of(obj, key) := l if {
	l := obj.lines[key]
	is_number(l)
} else := l if {
	l := obj.line
	is_number(l)
} else := doc_line

# node_line is the line of the matrix object obj, else the first line of the
# document.
node_line(obj) := l if {
	l := obj.line
	is_number(l)
} else := doc_line

# top_line is the line of a top-level matrix key (organization, api_keys,
# projects, groups, access_matrix, ...), else the first line of the document.
top_line(key) := line_of(object.get(input, "matrix", {}), key)

# org_line is the line of an organization: setting, else of organization:.
org_line(setting) := line_of(input.matrix.organization, setting) if {
	is_object(input.matrix.organization)
} else := top_line("organization")

# keys_line is the line of an api_keys: setting, else of api_keys:.
keys_line(setting) := line_of(input.matrix.api_keys, setting) if {
	is_object(input.matrix.api_keys)
} else := top_line("api_keys")

# org_settings are the matrix's organization-wide requirements ({} when the
# section is absent).
org_settings := s if {
	s := input.matrix.organization
	is_object(s)
} else := {}

# key_settings are the matrix's api_keys: requirements ({} when absent).
key_settings := s if {
	s := input.matrix.api_keys
	is_object(s)
} else := {}

# org_name is the organization's name as the engine reports it.
org_name := n if {
	n := input.org.name
	is_string(n)
	n != ""
} else := n if {
	n := input.snapshot.organization.name
	is_string(n)
	n != ""
} else := "organization"

# blank is true for null and the empty string (how PostHog says "none").
blank(null)

blank("")

# array_or_empty is x when it is an array, else [] (for fields that may be
# null or absent).
array_or_empty(x) := x if {
	is_array(x)
} else := []

# day_ns is a day in nanoseconds.
day_ns := ((24 * 60) * 60) * 1000000000

# now_ns is the evaluation time in nanoseconds since the epoch.
now_ns := n if {
	n := input.now_ns
	is_number(n)
} else := time.parse_rfc3339_ns(input.now)

# ts_ns is an RFC 3339 timestamp in nanoseconds since the epoch (undefined
# for null or an unparsable value).
ts_ns(ts) := time.parse_rfc3339_ns(ts) if {
	is_string(ts)
}

# older_than_days is true when the timestamp ts lies more than days whole
# days before now.
older_than_days(ts, days) if ts_ns(ts) < now_ns - (days * day_ns)

# within_days is true when the timestamp ts lies at most days days before
# now (the activity-log lookback window; the boundary itself is inside).
within_days(ts, days) if ts_ns(ts) >= now_ns - (days * day_ns)

# age_days is the number of whole days between ts and now.
age_days(ts) := floor((now_ns - ts_ns(ts)) / day_ns)

# email_domain is the lower-case domain of an email address.
email_domain(email) := lower(parts[count(parts) - 1]) if {
	parts := split(email, "@")
	count(parts) > 1
}

# domain_allowed is true when email's domain is one of the allowed domains
# (compared case-insensitively).
domain_allowed(email, allowed) if {
	d := email_domain(email)
	some a in allowed
	lower(a) == d
}

# email_matches is true when email matches one of a matrix group's members
# patterns (`*` matches any run of characters, compared case-insensitively).
email_matches(email, patterns) if {
	some p in patterns
	glob.match(lower(p), null, lower(email))
}
