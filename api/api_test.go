package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// The two calls of the Advite guide, verbatim but for the host.
const (
	adviteConnection = `{"nickname":"My Webhook Receiver","type":"HTTP_CONNECTION","url":"https://your-server.com/webhooks/advite","method":"POST",
 "headers":{"X-Advite-Webhook-Secret":"..."}}`
	adviteManager = `{"nickname":"My Reddit Monitor","type":"FEED_MANAGER","enable":true,"source":{"type":"REDDIT"},
 "input":{"type":"STRUCTURED","urls":["https://mycompany.com"],"focus":{"type":"SALES"}},
 "notices":[{"type":"HTTP_REQUEST","connection":"CONNECTION"}]}`
)

const managerBody = `{"nickname":"Leads","source":{"type":"REDDIT","subreddits":["marketing"]},
 "input":{"keywords":["social listening"],"focus":{"type":"SALES"}},
 "notices":[{"connection":"namespaces/acme/connections/crm"}]}`

func (e *env) createCRM(t *testing.T) map[string]any {
	t.Helper()
	return must(t, e.post("/v1/namespaces/acme/connections?connectionId=crm", acmeKey,
		`{"nickname":"CRM","url":"https://crm.example.com/hook","headers":{"X-Token":"t0k"}}`), 200).Body
}

func (e *env) createLeads(t *testing.T) map[string]any {
	t.Helper()
	return must(t, e.post("/v1/namespaces/acme/managers?managerId=leads", acmeKey, managerBody), 200).Body
}

func TestAdviteCallsVerbatim(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		c := must(t, e.post("/v1/namespaces/acme/connections", acmeKey, adviteConnection), 200)
		name := c.str("name")
		ns, id, err := models.ParseConnectionName(name)
		if err != nil || ns != "acme" || models.ValidID(id) != nil {
			t.Fatalf("connection name %q", name)
		}
		for field, want := range map[string]string{"nickname": "My Webhook Receiver", "type": "HTTP_CONNECTION",
			"url": "https://your-server.com/webhooks/advite", "method": "POST"} {
			if got := c.str(field); got != want {
				t.Errorf("connection %s = %q, want %q", field, got, want)
			}
		}
		if !strings.HasPrefix(c.str("secret"), "whsec_") {
			t.Errorf("secret = %q, want a generated whsec_ secret", c.str("secret"))
		}
		if h, _ := c.Body["headers"].(map[string]any); h["X-Advite-Webhook-Secret"] != "..." {
			t.Errorf("headers = %v", c.Body["headers"])
		}

		m := must(t, e.post("/v1/namespaces/acme/managers", acmeKey, strings.Replace(adviteManager, "CONNECTION", name, 1)), 200)
		if _, _, err := models.ParseManagerName(m.str("name")); err != nil {
			t.Errorf("manager name: %v", err)
		}
		if m.Body["enable"] != true || m.str("type") != "FEED_MANAGER" || m.str("input.focus.type") != "SALES" {
			t.Errorf("manager = %s", m.Raw)
		}
		// It is stored as the scheduler will read it.
		_, mid, _ := models.ParseManagerName(m.str("name"))
		stored, err := e.store.GetManager(context.Background(), "acme", mid)
		if err != nil || !stored.Enable || stored.Notices[0].Connection != name || stored.Input.URLs[0] != "https://mycompany.com" {
			t.Errorf("stored manager = %+v, %v", stored, err)
		}
	})
}

func TestConnectionCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		c := e.createCRM(t)
		if c["name"] != "namespaces/acme/connections/crm" || c["method"] != "POST" || c["type"] != "HTTP_CONNECTION" {
			t.Fatalf("created %v", c)
		}
		secret := c["secret"].(string)

		got := must(t, e.get("/v1/namespaces/acme/connections/crm", acmeKey), 200)
		if got.str("secret") != secret || got.str("etag") != c["etag"] {
			t.Errorf("get = %s", got.Raw)
		}
		if got.Header.Get("ETag") != `"`+c["etag"].(string)+`"` {
			t.Errorf("ETag header %q", got.Header.Get("ETag"))
		}

		time.Sleep(5 * time.Millisecond)
		up := must(t, e.patch("/v1/namespaces/acme/connections/crm", acmeKey, `{"nickname":"CRM v2","disabled":true}`), 200)
		if up.str("nickname") != "CRM v2" || up.Body["disabled"] != true || up.str("url") != "https://crm.example.com/hook" {
			t.Errorf("patched = %s", up.Raw)
		}
		if up.str("secret") != secret {
			t.Error("an update without secret changed the secret")
		}
		if up.str("etag") == c["etag"] || up.str("createTime") != c["createTime"] || up.str("updateTime") == c["updateTime"] {
			t.Errorf("times/etag after update: %s (was %v)", up.Raw, c)
		}

		list := must(t, e.get("/v1/namespaces/acme/connections", acmeKey), 200)
		if items := list.Body["connections"].([]any); len(items) != 1 || list.Body["nextPageToken"] != nil {
			t.Errorf("list = %s", list.Raw)
		}

		must(t, e.delete("/v1/namespaces/acme/connections/crm", acmeKey), 200)
		r := must(t, e.get("/v1/namespaces/acme/connections/crm", acmeKey), 404)
		if r.str("error.status") != "NOT_FOUND" || r.str("error.message") != "namespaces/acme/connections/crm not found" {
			t.Errorf("after delete: %s", r.Raw)
		}
		must(t, e.delete("/v1/namespaces/acme/connections/crm", acmeKey), 404)
		list = must(t, e.get("/v1/namespaces/acme/connections", acmeKey), 200)
		if items := list.Body["connections"].([]any); len(items) != 0 {
			t.Errorf("list after delete = %s", list.Raw)
		}
	})
}

func TestManagerCRUDAndUpdateMask(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.createCRM(t)
		v0, _ := e.store.Version(context.Background())
		m := e.createLeads(t)
		if m["enable"] != true || m["type"] != "FEED_MANAGER" || m["name"] != "namespaces/acme/managers/leads" {
			t.Fatalf("created %v", m)
		}
		if v1, _ := e.store.Version(context.Background()); v1 <= v0 {
			t.Error("creating a manager did not bump the version the schedulers watch")
		}
		must(t, e.get("/v1/namespaces/acme/managers/leads", acmeKey), 200)

		// An explicit mask writes only its fields.
		r := must(t, e.patch("/v1/namespaces/acme/managers/leads?updateMask=nickname", acmeKey,
			`{"nickname":"Renamed","enable":false}`), 200)
		if r.str("nickname") != "Renamed" || r.Body["enable"] != true {
			t.Errorf("updateMask=nickname: %s", r.Raw)
		}
		// A nested path changes that field alone.
		r = must(t, e.patch("/v1/namespaces/acme/managers/leads?updateMask=input.focus.type", acmeKey,
			`{"input":{"focus":{"type":"MENTIONS"}}}`), 200)
		if r.str("input.focus.type") != "MENTIONS" || r.str("input.type") != "STRUCTURED" {
			t.Errorf("updateMask=input.focus.type: %s", r.Raw)
		}
		if kw := r.Body["input"].(map[string]any)["keywords"]; !reflect.DeepEqual(kw, []any{"social listening"}) {
			t.Errorf("keywords lost: %v", kw)
		}
		// Without a mask, the fields present are written: disabling.
		r = must(t, e.patch("/v1/namespaces/acme/managers/leads", acmeKey, `{"enable":false,"schedule":"@every 5m"}`), 200)
		if r.Body["enable"] != false || r.str("schedule") != "@every 5m" || r.str("nickname") != "Renamed" {
			t.Errorf("implied mask: %s", r.Raw)
		}
		stored, _ := e.store.GetManager(context.Background(), "acme", "leads")
		if stored.Enable || stored.Schedule != "@every 5m" {
			t.Errorf("stored after disable: %+v", stored)
		}
		// A read-modify-write of the whole resource works (output-only
		// fields are ignored) and "*" replaces everything.
		cur := must(t, e.get("/v1/namespaces/acme/managers/leads", acmeKey), 200).Body
		cur["nickname"] = "Whole"
		r = must(t, e.patch("/v1/namespaces/acme/managers/leads", acmeKey, cur), 200)
		if r.str("nickname") != "Whole" {
			t.Errorf("round trip: %s", r.Raw)
		}
		r = must(t, e.patch("/v1/namespaces/acme/managers/leads?updateMask=*", acmeKey,
			`{"source":{"type":"REDDIT","subreddits":["smallbusiness"]},"input":{"urls":["https://example.com"],"focus":{"type":"SENTIMENT"}}}`), 200)
		if r.Body["nickname"] != nil || r.Body["enable"] != false || r.Body["notices"] != nil || r.str("input.focus.type") != "SENTIMENT" {
			t.Errorf("updateMask=*: %s", r.Raw)
		}

		for _, tc := range []struct{ mask, want string }{
			{"nickname,colour", "updateMask: names colour, which is not a field"},
			{"etag", "updateMask: names etag, an output-only field"},
			{"nickname.first", "nickname has no fields to select"},
		} {
			r := must(t, e.patch("/v1/namespaces/acme/managers/leads?updateMask="+tc.mask, acmeKey, `{"nickname":"x"}`), 400)
			if !strings.Contains(r.str("error.message"), tc.want) {
				t.Errorf("mask %q: %s", tc.mask, r.Raw)
			}
		}
		// An update is validated whole.
		r = must(t, e.patch("/v1/namespaces/acme/managers/leads", acmeKey, `{"input":{"focus":{"type":"LEADS"}}}`), 400)
		assertDetail(t, r, "input.focus.type", "must be one of SALES, MENTIONS, SENTIMENT, CRISIS")

		must(t, e.delete("/v1/namespaces/acme/managers/leads", acmeKey), 200)
		must(t, e.get("/v1/namespaces/acme/managers/leads", acmeKey), 404)
		must(t, e.patch("/v1/namespaces/acme/managers/leads", acmeKey, `{"nickname":"x"}`), 404)
	})
}

func TestStaleEtag(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.createCRM(t)
		m := e.createLeads(t)
		old := m["etag"].(string)
		r := must(t, e.patch("/v1/namespaces/acme/managers/leads", acmeKey, fmt.Sprintf(`{"nickname":"A","etag":%q}`, old)), 200)
		fresh := r.str("etag")

		r = must(t, e.patch("/v1/namespaces/acme/managers/leads", acmeKey, fmt.Sprintf(`{"nickname":"B","etag":%q}`, old)), 409)
		if r.str("error.status") != "ABORTED" || !strings.Contains(r.str("error.message"), "etag") {
			t.Errorf("stale etag: %s", r.Raw)
		}
		must(t, e.call(request{method: "PATCH", path: "/v1/namespaces/acme/managers/leads", key: acmeKey,
			body: `{"nickname":"B"}`, header: map[string]string{"If-Match": `"` + old + `"`}}), 409)
		must(t, e.call(request{method: "DELETE", path: "/v1/namespaces/acme/managers/leads", key: acmeKey,
			body: fmt.Sprintf(`{"etag":%q}`, old)}), 409)
		must(t, e.call(request{method: "DELETE", path: "/v1/namespaces/acme/connections/crm", key: acmeKey,
			header: map[string]string{"If-Match": `"stale"`}}), 409)
		if got := must(t, e.get("/v1/namespaces/acme/managers/leads", acmeKey), 200).str("nickname"); got != "A" {
			t.Errorf("a refused update changed the manager: nickname %q", got)
		}
		must(t, e.call(request{method: "DELETE", path: "/v1/namespaces/acme/managers/leads", key: acmeKey,
			body: fmt.Sprintf(`{"etag":%q}`, fresh)}), 200)
	})
}

// Two updates made with the same etag at the same time: exactly one wins.
func TestConcurrentUpdatesOneWins(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.createCRM(t)
		etag := e.createLeads(t)["etag"].(string)
		const n = 8
		var wg sync.WaitGroup
		codes := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = e.call(request{method: "PATCH", path: "/v1/namespaces/acme/managers/leads", key: acmeKey,
					body: fmt.Sprintf(`{"nickname":"writer %d","etag":%q}`, i, etag)}).Status
			}()
		}
		wg.Wait()
		won := 0
		for _, c := range codes {
			switch c {
			case 200:
				won++
			case 409:
			default:
				t.Errorf("status %d", c)
			}
		}
		if won != 1 {
			t.Errorf("%d updates with the same etag succeeded, want 1 (codes %v)", won, codes)
		}
	})
}

func TestDeleteConnectionInUse(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.createCRM(t)
		e.createLeads(t)
		must(t, e.post("/v1/namespaces/acme/managers?managerId=other", acmeKey, managerBody), 200)
		r := must(t, e.delete("/v1/namespaces/acme/connections/crm", acmeKey), 409)
		msg := r.str("error.message")
		if r.str("error.status") != "FAILED_PRECONDITION" || !strings.Contains(msg, "namespaces/acme/managers/leads") || !strings.Contains(msg, "namespaces/acme/managers/other") {
			t.Errorf("in use: %s", r.Raw)
		}
		must(t, e.get("/v1/namespaces/acme/connections/crm", acmeKey), 200)
		must(t, e.delete("/v1/namespaces/acme/managers/leads", acmeKey), 200)
		// Dropping the notice frees it too.
		must(t, e.patch("/v1/namespaces/acme/managers/other?updateMask=notices", acmeKey, `{}`), 200)
		must(t, e.delete("/v1/namespaces/acme/connections/crm", acmeKey), 200)
	})
}

func TestNamespacesAdmin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		n := must(t, e.call(request{method: "POST", path: "/v1/namespaces?namespaceId=initech", key: adminKey}), 200)
		if n.str("name") != "namespaces/initech" || n.str("etag") == "" {
			t.Errorf("created %s", n.Raw)
		}
		must(t, e.post("/v1/namespaces?namespaceId=initech", adminKey, `{}`), 409)
		gen := must(t, e.post("/v1/namespaces", adminKey, `{}`), 200)
		if !strings.HasPrefix(gen.str("name"), "namespaces/") {
			t.Errorf("generated: %s", gen.Raw)
		}
		must(t, e.get("/v1/namespaces/initech", adminKey), 200)
		// A namespace's own key may read it.
		must(t, e.get("/v1/namespaces/acme", acmeKey), 200)
		list := must(t, e.get("/v1/namespaces", adminKey), 200)
		if len(list.Body["namespaces"].([]any)) != 4 {
			t.Errorf("list = %s", list.Raw)
		}

		// Admin keys manage any namespace's resources.
		must(t, e.post("/v1/namespaces/initech/connections?connectionId=hook", adminKey, `{"url":"https://initech.example/hook"}`), 200)
		must(t, e.post("/v1/namespaces/initech/managers?managerId=tps", adminKey,
			`{"source":{"type":"REDDIT","subreddits":["office"]},"input":{"keywords":["tps report"],"focus":{"type":"MENTIONS"}},"notices":[{"connection":"namespaces/initech/connections/hook"}]}`), 200)
		if _, err := e.store.CreateScan(ctx, "initech", "tps", "s1", &models.Scan{Name: models.ScanName("initech", "tps", "s1"), CreateTime: time.Now()}, time.Hour); err != nil {
			t.Fatal(err)
		}
		key := store.NewAPIKey()
		if _, err := e.store.AddAPIKey(ctx, key, "initech", store.KeyFromCLI); err != nil {
			t.Fatal(err)
		}
		must(t, e.get("/v1/namespaces/initech/managers", key), 200)

		// Deleting it removes everything in it, its keys included.
		must(t, e.delete("/v1/namespaces/initech", adminKey), 200)
		must(t, e.get("/v1/namespaces/initech", adminKey), 404)
		must(t, e.get("/v1/namespaces/initech/managers", adminKey), 404)
		must(t, e.get("/v1/namespaces/initech/managers", key), 401)
		if ms, _ := e.store.ListManagers(ctx, "initech"); len(ms) != 0 {
			t.Errorf("managers left: %v", ms)
		}
		if _, err := e.store.GetScan(ctx, "initech", "tps", "s1"); err != store.ErrNotFound {
			t.Errorf("scan left: %v", err)
		}
		// Re-created, it starts empty.
		must(t, e.post("/v1/namespaces?namespaceId=initech", adminKey, nil), 200)
		if r := must(t, e.get("/v1/namespaces/initech/connections", adminKey), 200); len(r.Body["connections"].([]any)) != 0 {
			t.Errorf("re-created namespace has %s", r.Raw)
		}
	})
}

// listAll follows nextPageToken to the end and returns every item's name
// and the number of pages.
func (e *env) listAll(t *testing.T, path, field string, size int) ([]string, int) {
	t.Helper()
	var names []string
	token := ""
	for pages := 1; ; pages++ {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		url := fmt.Sprintf("%s%spageSize=%d", path, sep, size)
		if token != "" {
			url += "&pageToken=" + token
		}
		r := must(t, e.get(url, adminKey), 200)
		items := r.Body[field].([]any)
		if len(items) > size {
			t.Fatalf("page of %d items, pageSize %d", len(items), size)
		}
		for _, it := range items {
			names = append(names, it.(map[string]any)["name"].(string))
		}
		token, _ = r.Body["nextPageToken"].(string)
		if token == "" {
			return names, pages
		}
		if pages > 50 {
			t.Fatal("endless pagination")
		}
	}
}

func TestPagination(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var want []string
		for i := range 7 {
			id := fmt.Sprintf("c%02d", i)
			must(t, e.post("/v1/namespaces/acme/connections?connectionId="+id, acmeKey, `{"url":"https://example.com/h"}`), 200)
			want = append(want, models.ConnectionName("acme", id))
		}
		got, pages := e.listAll(t, "/v1/namespaces/acme/connections", "connections", 3)
		if !slices.Equal(got, want) || pages != 3 {
			t.Errorf("connections over %d pages: %v", pages, got)
		}
		// A page exactly full at the end still ends the listing.
		if got, pages := e.listAll(t, "/v1/namespaces/acme/connections", "connections", 7); len(got) != 7 || pages != 1 {
			t.Errorf("pageSize 7: %d items, %d pages", len(got), pages)
		}
		for i := range 5 {
			must(t, e.post(fmt.Sprintf("/v1/namespaces/acme/managers?managerId=m%d", i), acmeKey,
				`{"source":{"type":"REDDIT","subreddits":["marketing"]},"input":{"keywords":["x"],"focus":{"type":"MENTIONS"}}}`), 200)
		}
		if got, pages := e.listAll(t, "/v1/namespaces/acme/managers", "managers", 2); len(got) != 5 || pages != 3 {
			t.Errorf("managers: %v over %d pages", got, pages)
		}
		if got, pages := e.listAll(t, "/v1/namespaces", "namespaces", 1); !slices.Equal(got, []string{"namespaces/acme", "namespaces/globex"}) || pages != 2 {
			t.Errorf("namespaces: %v over %d pages", got, pages)
		}

		// Scans: newest first, ties broken stably, across managers with -.
		base := time.Date(2026, 6, 13, 12, 0, 0, 0, time.UTC)
		var wantM0, wantAll []string
		for i := range 9 {
			m := fmt.Sprintf("m%d", i%2)
			id := fmt.Sprintf("s%d", i)
			at := base.Add(time.Duration(i/2) * time.Minute) // pairs share a time
			sc := &models.Scan{Name: models.ScanName("acme", m, id), CreateTime: at,
				Post: models.Post{Type: models.PostRedditLink, ID: "t3_" + id, URL: "https://reddit.com/" + id, Time: models.NewTimestamp(at)}}
			if _, err := e.store.CreateScan(ctx, "acme", m, id, sc, 24*time.Hour*365*10); err != nil {
				t.Fatal(err)
			}
			wantAll = append(wantAll, sc.Name)
			if m == "m0" {
				wantM0 = append(wantM0, sc.Name)
			}
		}
		newestFirst := func(names []string) {
			for i := 1; i < len(names); i++ {
				a, _ := e.store.GetScan(ctx, "acme", strings.Split(names[i-1], "/")[3], strings.Split(names[i-1], "/")[5])
				b, _ := e.store.GetScan(ctx, "acme", strings.Split(names[i], "/")[3], strings.Split(names[i], "/")[5])
				if a.CreateTime.Before(b.CreateTime) {
					t.Errorf("%s before %s: not newest first", names[i-1], names[i])
				}
			}
		}
		got, pages = e.listAll(t, "/v1/namespaces/acme/managers/-/scans", "scans", 2)
		if pages != 5 || !sameSet(got, wantAll) {
			t.Errorf("all scans over %d pages: %v", pages, got)
		}
		newestFirst(got)
		got, _ = e.listAll(t, "/v1/namespaces/acme/managers/m0/scans", "scans", 2)
		if !sameSet(got, wantM0) {
			t.Errorf("m0's scans: %v", got)
		}
		newestFirst(got)
		// Incremental polling.
		since := base.Add(2 * time.Minute).Format(time.RFC3339)
		got, _ = e.listAll(t, `/v1/namespaces/acme/managers/-/scans?filter=createTime>"`+since+`"`, "scans", 2)
		if len(got) != 3 { // s6, s7 (3m) and s8 (4m)
			t.Errorf("createTime>%s: %v", since, got)
		}
		got, _ = e.listAll(t, `/v1/namespaces/acme/managers/-/scans?filter=createTime%20%3E%3D%20%22`+since+`%22`, "scans", 100)
		if len(got) != 5 {
			t.Errorf("createTime>=%s: %v", since, got)
		}
		r := must(t, e.get("/v1/namespaces/acme/managers/m0/scans/s0", acmeKey), 200)
		if r.str("name") != "namespaces/acme/managers/m0/scans/s0" || r.str("post.id") != "t3_s0" || r.str("etag") == "" {
			t.Errorf("get scan: %s", r.Raw)
		}
		must(t, e.get("/v1/namespaces/acme/managers/m0/scans/nope", acmeKey), 404)
		must(t, e.get("/v1/namespaces/acme/managers/m0/scans/s1", acmeKey), 404) // s1 is m1's
		must(t, e.get("/v1/namespaces/acme/managers/-/scans/s0", acmeKey), 400)
		must(t, e.get("/v1/namespaces/acme/managers/nope/scans", acmeKey), 404)

		// Tokens are bound to their listing.
		first := must(t, e.get(`/v1/namespaces/acme/managers/-/scans?pageSize=1&filter=createTime>"`+since+`"`, acmeKey), 200)
		tok := first.str("nextPageToken")
		r = must(t, e.get("/v1/namespaces/acme/managers/-/scans?pageToken="+tok, acmeKey), 400)
		assertDetail(t, r, "pageToken", "belongs to a different listing")
		tok = must(t, e.get("/v1/namespaces/acme/connections?pageSize=1", acmeKey), 200).str("nextPageToken")
		must(t, e.get("/v1/namespaces/acme/managers?pageToken="+tok, acmeKey), 400)
		must(t, e.get("/v1/namespaces/globex/connections?pageToken="+tok, globexKey), 400)
		// A huge page size is clamped, not refused.
		must(t, e.get("/v1/namespaces/acme/connections?pageSize=100000", acmeKey), 200)
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func assertDetail(t *testing.T, r *response, field, contains string) {
	t.Helper()
	details, _ := r.Body["error"].(map[string]any)["details"].([]any)
	for _, d := range details {
		d := d.(map[string]any)
		if d["field"] == field && strings.Contains(d["description"].(string), contains) {
			return
		}
	}
	t.Errorf("no detail {field %q, description ~ %q} in %s", field, contains, r.Raw)
}

// Every method of every resource, with a key of another namespace, is
// refused alike, whether the namespace exists or not; nothing changes.
func TestIsolation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.createCRM(t)
		e.createLeads(t)
		ctx := context.Background()
		_, _ = e.store.CreateScan(ctx, "acme", "leads", "s1", &models.Scan{Name: models.ScanName("acme", "leads", "s1"), CreateTime: time.Now()}, time.Hour)
		before, _ := e.store.Version(ctx)

		conn := `{"url":"https://evil.example/h"}`
		ops := []struct {
			method, path string
			body         any
		}{
			{"POST", "/v1/namespaces?namespaceId=x", `{}`},
			{"GET", "/v1/namespaces", nil},
			{"GET", "/v1/namespaces/{ns}", nil},
			{"DELETE", "/v1/namespaces/{ns}", nil},
			{"POST", "/v1/namespaces/{ns}/connections", conn},
			{"GET", "/v1/namespaces/{ns}/connections", nil},
			{"GET", "/v1/namespaces/{ns}/connections/crm", nil},
			{"PATCH", "/v1/namespaces/{ns}/connections/crm", conn},
			{"DELETE", "/v1/namespaces/{ns}/connections/crm", nil},
			{"POST", "/v1/namespaces/{ns}/managers", managerBody},
			{"GET", "/v1/namespaces/{ns}/managers", nil},
			{"GET", "/v1/namespaces/{ns}/managers/leads", nil},
			{"PATCH", "/v1/namespaces/{ns}/managers/leads", `{"enable":false}`},
			{"DELETE", "/v1/namespaces/{ns}/managers/leads", nil},
			{"GET", "/v1/namespaces/{ns}/managers/leads/scans", nil},
			{"GET", "/v1/namespaces/{ns}/managers/-/scans", nil},
			{"GET", "/v1/namespaces/{ns}/managers/leads/scans/s1", nil},
			{"PATCH", "/v1/namespaces/{ns}/managers/leads/scans/s1", `{"state":"READ"}`},
			{"POST", "/v1/namespaces/{ns}/posts:ingest", `[{"type":"TWITTER_TWEET","id":"1","time":"2026-06-13T12:10:00Z","text":"hi","url":"","user":{"id":"","name":"","url":""}}]`},
			{"GET", "/v1/namespaces/{ns}/connections/crm/deliveries", nil},
			{"GET", "/v1/namespaces/{ns}/connections/crm/deliveries/msg_x", nil},
			{"POST", "/v1/namespaces/{ns}/connections/crm/deliveries/msg_x:retry", nil},
			{"POST", "/v1/namespaces/{ns}/connections/crm:redrive", nil},
			{"POST", "/v1/namespaces/{ns}/connections/crm:test", nil},
			{"POST", "/v1/namespaces/{ns}/connections/crm:rotateSecret", nil},
		}
		// Every operation of the router is in the table.
		covered := map[string]bool{}
		for _, o := range ops {
			p, _, _ := strings.Cut(o.path, "?")
			p = strings.NewReplacer("/crm", "/{c}", "/leads", "/{m}", "/-/", "/{m}/", "/s1", "/{s}", "/msg_x", "/{d}").Replace(p)
			covered[o.method+" "+p] = true
		}
		for _, op := range e.api.ops {
			if !covered[op] {
				t.Errorf("operation %s is not tested for isolation", op)
			}
		}

		for _, o := range ops {
			for _, ns := range []string{"acme", "does-not-exist"} {
				path := strings.ReplaceAll(o.path, "{ns}", ns)
				r := e.call(request{method: o.method, path: path, key: globexKey, body: o.body})
				if r.Status != 403 || r.str("error.status") != "PERMISSION_DENIED" {
					t.Errorf("%s %s with globex's key: %s", o.method, path, r)
				}
				for _, key := range []string{"", "not-a-key-0123456789"} {
					r := e.call(request{method: o.method, path: path, key: key, body: o.body})
					if r.Status != 401 || r.str("error.status") != "UNAUTHENTICATED" || r.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s %s with key %q: %s", o.method, path, key, r)
					}
				}
			}
		}
		// The 403 does not tell whether the namespace exists.
		a := e.get("/v1/namespaces/acme/managers", globexKey)
		b := e.get("/v1/namespaces/does-not-exist/managers", globexKey)
		if strings.ReplaceAll(string(a.Raw), "acme", "X") != strings.ReplaceAll(string(b.Raw), "does-not-exist", "X") {
			t.Errorf("403s differ: %s vs %s", a.Raw, b.Raw)
		}
		if after, _ := e.store.Version(ctx); after != before {
			t.Error("a refused request changed something")
		}
		must(t, e.get("/v1/namespaces/acme/managers/leads", acmeKey), 200)
		must(t, e.get("/v1/namespaces/acme/connections/crm", acmeKey), 200)

		// A notice may only name a connection of its own namespace.
		must(t, e.post("/v1/namespaces/globex/connections?connectionId=crm", globexKey, `{"url":"https://globex.example/h"}`), 200)
		r := must(t, e.post("/v1/namespaces/globex/managers", globexKey, managerBody), 400)
		assertDetail(t, r, "notices[0].connection", "a notice may only name a connection of its own namespace")
	})
}

func TestMethodsAndPaths(t *testing.T) {
	e := newEnv(t, testredis.Embedded(t))
	r := must(t, e.call(request{method: "PUT", path: "/v1/namespaces/acme/connections/crm", key: acmeKey, body: `{}`}), 405)
	// POST is there for the connection's custom methods (:test, :redrive, :rotateSecret).
	if allow := r.Header.Get("Allow"); allow != "GET, PATCH, DELETE, POST" {
		t.Errorf("Allow = %q", allow)
	}
	must(t, e.get("/v1/nothing/here", acmeKey), 404)
	must(t, e.get("/v1/namespaces/acme/connections/crm/deliveries/x/y/z", acmeKey), 404)
}

// A failure of ours says nothing about itself.
func TestInternalErrorsDiscloseNothing(t *testing.T) {
	e := newEnv(t, testredis.Embedded(t))
	_ = e.store.Redis().Close()
	r := must(t, e.get("/v1/namespaces/acme/managers", acmeKey), 500)
	if r.str("error.status") != "INTERNAL" || r.str("error.message") != "internal error" || strings.Contains(string(r.Raw), "redis") {
		t.Errorf("500: %s", r.Raw)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t, testredis.Embedded(t))
	resp, err := http.Get(e.srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&doc) != nil {
		t.Fatalf("GET /openapi.json: %d", resp.StatusCode)
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	// The document lists exactly the operations the router serves.
	var documented []string
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if method != "parameters" {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(documented)
	routed := slices.Sorted(slices.Values(e.api.ops))
	if !slices.Equal(documented, routed) {
		t.Errorf("the OpenAPI document and the router disagree:\ndocument: %v\nrouter:   %v", documented, routed)
	}
	// Every schema compiles (JSON Schema 2020-12) and every $ref resolves.
	docOnce.Do(loadDoc)
	if docErr != nil {
		t.Fatal(docErr)
	}
	for name := range doc["components"].(map[string]any)["schemas"].(map[string]any) {
		if _, err := docCompiler.Compile(docURL + "#/components/schemas/" + name); err != nil {
			t.Errorf("schema %s: %v", name, err)
		}
	}
	var refs func(v any)
	refs = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				if _, err := docCompiler.Compile(docURL + r); err != nil && !strings.Contains(r, "/responses/") {
					t.Errorf("$ref %s: %v", r, err)
				}
				if strings.Contains(r, "/responses/") {
					name := strings.TrimPrefix(r, "#/components/responses/")
					if doc["components"].(map[string]any)["responses"].(map[string]any)[name] == nil {
						t.Errorf("$ref %s does not resolve", r)
					}
				}
			}
			for _, x := range v {
				refs(x)
			}
		case []any:
			for _, x := range v {
				refs(x)
			}
		}
	}
	refs(doc)
	// Every operation documents its auth failures and its success.
	for path, item := range doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			rs := o.(map[string]any)["responses"].(map[string]any)
			for _, code := range []string{"200", "401", "500"} {
				if rs[code] == nil {
					t.Errorf("%s %s does not document %s", method, path, code)
				}
			}
		}
	}
}
