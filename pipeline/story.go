package pipeline

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/store"
)

// storyTTL is how long a manager remembers the stories it delivered (cut
// to the Scans' retention): a link shared again a week later is news
// again.
const storyTTL = 7 * 24 * time.Hour

// handOutcome says what hand-on did with a matched post.
type handOutcome uint8

const (
	handNew       handOutcome = iota // a new Scan
	handSeen                         // the post's Scan existed (read again)
	handDuplicate                    // another sighting of a story, listed in its Scan
	handDropped                      // another sighting of a story already delivered
)

// StoryKeys are what make two posts one story for a manager: the post
// itself (a crosspost names its parent so), its canonical URL, and the
// canonical URLs of what it links to.
func StoryKeys(p *models.Post) []string {
	platform, _, _ := strings.Cut(p.Type, "_")
	keys := []string{models.StoryPost(platform, p.ID)}
	add := func(k string) {
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if c := CanonicalURL(p.URL); c != "" {
		add("url:" + c)
	}
	for _, s := range p.Story {
		if strings.HasPrefix(s, "post:") {
			add(s)
		} else if c := CanonicalURL(s); c != "" {
			add("url:" + c)
		}
	}
	return keys
}

// trackingParams are query parameters that say who shared a link, not
// which page it is.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true, "msclkid": true,
	"yclid": true, "twclid": true, "ttclid": true, "igshid": true, "mc_cid": true, "mc_eid": true,
	"_hsenc": true, "_hsmi": true, "mkt_tok": true, "ref": true, "ref_src": true, "ref_url": true,
	"si": true, "spm": true, "share": true, "cmpid": true, "ocid": true, "s_cid": true,
}

// CanonicalURL is the page a URL names, for telling two links to one page
// apart from links to two: scheme, "www.", a default port, a trailing
// slash, the fragment, utm_* and other tracking parameters and the order
// of the others are ignored. It is "" for anything but an absolute
// http(s) URL.
func CanonicalURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	host = strings.TrimPrefix(host, "www.")
	if p := u.Port(); p != "" && p != "80" && p != "443" {
		host += ":" + p
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	q := u.Query()
	for k := range q {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "utm_") || trackingParams[lk] {
			q.Del(k)
		}
	}
	out := host + path
	if len(q) > 0 {
		out += "?" + q.Encode() // Encode sorts by key
	}
	return out
}

// claimStory decides whether a matched post is a new story for the
// manager: it returns handNew to go on creating its Scan, or what was
// done with it as another sighting of a story already scanned.
func (p *Poller) claimStory(ctx context.Context, m *models.Manager, ns, mid, id string, post *models.Post) (handOutcome, error) {
	ttl := storyTTL
	if p.Retention > 0 {
		ttl = min(ttl, p.Retention)
	}
	owner, err := p.Store.ClaimStory(ctx, ns, mid, StoryKeys(post), id, ttl)
	if err != nil || owner == id {
		return handNew, err
	}
	log := p.Logger.With("manager", m.Name, "post", post.ID, "scan", owner)
	delivered, err := p.storyDelivered(ctx, m, models.ScanName(ns, mid, owner))
	if err != nil {
		return handNew, err
	}
	if !delivered {
		sg := models.Sighting{Type: post.Type, ID: post.ID, URL: post.URL}
		_, err := p.Store.AddSighting(ctx, ns, mid, owner, sg)
		if err == nil {
			log.Debug("another sighting of a story listed in its scan")
			p.Metrics.Duplicate(m.Source.Type, true)
			return handDuplicate, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return handNew, err
		}
	}
	log.Info("another sighting of a story already delivered: dropped")
	p.Metrics.Duplicate(m.Source.Type, false)
	return handDropped, nil
}

// storyDelivered reports whether a Scan has reached, or been tried at,
// any of the manager's connections: then a sighting can no longer be in
// the body its receivers get.
func (p *Poller) storyDelivered(ctx context.Context, m *models.Manager, scanName string) (bool, error) {
	for _, n := range m.Notices {
		cns, conn, err := models.ParseConnectionName(n.Connection)
		if err != nil {
			continue
		}
		d, err := p.Store.GetDelivery(ctx, store.DeliveryRef{Namespace: cns, Connection: conn, ID: notify.WebhookID(scanName, n.Connection)})
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		if d.State != models.DeliveryPending || d.AttemptCount > 0 {
			return true, nil
		}
	}
	return false, nil
}
