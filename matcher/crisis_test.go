package matcher

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/earshothq/earshot/models"
	"github.com/redis/go-redis/v9"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func crisisManager() *models.Manager {
	return manager("crisis", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusCrisis, Window: models.Duration(time.Hour), Factor: 3, MinPosts: 5}})
}

func negativePost(id string, at time.Time) *models.Post {
	p := post(id, "Acme is down again", "Terrible, awful outage. I hate this, worst service ever.")
	p.Time = models.NewTimestamp(at)
	return p
}

type crisisEnv struct {
	name string
	m    *Matcher
	clk  *clock
	mr   *miniredis.Miniredis
}

func crisisEnvs(t *testing.T) []crisisEnv {
	start := time.Date(2026, 6, 13, 0, 0, 0, 0, time.UTC)
	mr := miniredis.RunT(t)
	mr.SetTime(start)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	c1, c2 := &clock{t: start}, &clock{t: start}
	return []crisisEnv{
		{"redis", New(Options{Redis: rdb, Now: c1.now, HTTPClient: failingClient()}), c1, mr},
		{"memory", New(Options{Now: c2.now, HTTPClient: failingClient()}), c2, nil},
	}
}

func (e crisisEnv) advance(d time.Duration) {
	e.clk.add(d)
	if e.mr != nil {
		e.mr.FastForward(d) // miniredis expires keys only when told time passed
		e.mr.SetTime(e.clk.now())
	}
}

func TestCrisisSpike(t *testing.T) {
	for _, env := range crisisEnvs(t) {
		t.Run(env.name, func(t *testing.T) {
			ctx := context.Background()
			mgr := crisisManager()
			var spikes []*models.Spike
			send := func(id string) Result {
				t.Helper()
				r, err := env.m.Evaluate(ctx, mgr, negativePost(id, env.clk.now()))
				if err != nil {
					t.Fatal(err)
				}
				if r.Spike != nil {
					spikes = append(spikes, r.Spike)
				}
				return r
			}
			// Quiet history: 1 negative post an hour for 6 hours → baseline ≈ 1.
			for h := 0; h < 6; h++ {
				send(fmt.Sprintf("h%d", h))
				env.advance(time.Hour)
			}
			// minPosts is 5 but factor × baseline is ~3: the 5th post spikes.
			for i := 0; i < 4; i++ {
				r := send(fmt.Sprintf("s%d", i))
				env.advance(time.Minute)
				if r.Matched {
					t.Fatalf("post %d matched before the spike: %+v", i, r.Match)
				}
			}
			if len(spikes) != 0 {
				t.Fatalf("spiked early: %+v", spikes[0])
			}
			r := send("s4")
			if len(spikes) != 1 || !r.Matched {
				t.Fatalf("want a spike at 5 posts, got %d (%+v)", len(spikes), r.Match)
			}
			sp := spikes[0]
			if sp.Count != 5 || sp.Baseline <= 0 || sp.Baseline > 1.5 || sp.Ratio < 3 || sp.Sentiment >= 0 || len(sp.TopPosts) == 0 || len(sp.TopPosts) > 5 {
				t.Fatalf("spike %+v", sp)
			}
			if !strings.HasPrefix(sp.Name, "namespaces/acme/managers/crisis/spikes/") || sp.ID == "" {
				t.Fatalf("name %q", sp.Name)
			}
			// Re-reading a post (crash, second replica) does not count twice.
			send("s4")
			send("s3")
			// The episode goes on: more posts, no second SPIKE.
			for i := 5; i < 12; i++ {
				env.advance(time.Minute)
				send(fmt.Sprintf("s%d", i))
			}
			if len(spikes) != 1 {
				t.Fatalf("%d spikes in one episode", len(spikes))
			}
			// Quiet for longer than window + cooldown, then a new burst: a new episode.
			env.advance(3 * time.Hour)
			for i := 0; i < 40; i++ {
				send(fmt.Sprintf("t%d", i))
			}
			if len(spikes) != 2 {
				t.Fatalf("want a second episode, got %d spikes", len(spikes))
			}
			if spikes[1].ID == spikes[0].ID {
				t.Fatal("episodes share an id")
			}
		})
	}
}

func TestCrisisIgnoresPositiveAndDuplicates(t *testing.T) {
	for _, env := range crisisEnvs(t) {
		t.Run(env.name, func(t *testing.T) {
			mgr := crisisManager()
			for i := 0; i < 20; i++ {
				p := post(fmt.Sprintf("p%d", i), "Acme is great", "Love it, wonderful team!")
				r, err := env.m.Evaluate(context.Background(), mgr, p)
				if err != nil || r.Spike != nil || r.Matched {
					t.Fatalf("positive post counted: %+v %v", r, err)
				}
				// The same negative post over and over counts once.
				r, err = env.m.Evaluate(context.Background(), mgr, negativePost("same", env.clk.now()))
				if err != nil || r.Spike != nil {
					t.Fatalf("duplicate counted: %+v %v", r, err)
				}
			}
		})
	}
}

func TestCrisisRedisDown(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	defer rdb.Close()
	m := New(Options{Redis: rdb, HTTPClient: failingClient()})
	mr.Close()
	_, err := m.Evaluate(context.Background(), crisisManager(), negativePost("x", time.Now()))
	if err == nil || !strings.Contains(err.Error(), "crisis") {
		t.Fatalf("want a crisis error, got %v", err)
	}
	// Other focuses never touch Redis on the hot path.
	_, err = m.Evaluate(context.Background(), manager("s", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusSentiment}}), negativePost("x", time.Now()))
	if err != nil {
		t.Fatal(err)
	}
}

func TestCrisisKeysArePrefixed(t *testing.T) {
	env := crisisEnvs(t)[0]
	if _, err := env.m.Evaluate(context.Background(), crisisManager(), negativePost("k", env.clk.now())); err != nil {
		t.Fatal(err)
	}
	for _, k := range env.mr.Keys() {
		if !strings.HasPrefix(k, "earshot:crisis:") {
			t.Errorf("key %q", k)
		}
	}
	if len(env.mr.Keys()) == 0 {
		t.Fatal("nothing stored")
	}
}
