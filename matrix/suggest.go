package matrix

import (
	"strings"
)

// SuggestScope returns the personal API key scope nearest to scope, for a
// "did you mean" hint, or "" when scope is known or no known scope is near
// enough to be a likely intent. The suggestion is always a KnownScope.
//
// Nearness is judged on the scope written in lower case with '-' and ' '
// read as '_': an event scope ("event:read", "events:write") suggests
// "query:read" (PostHog reads events through queries and has no event
// object); otherwise the object is the known object at the smallest edit
// distance (Levenshtein; at most a quarter of the object's length, between
// 1 and 3; ties go to the alphabetically first), and the action is kept when it is read or
// write, read as write when it asks for more than reading ("delete",
// "create", "admin", …), else read. An INTERNAL object suggests nothing:
// no key can hold it, and its public neighbour may grant something else.
func SuggestScope(scope string) string {
	if KnownScope(scope) {
		return ""
	}
	s := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(scope)))
	obj, action, _ := strings.Cut(s, ":")
	if obj == "event" || obj == "events" {
		return "query:read"
	}
	o := nearestObject(obj)
	if o == "" {
		return ""
	}
	suggestion := o + ":" + nearestAction(action)
	if !KnownScope(suggestion) {
		return ""
	}
	return suggestion
}

// nearestObject is the known object nearest to obj, or "" when none is
// within the allowed distance or obj is an INTERNAL object.
func nearestObject(obj string) string {
	c := catalogue()
	for _, o := range c.internal {
		if o == obj {
			return ""
		}
	}
	limit := min(max(len(obj)/4, 1), 3)
	best, bestDist := "", limit+1
	for _, o := range c.objects { // sorted: the first of equals wins
		if d := EditDistance(obj, o); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// writeWords are actions written for more than reading.
var writeWords = map[string]bool{
	"write": true, "create": true, "update": true, "delete": true, "edit": true, "manage": true,
	"admin": true, "all": true, "*": true, "modify": true, "rw": true, "read_write": true,
	"readwrite": true, "destroy": true, "post": true, "put": true, "patch": true,
}

// nearestAction is read or write for a written action.
func nearestAction(action string) string {
	switch {
	case action == "read" || action == "write":
		return action
	case writeWords[action]:
		return "write"
	case EditDistance(action, "write") <= 2 && EditDistance(action, "write") < EditDistance(action, "read"):
		return "write"
	}
	return "read"
}
