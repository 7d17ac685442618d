package domain

import (
	"context"
	"net"
	"net/url"
	"regexp"
	"strings"
)

var countryRe = regexp.MustCompile(`^[A-Z]{2}$`)

// Normalize tidies a geo-location's fields.
func (l *GeoLocation) Normalize() {
	l.Name = strings.TrimSpace(l.Name)
	l.CountryCode = strings.ToUpper(strings.TrimSpace(l.CountryCode))
}

// Validate checks a geo-location. EINVALID with fields name, country_code.
func (l *GeoLocation) Validate() error {
	f := map[string]string{}
	if l.Name == "" || len(l.Name) > 100 {
		f["name"] = "Give the location a name of at most 100 characters, e.g. Berlin."
	}
	if !countryRe.MatchString(l.CountryCode) {
		f["country_code"] = "Use the two-letter country code, e.g. DE."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// Normalize tidies a site's fields.
func (s *Site) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.APIURL = strings.TrimRight(strings.TrimSpace(s.APIURL), "/")
}

// Validate checks a site. EINVALID with fields name, location_id, api_url,
// credential.
func (s *Site) Validate() error {
	f := map[string]string{}
	if s.Name == "" || len(s.Name) > 100 {
		f["name"] = "Give the site a name of at most 100 characters, e.g. Berlin 1."
	}
	if !IsID(s.LocationID) {
		f["location_id"] = "Choose the geo-location of the site."
	}
	if msg := CheckSiteAPIURL(s.APIURL); msg != "" {
		f["api_url"] = msg
	}
	if s.CredentialSealed == "" {
		f["credential"] = "Enter the token the site issued for this manage instance."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// CheckSiteAPIURL returns what is wrong with a site's API URL, "" if it is
// fine: an http(s) address without a query; https unless the site runs on
// this machine (loopback), since manage sends its token with every request.
func CheckSiteAPIURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return "Enter the site's API address, e.g. https://connect.berlin.example.net."
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return "Use https: manage sends the site's token with every request. Plain http is only for a site on this machine (localhost, 127.0.0.1)."
	}
	return ""
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Site health values.
const (
	SiteOK          = "ok"
	SiteUnreachable = "unreachable"
	SiteUnknown     = "unknown"
)

// SiteHealthRecorder stores what a health check learnt of a site.
type SiteHealthRecorder interface {
	// RecordSiteHealth stores health ("ok", "unreachable"), a note and, when
	// the site answered, its info. ENOTFOUND.
	RecordSiteHealth(ctx context.Context, id, health, note string, info *SiteInfo) error
}
