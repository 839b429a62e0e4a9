package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/sources"
)

// deliveriesByConnection counts the pending delivery tasks per
// connection id and event type.
func (e env) deliveriesByConnection(t *testing.T) map[string][]string {
	t.Helper()
	tasks, err := e.insp.ListPendingTasks(notify.QueueDeliveries)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, task := range tasks {
		var p notify.DeliverPayload
		_ = json.Unmarshal(task.Payload, &p)
		out[p.Connection] = append(out[p.Connection], p.EventType)
	}
	return out
}

func (e env) withNotices(t *testing.T, edit func(m *models.Manager), notices ...models.Notice) {
	t.Helper()
	ctx := context.Background()
	for _, n := range notices {
		_, id, _ := models.ParseConnectionName(n.Connection)
		if err := e.st.PutConnection(ctx, "acme", &models.Connection{ID: id, Type: models.ConnectionTypeHTTP, URL: "https://" + id + ".example.com/h"}); err != nil {
			t.Fatal(err)
		}
	}
	m, _ := e.st.GetManager(ctx, "acme", "leads")
	m.Notices = notices
	if edit != nil {
		edit(m)
	}
	if err := e.st.PutManager(ctx, "acme", m); err != nil {
		t.Fatal(err)
	}
}

func notice(conn string, edit func(n *models.Notice)) models.Notice {
	n := models.Notice{Type: models.NoticeTypeHTTP, Connection: "namespaces/acme/connections/" + conn}
	if edit != nil {
		edit(&n)
	}
	return n
}

// TestNoticeFiltersScans: each notice receives the SCANs it asks for (by
// event type, score, purchase-intent stage: the post seeks a tool); a
// digest notice's are collected, not sent one by one.
func TestNoticeFiltersScans(t *testing.T) {
	src := sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		return sources.Result{Posts: []models.Post{post("t3_a", "Looking for a social listening tool, any recommendations?")}}, nil
	})
	e := setup(t, src)
	high, low := 0.999, 0.05
	e.withNotices(t, nil,
		notice("all", nil),
		notice("spikes", func(n *models.Notice) { n.Events = []string{models.EventSpike} }),
		notice("scans", func(n *models.Notice) { n.Events = []string{models.EventScan} }),
		notice("strict", func(n *models.Notice) { n.MinScore = &high }),
		notice("lenient", func(n *models.Notice) { n.MinScore = &low }),
		notice("digest", func(n *models.Notice) { n.Digest = &models.Digest{Every: models.Duration(time.Hour)} }),
		notice("seekers", func(n *models.Notice) { n.Intents = []string{models.IntentSeeking, models.IntentComparing} }),
		notice("buyers", func(n *models.Notice) { n.Intents = []string{models.IntentPurchased} }),
	)
	st, err := e.poller.Poll(context.Background(), "acme", "leads")
	if err != nil || st.Matched != 1 {
		t.Fatalf("poll: %+v %v", st, err)
	}
	got := e.deliveriesByConnection(t)
	var conns []string
	for c := range got {
		conns = append(conns, c)
	}
	slices.Sort(conns)
	if fmt.Sprint(conns) != "[all lenient scans seekers]" {
		t.Errorf("SCAN delivered to %v, want [all lenient scans seekers]", conns)
	}
	keys, _ := e.st.Redis().Keys(context.Background(), "earshot:{digests}:open:*").Result()
	if fmt.Sprint(keys) != "[earshot:{digests}:open:acme|leads|digest]" {
		t.Errorf("digest keys %v", keys)
	}
	if n, _ := e.st.Redis().ZCard(context.Background(), keys[0]).Result(); n != 1 {
		t.Errorf("digest holds %d scans, want 1", n)
	}
}

// TestNoticeFiltersSpikes: a SPIKE goes only to the notices that take
// SPIKEs.
func TestNoticeFiltersSpikes(t *testing.T) {
	n := 0
	src := sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		var posts []models.Post
		for range 6 {
			n++
			p := post(fmt.Sprintf("t3_n%d", n), "Acme outage again, this is terrible and I hate it")
			p.Text = "Awful, broken, worst service ever. Furious."
			posts = append(posts, p)
		}
		return sources.Result{Posts: posts, Cursor: json.RawMessage(`{}`)}, nil
	})
	e := setup(t, src)
	e.withNotices(t, func(m *models.Manager) {
		m.Input.Keywords = []string{"acme"}
		m.Input.Focus = models.Focus{Type: "CRISIS", MinPosts: 5, Factor: 3, Window: models.Duration(time.Hour)}
	},
		notice("crm", func(n *models.Notice) { n.Events = []string{models.EventScan} }),
		notice("pager", func(n *models.Notice) { n.Events = []string{models.EventSpike} }),
	)
	st, err := e.poller.Poll(context.Background(), "acme", "leads")
	if err != nil || st.Spikes != 1 {
		t.Fatalf("poll: %+v %v", st, err)
	}
	got := e.deliveriesByConnection(t)
	if slices.Contains(got["crm"], models.EventSpike) || !slices.Contains(got["pager"], models.EventSpike) || slices.Contains(got["pager"], models.EventScan) {
		t.Errorf("deliveries %v: want the SPIKE to pager only and no SCAN there", got)
	}
	if len(got["crm"]) == 0 {
		t.Errorf("crm got no SCAN: %v", got)
	}
}
