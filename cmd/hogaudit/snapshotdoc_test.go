package main

// addMissing appends a missing record to a snapshot document, as a
// collection that could not read the section writes it.
func addMissing(doc map[string]any, section, endpoint string, status int, reason string) {
	ms, _ := doc["missing"].([]any)
	doc["missing"] = append(ms, map[string]any{
		"section": section, "endpoint": endpoint, "status": status, "detail": "", "reason": reason,
	})
}
