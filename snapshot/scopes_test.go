package snapshot

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScopesFor(t *testing.T) {
	cases := []struct {
		sections []string
		want     []string
	}{
		{nil, []string{}},
		{[]string{SectionAPIKeys, SectionInstance}, []string{}},
		{[]string{SectionMembers}, []string{"organization_member:read"}},
		// First need decides the order; a scope needed twice is listed once.
		{[]string{SectionMembers, SectionRoles}, []string{"organization_member:read", "organization:read"}},
		{[]string{SectionRoles, SectionMembers, SectionInvites, SectionDomains}, []string{"organization:read", "organization_member:read"}},
		{[]string{SectionAccessControls, SectionResourceAccessControls, SectionUsersWithAccess, SectionExplicitMembers}, []string{"access_control:read", "project:read"}},
		{[]string{SectionOrganizationActivityLog, SectionActivityLog, SectionCurrentUser}, []string{"activity_log:read", "user:read"}},
		{[]string{"membrs"}, []string{}},
	}
	for _, c := range cases {
		got := ScopesFor(c.sections)
		if got == nil {
			t.Errorf("ScopesFor(%v) = nil, want a non-nil slice", c.sections)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("ScopesFor(%v) (-want +got):\n%s", c.sections, diff)
		}
	}
}

// TestSectionScopesTable checks that the table names a scope (or, by an
// empty string, none) for exactly the sections there are, and that the
// scopes a complete snapshot needs are exactly those the sections need.
func TestSectionScopesTable(t *testing.T) {
	for _, s := range Sections {
		if _, ok := SectionScopes[s]; !ok {
			t.Errorf("section %s has no entry in SectionScopes", s)
		}
	}
	for s := range SectionScopes {
		if !slices.Contains(Sections, s) {
			t.Errorf("SectionScopes names %s, which is not a section", s)
		}
	}
	got := ScopesFor(Sections)
	slices.Sort(got)
	want := slices.Clone(RequiredScopes)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RequiredScopes differ from the scopes of every section (-RequiredScopes +sections):\n%s", diff)
	}
}
