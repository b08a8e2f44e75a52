package snapshot_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xeipuuv/gojsonschema"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// collection is a snapshot with one key "k1" collected at start, the key
// answered at start+2s with lastUsed.
func collection(start time.Time, lastUsed *time.Time, use *snapshot.KeyUse) *snapshot.Snapshot {
	answered := start.Add(2 * time.Second)
	return &snapshot.Snapshot{
		Org:         snapshot.OrgRef{ID: "org-1", Name: "Acme"},
		CollectedAt: start,
		APIKeys: []snapshot.APIKey{{
			Source:         snapshot.KeySourceAudit,
			PersonalAPIKey: posthog.PersonalAPIKey{ID: "k1", Label: "bi", LastUsedAt: lastUsed},
			IntrospectedAt: &answered,
			Use:            use,
		}},
	}
}

func at(t time.Time) *time.Time { return &t }

func TestKeyUses(t *testing.T) {
	t.Parallel()
	t1 := refNow.AddDate(0, 0, -20) // the previous collection
	t2 := refNow                    // this one
	realUse := t1.AddDate(0, 0, -15)
	inPrev := t1.Add(time.Second) // the previous collection's own request
	used := func(x time.Time, own *time.Time, basis string) snapshot.KeyUse {
		return snapshot.KeyUse{Status: snapshot.KeyUsed, At: &x, Own: own, Basis: basis}
	}
	const (
		reported     = "posthog's last_used_at"
		ownNow       = "posthog's last_used_at is this collection's own request, which hides any use before it"
		ownPrevious  = "posthog's last_used_at is the previous collection's own request; the previous snapshot's reading stands"
		unchangedNow = "posthog's last_used_at is unchanged since the previous collection; the previous snapshot's reading stands"
	)
	tests := []struct {
		name string
		cur  *snapshot.Snapshot
		prev *snapshot.Snapshot
		want snapshot.KeyUse
	}{
		{"never used", collection(t2, nil, nil), nil,
			snapshot.KeyUse{Status: snapshot.KeyNeverUsed, Basis: "posthog reports no use"}},
		{"used, alone", collection(t2, at(realUse), nil), nil, used(realUse, nil, reported)},
		{"this collection's own request hides the use before it", collection(t2, at(t2.Add(time.Second)), nil), nil,
			snapshot.KeyUse{Status: snapshot.KeyUseUnknown, Own: at(t2.Add(time.Second)), Basis: ownNow}},
		{"own window: start minus the tolerance", collection(t2, at(t2.Add(-snapshot.OwnUseTolerance)), nil), nil,
			snapshot.KeyUse{Status: snapshot.KeyUseUnknown, Own: at(t2.Add(-snapshot.OwnUseTolerance)), Basis: ownNow}},
		{"near miss: just before the window", collection(t2, at(t2.Add(-snapshot.OwnUseTolerance-time.Second)), nil), nil,
			used(t2.Add(-snapshot.OwnUseTolerance-time.Second), nil, reported)},
		{"own window: answer plus the tolerance", collection(t2, at(t2.Add(2*time.Second+snapshot.OwnUseTolerance)), nil), nil,
			snapshot.KeyUse{Status: snapshot.KeyUseUnknown, Own: at(t2.Add(2*time.Second + snapshot.OwnUseTolerance)), Basis: ownNow}},
		{"the previous collection's own request: its reading stands",
			collection(t2, at(inPrev), nil), collection(t1, at(realUse), nil), used(realUse, at(inPrev), ownPrevious)},
		{"near miss: a use after the previous collection counts",
			collection(t2, at(t1.AddDate(0, 0, 1)), nil), collection(t1, at(realUse), nil), used(t1.AddDate(0, 0, 1), nil, reported)},
		{"near miss: a use an hour after the previous collection is not its own",
			collection(t2, at(t1.Add(time.Hour)), nil), collection(t1, at(realUse), nil), used(t1.Add(time.Hour), nil, reported)},
		{"the previous reading recorded by scan --previous is walked back to",
			collection(t2, at(inPrev), nil),
			collection(t1, at(t1.AddDate(0, 0, -1)), &snapshot.KeyUse{Status: snapshot.KeyUsed, At: at(realUse.AddDate(0, 0, -30)), Own: at(t1.AddDate(0, 0, -1)), Basis: ownPrevious}),
			used(realUse.AddDate(0, 0, -30), at(inPrev), ownPrevious)},
		{"the previous collection saw its own request: unknown",
			collection(t2, at(inPrev), nil), collection(t1, at(inPrev), nil),
			snapshot.KeyUse{Status: snapshot.KeyUseUnknown, Own: at(inPrev), Basis: ownPrevious}},
		{"unchanged since the previous collection, which saw its own request",
			collection(t2, at(t1.Add(time.Second)), nil), collection(t1, at(t1.Add(time.Second)), nil),
			snapshot.KeyUse{Status: snapshot.KeyUseUnknown, Own: at(t1.Add(time.Second)), Basis: ownPrevious}},
		{"unchanged since a previous collection that discounted its own request",
			collection(t2, at(t1.AddDate(0, 0, -1)), nil),
			collection(t1, at(t1.AddDate(0, 0, -1)), &snapshot.KeyUse{Status: snapshot.KeyNeverUsed, Own: at(t1.AddDate(0, 0, -1)), Basis: ownPrevious}),
			snapshot.KeyUse{Status: snapshot.KeyNeverUsed, Own: at(t1.AddDate(0, 0, -1)), Basis: unchangedNow}},
		{"unchanged and plainly used is plainly used",
			collection(t2, at(realUse), nil), collection(t1, at(realUse), nil), used(realUse, nil, reported)},
		{"without --previous a recorded reading stands",
			collection(t2, at(inPrev), &snapshot.KeyUse{Status: snapshot.KeyNeverUsed, Own: at(inPrev), Basis: ownPrevious}), nil,
			snapshot.KeyUse{Status: snapshot.KeyNeverUsed, Own: at(inPrev), Basis: ownPrevious}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cur.KeyUses(tt.prev)
			if diff := cmp.Diff([]snapshot.KeyUse{tt.want}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeyUsesIgnoresKeysThePreviousDidNotIntrospect(t *testing.T) {
	t.Parallel()
	t1 := refNow.AddDate(0, 0, -20)
	inPrev := t1.Add(time.Second)
	cur := collection(refNow, at(inPrev), nil)
	// Another key in the previous snapshot; and the same key without an
	// introspection time (written before hogaudit recorded it).
	other := collection(t1, at(t1.AddDate(0, 0, -15)), nil)
	other.APIKeys[0].ID = "k2"
	legacy := collection(t1, at(t1.AddDate(0, 0, -15)), nil)
	legacy.APIKeys[0].IntrospectedAt = nil
	for name, prev := range map[string]*snapshot.Snapshot{"other key": other, "no introspected_at": legacy} {
		got := cur.KeyUses(prev)[0]
		if got.Status != snapshot.KeyUsed || !got.At.Equal(inPrev) || got.Own != nil {
			t.Errorf("%s: %+v, want the use taken as it is", name, got)
		}
	}
}

func TestWithKeyUsesRecordsAndLeavesTheOriginal(t *testing.T) {
	t.Parallel()
	t1 := refNow.AddDate(0, 0, -20)
	cur := collection(refNow, at(t1.Add(time.Second)), nil)
	prev := collection(t1, at(t1.AddDate(0, 0, -15)), nil)
	rec := cur.WithKeyUses(prev)
	if cur.APIKeys[0].Use != nil {
		t.Error("WithKeyUses changed the original snapshot")
	}
	u := rec.APIKeys[0].Use
	if u == nil || u.Status != snapshot.KeyUsed || !u.At.Equal(t1.AddDate(0, 0, -15)) {
		t.Fatalf("recorded use %+v", u)
	}
	// The record is what the next run walks back to without --previous.
	if got := rec.KeyUses(nil)[0]; !got.At.Equal(*u.At) {
		t.Errorf("reading a recorded snapshot alone gives %+v", got)
	}
}

func TestCheckPrevious(t *testing.T) {
	t.Parallel()
	cur := collection(refNow, nil, nil)
	if err := snapshot.CheckPrevious(cur, collection(refNow.Add(-time.Hour), nil, nil)); err != nil {
		t.Errorf("an older snapshot of the same org: %v", err)
	}
	other := collection(refNow.Add(-time.Hour), nil, nil)
	other.Org = snapshot.OrgRef{ID: "org-2", Name: "Other"}
	if err := snapshot.CheckPrevious(cur, other); !errors.Is(err, snapshot.ErrPreviousOtherOrg) {
		t.Errorf("another org: %v", err)
	}
	for _, d := range []time.Duration{0, time.Hour} {
		if err := snapshot.CheckPrevious(cur, collection(refNow.Add(d), nil, nil)); !errors.Is(err, snapshot.ErrPreviousNotOlder) {
			t.Errorf("previous collected %s after: %v", d, err)
		}
	}
}

func TestRecordedKeyUsesMatchTheSchema(t *testing.T) {
	t.Parallel()
	schema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(snapshot.Schema))
	if err != nil {
		t.Fatal(err)
	}
	prev := startAcme(t).collect(t, refNow.AddDate(0, 0, -20))
	cur := startAcme(t).collect(t, refNow).WithKeyUses(prev)
	res, err := schema.Validate(gojsonschema.NewBytesLoader(marshal(t, cur)))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors() {
		t.Error(e)
	}
	for _, k := range cur.APIKeys {
		if k.Use == nil {
			t.Errorf("key %s: no use recorded", k.Label)
		}
	}
}
