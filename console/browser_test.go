package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/internal/testserver"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/server"
	"github.com/earshothq/earshot/store"
)

// The browser tests drive Chromium (Debian's /usr/bin/chromium, or
// $CHROMIUM) against a real server on an embedded Redis. They are skipped
// when no Chromium is installed; .ci/run installs it.

const (
	acmeKey  = "acme-console-key-0123456789"
	otherKey = "other-console-key-0123456789"
	xssText  = `<img src=x onerror=alert(1)><script>alert(2)</script>`
)

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium installed (apt-get install chromium): browser tests skipped")
	return ""
}

func consoleConfig(t *testing.T, receiverURL string) *config.Config {
	t.Helper()
	yaml := fmt.Sprintf(`
listen: "127.0.0.1:0"
redis: {url: %q}
delivery:
  timeout: 2s
  retry_schedule: []
  allow_private_targets: true
namespaces:
  - id: acme
    api_keys: [%q]
    connections:
      - id: crm
        nickname: CRM receiver
        url: %s/hook
    managers:
      - id: leads
        nickname: Lead finder
        source: {type: INGEST}
        input: {keywords: ["social listening"], focus: {type: MENTIONS}}
        notices: [{connection: namespaces/acme/connections/crm}]
  - id: other
    api_keys: [%q]
`, testredis.Embedded(t), acmeKey, receiverURL, otherKey)
	cfg, err := config.Parse("console.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// browser is one Chromium tab on the server.
type browser struct {
	t       *testing.T
	ctx     context.Context
	base    string
	shots   string
	dialogs *atomic.Int32
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser without a deadline (a slow machine needs time).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &browser{t: t, ctx: ctx, base: base, dialogs: &atomic.Int32{}}
	// Any dialog is a failure (the XSS payload calls alert); close it so
	// the page goes on, and count it.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.dialogs.Add(1)
			t.Logf("dialog opened: %q", ev.Message)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	b.shots = os.Getenv("EARSHOT_SCREENSHOTS")
	if b.shots == "" {
		b.shots = t.ArtifactDir()
	}
	return b
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

func evalJS[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitJS waits (generously: the machine is busy) for a JS expression to be
// true.
func (b *browser) waitJS(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Until(deadline)+time.Second)
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(time.Until(deadline)), chromedp.WithPollingInterval(100*time.Millisecond)))
		cancel()
		if err == nil {
			return
		}
		// A navigation under way ends the poll ("Inspected target
		// navigated", "Cannot find context", "Execution context was
		// destroyed"): poll the new page.
		if time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
		b.t.Fatalf("waiting for %s: %v\npage: %s", what, err, body)
	}
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
}

// click clicks the element of a CSS selector and waits for the page it
// loads.
func (b *browser) clickAndLoad(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}

func (b *browser) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) signIn(key string) {
	b.t.Helper()
	b.open("/signin")
	b.do(chromedp.SendKeys(chromedp.ID("key"), key))
	b.clickAndLoad(`#signin-form button[type=submit]`)
}

func text(b *browser) string { return evalJS[string](b, `document.body.innerText`) }

// apiCall calls the REST API with a key and decodes the answer.
func apiCall(t *testing.T, base, key, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		bs, _ := json.Marshal(body)
		rd = bytes.NewReader(bs)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func ingest(t *testing.T, base string, posts ...map[string]any) {
	t.Helper()
	code, out := apiCall(t, base, acmeKey, "POST", "/v1/namespaces/acme/posts:ingest", posts)
	if code != 200 {
		t.Fatalf("ingest: %d %v", code, out)
	}
}

func tweet(id, text string) map[string]any {
	return map[string]any{"type": "TWITTER_TWEET", "id": id, "time": time.Now().UTC().Format(time.RFC3339), "text": text,
		"url": "https://x.com/someone/status/" + id, "user": map[string]any{"id": "u" + id, "name": "someone", "url": "https://x.com/someone"}}
}

func TestConsoleInBrowser(t *testing.T) {
	chromiumPath(t)
	rcv := fakes.NewReceiver()
	defer rcv.Close()
	// The receiver refuses everything at first (400 is final): each
	// delivery becomes a dead letter at once.
	refusals := make([]int, 100)
	for i := range refusals {
		refusals[i] = 400
	}
	rcv.Script(refusals...)
	p := testserver.Start(t, consoleConfig(t, rcv.URL), func(o *server.Options) { o.ConsolePoll = 200 * time.Millisecond })
	base := p.URL
	b := newBrowser(t, base)

	ingest(t, base,
		tweet("1", "We are looking for a social listening tool, any tips?"),
		map[string]any{"type": "REDDIT_LINK", "id": "t3_xss", "time": time.Now().UTC().Format(time.RFC3339),
			"title": xssText, "text": "social listening " + xssText, "url": "https://www.reddit.com/r/x/comments/xss",
			"user": map[string]any{"id": "t2_x", "name": xssText, "url": "https://www.reddit.com/user/x"}})
	// The API refuses other schemes than http(s) for post URLs; a scan
	// stored with them anyway (by an older version, a future source) is
	// still not linked.
	js := &models.Scan{Name: models.ScanName("acme", "leads", "js"), CreateTime: time.Now().Add(-time.Hour).UTC(),
		Post: models.Post{Type: "REDDIT_LINK", ID: "t3_js", Title: "a javascript: link", URL: "javascript:alert(3)",
			User: models.User{Name: "js", URL: "javascript:alert(4)"}}, Match: &models.Match{Focus: "MENTIONS"}}
	if _, err := p.Server.Store().CreateScan(context.Background(), "acme", "leads", "js", js, time.Hour); err != nil {
		t.Fatal(err)
	}

	t.Run("sign in", func(t *testing.T) {
		b.open("/")
		b.waitJS("the sign-in page", `location.pathname === "/signin"`)
		b.shot("signin")
		b.signIn("not-a-key")
		b.waitJS("the refusal", `document.getElementById("signin-error")?.textContent.includes("not valid")`)
		b.signIn(acmeKey)
		b.waitJS("the inbox", `location.pathname === "/ns/acme/inbox" && document.querySelectorAll("#scans li.scan").length === 3`)
		cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base}})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range cookies.Cookies {
			if c.Name == "earshot_session" {
				found = true
				if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict {
					t.Errorf("session cookie: httpOnly %v sameSite %v", c.HTTPOnly, c.SameSite)
				}
			}
		}
		if !found {
			t.Fatalf("no session cookie among %d", len(cookies.Cookies))
		}
		// The page's script cannot read it.
		if c := evalJS[string](b, `document.cookie`); strings.Contains(c, "earshot_session") {
			t.Errorf("document.cookie shows the session: %q", c)
		}
	})

	t.Run("untrusted text is shown as text", func(t *testing.T) {
		// No element of the payload exists, the text is shown literally,
		// and the javascript: links are not links.
		if n := evalJS[int](b, `document.querySelectorAll("#scans img, #scans script, img[src=x]").length`); n != 0 {
			t.Errorf("%d injected elements", n)
		}
		title := evalJS[string](b, `Array.from(document.querySelectorAll(".scan-title")).map(e => e.textContent.trim()).find(t => t.startsWith("<img")) || ""`)
		if title != xssText {
			t.Errorf("title shown as %q, want the literal %q", title, xssText)
		}
		if n := evalJS[int](b, `Array.from(document.querySelectorAll("a")).filter(a => !/^https?:|^\/|^#|^\?/.test(a.getAttribute("href"))).length`); n != 0 {
			t.Errorf("%d links with a scheme other than http(s)", n)
		}
		if n := evalJS[int](b, `Array.from(document.querySelectorAll("a[target=_blank]")).filter(a => a.rel !== "noopener noreferrer").length`); n != 0 {
			t.Errorf("%d outside links without rel=noopener noreferrer", n)
		}
		if n := b.dialogs.Load(); n != 0 {
			t.Errorf("%d dialogs opened", n)
		}
		b.shot("inbox")
	})

	t.Run("a new scan arrives live", func(t *testing.T) {
		b.do(chromedp.Evaluate[chromedp.Void](`window.__marker = "same page"`))
		ingest(t, base, tweet("2", "Live: which social listening app do you use?"))
		b.waitJS("the live scan", `Array.from(document.querySelectorAll("#scans li.scan")).some(li => li.textContent.includes("which social listening app"))`)
		if evalJS[string](b, `window.__marker || ""`) != "same page" {
			t.Error("the page reloaded instead of updating live")
		}
		if first := evalJS[string](b, `document.querySelector("#scans li.scan .scan-title").textContent`); !strings.Contains(first, "which social listening app") {
			t.Errorf("the new scan is not on top: %q", first)
		}
	})

	t.Run("triage persists through the API", func(t *testing.T) {
		sel := `#scans li.scan`
		name := evalJS[string](b, `document.querySelector("`+sel+`").dataset.name`)
		b.do(chromedp.Click(chromedp.CSS(sel + ` [data-set-state="READ"]`)))
		b.waitJS("the state badge", `document.querySelector("`+sel+` [data-role=state]").textContent === "READ"`)
		b.do(chromedp.SendKeys(chromedp.CSS(sel+` [data-tag-form] input`), "hot lead"),
			chromedp.Click(chromedp.CSS(sel+` [data-tag-form] button`)))
		b.waitJS("the tag", `document.querySelector("`+sel+` .tags").textContent.includes("hot lead")`)
		code, scan := apiCall(t, base, acmeKey, "GET", "/v1/"+name, nil)
		if code != 200 || scan["state"] != "READ" || fmt.Sprint(scan["tags"]) != "[hot lead]" {
			t.Errorf("scan via the API: %d %v %v", code, scan["state"], scan["tags"])
		}
		// The filter finds it, after a reload.
		b.open("/ns/acme/inbox?state=READ&tag=hot+lead")
		b.waitJS("the filtered inbox", `document.querySelectorAll("#scans li.scan").length === 1`)
		b.shot("inbox-filtered")
	})

	t.Run("monitor form shows field errors in place", func(t *testing.T) {
		b.open("/ns/acme/monitors/new")
		b.do(chromedp.SendKeys(chromedp.ID("f-id"), "brand"),
			chromedp.SendKeys(chromedp.ID("f-query"), `(pricing AND`),
			chromedp.SetValue(chromedp.ID("f-schedule"), "every now and then"),
			chromedp.Click(chromedp.ID("save-monitor")))
		b.waitJS("the query's error", `document.getElementById("err-input.query").textContent.length > 0`)
		b.waitJS("the schedule's error", `document.getElementById("err-schedule").textContent.length > 0`)
		if inv := evalJS[string](b, `document.getElementById("f-query").getAttribute("aria-invalid") || ""`); inv != "true" {
			t.Errorf("query input not marked invalid")
		}
		b.shot("monitor-form-errors")
		if code, _ := apiCall(t, base, acmeKey, "GET", "/v1/namespaces/acme/managers/brand", nil); code != 404 {
			t.Errorf("a refused form created the monitor: %d", code)
		}
		// Fixed, it saves and shows the monitor.
		b.do(chromedp.SetValue(chromedp.ID("f-query"), `pricing OR "social listening"`),
			chromedp.SetValue(chromedp.ID("f-schedule"), "@every 5m"),
			chromedp.Click(chromedp.ID("save-monitor")))
		b.waitJS("the saved monitor", `location.pathname === "/ns/acme/monitors/brand"`)
		if code, m := apiCall(t, base, acmeKey, "GET", "/v1/namespaces/acme/managers/brand", nil); code != 200 || m["schedule"] != "@every 5m" {
			t.Errorf("created monitor: %d %v", code, m)
		}
	})

	t.Run("try it", func(t *testing.T) {
		b.open("/ns/acme/monitors/leads")
		b.do(chromedp.SendKeys(chromedp.ID("try-posts"), "anyone know a good social listening tool?\nnothing to see here"),
			chromedp.Click(chromedp.ID("try-run")))
		b.waitJS("the results", `document.querySelectorAll("#try-results tbody tr").length === 2`)
		if got := evalJS[string](b, `Array.from(document.querySelectorAll("#try-results tbody tr")).map(r => r.cells[1].textContent).join(",")`); got != "yes,no" {
			t.Errorf("try it: %s", got)
		}
	})

	t.Run("monitors show health and charts", func(t *testing.T) {
		b.open("/ns/acme/monitors")
		b.waitJS("the monitors", `document.getElementById("monitor-leads") !== null`)
		health := evalJS[string](b, `document.querySelector("#monitor-leads [data-role=health]").textContent`)
		if health != "HEALTHY" {
			t.Errorf("health %q", health)
		}
		b.shot("monitors")
		// Disable and enable again.
		b.do(chromedp.Click(chromedp.CSS(`#monitor-leads [data-toggle-enable]`)))
		b.waitJS("disabled", `document.querySelector("#monitor-leads [data-role=health]")?.textContent === "DISABLED"`)
		b.do(chromedp.Click(chromedp.CSS(`#monitor-leads [data-toggle-enable]`)))
		b.waitJS("enabled", `document.querySelector("#monitor-leads [data-role=health]")?.textContent === "HEALTHY"`)
		b.open("/ns/acme/monitors/leads")
		b.waitJS("the chart", `document.querySelectorAll("#chart rect.bar").length >= 1`)
		if s := evalJS[string](b, `document.getElementById("chart-summary").textContent`); !strings.Contains(s, "3 matches") {
			t.Errorf("chart summary: %s", s)
		}
		b.shot("monitor")

		// A week of history, with two crisis spikes: one bar per hour with
		// matches, the sentiment line, and a mark per spike.
		st := p.Server.Store()
		now := time.Now()
		hoursWithMatches := 0
		for h := 7*24 - 1; h >= 1; h-- {
			n := (h*7)%5 + (h%24)/6
			if n == 0 {
				continue
			}
			hoursWithMatches++
			o := store.PollOutcome{Time: now.Add(-time.Duration(h) * time.Hour), Posts: n * 9, Matches: n, SentimentSum: float64(n) * 0.6 * math.Sin(float64(h)/9)}
			if h == 30 || h == 101 {
				o.Spikes = 1
			}
			if _, err := st.RecordPoll(context.Background(), "acme", "brand", o); err != nil {
				t.Fatal(err)
			}
		}
		b.open("/ns/acme/monitors/brand")
		b.waitJS("the week's chart", `document.querySelectorAll("#chart line.spike").length === 2`)
		if n := evalJS[int](b, `document.querySelectorAll("#chart rect.bar").length`); n != hoursWithMatches {
			t.Errorf("%d bars, want %d", n, hoursWithMatches)
		}
		if pts := evalJS[string](b, `document.querySelector("#chart polyline.sentiment").getAttribute("points")`); strings.Count(pts, ",") != hoursWithMatches {
			t.Errorf("sentiment line has %d points, want %d", strings.Count(pts, ","), hoursWithMatches)
		}
		b.shot("monitor-chart")

		// The source part of the form follows the platform chosen: only
		// the chosen kind's fields are shown and sent.
		b.do(chromedp.SetValue(chromedp.ID("f-source-type"), "REDDIT"),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("f-source-type").dispatchEvent(new Event("change"))`))
		b.waitJS("Reddit's fields", `!document.querySelector('[data-source-kind="REDDIT"]').hidden && document.querySelector('[data-source-kind="INGEST"]').hidden`)
		b.do(chromedp.SendKeys(chromedp.ID("f-reddit-subreddits"), "r/marketing"), chromedp.Click(chromedp.ID("save-monitor")))
		b.waitJS("the subreddit's error in place", `Array.from(document.querySelectorAll('[data-err="source.subreddits"]')).some(e => e.textContent.includes("r/"))`)
		b.do(chromedp.SetValue(chromedp.ID("f-reddit-subreddits"), "marketing"), chromedp.Click(chromedp.ID("save-monitor")))
		b.waitJS("saved", `location.search.includes("saved=1")`)
		if _, m := apiCall(t, base, acmeKey, "GET", "/v1/namespaces/acme/managers/brand", nil); fmt.Sprint(m["source"]) != "map[subreddits:[marketing] type:REDDIT]" {
			t.Errorf("source after the switch: %v", m["source"])
		}

		// A failing source shows on the list with its error, redacted and
		// escaped.
		if _, err := st.RecordPoll(context.Background(), "acme", "brand", store.PollOutcome{Time: time.Now(),
			Err: errors.New(`reddit: GET https://oauth.reddit.com/r/marketing/new?access_token=SECRET: server error 503 <b>`)}); err != nil {
			t.Fatal(err)
		}
		b.open("/ns/acme/monitors")
		b.waitJS("the failing monitor", `document.querySelector("#monitor-brand [data-role=health]").textContent === "FAILING"`)
		le := evalJS[string](b, `document.querySelector("#monitor-brand [data-role=last-error]").textContent`)
		if !strings.Contains(le, "server error 503 <b>") || strings.Contains(le, "SECRET") {
			t.Errorf("last error shown as %q", le)
		}
		b.shot("monitors-failing")
	})

	t.Run("dead letters are redriven", func(t *testing.T) {
		waitFor(t, "three dead letters", func() bool {
			_, out := apiCall(t, base, acmeKey, "GET", "/v1/namespaces/acme/connections/crm/deliveries?filter=state%3DFAILED", nil)
			l, _ := out["deliveries"].([]any)
			return len(l) == 3
		})
		rcv.Script() // the receiver accepts from now on
		b.open("/ns/acme/connections/crm")
		b.waitJS("the dead letters", `document.querySelectorAll("#dead-letters tbody tr").length === 3`)
		b.shot("connection")
		// One dead letter retried on its own, the others redriven together.
		b.do(chromedp.Click(chromedp.CSS(`#dead-letters tbody tr [data-retry]`)))
		b.waitJS("the retry's answer", `document.querySelector("#dead-letters tbody tr [data-role=result]").textContent.startsWith("Retried")`)
		waitFor(t, "two dead letters left", func() bool {
			_, out := apiCall(t, base, acmeKey, "GET", "/v1/namespaces/acme/connections/crm/deliveries?filter=state%3DFAILED", nil)
			l, _ := out["deliveries"].([]any)
			return len(l) == 2
		})
		b.do(chromedp.Click(chromedp.ID("redrive")))
		b.waitJS("the redrive's answer", `document.getElementById("redrive-result").textContent === "2 redriven."`)
		waitFor(t, "the redriven deliveries delivered", func() bool {
			_, out := apiCall(t, base, acmeKey, "GET", "/v1/namespaces/acme/connections/crm/deliveries?filter=state%3DDELIVERED", nil)
			l, _ := out["deliveries"].([]any)
			return len(l) == 3
		})
		b.open("/ns/acme/connections")
		b.do(chromedp.Click(chromedp.CSS(`#connection-crm [data-test-connection]`)))
		b.waitJS("the test's answer", `document.querySelector("#connection-crm [data-role=result]").textContent.startsWith("Test delivered: HTTP 200")`)
		b.shot("connections")
	})

	t.Run("a write without the CSRF token is refused", func(t *testing.T) {
		status, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`fetch("/app/v1/namespaces/acme/managers/leads?updateMask=enable",
			{method: "PATCH", headers: {"Content-Type": "application/json"}, body: '{"enable":false}'}).then(r => r.status)`, chromedp.EvalAwaitPromise))
		if err != nil || status != 403 {
			t.Errorf("PATCH without CSRF token: %d %v", status, err)
		}
		if _, m := apiCall(t, base, acmeKey, "GET", "/v1/namespaces/acme/managers/leads", nil); m["enable"] != true {
			t.Errorf("the refused write happened")
		}
	})

	t.Run("sign out", func(t *testing.T) {
		b.open("/ns/acme/inbox")
		b.clickAndLoad("#signout")
		b.waitJS("the sign-in page", `location.pathname === "/signin"`)
		b.open("/ns/acme/inbox")
		b.waitJS("the sign-in page again", `location.pathname === "/signin"`)
	})

	t.Run("another namespace's key sees nothing of this one", func(t *testing.T) {
		b.signIn(otherKey)
		b.waitJS("its inbox", `location.pathname === "/ns/other/inbox"`)
		if n := evalJS[int](b, `document.querySelectorAll("#scans li.scan").length`); n != 0 {
			t.Errorf("%d scans in another namespace's inbox", n)
		}
		for _, path := range []string{"/ns/acme/inbox", "/ns/acme/monitors", "/ns/acme/monitors/leads", "/ns/acme/connections/crm", "/ns/acme/inbox/events"} {
			b.open(path)
			body := text(b)
			if !strings.Contains(body, "may not use namespaces/acme") || strings.Contains(body, "Lead finder") || strings.Contains(body, "social listening") {
				t.Errorf("%s as another namespace: %s", path, body)
			}
		}
		b.shot("forbidden")
		status, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`fetch("/app/v1/namespaces/acme/managers/-/scans").then(r => r.status)`, chromedp.EvalAwaitPromise))
		if err != nil || status != 403 {
			t.Errorf("API through the console for another namespace: %d %v", status, err)
		}
	})

	t.Run("revoking the key ends the session", func(t *testing.T) {
		b.open("/ns/other/inbox")
		b.waitJS("signed in", `location.pathname === "/ns/other/inbox"`)
		if _, err := p.Server.Store().RevokeAPIKey(context.Background(), store.HashAPIKey(otherKey)[:12]); err != nil {
			t.Fatal(err)
		}
		b.open("/ns/other/inbox")
		b.waitJS("the sign-in page", `location.pathname === "/signin"`)
	})

	t.Run("readable at 390 px", func(t *testing.T) {
		b.signIn(acmeKey)
		b.do(chromedp.EmulateViewport(390, 844))
		b.open("/ns/acme/inbox")
		b.waitJS("the inbox", `document.querySelectorAll("#scans li.scan").length > 0`)
		if w := evalJS[int](b, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the inbox is %d px wide at 390 px", w)
		}
		b.shot("inbox-390")
		b.open("/ns/acme/monitors")
		b.shot("monitors-390")
		b.do(chromedp.EmulateViewport(1280, 900))
	})
	if n := b.dialogs.Load(); n != 0 {
		t.Errorf("%d dialogs opened in all", n)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
