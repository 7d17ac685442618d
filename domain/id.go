package domain

import (
	"crypto/rand"
	"fmt"
	"regexp"
)

// NewID returns a random UUID (version 4). IDs are random so that a guessed id
// says nothing about another tenant's resources.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics on failure)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsID reports whether s has the shape of an id. Stores use it to answer
// ENOTFOUND for malformed ids instead of a database type error.
func IsID(s string) bool { return uuidRe.MatchString(s) }
