package web

import "time"

// BillingZone is the provider's time zone for months and invoices (UTC when
// unset or unknown; the serve command checks the name at start-up).
func (s *Server) BillingZone() *time.Location {
	if s.Config.BillingTimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(s.Config.BillingTimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}
