package secretbox

import (
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, err := New("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	ct, err := b.Seal("s3cret bind password")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ct, "s3cret") {
		t.Fatal("ciphertext contains the plaintext")
	}
	if got, err := b.Open(ct); err != nil || got != "s3cret bind password" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other, _ := New("another key that is long enough")
	if _, err := other.Open(ct); err == nil {
		t.Fatal("a different key opened the secret")
	}
	if _, err := New("short"); err == nil {
		t.Fatal("short key accepted")
	}
}
