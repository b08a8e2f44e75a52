package posthog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// The methods below decode PostHog's shapes that differ from the types'
// own. Each also accepts what the type marshals to, because snapshot files
// store these types and read them back.

var jsonNull = []byte("null")

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), jsonNull)
}

// UnmarshalJSON decodes an organization. available_product_features may be
// PostHog's objects ({"key": …, "name": …}) or plain keys; either way the
// keys are kept, sorted and without duplicates.
func (o *Organization) UnmarshalJSON(data []byte) error {
	type plain Organization
	aux := struct {
		*plain
		Features json.RawMessage `json:"available_product_features"`
	}{plain: (*plain)(o)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	o.AvailableProductFeatures = nil
	if isNull(aux.Features) {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(aux.Features, &items); err != nil {
		return fmt.Errorf("available_product_features: %w", err)
	}
	keys := make([]string, 0, len(items))
	for _, it := range items {
		var key string
		if err := json.Unmarshal(it, &key); err != nil {
			var obj struct {
				Key string `json:"key"`
			}
			if err := json.Unmarshal(it, &obj); err != nil {
				return fmt.Errorf("available_product_features: %w", err)
			}
			key = obj.Key
		}
		if key != "" {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	o.AvailableProductFeatures = slices.Compact(keys)
	return nil
}

// UnmarshalJSON decodes the current user. OrganizationID comes from
// organization.id (PostHog's response) or organization_id (a snapshot).
func (u *CurrentUser) UnmarshalJSON(data []byte) error {
	type plain CurrentUser
	aux := struct {
		*plain
		Organization json.RawMessage `json:"organization"`
	}{plain: (*plain)(u)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	if isNull(aux.Organization) {
		return nil
	}
	var org struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(aux.Organization, &org); err != nil {
		return fmt.Errorf("organization: %w", err)
	}
	if org.ID != "" {
		u.OrganizationID = org.ID
	}
	return nil
}

// UnmarshalJSON decodes one private project access of an invite. The level
// may be a string ("member", "admin") or a legacy integer: 1 becomes
// "member" and 8 "admin"; other integers are kept as their decimal text.
func (p *ProjectAccess) UnmarshalJSON(data []byte) error {
	type plain ProjectAccess
	aux := struct {
		*plain
		Level json.RawMessage `json:"level"`
	}{plain: (*plain)(p)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	p.Level = ""
	if isNull(aux.Level) {
		return nil
	}
	if err := json.Unmarshal(aux.Level, &p.Level); err == nil {
		return nil
	}
	var n int
	if err := json.Unmarshal(aux.Level, &n); err != nil {
		return fmt.Errorf("private_project_access level: %w", err)
	}
	switch n {
	case LevelMember:
		p.Level = "member"
	case LevelAdmin:
		p.Level = "admin"
	default:
		p.Level = strconv.Itoa(n)
	}
	return nil
}

// UnmarshalJSON decodes an activity-log entry and records in HasTeamID
// whether team_id was present at all (null included).
func (e *ActivityLogEntry) UnmarshalJSON(data []byte) error {
	type plain ActivityLogEntry
	aux := struct {
		*plain
		TeamID json.RawMessage `json:"team_id"`
	}{plain: (*plain)(e)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	// A RawMessage field receives "null" for a JSON null and stays nil only
	// when the key is absent.
	e.HasTeamID = aux.TeamID != nil
	e.TeamID = nil
	if isNull(aux.TeamID) {
		return nil
	}
	var id int64
	if err := json.Unmarshal(aux.TeamID, &id); err != nil {
		return fmt.Errorf("team_id: %w", err)
	}
	e.TeamID = &id
	return nil
}
