package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/fetch"
)

// Source reads Bluesky's firehose. It is safe for concurrent use.
type Source struct {
	cfg    Config
	log    *slog.Logger
	http   *http.Client
	window time.Duration // how long a Poll listens
}

var (
	_ sources.Shared   = (*Source)(nil)
	_ sources.Streamer = (*Source)(nil)
)

// WithHTTPClient sets the client the WebSocket handshake is made with.
func WithHTTPClient(c *http.Client) sources.Option {
	return sources.Own(func(s *Source) {
		if c != nil {
			s.http = c
		}
	})
}

// WithPollWindow sets how long a Poll listens (default 5 s).
func WithPollWindow(d time.Duration) sources.Option {
	return sources.Own(func(s *Source) {
		if d > 0 {
			s.window = d
		}
	})
}

// New returns a Source for cfg (cfg.WithDefaults is applied). Of the
// shared options only sources.WithLogger means something here: a firehose
// has no requests to rate-limit and keeps no clock.
func New(cfg Config, opts ...sources.Option) *Source {
	o := sources.ApplyOptions(opts)
	s := &Source{cfg: cfg.WithDefaults(), log: o.Log.With("source", "bluesky"), http: &http.Client{Timeout: fetch.DefaultTimeout}, window: pollWindow}
	sources.ApplyOwn(o, s)
	return s
}

// cursor is what is stored: the time_us of the newest event handed on.
type cursor struct {
	TimeUS int64 `json:"time_us"`
}

func decodeCursor(raw json.RawMessage) int64 {
	var c cursor
	if len(raw) == 0 || json.Unmarshal(raw, &c) != nil || c.TimeUS < 0 {
		return 0
	}
	return c.TimeUS
}

func encodeCursor(us int64) json.RawMessage {
	b, _ := json.Marshal(cursor{TimeUS: us})
	return b
}

// StreamKey implements sources.Shared: every Bluesky manager reads the one
// firehose.
func (s *Source) StreamKey(*models.Manager) string { return "jetstream" }

// Describe implements sources.Describer.
func (s *Source) Describe(*models.Manager) string {
	return "bluesky: the Jetstream firehose of every post (" + redacted(s.cfg.JetstreamURL) + "), matched locally"
}

// redacted is a URL without its query (where a token could be).
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid url>"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}

// subscribeURL asks for posts only, from a few seconds before the cursor
// (from now when there is none).
func (s *Source) subscribeURL(from int64) (string, error) {
	u, err := url.Parse(s.cfg.JetstreamURL)
	if err != nil {
		return "", fmt.Errorf("bluesky: jetstream_url: %w", err)
	}
	q := u.Query()
	q.Set("wantedCollections", collection)
	if from > 0 {
		q.Set("cursor", strconv.FormatInt(max(1, from-rewind.Microseconds()), 10))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Poll implements sources.Source: it listens to the firehose for a few
// seconds (or until maxPollPosts posts) from the cursor (from now when
// there is none: a firehose has no backfill) and returns what it read. A
// connection that fails before anything was read fails the poll.
func (s *Source) Poll(ctx context.Context, m *models.Manager, raw json.RawMessage) (sources.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, s.window)
	defer cancel()
	var res sources.Result
	errFull := errors.New("bluesky: poll is full")
	st := newState(decodeCursor(raw))
	_, err := s.session(ctx, st, func(_ context.Context, b sources.Result) error {
		res.Posts = append(res.Posts, b.Posts...)
		res.Cursor = b.Cursor
		if len(res.Posts) >= maxPollPosts {
			return errFull
		}
		return nil
	})
	var he handError
	full := errors.As(err, &he) && errors.Is(he.err, errFull)
	if err != nil && !full && ctx.Err() == nil {
		// The connection failed within the window: what it read is read
		// again by the next poll.
		return sources.Result{}, err
	}
	if res.Cursor == nil && raw != nil {
		res.Cursor = raw
	}
	return res, nil
}

// handError is a failure of the caller's hand-on, which ends Stream.
type handError struct{ err error }

func (e handError) Error() string { return e.err.Error() }
func (e handError) Unwrap() error { return e.err }

// Stream implements sources.Streamer.
func (s *Source) Stream(ctx context.Context, _ *models.Manager, raw json.RawMessage, hand func(context.Context, sources.Result) error) error {
	st := newState(decodeCursor(raw))
	backoff := time.Second
	var lastErr string
	for {
		delivered, err := s.session(ctx, st, hand)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var he handError
		if errors.As(err, &he) {
			return he.err
		}
		if delivered {
			backoff = time.Second
		}
		if msg := fmt.Sprint(err); msg != lastErr {
			s.log.Warn("bluesky: firehose connection lost; reconnecting", "error", err, "backoff", backoff)
			lastErr = msg
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// state is where a reading stands: the cursor of what was handed on, and
// the posts seen within reach of a reconnect's rewind.
type state struct {
	cursor int64
	seen   map[string]int64
	order  []seenPost // arrival order, for pruning
}

type seenPost struct {
	id string
	us int64
}

func newState(cursor int64) *state { return &state{cursor: cursor, seen: map[string]int64{}} }

// fresh records a post and reports whether it was not seen before.
func (st *state) fresh(id string, us int64) bool {
	if _, dup := st.seen[id]; dup {
		return false
	}
	st.seen[id] = us
	st.order = append(st.order, seenPost{id, us})
	return true
}

// prune forgets the posts a reconnect can no longer replay.
func (st *state) prune() {
	floor := st.cursor - 2*rewind.Microseconds()
	i := 0
	for i < len(st.order) && st.order[i].us < floor {
		delete(st.seen, st.order[i].id)
		i++
	}
	st.order = st.order[i:]
}

// item is one post read, with its event's time.
type item struct {
	post models.Post
	us   int64
}

// session makes one connection and hands batches on until it fails or ctx
// is done; it reports whether anything was handed on.
func (s *Source) session(ctx context.Context, st *state, hand func(context.Context, sources.Result) error) (bool, error) {
	u, err := s.subscribeURL(st.cursor)
	if err != nil {
		return false, err
	}
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: s.http})
	if err != nil {
		if resp != nil {
			return false, fmt.Errorf("bluesky: connect to %s: status %d: %w", redacted(s.cfg.JetstreamURL), resp.StatusCode, err)
		}
		return false, fmt.Errorf("bluesky: connect to %s: %w", redacted(s.cfg.JetstreamURL), err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxMessage)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A bounded channel: when hand-on falls behind, reading stops and
	// the socket's own buffers fill, so memory stays bounded.
	items := make(chan item, batchPosts)
	errc := make(chan error, 1)
	go func() { errc <- s.read(rctx, conn, items) }()

	delivered := false
	var batch []models.Post
	var newest int64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := hand(ctx, sources.Result{Posts: batch, Cursor: encodeCursor(newest)}); err != nil {
			return handError{err}
		}
		st.cursor, delivered, batch = newest, true, nil
		st.prune()
		return nil
	}
	tick := time.NewTicker(batchWait)
	defer tick.Stop()
	for {
		select {
		case it, ok := <-items:
			if !ok {
				if err := flush(); err != nil {
					return delivered, err
				}
				return delivered, <-errc
			}
			if !st.fresh(it.post.ID, it.us) {
				continue
			}
			batch = append(batch, it.post)
			newest = max(newest, it.us, st.cursor)
			if len(batch) >= batchPosts {
				if err := flush(); err != nil {
					return delivered, err
				}
			}
		case <-tick.C:
			if err := flush(); err != nil {
				return delivered, err
			}
		case <-ctx.Done():
			// What was read but not handed on is read again next time.
			conn.Close(websocket.StatusNormalClosure, "")
			return delivered, ctx.Err()
		}
	}
}

// read decodes messages into items until the connection fails.
func (s *Source) read(ctx context.Context, conn *websocket.Conn, items chan<- item) error {
	defer close(items)
	warned := false
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return fmt.Errorf("bluesky: read: %w", err)
		}
		var ev event
		if err := json.Unmarshal(data, &ev); err != nil || ev.TimeUS <= 0 {
			// One undecodable message is skipped, not retried forever.
			if !warned {
				s.log.Warn("bluesky: undecodable firehose message skipped", "error", err, "bytes", len(data))
				warned = true
			}
			continue
		}
		p, ok := ev.post()
		if !ok {
			continue
		}
		select {
		case items <- item{post: p, us: ev.TimeUS}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
