// Package secretbox encrypts secrets at rest with AES-256-GCM under a key
// derived from the platform's secret key.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"

	"tessera/domain"
)

// Box implements domain.SecretBox.
type Box struct{ aead cipher.AEAD }

var _ domain.SecretBox = (*Box)(nil)

const prefix = "v1:"

// New derives the AES key from secretKey (any length; use 32 random bytes).
func New(secretKey string) (*Box, error) {
	if len(secretKey) < 16 {
		return nil, errors.New("secret key must be at least 16 characters (generate one with: openssl rand -hex 32)")
	}
	k := sha256.Sum256([]byte("tessera secretbox v1\x00" + secretKey))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext with a random nonce.
func (b *Box) Seal(plaintext string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := b.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return prefix + base64.RawStdEncoding.EncodeToString(ct), nil
}

// Open decrypts what Seal made.
func (b *Box) Open(ciphertext string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(ciphertext, prefix))
	if err != nil || !strings.HasPrefix(ciphertext, prefix) || len(raw) < b.aead.NonceSize() {
		return "", domain.Internal(errors.New("secretbox: malformed ciphertext"))
	}
	pt, err := b.aead.Open(nil, raw[:b.aead.NonceSize()], raw[b.aead.NonceSize():], nil)
	if err != nil {
		return "", domain.Internal(errors.New("secretbox: cannot decrypt (was the secret key changed?)"))
	}
	return string(pt), nil
}
