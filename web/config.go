// Package web is Tessera's server: configuration, router, middleware, static
// files and the wiring of adapters into handlers.
package web

import (
	"time"
)

// Config is built once in main from flags and environment variables and
// passed in; there are no global settings.
type Config struct {
	Listen        string
	DatabaseURL   string
	SecretKey     string
	PublicURL     string   // e.g. https://cloud.example.net; https turns on Secure cookies
	ProviderHosts []string // host names of the provider's own portal
	BaseDomain    string   // tenants get <slug>.<BaseDomain>
	Demo          bool
	Force         bool // --demo on a non-loopback address
	TrustProxy    bool
	LogLevel      string
	LogFormat     string // text or json
	IdleTimeout   time.Duration
	SessionMax    time.Duration
	// FastHashing uses cheap password hashing parameters (tests, demo seed).
	FastHashing bool
	// ConnectSites are in-process simulated connect sites to run (demo).
	ShutdownGrace time.Duration
	// SiteWorkers is how many operations each demo site runs at once
	// (0: connect's default). Tests use 1: govmomi's simulator has data
	// races between concurrent tasks (a clone reads a datastore another
	// task's reconfigure writes), which the race detector reports.
	SiteWorkers int
	// BillingTimeZone is the provider's zone (IANA name): months end at its midnight. "" is UTC.
	BillingTimeZone string

	// SitePollInterval is how often manage refreshes each site's health
	// and capacity (0 turns the poller off).
	SitePollInterval time.Duration
	// ManageID names this manage instance; sites and locations can be
	// dedicated to one (placement).
	ManageID string
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Listen:        "127.0.0.1:8080",
		LogLevel:      "info",
		LogFormat:     "text",
		IdleTimeout:   2 * time.Hour,
		SessionMax:    12 * time.Hour,
		ShutdownGrace: 15 * time.Second,

		SitePollInterval: 30 * time.Second,
		ManageID:         "manage",
	}
}
