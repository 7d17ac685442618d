package domain_test

import (
	"testing"

	"tessera/domain"
)

func TestCheckSiteAPIURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://connect.berlin.example.net", true},
		{"https://connect.berlin.example.net:8443", true},
		{"http://127.0.0.1:8443", true},
		{"http://localhost:8443", true},
		{"http://[::1]:8443", true},
		{"http://connect.berlin.example.net", false}, // the token would travel in clear text
		{"http://10.0.0.5:8443", false},
		{"ftp://connect.example", false},
		{"not a url", false},
		{"https://connect.example?x=1", false},
		{"", false},
	} {
		if got := domain.CheckSiteAPIURL(tc.url) == ""; got != tc.ok {
			t.Errorf("CheckSiteAPIURL(%q) ok = %v, want %v", tc.url, got, tc.ok)
		}
	}
}
