package web_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/web/webtest"
)

// Frankfurt's demo site has only ubuntu-24.04: Debian 12 is not offered
// there. The API and the form refuse it at the image field, the form greys
// it for Frankfurt and says where it is, and "any location in DE" places
// the machine where the image is.
func TestImageOfferedOnlyWhereReady(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "globex", "carol")
	berlin, frankfurt := e.locs[0], e.locs[1]
	if berlin.Name != "Berlin" || frankfurt.Name != "Frankfurt" {
		t.Fatalf("locations %s, %s", berlin.Name, frankfurt.Name)
	}

	t.Run("the API refuses at the image field", func(t *testing.T) {
		r := e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": "db", "location": "Frankfurt", "flavor": "s-1vcpu-1gb", "image": "Debian 12"})
		problem(t, r, 422)
		errs, _ := r.Body["errors"].(map[string]any)
		if got, want := errs["image"], "Debian 12 is not available in Frankfurt yet; choose Berlin, or another image."; got != want {
			t.Errorf("image error = %v, want %q", got, want)
		}
		// Other plain mistakes are reported with it.
		r = e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": "db_1", "location": "Frankfurt", "flavor": "s-1vcpu-1gb", "image": "Debian 12"})
		if errs, _ := r.Body["errors"].(map[string]any); r.Status != 422 || errs["name"] == nil || errs["image"] == nil {
			t.Errorf("name and image: %d %s", r.Status, r.Raw)
		}
		// Ubuntu is there.
		r = e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": "web", "location": "Frankfurt", "flavor": "s-1vcpu-1gb", "image": "Ubuntu 24.04"})
		if r.Status != 202 {
			t.Fatalf("ubuntu in Frankfurt: %d %s", r.Status, r.Raw)
		}
	})

	t.Run("placement picks a site that has the image", func(t *testing.T) {
		for i := range 3 {
			r := e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": "any-" + string(rune('a'+i)), "location": "any:DE", "flavor": "s-1vcpu-1gb", "image": "Debian 12"})
			if r.Status != 202 {
				t.Fatalf("any:DE: %d %s", r.Status, r.Raw)
			}
			if r.Body["location"] != "Berlin" {
				t.Errorf("Debian 12 placed in %v, want Berlin", r.Body["location"])
			}
		}
	})

	t.Run("the image list says where each image is", func(t *testing.T) {
		r := e.api(t, tok, "GET", "/api/v1/images", nil)
		where := map[string]string{}
		for _, it := range r.Body["items"].([]any) {
			m := it.(map[string]any)
			var ls []string
			for _, l := range m["locations"].([]any) {
				ls = append(ls, l.(string))
			}
			where[m["name"].(string)] = strings.Join(ls, ",")
		}
		if where["Debian 12"] != "Berlin" || where["Ubuntu 24.04"] != "Berlin,Frankfurt" || where["Windows Server 2022"] != "Berlin" {
			t.Errorf("locations = %v", where)
		}
	})

	t.Run("the form greys it and refuses it without JavaScript", func(t *testing.T) {
		c := e.Client(t, "globex.localhost")
		c.Login("", "carol", "demo")
		body := webtest.Body(t, c.Get("/machines/new?location="+frankfurt.ID))
		contains(t, body, `data-testid="image-unavailable-Debian 12"`, "Not yet in Frankfurt", `data-testid="image-where-Debian 12"`, "In Berlin", "In Berlin and Frankfurt")
		lacks(t, body, `data-testid="image-unavailable-Ubuntu 24.04"`)
		body = webtest.Body(t, c.Get("/machines/new?location="+berlin.ID))
		lacks(t, body, `data-testid="image-unavailable-Debian 12"`)

		_, fl, img := idsOf(t, e, "globex") // Debian 12
		resp := c.PostForm("/machines", url.Values{"name": {"db-form"}, "location": {frankfurt.ID}, "flavor": {fl}, "image": {img}})
		if resp.StatusCode != 422 {
			t.Fatalf("form: %d", resp.StatusCode)
		}
		contains(t, webtest.Body(t, resp), `data-testid="error-image"`, "Debian 12 is not available in Frankfurt yet; choose Berlin, or another image.", `value="db-form"`)
	})
}

// A tenant saves a stopped machine as an image of its own, creates a
// machine from it in the machine's location, and deletes it; another
// tenant never sees or uses it.
func TestSaveMachineAsImage(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "globex", "carol")
	other := e.token(t, "acme", "alice")

	r := e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": "golden-src", "location": "Berlin", "flavor": "s-1vcpu-1gb", "image": "Debian 12"})
	if r.Status != 202 {
		t.Fatalf("machine: %d %s", r.Status, r.Raw)
	}
	machine := r.Body["id"].(string)
	e.waitStatus(t, tok, machine, "running")
	if r := e.api(t, tok, "POST", "/api/v1/machines/"+machine+"/image", map[string]string{"name": "golden"}); r.Status != 409 {
		t.Errorf("image of a running machine: %d %s", r.Status, r.Raw)
	}
	c := e.Client(t, "globex.localhost")
	c.Login("", "carol", "demo")
	lacks(t, webtest.Body(t, c.Get("/machines/"+machine)), `data-testid="save-image"`)
	if r := e.api(t, tok, "POST", "/api/v1/machines/"+machine+"/stop", nil); r.Status != 202 {
		t.Fatalf("stop: %d %s", r.Status, r.Raw)
	}
	e.waitStatus(t, tok, machine, "stopped")
	contains(t, webtest.Body(t, c.Get("/machines/"+machine)), `data-testid="save-image"`, "Save as image")
	if r := e.api(t, other, "POST", "/api/v1/machines/"+machine+"/image", map[string]string{"name": "stolen"}); r.Status != 404 {
		t.Errorf("another tenant saves the machine: %d", r.Status)
	}
	if r := e.api(t, tok, "POST", "/api/v1/machines/"+machine+"/image", map[string]string{"name": "bad/name"}); r.Status != 422 {
		t.Errorf("bad name: %d %s", r.Status, r.Raw)
	}

	// The portal's button.
	resp := c.PostForm("/machines/"+machine+"/image", url.Values{"image_name": {"golden"}})
	if resp.StatusCode != 303 {
		t.Fatalf("save as image: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	var id string
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := e.api(t, tok, "GET", "/api/v1/images", nil)
		var state string
		for _, it := range r.Body["items"].([]any) {
			m := it.(map[string]any)
			if m["name"] == "golden" {
				id, state = m["id"].(string), m["state"].(string)
				if m["private"] != true {
					t.Fatalf("golden is not private: %v", m)
				}
			}
		}
		if state == "ready" {
			break
		}
		if state == "failed" || time.Now().After(deadline) {
			t.Fatalf("golden: state %q: %s", state, r.Raw)
		}
		// The operations worker advances it.
		webtest.Body(t, c.Get("/images"))
		time.Sleep(200 * time.Millisecond)
	}
	if r := e.api(t, tok, "POST", "/api/v1/machines/"+machine+"/image", map[string]string{"name": "Golden"}); r.Status != 409 {
		t.Errorf("a second image of that name: %d %s", r.Status, r.Raw)
	}
	r = e.api(t, tok, "GET", "/api/v1/images/"+id, nil)
	if r.Status != 200 || r.Body["state"] != "ready" || len(r.Body["locations"].([]any)) != 1 || r.Body["locations"].([]any)[0] != "Berlin" {
		t.Fatalf("golden: %d %s", r.Status, r.Raw)
	}
	contains(t, webtest.Body(t, c.Get("/images")), `data-testid="own-image-golden"`, "ready")
	contains(t, webtest.Body(t, c.Get("/machines/new")), `data-testid="own-images"`, "Your images", `data-testid="image-golden"`)

	// Another tenant neither sees nor uses it.
	if r := e.api(t, other, "GET", "/api/v1/images/"+id, nil); r.Status != 404 {
		t.Errorf("another tenant reads it: %d", r.Status)
	}
	if r := e.api(t, other, "GET", "/api/v1/images", nil); strings.Contains(r.Raw, id) {
		t.Errorf("another tenant lists it: %s", r.Raw)
	}
	r = e.api(t, other, "POST", "/api/v1/machines", map[string]string{"name": "thief", "location": "Berlin", "flavor": "s-1vcpu-1gb", "image": id})
	problem(t, r, 422)
	if errs, _ := r.Body["errors"].(map[string]any); errs["image"] == nil {
		t.Errorf("another tenant uses it: %s", r.Raw)
	}
	if r := e.api(t, other, "DELETE", "/api/v1/images/"+id, nil); r.Status != 404 {
		t.Errorf("another tenant deletes it: %d", r.Status)
	}
	alice := e.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	lacks(t, webtest.Body(t, alice.Get("/machines/new")), "golden")

	// Only in the machine's location.
	r = e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": "copy-fra", "location": "Frankfurt", "flavor": "s-1vcpu-1gb", "image": "golden"})
	problem(t, r, 422)
	if errs, _ := r.Body["errors"].(map[string]any); errs["image"] != "golden is not available in Frankfurt yet; choose Berlin, or another image." {
		t.Errorf("golden in Frankfurt: %s", r.Raw)
	}
	r = e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": "copy", "location": "Berlin", "flavor": "s-1vcpu-1gb", "image": "golden"})
	if r.Status != 202 || r.Body["image"] != "golden" {
		t.Fatalf("machine from golden: %d %s", r.Status, r.Raw)
	}
	e.waitStatus(t, tok, r.Body["id"].(string), "running")

	copyID := r.Body["id"].(string)

	// Deleted, it leaves the create form at once, its template is removed
	// at the site, then it is gone from the lists; the machine made from
	// it stays.
	template := "img-" + id
	if !slices.Contains(siteTemplates(t, e, "Berlin"), template) {
		t.Fatalf("Berlin's templates lack %s: %v", template, siteTemplates(t, e, "Berlin"))
	}
	r = e.api(t, tok, "DELETE", "/api/v1/images/"+id, nil)
	if r.Status != 202 || (r.Body["state"] != "deleting" && r.Body["state"] != "deleted") {
		t.Fatalf("delete: %d %s", r.Status, r.Raw)
	}
	lacks(t, webtest.Body(t, c.Get("/machines/new")), `data-testid="image-golden"`)
	r = e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": "late", "location": "Berlin", "flavor": "s-1vcpu-1gb", "image": id})
	problem(t, r, 422)
	deadline = time.Now().Add(60 * time.Second)
	for {
		r := e.api(t, tok, "GET", "/api/v1/images/"+id, nil)
		if r.Status == 404 {
			break
		}
		if r.Body["state"] != "deleting" || time.Now().After(deadline) {
			t.Fatalf("deleting golden: %d %s", r.Status, r.Raw)
		}
		webtest.Body(t, c.Get("/images")) // the operations worker advances it
		time.Sleep(200 * time.Millisecond)
	}
	if r := e.api(t, tok, "GET", "/api/v1/images", nil); strings.Contains(r.Raw, id) {
		t.Errorf("deleted image listed: %s", r.Raw)
	}
	if got := siteTemplates(t, e, "Berlin"); slices.Contains(got, template) {
		t.Errorf("template %s still at the site: %v", template, got)
	}
	if r := e.api(t, tok, "DELETE", "/api/v1/images/"+id, nil); r.Status != 404 {
		t.Errorf("delete again: %d %s", r.Status, r.Raw)
	}
	lacks(t, webtest.Body(t, c.Get("/images")), `data-testid="own-image-golden"`)
	e.waitStatus(t, tok, copyID, "running")
}

// siteTemplates lists the templates at the site of the named location, as
// the site's connect reports them.
func siteTemplates(t *testing.T, e *mEnv, location string) []string {
	t.Helper()
	for _, l := range e.locs {
		if l.Name != location {
			continue
		}
		c, err := e.Server.App.Sites.Client(context.Background(), e.site(t, l).ID)
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return info.Templates
	}
	t.Fatalf("no location %s", location)
	return nil
}

// In the browser, choosing Frankfurt greys Debian 12 at once ("Not yet in
// Frankfurt") and it cannot be picked; choosing Berlin again makes it
// selectable.
func TestBrowserImageFollowsLocation(t *testing.T) {
	e := newMachinesEnv(t)
	ctx := webtest.Browser(t, 90*time.Second)
	base := e.HostURL("globex.localhost")
	webtest.BrowserLogin(t, ctx, base, "", "carol", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(base+"/machines/new"))
	waitText(t, ctx, `[data-testid="image-where-Debian 12"]`, "In Berlin", 5*time.Second)
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="image-Ubuntu 24.04"] + label`), chromedp.NodeVisible))
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="location-Frankfurt"] + label`), chromedp.NodeVisible))
	waitText(t, ctx, `#image-choices`, "Not yet in Frankfurt", 5*time.Second)
	disabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="image-Debian 12"]').disabled`))
	if err != nil || !disabled {
		t.Errorf("Debian 12 selectable in Frankfurt (%v)", err)
	}
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="location-Berlin"] + label`), chromedp.NodeVisible))
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="image-unavailable-Debian 12"]').length`))
		if err == nil && n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("images still greyed in Berlin: %d %v", n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
