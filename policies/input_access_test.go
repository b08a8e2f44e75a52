package policies

import (
	"errors"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// TestBuildInputRefusesUncheckedAccessForm: a project whose
// users_with_access is a file form no Decode checked (made by hand) fails
// BuildInput, rather than leaving the project out of
// index.users_with_access as if nobody could reach it. Near miss: the same
// project with rows builds, and lists them.
func TestBuildInputRefusesUncheckedAccessForm(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	m, err := matrix.Parse("", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := &snapshot.Snapshot{
		Org:         snapshot.OrgRef{ID: "org"},
		CollectedAt: now,
		Members:     []posthog.Member{{ID: "m1", Level: 1, User: posthog.UserBasic{UUID: "u1", Email: "a@x.example"}}},
		Projects: []snapshot.Project{{ID: 7, UsersWithAccessFile: &snapshot.AccessFile{
			AllExcept: &snapshot.AccessComplement{AccessLevel: "member", AccessSource: "default"},
		}}},
	}
	if _, err := BuildInput(s, m.Bind(Inventory(s), now), now); !errors.Is(err, snapshot.ErrInconsistent) {
		t.Fatalf("BuildInput: %v, want ErrInconsistent", err)
	}
	s.Projects[0].SetUsersWithAccess([]posthog.UserAccess{{UserID: "u1", AccessLevel: "member", AccessSource: "default", OrganizationMembershipID: "m1", OrganizationMembershipLevel: "member"}})
	in, err := BuildInput(s, m.Bind(Inventory(s), now), now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, levels := range in.Index.UsersWithAccess["7"] {
		ids = append(ids, levels["member"]...)
	}
	if len(ids) != 1 || ids[0] != "m1" {
		t.Errorf("index.users_with_access[7] = %v, want m1 at member", in.Index.UsersWithAccess["7"])
	}
}
