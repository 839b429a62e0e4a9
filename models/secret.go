package models

import (
	"crypto/rand"
	"encoding/base64"
)

// NewSecret returns a new random signing secret (whsec_ + 32 random bytes, base64).
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}
