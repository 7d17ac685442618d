package web

import "time"

// Zone is the provider's time zone for months and invoices (UTC when unset
// or unknown; the serve command checks the name at start-up).
func (c Config) Zone() *time.Location {
	if c.BillingTimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(c.BillingTimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// BillingZone is the server's billing time zone.
func (s *Server) BillingZone() *time.Location { return s.Config.Zone() }
