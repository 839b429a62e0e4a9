package stackexchange

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/cursors"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/window"
)

const (
	pageSize       = 100
	DefaultTimeout = fetch.DefaultTimeout
	maxBodyBytes   = 16 << 20
	overlap        = 5 * time.Minute
	seenLimit      = 2000
	cursorVersion  = 1
	// recentQuestions bounds the questions whose answers are read, and
	// questionAge how long a question found stays among them.
	recentQuestions = 100
	questionAge     = 7 * 24 * time.Hour
	// throttleBlock is the wait after a throttle_violation that does not
	// say how long.
	throttleBlock = 10 * time.Minute
)

// Source reads a Stack Exchange site. It is safe for concurrent use.
type Source struct {
	cfg Config
	api *fetch.Client
	log *slog.Logger
}

var (
	_ sources.Source    = (*Source)(nil)
	_ sources.Shared    = (*Source)(nil)
	_ sources.Describer = (*Source)(nil)
)

// New returns a Source for cfg (cfg.WithDefaults is applied).
func New(cfg Config, opts ...sources.Option) *Source {
	cfg = cfg.WithDefaults()
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	// The API compresses every answer; Go's transport asks for gzip and
	// inflates it, and the size cap applies to the inflated body.
	api, o := fetch.New(fetch.Platform{Name: "stackexchange", Timeout: DefaultTimeout, MaxBody: maxBodyBytes, Secrets: []string{cfg.Key}}, opts)
	return &Source{cfg: cfg, api: api, log: o.Log}
}

// search is one /search/advanced query.
type search struct {
	tagged []string
	q      string
}

func (se search) key() string { return "search:" + strings.Join(se.tagged, ";") + "|" + se.q }

type plan struct {
	site               string
	searches           []search
	questions, answers bool
}

func (s *Source) plan(m *models.Manager) (plan, error) {
	st, err := sources.Settings[Settings](m)
	if err != nil {
		return plan{}, err
	}
	p := plan{site: cmp.Or(strings.ToLower(strings.TrimSpace(st.Site)), DefaultSite)}
	p.questions, p.answers = true, true
	if inc := m.Source.Include; len(inc) > 0 {
		p.questions, p.answers = slices.Contains(inc, IncludeQuestions), slices.Contains(inc, IncludeAnswers)
	}
	tags := normalTags(st.Tagged)
	if q := strings.Join(strings.Fields(st.Query), " "); q != "" || len(tags) > 0 {
		p.searches = []search{{tagged: tags, q: q}}
	} else {
		for _, k := range m.Input.Keywords {
			if k = strings.Join(strings.Fields(k), " "); k != "" && !slices.ContainsFunc(p.searches, func(se search) bool { return se.q == k }) {
				p.searches = append(p.searches, search{q: k})
			}
		}
	}
	if len(p.searches) == 0 {
		return plan{}, fmt.Errorf("stackexchange: the manager has neither source.tagged, source.query nor input.keywords")
	}
	return p, nil
}

// StreamKey implements sources.Shared.
func (s *Source) StreamKey(m *models.Manager) string {
	p, err := s.plan(m)
	if err != nil {
		return ""
	}
	keys := make([]string, len(p.searches))
	for i, se := range p.searches {
		keys[i] = se.key()
	}
	slices.Sort(keys)
	return fmt.Sprintf("%s %s q=%t a=%t %s", Type, p.site, p.questions, p.answers, strings.Join(keys, " "))
}

// Describe implements sources.Describer.
func (s *Source) Describe(m *models.Manager) string {
	p, err := s.plan(m)
	if err != nil {
		return ""
	}
	var d []string
	for _, se := range p.searches {
		d = append(d, fmt.Sprintf("tagged=%s q=%q", strings.Join(se.tagged, ";"), se.q))
	}
	return "stackexchange: " + p.site + ": " + strings.Join(d, ", ")
}

type qref struct {
	ID    int64  `json:"id"`
	T     int64  `json:"t"`
	Title string `json:"title,omitempty"`
}

type cursor struct {
	Version int                      `json:"v"`
	Site    string                   `json:"site"`
	Windows map[string]window.Window `json:"windows"`
	// Questions are the recent questions found, whose answers are read.
	Questions []qref `json:"questions,omitempty"`
}

// Poll implements sources.Source.
func (s *Source) Poll(ctx context.Context, m *models.Manager, raw json.RawMessage) (sources.Result, error) {
	p, err := s.plan(m)
	if err != nil {
		return sources.Result{}, err
	}
	log := s.log.With("manager", cmp.Or(m.Name, m.ID))
	cur, _ := cursors.Decode[cursor](log, "stackexchange", raw, cursorVersion)
	if cur.Site != p.site {
		cur = cursor{}
	}
	now := s.api.Now()
	next := cursor{Version: cursorVersion, Site: p.site, Windows: map[string]window.Window{}}
	byID := map[string]models.Post{}
	questions := slices.Clone(cur.Questions)
	opts := func(known bool) window.Options {
		return window.Options{Overlap: overlap, Pages: s.cfg.MaxPages, SeenLimit: seenLimit, Cold: !known}
	}
	for _, se := range p.searches {
		w, known := cur.Windows[se.key()]
		if !known {
			w = window.New(now, m.Source.BackfillOrDefault())
		}
		res, err := window.Poll(ctx, w, func(ctx context.Context, r window.Range, budget *int) ([]window.Item[question], bool, error) {
			return s.searchQuestions(ctx, log, p.site, se, r, budget)
		}, opts(known))
		if err != nil {
			return sources.Result{}, err
		}
		next.Windows[se.key()] = res.Next
		for _, it := range res.Fresh {
			q := it.Value
			questions = append(questions, qref{ID: q.QuestionID, T: q.CreationDate, Title: html.UnescapeString(q.Title)})
			if p.questions {
				post := q.post(p.site)
				byID[post.ID] = post
			}
		}
	}
	next.Questions = recent(questions, now)
	if p.answers && len(next.Questions) > 0 {
		w, known := cur.Windows["answers"]
		if !known {
			w = window.New(now, m.Source.BackfillOrDefault())
		}
		parents := map[int64]qref{}
		for _, q := range next.Questions {
			parents[q.ID] = q
		}
		res, err := window.Poll(ctx, w, func(ctx context.Context, r window.Range, budget *int) ([]window.Item[answer], bool, error) {
			return s.answers(ctx, log, p.site, next.Questions, r, budget)
		}, opts(known))
		if err != nil {
			return sources.Result{}, err
		}
		next.Windows["answers"] = res.Next
		for _, it := range res.Fresh {
			a := it.Value
			var parent *models.Parent
			if q, ok := parents[a.QuestionID]; ok {
				id := strconv.FormatInt(q.ID, 10)
				parent = &models.Parent{ID: id, Title: q.Title, URL: siteURL(p.site) + "/q/" + id}
			}
			post := a.post(p.site, parent)
			byID[post.ID] = post
		}
	}
	posts := slices.Collect(maps.Values(byID))
	slices.SortFunc(posts, func(a, b models.Post) int {
		return cmp.Or(a.Time.Compare(b.Time.Time), strings.Compare(a.ID, b.ID))
	})
	return cursors.Result("stackexchange", posts, next)
}

// recent keeps the newest questions of the last week, each once.
func recent(qs []qref, now time.Time) []qref {
	slices.SortStableFunc(qs, func(a, b qref) int { return cmp.Compare(b.T, a.T) })
	var out []qref
	for _, q := range qs {
		if now.Sub(created(q.T)) > questionAge || slices.ContainsFunc(out, func(o qref) bool { return o.ID == q.ID }) {
			continue
		}
		if out = append(out, q); len(out) == recentQuestions {
			break
		}
	}
	return out
}

func (s *Source) searchQuestions(ctx context.Context, log *slog.Logger, site string, se search, r window.Range, budget *int) ([]window.Item[question], bool, error) {
	q := s.params(site, r)
	if len(se.tagged) > 0 {
		q.Set("tagged", strings.Join(se.tagged, ";"))
	}
	if se.q != "" {
		q.Set("q", se.q)
	}
	return pages(ctx, s, log, "search", "/search/advanced", q, budget, func(w wrapper) ([]window.Item[question], error) {
		list, err := decodeItems(w, func(q question) bool { return q.QuestionID != 0 && q.CreationDate != 0 })
		items := make([]window.Item[question], len(list))
		for i, it := range list {
			items[i] = window.Item[question]{ID: strconv.FormatInt(it.QuestionID, 10), Time: created(it.CreationDate), Value: it}
		}
		return items, err
	})
}

func (s *Source) answers(ctx context.Context, log *slog.Logger, site string, qs []qref, r window.Range, budget *int) ([]window.Item[answer], bool, error) {
	ids := make([]string, len(qs))
	for i, q := range qs {
		ids[i] = strconv.FormatInt(q.ID, 10)
	}
	return pages(ctx, s, log, "answers", "/questions/"+strings.Join(ids, ";")+"/answers", s.params(site, r), budget, func(w wrapper) ([]window.Item[answer], error) {
		list, err := decodeItems(w, func(a answer) bool { return a.AnswerID != 0 && a.CreationDate != 0 })
		items := make([]window.Item[answer], len(list))
		for i, it := range list {
			items[i] = window.Item[answer]{ID: strconv.FormatInt(it.AnswerID, 10), Time: created(it.CreationDate), Value: it}
		}
		return items, err
	})
}

func (s *Source) params(site string, r window.Range) url.Values {
	q := url.Values{}
	q.Set("site", site)
	q.Set("sort", "creation")
	q.Set("order", "desc")
	q.Set("fromdate", strconv.FormatInt(r.From.Unix(), 10))
	if !r.To.IsZero() {
		q.Set("todate", strconv.FormatInt(r.To.Unix(), 10))
	}
	q.Set("pagesize", strconv.Itoa(pageSize))
	q.Set("filter", "withbody")
	if s.cfg.Key != "" {
		q.Set("key", s.cfg.Key)
	}
	return q
}

// pages reads the pages of one method while has_more and the budget last.
func pages[T any](ctx context.Context, s *Source, log *slog.Logger, method, path string, q url.Values, budget *int, decode func(wrapper) ([]window.Item[T], error)) ([]window.Item[T], bool, error) {
	var items []window.Item[T]
	for n := 1; ; n++ {
		q.Set("page", strconv.Itoa(n))
		w, err := s.get(ctx, log, method, path, q)
		if err != nil {
			if len(items) > 0 && errors.Is(err, sources.ErrRateLimited) {
				return items, false, nil
			}
			return nil, false, err
		}
		*budget--
		got, err := decode(w)
		if err != nil {
			return nil, false, s.api.Error(http.MethodGet, logPath(path), http.StatusOK, err)
		}
		items = append(items, got...)
		if !w.HasMore {
			return items, true, nil
		}
		if *budget <= 0 {
			return items, false, nil
		}
		if err := s.blocked(ctx, method); err != nil {
			return items, false, nil // a backoff: the rest next poll
		}
	}
}

// logPath names a call without its question ids.
func logPath(path string) string {
	if strings.HasPrefix(path, "/questions/") {
		return "/questions/{ids}/answers"
	}
	return path
}

func (s *Source) blocked(ctx context.Context, method string) error {
	for _, key := range []string{"stackexchange:quota", "stackexchange:" + method} {
		api := *s.api
		api.RateKey = key
		if err := api.CheckBlocked(ctx); err != nil {
			return err
		}
	}
	return nil
}

var secondsRE = regexp.MustCompile(`(\d+) seconds`)

// get makes one call and returns the wrapper of a good answer, after
// recording its backoff and quota for every process.
func (s *Source) get(ctx context.Context, log *slog.Logger, method, path string, q url.Values) (wrapper, error) {
	name := logPath(path)
	if err := s.blocked(ctx, method); err != nil {
		return wrapper{}, err
	}
	start := time.Now()
	resp, err := s.api.HTTP.R().SetContext(ctx).SetQueryParamsFromValues(q).Get(s.cfg.BaseURL + path)
	if err != nil {
		return wrapper{}, s.api.TransportError(ctx, log, http.MethodGet, name, err)
	}
	code, now := resp.StatusCode(), s.api.Now()
	w, derr := decodeWrapper(resp.Body())
	if derr != nil && code == http.StatusOK {
		return wrapper{}, s.api.Error(http.MethodGet, name, code, derr)
	}
	methodAPI, quotaAPI := *s.api, *s.api
	methodAPI.RateKey, quotaAPI.RateKey = "stackexchange:"+method, "stackexchange:quota"
	if w.Backoff > 0 {
		log.Info("stackexchange: backoff asked", "method", method, "seconds", w.Backoff)
		methodAPI.Block(ctx, log, now.Add(time.Duration(w.Backoff)*time.Second))
	}
	if w.QuotaRemaining != nil && *w.QuotaRemaining <= 0 {
		midnight := now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
		log.Warn("stackexchange: daily quota used up; waiting for its reset", "until", midnight.Format(time.RFC3339), "quota_max", w.QuotaMax)
		quotaAPI.Block(ctx, log, midnight)
	}
	if code == http.StatusOK && w.ErrorID == 0 {
		log.Debug("stackexchange request", "path", name, "status", code, "bytes", len(resp.Body()),
			"quota_remaining", w.QuotaRemaining, "latency", time.Since(start))
		return w, nil
	}
	msg := fetch.Printable(w.ErrorMessage, 300)
	why := resp.Status()
	if w.ErrorName != "" {
		why += ": " + w.ErrorName
	}
	if msg != "" {
		why += ": " + msg
	}
	switch {
	case w.ErrorID == 502 || code == http.StatusTooManyRequests:
		wait := throttleBlock
		if m := secondsRE.FindStringSubmatch(msg); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
				wait = min(time.Duration(n)*time.Second, 24*time.Hour)
			}
		}
		return wrapper{}, methodAPI.RateLimited(ctx, log, name, now.Add(wait))
	case w.ErrorID == 401 || w.ErrorID == 402 || w.ErrorID == 403 || w.ErrorID == 405:
		return wrapper{}, s.api.Error(http.MethodGet, name, code, fmt.Errorf("%w: %s", fetch.ErrAuth, why))
	case code >= 500 || w.ErrorID >= 500:
		return wrapper{}, s.api.Error(http.MethodGet, name, code, fmt.Errorf("%w: %s", fetch.ErrServer, why))
	}
	return wrapper{}, s.api.Error(http.MethodGet, name, code, fmt.Errorf("%w: %s", fetch.ErrStatus, why))
}
