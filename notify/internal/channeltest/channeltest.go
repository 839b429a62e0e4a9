// Package channeltest holds what the tests of the channel packages
// (notify/slack, notify/discord, notify/telegram, notify/email) share.
package channeltest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/earshothq/earshot/notify"
)

// Fixture returns the file name of the calling package's testdata.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Build returns the kind's channel on its own guarded sender; allowPrivate
// lets it reach the loopback address of an httptest server.
func Build(k *notify.ChannelKind, allowPrivate bool) notify.Channel {
	return k.Build(notify.ChannelEnv{HTTP: notify.NewSender(notify.SenderOptions{AllowPrivateTargets: allowPrivate, Timeout: 5 * time.Second})})
}
