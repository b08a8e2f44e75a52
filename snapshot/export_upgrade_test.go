package snapshot

import "encoding/json"

// RegisterUpgraderForTest registers f as the upgrader from version from,
// returning a function that removes it again.
func RegisterUpgraderForTest(from int, f func(doc map[string]json.RawMessage) error) (restore func()) {
	prev, had := upgraders[from]
	upgraders[from] = f
	return func() {
		if had {
			upgraders[from] = prev
		} else {
			delete(upgraders, from)
		}
	}
}
