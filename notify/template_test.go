package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

const zapierTemplate = `{"title": {{json (get . "post.title")}}, "link": {{json (get . "post.url")}}{{with .post}}, "author": {{json .user.name}}{{end}},
 "score": {{if .match}}{{.match.score}}{{else}}null{{end}}, "kind": {{json .type}}}`

func TestTemplateValidation(t *testing.T) {
	cs := notify.NewChannels(notify.Webhook)
	for _, tc := range []struct {
		name, template, want string
	}{
		{"zapier shape", zapierTemplate, ""},
		{"does not parse", `{"title": {{json .post.title}`, "does not parse"},
		{"field only scans have", `{"title": {{json .post.title}}}`, "for a sample SPIKE event"},
		{"unknown function", `{"t": {{shout .post.title}}}`, "does not parse"},
		{"not JSON", `title={{.post.title}}`, "for a sample SCAN event: output is not valid JSON"},
		{"unquoted string", `{"title": {{with .post}}{{.title}}{{end}}}`, "output is not valid JSON"},
		{"empty", ``, "output is not valid JSON"},
		{"too long", `{"a": "` + strings.Repeat("x", notify.MaxTemplateSize) + `"}`, "at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := models.Connection{Type: models.ConnectionTypeHTTP, URL: "https://crm.example.com/hook", Settings: models.SettingsOf(notify.WebhookSettings{})}
			c.Settings.Set("template", tc.template)
			if tc.template == "" {
				c.Settings = models.Settings{"template": json.RawMessage(`""`)}
			}
			errs := cs.ValidateConnection(&c)
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Fatalf("refused: %v", errs)
			case tc.want != "" && (len(errs) != 1 || errs[0].Field != "template" || !strings.Contains(errs[0].Description, tc.want)):
				t.Fatalf("errors %v, want template: …%s…", errs, tc.want)
			}
		})
	}
}

// TestTemplateDelivery: the receiver gets the template's output, with
// the post's text JSON-escaped, signed as sent.
func TestTemplateDelivery(t *testing.T) {
	var body []byte
	var header http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		header = r.Header.Clone()
	}))
	defer srv.Close()
	ch := notify.Webhook.Build(notify.ChannelEnv{HTTP: notify.NewSender(notify.SenderOptions{AllowPrivateTargets: true, Timeout: 5 * time.Second})})
	conn := &models.Connection{Type: models.ConnectionTypeHTTP, URL: srv.URL, Settings: models.SettingsOf(notify.WebhookSettings{Template: zapierTemplate})}
	scan, _ := models.ScanEvent(&models.Scan{Name: "namespaces/acme/managers/m/scans/s", Post: models.Post{
		Type: models.PostRedditLink, Title: "Quote \" backslash \\ and \"}, \"x\": {\"", URL: "https://reddit.com/x", User: models.User{Name: "u"}},
		Match: &models.Match{Focus: "SALES", Score: 0.75}})
	out := ch.Send(context.Background(), conn, notify.Message{WebhookID: "msg_1", Body: scan, Secrets: []string{testSecret}})
	if !out.OK() {
		t.Fatal(out.Err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if got["title"] != "Quote \" backslash \\ and \"}, \"x\": {\"" || got["kind"] != "SCAN" || got["score"] != 0.75 || len(got) != 5 {
		t.Errorf("body %s", body)
	}
	wh, _ := standardwebhooks.NewWebhook(testSecret)
	if err := wh.Verify(body, header); err != nil {
		t.Errorf("signature of the templated body: %v", err)
	}
}
