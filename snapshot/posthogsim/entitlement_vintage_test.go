package posthogsim_test

import (
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// Each deployment consults access rules under the key its vintage of
// PostHog checks, and no other: access_control on the newest;
// advanced_permissions or project_based_permissioning on the 2025 one (which
// stands for 2025 and 2024). Ben has no rule of his own; Production's
// everyone rule is none, so an enforced rule set keeps him out, and one
// PostHog ignores leaves him the default admin.
func TestEntitlementByDeployment(t *testing.T) {
	denied := posthogsim.Resolution{Level: "none", Source: posthogsim.ResolvedObject}
	ignored := posthogsim.Resolution{Level: "admin", Source: posthogsim.ResolvedSystemDefault}
	tests := []struct {
		dep      posthogsim.Deployment
		features []string
		want     posthogsim.Resolution
	}{
		{posthogsim.Newest, []string{"access_control"}, denied},
		{posthogsim.Newest, []string{"access_control", "advanced_permissions"}, denied},
		{posthogsim.Newest, []string{"advanced_permissions"}, ignored},
		{posthogsim.Newest, []string{"project_based_permissioning"}, ignored},
		{posthogsim.Newest, []string{"advanced_permissions", "project_based_permissioning"}, ignored},
		{posthogsim.Newest, nil, ignored},
		{posthogsim.Deployment2025, []string{"advanced_permissions"}, denied},
		{posthogsim.Deployment2025, []string{"project_based_permissioning"}, denied},
		{posthogsim.Deployment2025, []string{"access_control", "advanced_permissions"}, denied},
		{posthogsim.Deployment2025, []string{"access_control"}, ignored},
		{posthogsim.Deployment2025, nil, ignored},
	}
	for _, tt := range tests {
		t.Run(tt.dep.String()+" "+strings.Join(tt.features, "+"), func(t *testing.T) {
			o := resolveOrg(tt.features...)
			o.Projects[0].AccessControls = []posthogsim.AccessRule{rule("", "", "none")}
			o.Projects[0].ResourceAccessControls = []posthogsim.AccessRule{resourceRule("feature_flag", "", "", "viewer")}
			s := posthogsim.New(o, posthogsim.WithDeployment(tt.dep))
			if got := projectLevel(t, s, "m-ben"); got != tt.want {
				t.Errorf("ben on the project = %+v, want %+v", got, tt.want)
			}
			// resources follow the same gate: the rule's viewer, or the
			// default editor
			wantFlag := "viewer"
			if tt.want == ignored {
				wantFlag = "editor"
			}
			if got, _ := s.ResolveResource("m-ben", posthogsim.AcmeProductionID, "feature_flag"); got.Level != wantFlag {
				t.Errorf("ben on feature_flag = %+v, want %s", got, wantFlag)
			}
		})
	}
}
