// Package domain holds Tessera's model and rules: tenants, users and roles, and
// the ports (interfaces) that adapters implement. It imports the standard
// library only, so the rules can be read and tested without a database, a
// directory or a hypervisor.
package domain
