package handlers

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"tessera/domain"
	"tessera/manage/machines"
)

// The machine the user API answers with has exactly the properties the
// OpenAPI document's Machine and MachineInterface schemas list.
func TestAPIMachineMatchesOpenAPI(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	q := &domain.Quote{Hourly: domain.Money{Currency: "EUR"}, Monthly: domain.Money{Currency: "EUR"}}
	it := &machines.Listed{M: &domain.Machine{ID: domain.NewID(), Name: "web", ErrorReason: "failed", CreatedAt: time.Now()}, Quote: q,
		Interfaces: []*domain.MachineInterface{{NetworkID: domain.NewID(), NetworkName: "default", Address: "10.0.0.2", Gateway: "10.0.0.1", PrefixLength: 24}}}
	b, err := json.Marshal(toAPIMachine(it))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	var nics []map[string]json.RawMessage
	if err := json.Unmarshal(got["interfaces"], &nics); err != nil || len(nics) != 1 {
		t.Fatalf("interfaces = %s (%v)", got["interfaces"], err)
	}
	for schema, obj := range map[string]map[string]json.RawMessage{"Machine": got, "MachineInterface": nics[0]} {
		if g, w := keys(obj), keys(doc.Components.Schemas[schema].Properties); g != w {
			t.Errorf("%s: the API sends %s, the document lists %s", schema, g, w)
		}
	}
}

func keys[V any](m map[string]V) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
