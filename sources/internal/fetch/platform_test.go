package fetch

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/sources"
)

func TestNewBuildsTheClientFromTheOptions(t *testing.T) {
	var gotUA string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA = r.Header.Get("User-Agent")
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	now := func() time.Time { return time.Unix(1781352000, 0) }
	rate := &sources.MemoryRateState{}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))

	tests := []struct {
		name     string
		p        Platform
		opts     []sources.Option
		wantUA   string
		wantTime time.Duration
		wantErr  error // of a call to the loopback test server
	}{
		{"defaults", Platform{Name: "hn", RateKey: "hn", MaxBody: 10}, nil, UserAgent, DefaultTimeout, nil},
		{"own user agent and timeout", Platform{Name: "reddit", UserAgent: "bot/1", Timeout: time.Second}, nil, "bot/1", time.Second, nil},
		{"user URLs are guarded", Platform{Name: "rss", UserURLs: true}, nil, "", DefaultTimeout, notify.ErrPrivateTarget},
		{"unless private targets are allowed", Platform{Name: "rss", UserURLs: true}, []sources.Option{sources.WithPrivateTargets(true)}, UserAgent, DefaultTimeout, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			gotUA = ""
			opts := append([]sources.Option{sources.WithLogger(log), sources.WithRateState(rate), sources.WithClock(now)}, tt.opts...)
			c, o := New(tt.p, opts)
			if c.Source != tt.p.Name || c.RateKey != tt.p.RateKey || c.MaxBody != tt.p.MaxBody || c.Timeout != tt.wantTime {
				t.Errorf("client = %+v", c)
			}
			if c.Rate != sources.RateState(rate) || !c.Now().Equal(now()) || !o.Now().Equal(now()) {
				t.Error("the client does not use the rate state and clock given")
			}
			o.Log.Info("hello")
			if !strings.Contains(logs.String(), "source="+tt.p.Name) {
				t.Errorf("log not scoped to the source: %s", logs)
			}
			_, err := c.HTTP.R().SetContext(context.Background()).Get(srv.URL)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("call: %v, want %v", err, tt.wantErr)
			}
			if gotUA != tt.wantUA {
				t.Errorf("User-Agent = %q, want %q", gotUA, tt.wantUA)
			}
		})
	}
}
