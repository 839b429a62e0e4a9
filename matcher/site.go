package matcher

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/earshothq/earshot/matcher/query"
	"github.com/earshothq/earshot/models"
	"github.com/go-resty/resty/v2"
)

// SiteProfile is what the matcher learns about a manager's site (an
// input.urls entry): the brand name people use for it.
type SiteProfile struct {
	URL         string `json:"url"`
	Domain      string `json:"domain"`
	Name        string `json:"name,omitempty"`        // og:site_name, else from <title>
	Description string `json:"description,omitempty"` // og:description or meta description
	Brand       string `json:"brand"`                 // the domain's brand word
}

const (
	siteKeyPrefix    = "earshot:site:"
	siteTTL          = 24 * time.Hour
	siteFailTTL      = time.Hour
	siteBodyLimit    = 512 << 10
	siteFetchTimeout = 3 * time.Second
)

// sites fetches each site once (per TTL, per Redis) and remembers it.
type sites struct {
	kv      kv
	client  *resty.Client
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
	// updated is called after a fetch taught something new, so the index can
	// pick up the name.
	updated func()

	mu sync.Mutex
	m  map[string]*siteEntry
}

type siteEntry struct {
	done    chan struct{}
	profile SiteProfile
	expires time.Time
}

func newSites(store kv, hc *http.Client, log *slog.Logger, now func() time.Time, timeout time.Duration) *sites {
	if hc == nil {
		hc = &http.Client{}
	}
	c := resty.NewWithClient(hc).
		SetTimeout(timeout).
		SetRedirectPolicy(resty.FlexibleRedirectPolicy(5)).
		SetHeader("User-Agent", "earshot/0.1 (+site profile for brand mentions)").
		SetHeader("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	return &sites{kv: store, client: c, log: log, now: now, timeout: timeout, m: map[string]*siteEntry{}}
}

// profile returns the site's profile, waiting up to wait for a fetch in
// flight. Until a fetch succeeds the profile holds the domain and its brand
// word only (ok=false).
func (s *sites) profile(ctx context.Context, rawURL string, wait time.Duration) (SiteProfile, bool) {
	s.mu.Lock()
	e := s.m[rawURL]
	if e == nil || (!e.expires.IsZero() && s.now().After(e.expires)) {
		host, brand := models.SiteBrand(rawURL)
		e = &siteEntry{done: make(chan struct{}), profile: SiteProfile{URL: rawURL, Domain: host, Brand: brand}}
		s.m[rawURL] = e
		go s.load(e, rawURL)
	}
	s.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-e.done:
		case <-t.C:
		case <-ctx.Done():
		}
	}
	select {
	case <-e.done:
		return e.profile, e.profile.Name != ""
	default:
		host, brand := models.SiteBrand(rawURL)
		return SiteProfile{URL: rawURL, Domain: host, Brand: brand}, false
	}
}

// load fills e from the cache or the web; it runs detached from any one
// post's context, bounded by the fetch timeout.
func (s *sites) load(e *siteEntry, rawURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout+time.Second)
	defer cancel()
	p := e.profile
	ttl := siteTTL
	defer func() {
		s.mu.Lock()
		e.profile = p
		e.expires = s.now().Add(ttl)
		s.mu.Unlock()
		close(e.done)
		if p.Name != "" && s.updated != nil {
			s.updated()
		}
	}()
	key := siteKeyPrefix + rawURL
	if v, ok, err := s.kv.get(ctx, key); err == nil && ok {
		var cached SiteProfile
		if json.Unmarshal([]byte(v), &cached) == nil {
			p = cached
			return
		}
	} else if err != nil {
		s.log.Warn("site profile cache unavailable", "url", models.RedactURL(rawURL), "error", err)
	}
	fetched, err := s.fetch(ctx, rawURL)
	if err != nil {
		s.log.Warn("site profile fetch failed; using the domain's brand word", "url", models.RedactURL(rawURL), "error", err)
		ttl = siteFailTTL
	} else {
		p = fetched
		s.log.Debug("site profile fetched", "url", models.RedactURL(rawURL), "name", p.Name)
	}
	if b, err := json.Marshal(p); err == nil {
		if err := s.kv.set(ctx, key, string(b), ttl); err != nil {
			s.log.Warn("site profile not cached", "url", models.RedactURL(rawURL), "error", err)
		}
	}
}

func (s *sites) fetch(ctx context.Context, rawURL string) (SiteProfile, error) {
	host, brand := models.SiteBrand(rawURL)
	p := SiteProfile{URL: rawURL, Domain: host, Brand: brand}
	u := rawURL
	if !strings.Contains(u, "://") {
		u = "https://" + u
	}
	resp, err := s.client.R().SetContext(ctx).SetDoNotParseResponse(true).Get(u)
	if err != nil {
		return p, fmt.Errorf("matcher: fetch site: %w", models.WithoutURL(err))
	}
	body := resp.RawBody()
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(body, siteBodyLimit))
		body.Close()
	}()
	if resp.StatusCode() < 200 || resp.StatusCode() > 299 {
		return p, fmt.Errorf("matcher: fetch site: status %d", resp.StatusCode())
	}
	page, err := io.ReadAll(io.LimitReader(body, siteBodyLimit))
	if err != nil && len(page) == 0 {
		return p, fmt.Errorf("matcher: read site: %w", err)
	}
	p.Name, p.Description = parseSitePage(string(page), brand)
	return p, nil
}

var (
	metaTagRe = regexp.MustCompile(`(?is)<meta\s[^>]*>`)
	attrRe    = regexp.MustCompile(`(?is)([a-z][a-z0-9:_-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)
	titleRe   = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	titleSep  = regexp.MustCompile(`\s+[|\-–—·:»]\s+|\s*[|·»]\s*`)
)

// parseSitePage takes the site's name from og:site_name, else the part of
// <title> that names the brand.
func parseSitePage(page, brand string) (name, description string) {
	var siteName, ogDesc, metaDesc string
	for _, tag := range metaTagRe.FindAllString(page, 64) {
		attrs := map[string]string{}
		for _, m := range attrRe.FindAllStringSubmatch(tag, -1) {
			v := strings.Trim(m[2], `"'`)
			attrs[strings.ToLower(m[1])] = strings.TrimSpace(html.UnescapeString(v))
		}
		key := attrs["property"]
		if key == "" {
			key = attrs["name"]
		}
		switch strings.ToLower(key) {
		case "og:site_name":
			siteName = attrs["content"]
		case "og:description":
			ogDesc = attrs["content"]
		case "description":
			metaDesc = attrs["content"]
		}
	}
	description = ogDesc
	if description == "" {
		description = metaDesc
	}
	if len(description) > 300 {
		description = description[:300]
	}
	if plausibleName(siteName) {
		return siteName, description
	}
	if m := titleRe.FindStringSubmatch(page); m != nil {
		title := strings.Join(strings.Fields(html.UnescapeString(m[1])), " ")
		parts := titleSep.Split(title, -1)
		squash := func(s string) string { return strings.Join(query.Words(s), "") }
		for _, part := range parts {
			sq := squash(part)
			if sq != "" && brand != "" && (strings.Contains(sq, brand) || strings.Contains(brand, sq)) && plausibleName(part) {
				return strings.TrimSpace(part), description
			}
		}
		if len(parts) > 0 && plausibleName(parts[0]) && len(query.Words(parts[0])) <= 3 {
			return strings.TrimSpace(parts[0]), description
		}
	}
	return "", description
}

// plausibleName rejects what would make a poor brand term: nothing, a
// sentence, or a generic page title.
func plausibleName(s string) bool {
	w := query.Words(s)
	if len(w) == 0 || len(w) > 4 || len(s) > 60 {
		return false
	}
	switch strings.Join(w, " ") {
	case "home", "home page", "homepage", "welcome", "index", "untitled", "login", "sign in", "404", "not found":
		return false
	}
	return true
}
