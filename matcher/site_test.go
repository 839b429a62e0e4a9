package matcher

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/earshothq/earshot/models"
	"github.com/redis/go-redis/v9"
)

func TestParseSitePage(t *testing.T) {
	page, _ := os.ReadFile("testdata/site.html")
	tests := []struct {
		name, page, brand, want string
	}{
		{"og:site_name", string(page), "trellis", "Trellis Social"},
		{"title part naming the brand", `<title>Pricing - Globex Corp</title>`, "globex", "Globex Corp"},
		{"short title", `<TITLE>Initech</TITLE>`, "initech", "Initech"},
		{"generic title", `<title>Home</title>`, "x", ""},
		{"sentence title", `<title>The best way to manage all of your projects in one place</title>`, "zz", ""},
		{"entities", `<meta property="og:site_name" content="Ben &amp; Jerry&#39;s">`, "benjerry", "Ben & Jerry's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := parseSitePage(tt.page, tt.brand); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSiteProfileForMentions(t *testing.T) {
	page, _ := os.ReadFile("testdata/site.html")
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(page)
	}))
	defer srv.Close()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()

	mgr := manager("brand", models.Input{URLs: []string{srv.URL}, Focus: models.Focus{Type: FocusMentions}})
	m := New(Options{Redis: rdb, HTTPClient: srv.Client()})
	ctx := context.Background()
	r, err := m.Evaluate(ctx, mgr, post("1", "", "Has anyone tried Trellis Social for reporting?"))
	if err != nil || !r.Matched || r.Match.Terms[0] != "Trellis Social" {
		t.Fatalf("site name not used: %+v %v", r, err)
	}
	for i := 0; i < 5; i++ {
		m.Evaluate(ctx, mgr, post("2", "", "trellis social again"))
	}
	if hits.Load() != 1 {
		t.Fatalf("fetched %d times", hits.Load())
	}
	if v, err := mr.Get("earshot:site:" + srv.URL); err != nil || !strings.Contains(v, "Trellis Social") {
		t.Fatalf("not cached in Redis: %q %v", v, err)
	}
	ttl := mr.TTL("earshot:site:" + srv.URL)
	if ttl <= 0 || ttl > 24*time.Hour {
		t.Fatalf("ttl %v", ttl)
	}
	// A second process reads the cache instead of the site.
	m2 := New(Options{Redis: rdb, HTTPClient: srv.Client()})
	if r, _ := m2.Evaluate(ctx, mgr, post("3", "", "Trellis Social rocks")); !r.Matched {
		t.Fatal("second matcher did not match")
	}
	if hits.Load() != 1 {
		t.Fatalf("fetched %d times", hits.Load())
	}
	// The index learns the name too.
	ix, err := m2.IndexOf("read", []*models.Manager{mgr})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m2.MatchIndex(ctx, ix, post("4", "", "switched to trellis social"), nil); len(got) != 1 {
		t.Fatalf("index did not learn the site name: %v", got)
	}
}

func TestSiteFetchFallsBackQuickly(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<title>Huge</title>"))
		w.Write([]byte(strings.Repeat("x", 4<<20)))
	}))
	defer big.Close()

	m := New(Options{HTTPClient: srv.Client(), SiteTimeout: 100 * time.Millisecond})
	mgr := manager("slow", models.Input{URLs: []string{srv.URL}, Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusMentions}})
	start := time.Now()
	r, err := m.Evaluate(context.Background(), mgr, post("1", "", "acme is fine"))
	if err != nil || !r.Matched {
		t.Fatalf("%+v %v", r, err)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("Evaluate blocked %v on a slow site", el)
	}
	// A huge page is read only up to the limit and still yields a name.
	m2 := New(Options{HTTPClient: big.Client()})
	p, ok := m2.sites.profile(context.Background(), big.URL, 2*time.Second)
	if !ok || p.Name != "Huge" {
		t.Fatalf("%+v", p)
	}
}
