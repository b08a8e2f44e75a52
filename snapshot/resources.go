package snapshot

import "slices"

// RuledResources are the resources p has project-wide rules on
// (resource_access_controls with no resource_id; rules on single objects
// and on the project itself are not), sorted, without duplicates: the
// resources whose levels can differ from PostHog's defaults in p.
func (p Project) RuledResources() []string {
	if p.ResourceAccessControls == nil {
		return nil
	}
	var out []string
	for _, r := range p.ResourceAccessControls.AccessControls {
		if r.Resource != "" && r.Resource != "project" && (r.ResourceID == nil || *r.ResourceID == "") {
			out = append(out, r.Resource)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// RuledResources are the resources with project-wide rules in any project
// of the snapshots given, sorted, without duplicates: the resources an
// access table (policies.Engine.Access) should resolve for them.
func RuledResources(snaps ...*Snapshot) []string {
	var out []string
	for _, s := range snaps {
		for _, p := range s.Projects {
			out = append(out, p.RuledResources()...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
