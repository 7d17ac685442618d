package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"tessera/handlers"
	"tessera/web/webtest"
)

// Every /api/v1 route the server registers is in the OpenAPI document with
// its method, and the document names no route the server lacks.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	env := webtest.NewEmpty(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(handlers.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	routes, ok := env.Server.Handler().(chi.Routes)
	if !ok {
		t.Fatal("the handler is not a chi router")
	}
	served := map[string]bool{}
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, "/api/v1/") {
			return nil
		}
		path := strings.ReplaceAll(strings.TrimPrefix(route, "/api/v1"), "{machineID}", "{id}")
		served[strings.ToLower(method)+" "+path] = true
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("%s %s is served but not in openapi.json", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(served) < 12 {
		t.Fatalf("only %d API routes found: %v", len(served), served)
	}
	for path, ops := range doc.Paths {
		for m := range ops {
			if !served[m+" "+path] {
				t.Errorf("openapi.json documents %s %s, which the server does not serve", m, path)
			}
		}
	}
	// The server serves the same document.
	resp := env.Client(t, "").Get("/api/v1/openapi.json")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
