package snapshot_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot"
)

// acmeDocument is a collected Acme snapshot as a JSON object.
func acmeDocument(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	s := startAcme(t).collect(t, refNow)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(marshal(t, s), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func encode(t *testing.T, doc map[string]json.RawMessage) []byte {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeUpgradesOlderVersions registers fake upgraders -1 → 0 → 1 (a
// field renamed in each step) and reads a version -1 document through the
// chain, in order.
func TestDecodeUpgradesOlderVersions(t *testing.T) {
	doc := acmeDocument(t)
	doc["schema_version"] = json.RawMessage("-1")
	doc["time_collected"] = doc["collected_at"]
	delete(doc, "collected_at")
	var steps []string
	defer snapshot.RegisterUpgraderForTest(-1, func(d map[string]json.RawMessage) error {
		steps = append(steps, "-1")
		d["collected"] = d["time_collected"]
		delete(d, "time_collected")
		return nil
	})()
	defer snapshot.RegisterUpgraderForTest(0, func(d map[string]json.RawMessage) error {
		if string(d["schema_version"]) != "0" {
			t.Errorf("step 0 saw schema_version %s", d["schema_version"])
		}
		steps = append(steps, "0")
		d["collected_at"] = d["collected"]
		delete(d, "collected")
		return nil
	})()
	s, err := snapshot.Decode(encode(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	if !s.CollectedAt.Equal(refNow) || s.SchemaVersion != snapshot.SchemaVersion || strings.Join(steps, ",") != "-1,0" {
		t.Errorf("collected_at %v, schema_version %d, steps %v", s.CollectedAt, s.SchemaVersion, steps)
	}
}

func TestDecodeRefusesVersions(t *testing.T) {
	doc := acmeDocument(t)
	decode := func(version string) error {
		doc["schema_version"] = json.RawMessage(version)
		_, err := snapshot.Decode(encode(t, doc))
		return err
	}
	// Version 1 is read (its step rewrites nothing; see
	// TestVersion1FilesStayReadable for a real one).
	for _, v := range []string{"1", "2"} {
		if err := decode(v); err != nil {
			t.Fatalf("version %s: %v", v, err)
		}
	}
	for _, c := range []struct{ version, want string }{
		{"3", "written by a newer hogaudit (schema_version 3; this one reads up to 2)"},
		{"7", "written by a newer hogaudit (schema_version 7; this one reads up to 2)"},
		// Near miss of the upgrade test: without an upgrader, an older
		// version is unknown.
		{"0", "schema_version 0 is not one this hogaudit can upgrade (it reads up to 2)"},
	} {
		err := decode(c.version)
		if !errors.Is(err, snapshot.ErrSchemaVersion) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("version %s: %v, want ErrSchemaVersion saying %q", c.version, err, c.want)
		}
	}
	// A chain with a hole is refused before any step runs.
	ran := false
	defer snapshot.RegisterUpgraderForTest(-1, func(map[string]json.RawMessage) error { ran = true; return nil })()
	if err := decode("-1"); !errors.Is(err, snapshot.ErrSchemaVersion) || ran {
		t.Errorf("version -1 with no step from 0: %v (step ran: %v)", err, ran)
	}
	// A failing step is an error naming it.
	defer snapshot.RegisterUpgraderForTest(0, func(map[string]json.RawMessage) error { return errors.New("boom") })()
	if err := decode("0"); err == nil || !strings.Contains(err.Error(), "upgrade snapshot from schema_version 0 to 1: boom") {
		t.Errorf("failing step: %v", err)
	}
}
