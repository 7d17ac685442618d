package domain

// Branding is how a portal looks: values only, never raw CSS or HTML. Empty
// fields fall back to the provider's default.
type Branding struct {
	ProductName  string
	PrimaryColor string // #rrggbb
	AccentColor  string // #rrggbb
	LogoURL      string
	FaviconURL   string
	LoginMessage string
	SupportEmail string
	SupportURL   string
	Footer       string
}

// DefaultBranding is Tessera's own look, used where nothing is set.
var DefaultBranding = Branding{
	ProductName:  "Tessera Cloud",
	PrimaryColor: "#1f5fd1",
	AccentColor:  "#0f8a6b",
	Footer:       "Powered by Tessera",
}

// Merge returns b with empty fields taken from fallback.
func (b Branding) Merge(fallback Branding) Branding {
	pick := func(v, f string) string {
		if v != "" {
			return v
		}
		return f
	}
	return Branding{
		ProductName:  pick(b.ProductName, fallback.ProductName),
		PrimaryColor: pick(b.PrimaryColor, fallback.PrimaryColor),
		AccentColor:  pick(b.AccentColor, fallback.AccentColor),
		LogoURL:      pick(b.LogoURL, fallback.LogoURL),
		FaviconURL:   pick(b.FaviconURL, fallback.FaviconURL),
		LoginMessage: pick(b.LoginMessage, fallback.LoginMessage),
		SupportEmail: pick(b.SupportEmail, fallback.SupportEmail),
		SupportURL:   pick(b.SupportURL, fallback.SupportURL),
		Footer:       pick(b.Footer, fallback.Footer),
	}
}
