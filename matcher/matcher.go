package matcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/earshothq/earshot/matcher/lang"
	"github.com/earshothq/earshot/matcher/query"
	"github.com/earshothq/earshot/models"
	"github.com/redis/go-redis/v9"
)

// Options configure a Matcher. Every field is optional.
type Options struct {
	// Redis holds the crisis counters, the site-profile cache and the LLM
	// cache and budget, shared by every process. Nil keeps them in memory
	// (fine for `earshot match`, not for several replicas).
	Redis redis.UniversalClient
	// HTTPClient fetches input.urls pages (and carries LLM calls).
	HTTPClient *http.Client
	// SiteClient, when set, fetches input.urls pages instead of
	// HTTPClient: the server gives it a dialer that refuses private
	// addresses, since anyone who may write a manager chooses those URLs,
	// while the LLM endpoint (often a local Ollama) is the operator's.
	SiteClient *http.Client
	// LLM turns on the LLM judge; nil leaves it off.
	LLM    *LLMConfig
	Logger *slog.Logger
	Now    func() time.Time
	// SiteTimeout bounds a site-profile fetch, and how long Evaluate waits
	// for one on a site's first use (default 3s).
	SiteTimeout time.Duration
	// Lang names the language of posts whose platform names none, for
	// queries with a lang: field and for the payload (FillLang); nil
	// leaves post.lang as the platform gave it.
	Lang *lang.Detector
}

// Result is the outcome of evaluating one post for one manager.
type Result struct {
	Matched bool
	Match   models.Match
	// Spike is set when this post started a crisis episode (CRISIS focus).
	Spike *models.Spike
}

// ManagerResult is one manager's result for a post in MatchIndex.
type ManagerResult struct {
	Manager *models.Manager
	Result
}

// Matcher evaluates posts against managers. It is safe for concurrent use.
type Matcher struct {
	log         *slog.Logger
	now         func() time.Time
	kv          kv
	crisisStore crisisStore
	sites       *sites
	siteWait    time.Duration
	llm         *llmJudge
	lang        *lang.Detector

	mu       sync.RWMutex
	compiled map[string]cacheEntry

	siteGen atomic.Uint64
	keyedMu sync.Mutex
	keyed   map[string]*keyedIndex
	pruned  time.Time
}

type cacheEntry struct {
	hash uint64
	c    *compiled
}

// FillLang sets post.lang when the platform named none (and the Matcher
// has a detector): the payload carries it.
func (m *Matcher) FillLang(post *models.Post) { m.lang.Fill(post) }

// New returns a Matcher.
func New(opts Options) *Matcher {
	m := &Matcher{log: opts.Logger, now: opts.Now, lang: opts.Lang, compiled: map[string]cacheEntry{}}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.log = m.log.With("component", "matcher")
	if m.now == nil {
		m.now = time.Now
	}
	if opts.Redis != nil {
		m.kv = redisKV{opts.Redis}
		m.crisisStore = redisCrisis{opts.Redis}
	} else {
		m.kv = newMemKV(m.now)
		m.crisisStore = newMemCrisis(m.now)
	}
	m.siteWait = opts.SiteTimeout
	if m.siteWait <= 0 {
		m.siteWait = siteFetchTimeout
	}
	siteClient := opts.SiteClient
	if siteClient == nil {
		siteClient = opts.HTTPClient
	}
	m.sites = newSites(m.kv, siteClient, m.log, m.now, m.siteWait)
	m.sites.updated = m.siteLearnt
	if opts.LLM != nil {
		m.llm = newLLMJudge(*opts.LLM, opts.HTTPClient, m.kv, m.log, m.now)
	}
	return m
}

// ValidateQuery checks an input.query. A parse error (*query.Error) names
// the column and what was expected there.
func ValidateQuery(q string) error {
	if strings.TrimSpace(q) == "" {
		return nil
	}
	_, err := query.Parse(q)
	return err
}

// Validate checks what the matcher reads of a manager (query, keywords,
// excludes and focus) by compiling it, exactly as matching will: a manager
// it accepts compiles, one it refuses never silently matches nothing.
// Each problem names its field (input.query, input.keywords[1], …).
func Validate(mgr *models.Manager) []models.FieldError {
	_, err := compileManager(mgr, nil)
	var ce CompileError
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}

// usesSite reports whether the manager's site pages are worth fetching.
func (m *Matcher) usesSite(mgr *models.Manager) bool {
	return len(mgr.Input.URLs) > 0 && (usesSiteNames(mgr) || m.llm != nil)
}

// usesSiteNames reports whether names learnt from the manager's sites
// count as its brand terms.
func usesSiteNames(mgr *models.Manager) bool {
	k := focusKindOf(mgr.Input.Focus.Type)
	if mgr.Input.Focus.Type == "" {
		k = mentionsFocus
	}
	return k != nil && k.usesSite
}

// siteProfiles returns the profiles of the manager's sites, waiting up to
// wait for first fetches.
func (m *Matcher) siteProfiles(ctx context.Context, mgr *models.Manager, wait time.Duration) []SiteProfile {
	if !m.usesSite(mgr) {
		return nil
	}
	out := make([]SiteProfile, 0, len(mgr.Input.URLs))
	for _, u := range mgr.Input.URLs {
		p, _ := m.sites.profile(ctx, u, wait)
		out = append(out, p)
	}
	return out
}

// compile returns the manager compiled, from the cache while its input and
// site names are unchanged.
func (m *Matcher) compile(mgr *models.Manager, profiles []SiteProfile) (*compiled, error) {
	var names []string
	if usesSiteNames(mgr) {
		for _, p := range profiles {
			if p.Name != "" {
				names = append(names, p.Name)
			}
		}
	}
	h := fnv.New64a()
	b, _ := json.Marshal(mgr.Input)
	h.Write(b)
	for _, n := range names {
		h.Write([]byte{0})
		h.Write([]byte(n))
	}
	sum := h.Sum64()
	key := mgr.Name
	if key == "" {
		key = mgr.ID
	}
	if key == "" {
		key = fmt.Sprintf("%x", sum)
	}
	m.mu.RLock()
	e, ok := m.compiled[key]
	m.mu.RUnlock()
	if ok && e.hash == sum {
		if e.c.mgr == mgr {
			return e.c, nil
		}
		// Same input, newer copy of the manager (its notices may differ).
		cc := *e.c
		cc.mgr = mgr
		m.mu.Lock()
		m.compiled[key] = cacheEntry{hash: sum, c: &cc}
		m.mu.Unlock()
		return &cc, nil
	}
	c, err := compileManager(mgr, names)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.compiled[key] = cacheEntry{hash: sum, c: c}
	m.mu.Unlock()
	return c, nil
}

// Evaluate scores one post for one manager. It never fails because of the
// LLM or a site fetch (it falls back to the offline score and the domain's
// brand word); an error only reports a Redis failure of the crisis detector.
func (m *Matcher) Evaluate(ctx context.Context, mgr *models.Manager, post *models.Post) (Result, error) {
	return m.evaluate(ctx, mgr, post, false)
}

func (m *Matcher) evaluate(ctx context.Context, mgr *models.Manager, post *models.Post, explain bool) (Result, error) {
	profiles := m.siteProfiles(ctx, mgr, m.siteWait)
	c, err := m.compile(mgr, profiles)
	if err != nil {
		// Configuration and the API validate managers; one that slipped
		// through matches nothing rather than failing the pipeline.
		m.log.Warn("manager does not compile", "manager", mgr.Name, "error", err)
		return Result{Match: emptyMatch(mgr.Input.Focus.Type, []string{err.Error()})}, nil
	}
	d := newDoc(post, nil)
	hits := c.termHits(d, make([]uint8, 0, len(c.terms)))
	mode := scoreEvaluate
	if explain {
		mode = scoreExplain
	}
	return m.score(ctx, c, profiles, d, hits, mode)
}

// scoreMode says what a caller of score keeps of the result.
type scoreMode uint8

const (
	scoreEvaluate  scoreMode = iota // the whole Result
	scoreExplain                    // the whole Result, the focus scored even off-query
	scoreCandidate                  // only a match or a spike (MatchIndex)
)

func emptyMatch(focus string, reasons []string) models.Match {
	if reasons == nil {
		reasons = []string{}
	}
	return models.Match{Focus: focus, Terms: []string{}, Reasons: reasons}
}

// llmFloor: candidates whose offline score reaches this share of minScore
// go to the LLM judge, so it can rescue near misses as well as veto.
const llmFloor = 0.6

func (m *Matcher) score(ctx context.Context, c *compiled, profiles []SiteProfile, d *doc, hits []uint8, mode scoreMode) (Result, error) {
	if m.lang != nil && d.post.Lang == "" && c.usesLang() && c.needsLang(hits, d.post) {
		// Detection costs more than matching: only posts whose language
		// decides the query pay for it, once.
		m.lang.Fill(d.post)
	}
	queryOK := c.match(hits, d.post)
	if mode == scoreCandidate && !m.mayMatch(c, d, hits, queryOK) {
		return Result{}, nil
	}
	res := Result{Match: emptyMatch(c.focus.Type, nil)}
	n := 0
	for i, t := range c.terms {
		if hits[i]&t.mask != 0 && !t.negated {
			n++
		}
	}
	if n > 0 {
		res.Match.Terms = make([]string, 0, n)
		for i, t := range c.terms {
			if hits[i]&t.mask != 0 && !t.negated {
				res.Match.Terms = append(res.Match.Terms, t.display)
			}
		}
	}
	if !queryOK && mode != scoreExplain {
		return res, nil
	}
	reasons := make([]string, 0, 4)
	if queryOK {
		if len(res.Match.Terms) > 0 {
			reasons = append(reasons, quoteList("matched ", res.Match.Terms))
		}
	} else {
		reasons = append(reasons, "query did not match")
	}
	compound := c.polarity(d)
	res.Match.Sentiment = round3(compound)

	sc := &scoring{ctx: ctx, m: m, c: c, d: d, hits: hits, compound: compound, queryOK: queryOK, why: true}
	score, why, spike, err := c.kind.score(sc)
	res.Spike = spike
	res.Match.Intent = sc.intent
	if err != nil {
		res.Match.Reasons = append(reasons, why...)
		return res, err
	}
	reasons = append(reasons, why...)

	relevant := true
	if m.llm != nil && queryOK && c.kind.brief != nil && score >= llmFloor*c.minScore {
		v, err := m.llm.judge(ctx, c, profiles, d.post)
		if err != nil {
			m.log.Warn("llm judge unavailable; using the offline score", "manager", c.mgr.Name, "error", err)
			reasons = append(reasons, "llm unavailable, offline score kept")
		} else {
			score, relevant = v.Score, v.Relevant
			r := "llm: relevant"
			if !v.Relevant {
				r = "llm: not relevant"
			}
			if v.Reason != "" {
				r += ": " + v.Reason
			}
			reasons = append(reasons, r)
		}
	}
	res.Match.Score = round3(clamp01(score))
	res.Matched = queryOK && relevant && res.Match.Score >= c.minScore
	if queryOK && !res.Matched && relevant {
		b := append(make([]byte, 0, 40), "score "...)
		b = strconv.AppendFloat(b, res.Match.Score, 'f', 2, 64)
		b = append(b, " below minScore "...)
		reasons = append(reasons, string(strconv.AppendFloat(b, c.minScore, 'f', 2, 64)))
	}
	res.Match.Reasons = reasons
	return res, nil
}

// mayMatch reports whether a candidate of MatchIndex may match or start a
// crisis episode, so that the reasons of those that cannot (dropped by
// MatchIndex) are never written. It agrees with score.
func (m *Matcher) mayMatch(c *compiled, d *doc, hits []uint8, queryOK bool) bool {
	if !queryOK {
		return false
	}
	if m.llm != nil || c.kind.counts {
		return true
	}
	s, _, _, _ := c.kind.score(&scoring{c: c, d: d, hits: hits, queryOK: queryOK})
	return round3(clamp01(s)) >= c.minScore
}

// quoteList is prefix followed by the terms quoted (%q) and joined by ", ".
func quoteList(prefix string, terms []string) string {
	var buf [128]byte // on the stack: the string is the only allocation
	b := append(buf[:0], prefix...)
	for i, t := range terms {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendQuote(b, t)
	}
	return string(b)
}

// mentionScore: a brand or keyword in the title is the strongest mention.
// The reasons are written only when why is set.
func mentionScore(c *compiled, hits []uint8, why bool) (float64, []string) {
	best := 0.0
	var reasons []string
	for i, t := range c.terms {
		if hits[i]&t.mask == 0 || t.negated {
			continue
		}
		s, where := 0.9, "text"
		if hits[i]&fieldTitle != 0 {
			s, where = 1.0, "title"
		}
		if t.kind == kindQuery {
			s -= 0.1 // a query term may be context, not the brand itself
		}
		best = max(best, s)
		if why {
			var buf [96]byte
			b := strconv.AppendQuote(append(buf[:0], "mentions "...), t.display)
			reasons = append(reasons, string(append(append(b, " in the "...), where...)))
		}
	}
	if best == 0 {
		if c.root == nil || len(c.terms) == 0 {
			return 0.6, []string{"no brand terms configured; the source's own selection counts as a mention"}
		}
		return 0, []string{"no mention"}
	}
	return best, reasons
}

// sentimentScore rates the opinion the post states, with the polarity of
// the focus. It reads the compound score of the post's statements, its
// questions left out (see doc.statements); and, for POSITIVE, a purchase
// request (purchase intent of at least DefaultMinScore, as SALES would
// match it) counts at most as neutral, since its positive words describe
// what the author wants ("need a good CRM", "would love something
// simple"), not what they think of something. The score maps that value so
// that the focus threshold lands on 0.5 (the default minScore): 0 at the
// other pole of neutral, 1 at full polarity. The reasons are written only
// when why is set.
func sentimentScore(c *compiled, d *doc, why bool) (float64, []string) {
	opinion, asks := c.statementPolarity(d)
	s := opinion
	request := false
	if c.focus.Polarity == PolarityNegative {
		s = -opinion
	} else if s > 0 {
		if intent, _ := salesScore(d); intent >= DefaultMinScore && d.asksToBuy() {
			s, request = 0, true
		}
	}
	t := c.threshold()
	var score float64
	switch {
	case s <= 0:
		score = 0
	case s < t:
		score = 0.5 * s / t
	default:
		score = 0.5 + 0.5*(s-t)/(1-t)
	}
	if !why {
		return score, nil
	}
	label := "neutral"
	if dt := c.defaultThreshold(); opinion >= dt {
		label = "positive"
	} else if opinion <= -dt {
		label = "negative"
	}
	b := append(make([]byte, 0, 96), "sentiment "...)
	b = strconv.AppendFloat(b, opinion, 'f', 2, 64)
	if all := c.polarity(d); asks && strconv.FormatFloat(all, 'f', 2, 64) != strconv.FormatFloat(opinion, 'f', 2, 64) {
		b = append(b, " without its questions, "...)
		b = strconv.AppendFloat(b, all, 'f', 2, 64)
		b = append(b, " with them"...)
	}
	b = append(b, " ("...)
	b = append(b, label...)
	b = append(b, "; "...)
	b = append(b, strings.ToLower(c.focus.Polarity)...)
	b = append(b, " wanted past "...)
	b = strconv.AppendFloat(b, t, 'f', 2, 64)
	b = append(b, ')')
	reasons := []string{string(b)}
	if request {
		reasons = append(reasons, "a purchase request: its positive words say what is wanted, not counted")
	}
	return score, reasons
}

// crisisScore counts a negative post and scores how close its window is to
// a spike: 0.5 × count / threshold, so at the default minScore posts match
// while the window is at or above the spike threshold.
func (m *Matcher) crisisScore(ctx context.Context, c *compiled, d *doc, compound float64, queryOK bool) (float64, []string, *models.Spike, error) {
	t := c.threshold()
	if compound > -t {
		return 0, []string{fmt.Sprintf("sentiment %.2f is not negative past %.2f; not counted", compound, t)}, nil, nil
	}
	if !queryOK {
		return 0, []string{fmt.Sprintf("negative (%.2f) but off-topic; not counted", compound)}, nil, nil
	}
	st, err := m.crisis(ctx, c, d, compound)
	if err != nil {
		return 0, []string{"crisis counter unavailable"}, nil, err
	}
	score := 0.0
	if st.threshold > 0 {
		score = min(1, 0.5*float64(st.count)/st.threshold)
	}
	why := []string{fmt.Sprintf("negative (%.2f): %d negative posts in the last %s, baseline %.1f, spike at %.0f", compound, st.count, c.focus.Window.D(), st.baseline, st.threshold)}
	if st.spike != nil {
		why = append(why, "spike: new crisis episode "+st.spike.ID)
	}
	return score, why, st.spike, nil
}

// Retain forgets what the matcher compiled for managers that are no longer
// among these (deleted ones, and older versions of changed ones are
// replaced at their next use anyway).
func (m *Matcher) Retain(managers []*models.Manager) {
	live := make(map[string]bool, 2*len(managers))
	for _, mg := range managers {
		live[mg.Name] = true
		live[mg.ID] = true
	}
	m.mu.Lock()
	for k := range m.compiled {
		if !live[k] {
			delete(m.compiled, k)
		}
	}
	m.mu.Unlock()
}

func (m *Matcher) buildIndex(managers []*models.Manager) (*Index, error) {
	var errs []error
	cs := make([]*compiled, 0, len(managers))
	for _, mg := range managers {
		if !mg.Enable {
			continue
		}
		// Never wait here: fetches run in the background and a rebuild
		// follows when one teaches a new name.
		c, err := m.compile(mg, m.siteProfiles(context.Background(), mg, 0))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", managerLabel(mg), err))
			continue
		}
		cs = append(cs, c)
	}
	return newIndex(cs), errors.Join(errs...)
}

func managerLabel(mg *models.Manager) string {
	if mg.Name != "" {
		return mg.Name
	}
	return mg.ID
}

// siteLearnt notes that a site profile brought a brand name: the indexes
// of IndexOf are rebuilt at their next use.
func (m *Matcher) siteLearnt() { m.siteGen.Add(1) }

// MatchIndex evaluates a post against every manager of ix at once: one
// scan of the post finds the candidates, and only they are scored. It
// returns the managers that matched or whose crisis episode the post
// started; the results are those Evaluate gives the managers one by one,
// less the ones that neither matched nor began a spike. want, when not
// nil, leaves out the candidates it refuses before they are scored (a post
// of a subreddit a manager does not watch neither matches nor counts
// towards its crisis window). Errors (Redis failures of the crisis
// detector) are joined; the other managers' results are still returned.
func (m *Matcher) MatchIndex(ctx context.Context, ix *Index, post *models.Post, want func(*models.Manager) bool) ([]ManagerResult, error) {
	if ix == nil {
		return nil, nil
	}
	st := ix.scan(post)
	defer ix.release(st)
	var out []ManagerResult
	var errs []error
	for _, ci := range st.cands {
		c := ix.managers[ci]
		if want != nil && !want(c.mgr) {
			continue
		}
		hits := st.localHits(ix, ci)
		var profiles []SiteProfile
		if m.llm != nil {
			profiles = m.siteProfiles(ctx, c.mgr, 0)
		}
		r, err := m.score(ctx, c, profiles, &st.doc, hits, scoreCandidate)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", managerLabel(c.mgr), err))
		}
		if r.Matched || r.Spike != nil {
			if out == nil {
				out = make([]ManagerResult, 0, len(st.cands))
			}
			out = append(out, ManagerResult{Manager: c.mgr, Result: r})
		}
	}
	return out, errors.Join(errs...)
}
