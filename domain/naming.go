package domain

import (
	"regexp"
	"strings"
)

// Naming is a site's template for the names and folders of the VMs Tessera
// creates, so they follow the data centre's own scheme. Placeholders:
// {tenant} (the tenant's slug), {machine} (the machine's name), {shortid}
// (the first 8 characters of the machine id) and {site} (the site's name).
type Naming struct {
	Name   string // e.g. "{tenant}-{machine}-{shortid}"
	Folder string // e.g. "tessera/{tenant}"; "/" separates folders
}

// DefaultNaming is safe for every vCenter: unique per machine, short, and
// one folder per tenant.
var DefaultNaming = Naming{Name: "{tenant}-{machine}-{shortid}", Folder: "tessera/{tenant}"}

// NamingVars are the values of a naming template's placeholders.
type NamingVars struct {
	Tenant    string
	Machine   string
	MachineID string
	Site      string
}

// vSphere allows up to 80 characters in an entity name; '/', '\' and '%'
// are escaped in inventory paths, so we never produce them.
const maxVSphereName = 80

var (
	placeholderRe = regexp.MustCompile(`\{[^{}]*\}`)
	literalRe     = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)
	knownVars     = map[string]bool{"{tenant}": true, "{machine}": true, "{shortid}": true, "{site}": true}
	unsafeRe      = regexp.MustCompile(`[^a-z0-9-]+`)
)

// ParseNaming validates a naming template; empty parts take the default.
// EINVALID with fields "name" and "folder".
func ParseNaming(name, folder string) (Naming, error) {
	n := Naming{Name: strings.TrimSpace(name), Folder: strings.Trim(strings.TrimSpace(folder), "/")}
	if n.Name == "" {
		n.Name = DefaultNaming.Name
	}
	if folder == "" {
		n.Folder = DefaultNaming.Folder
	}
	fields := map[string]string{}
	if msg := checkTemplate(n.Name); msg != "" {
		fields["name"] = msg
	} else if !strings.Contains(n.Name, "{shortid}") {
		fields["name"] = "The name must contain {shortid} so that every machine gets a unique name."
	}
	for _, seg := range strings.Split(n.Folder, "/") {
		if n.Folder == "" {
			break
		}
		if seg == "" {
			fields["folder"] = "The folder has an empty part (two slashes in a row)."
			break
		}
		if msg := checkTemplate(seg); msg != "" {
			fields["folder"] = msg
			break
		}
	}
	if len(fields) > 0 {
		return Naming{}, Invalid(fields)
	}
	return n, nil
}

func checkTemplate(s string) string {
	if strings.Count(s, "{") != strings.Count(s, "}") {
		return "Unbalanced braces: write placeholders as {tenant}, {machine}, {shortid} or {site}."
	}
	for _, ph := range placeholderRe.FindAllString(s, -1) {
		if !knownVars[ph] {
			return "Unknown placeholder " + ph + ": use {tenant}, {machine}, {shortid} or {site}."
		}
	}
	if lit := placeholderRe.ReplaceAllString(s, ""); !literalRe.MatchString(lit) {
		return "Only letters, digits, '.', '_' and '-' may appear outside placeholders."
	}
	return ""
}

// Render fills the template. Values are lowered and reduced to letters,
// digits and hyphens; the name is cut to vSphere's 80 characters, keeping
// the unique {shortid} by shortening the other values first.
func (n Naming) Render(v NamingVars) (name, folder string) {
	short := strings.ReplaceAll(v.MachineID, "-", "")
	if len(short) > 8 {
		short = short[:8]
	}
	vals := map[string]string{"{tenant}": clean(v.Tenant), "{machine}": clean(v.Machine), "{shortid}": clean(short), "{site}": clean(v.Site)}
	fill := func(s string) string {
		return placeholderRe.ReplaceAllStringFunc(s, func(ph string) string { return vals[ph] })
	}
	name = fill(n.Name)
	for len(name) > maxVSphereName {
		// Shorten the longest of the free-text values and try again.
		longest := "{machine}"
		if len(vals["{tenant}"]) > len(vals["{machine}"]) {
			longest = "{tenant}"
		}
		cut := len(name) - maxVSphereName
		if cut > len(vals[longest]) {
			cut = len(vals[longest])
		}
		if cut == 0 {
			name = name[:maxVSphereName]
			break
		}
		vals[longest] = strings.TrimRight(vals[longest][:len(vals[longest])-cut], "-")
		name = fill(n.Name)
	}
	var segs []string
	for _, seg := range strings.Split(n.Folder, "/") {
		if seg = fill(seg); seg != "" {
			if len(seg) > maxVSphereName {
				seg = seg[:maxVSphereName]
			}
			segs = append(segs, seg)
		}
	}
	return name, strings.Join(segs, "/")
}

func clean(s string) string {
	return strings.Trim(unsafeRe.ReplaceAllString(strings.ToLower(s), "-"), "-")
}
