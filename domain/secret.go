package domain

// SecretBox encrypts secrets at rest (directory bind passwords, vCenter
// credentials) with the platform's secret key.
type SecretBox interface {
	Seal(plaintext string) (string, error)
	// Open returns EINTERNAL if the ciphertext was not sealed with this key.
	Open(ciphertext string) (string, error)
}
