package matrix

import "slices"

// KeyBinding is one personal API key label the matrix declares under a
// group's keys:, and whether the evidence holds a key with that label
// (Inventory.KeyLabels).
//
// PostHog lets a personal API key read only itself
// (GET /api/personal_api_keys/@current/), so hogaudit sees exactly the keys
// it is handed: the scanning key and each --audit-key-env key. A declared
// label no handed key carries is evidence missing for that key: the key
// rules cannot judge it.
type KeyBinding struct {
	Label string
	// Pos is where the label is first written (in the first group, by key
	// order, that lists it).
	Pos
	// Groups are the groups whose keys: list the label, sorted.
	Groups []string
	// Audited says Inventory.KeyLabels holds this label (compared
	// exactly, as KeyGroups does).
	Audited bool
}

// bindKeys lists the labels of every group's keys:, sorted, and marks those
// held lists.
func bindKeys(m *Matrix, held []string) []KeyBinding {
	audited := make(map[string]bool, len(held))
	for _, l := range held {
		audited[l] = true
	}
	byLabel := map[string]*KeyBinding{}
	for _, g := range m.GroupKeys() {
		decl := m.Groups[g]
		if decl == nil || decl.Keys == nil {
			continue
		}
		for _, it := range decl.Keys.Items {
			kb := byLabel[it.Value]
			if kb == nil {
				kb = &KeyBinding{Label: it.Value, Pos: it.Pos, Audited: audited[it.Value]}
				byLabel[it.Value] = kb
			}
			if !slices.Contains(kb.Groups, g) {
				kb.Groups = append(kb.Groups, g)
			}
		}
	}
	out := make([]KeyBinding, 0, len(byLabel))
	for _, label := range sortedKeys(byLabel) {
		out = append(out, *byLabel[label])
	}
	return out
}

// Keys returns every key label the matrix declares, sorted, with whether the
// inventory it was bound to holds a key with that label. The caller owns the returned slice.
func (b *Bound) Keys() []KeyBinding {
	out := slices.Clone(b.keys)
	for i := range out {
		out[i].Groups = slices.Clone(out[i].Groups)
	}
	return out
}
