package web_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tessera/web/webtest"
)

// TestMachineNetworksPlacement: with networks chosen, "cheapest" and
// "any:XX" look only at the networks' location, so the create is not refused
// for a location the tenant never picked; networks in two locations, or in a
// location outside the chosen country, are refused at the networks field
// with the networks named.
func TestMachineNetworksPlacement(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "globex", "carol")
	network := func(name, loc, cidr string) string {
		t.Helper()
		r := e.api(t, tok, "POST", "/api/v1/networks", map[string]any{"name": name, "location": loc, "cidr": cidr})
		if r.Status != 202 {
			t.Fatalf("network %s: %d %s", name, r.Status, r.Raw)
		}
		return r.Body["id"].(string)
	}
	create := func(name, location string, networks ...string) apiResp {
		t.Helper()
		body := map[string]any{"name": name, "location": location, "flavor": "s-1vcpu-1gb", "image": "Ubuntu 24.04"}
		if networks != nil {
			body["networks"] = networks
		}
		return e.api(t, tok, "POST", "/api/v1/machines", body)
	}
	// Where "cheapest" goes without networks; the networks go elsewhere.
	r := create("probe", "cheapest")
	if r.Status != 202 {
		t.Fatalf("probe: %d %s", r.Status, r.Raw)
	}
	cheapest := r.Body["location"].(string)
	other := map[string]string{"Berlin": "Frankfurt", "Frankfurt": "Berlin"}[cheapest]
	if other == "" {
		t.Fatalf("cheapest went to %q", cheapest)
	}
	there := network("there", other, "10.40.0.0/24")
	there2 := network("there2", other, "10.41.0.0/24")
	here := network("here", cheapest, "10.42.0.0/24")

	for i, loc := range []string{"cheapest", "any:DE", "any:de"} {
		r := create("m"+strconv.Itoa(i), loc, there, there2)
		if r.Status != 202 {
			t.Errorf("%s with networks in %s: %d %s", loc, other, r.Status, r.Raw)
			continue
		}
		if got := r.Body["location"]; got != other {
			t.Errorf("%s with networks in %s went to %v", loc, other, got)
		}
		if list, _ := r.Body["interfaces"].([]any); len(list) != 2 || list[0].(map[string]any)["network_name"] != "there" {
			t.Errorf("%s: interfaces %v", loc, r.Body["interfaces"])
		}
	}

	fieldMsg := func(r apiResp) string {
		t.Helper()
		errs, _ := r.Body["errors"].(map[string]any)
		msg, _ := errs["networks"].(string)
		if r.Status != 422 || msg == "" {
			t.Errorf("want a networks field error, got %d %s", r.Status, r.Raw)
		}
		return msg
	}
	// Networks in two locations: named, with their locations, whatever the
	// location choice.
	for _, loc := range []string{"cheapest", "any:DE", cheapest} {
		msg := fieldMsg(create("split", loc, there, here))
		for _, s := range []string{"there (" + other + ")", "here (" + cheapest + ")", "one location"} {
			if !strings.Contains(msg, s) {
				t.Errorf("%s, networks in two locations: %q lacks %q", loc, msg, s)
			}
		}
	}
	// A country the networks are not in.
	if msg := fieldMsg(create("swiss", "any:CH", there)); !strings.Contains(msg, other) || !strings.Contains(msg, "CH") {
		t.Errorf("any:CH with networks in %s: %q", other, msg)
	}
	// The create form's placement panel predicts the same: the ticked
	// networks decide where "cheapest" and "any:DE" go.
	carol := e.Client(t, "globex.localhost")
	carol.Login("", "carol", "demo")
	preview := func(loc string, networks ...string) string {
		t.Helper()
		q := url.Values{"location": {loc}, "flavor": {"s-1vcpu-1gb"}, "image": {"Ubuntu 24.04"}, "networks": networks}
		return webtest.Body(t, carol.Get("/machines/new/placement?"+q.Encode()))
	}
	if pv := preview("cheapest"); !strings.Contains(pv, `data-testid="placement-where">`+cheapest+`<`) {
		t.Errorf("preview of cheapest without networks does not name %s: %s", cheapest, pv)
	}
	for _, loc := range []string{"cheapest", "any:DE"} {
		if pv := preview(loc, there, there2); !strings.Contains(pv, `data-testid="placement-where">`+other+`<`) {
			t.Errorf("preview of %s with networks in %s does not name it: %s", loc, other, pv)
		}
		if pv := preview(loc, there, here); !strings.Contains(pv, `data-testid="placement-message"`) || !strings.Contains(pv, "one location") {
			t.Errorf("preview of %s with networks in two locations: %s", loc, pv)
		}
	}
	// The form shown again after a refusal keeps the prediction.
	resp := carol.PostForm("/machines", url.Values{"name": {"Bad Name!"}, "location": {"cheapest"}, "flavor": {"s-1vcpu-1gb"}, "image": {"Ubuntu 24.04"}, "networks": {there}})
	if page := webtest.Body(t, resp); resp.StatusCode != 422 || !strings.Contains(page, `data-testid="placement-where">`+other+`<`) {
		t.Errorf("form re-shown after a refusal: %d, placement does not name %s", resp.StatusCode, other)
	}

	// Nothing was made by the refusals.
	if r := e.api(t, tok, "GET", "/api/v1/machines", nil); strings.Contains(r.Raw, `"split"`) || strings.Contains(r.Raw, `"swiss"`) {
		t.Errorf("a refused create made a machine: %s", r.Raw)
	}
}
