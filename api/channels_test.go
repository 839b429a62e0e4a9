package api

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/earshothq/earshot/internal/testredis"
)

// TestChannelConnections: each channel's connection is created with its
// own fields, flat beside the common ones, and refused with the field
// path when they are wrong; a notice's type must match its connection.
func TestChannelConnections(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, tc := range []struct{ id, body string }{
			{"slack", `{"type":"SLACK_CONNECTION","url":"https://hooks.slack.com/services/T0/B0/XXXX"}`},
			{"discord", `{"type":"DISCORD_CONNECTION","url":"https://discord.com/api/webhooks/1/abc"}`},
			{"tg", `{"type":"TELEGRAM_CONNECTION","botToken":"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw","chatId":-1001234567890}`},
			{"mail", `{"type":"EMAIL_CONNECTION","smtp":{"host":"smtp.example.com","port":587,"username":"u","password":"p","tls":"STARTTLS"},"from":"alerts@example.com","to":["team@example.com"]}`},
			{"zapier", `{"url":"https://hooks.zapier.com/x","template":"{\"text\": {{json (get . \"post.title\")}}}"}`},
		} {
			r := must(t, e.post("/v1/namespaces/acme/connections?connectionId="+tc.id, acmeKey, tc.body), http.StatusOK)
			if tc.id == "tg" && r.Body["chatId"] != "-1001234567890" {
				t.Errorf("chatId kept as %v, want the string", r.Body["chatId"])
			}
			if tc.id == "mail" && r.Body["smtp"].(map[string]any)["host"] != "smtp.example.com" {
				t.Errorf("email connection %s", r.Raw)
			}
		}
		for _, tc := range []struct{ name, body, field, says string }{
			{"telegram without chat", `{"type":"TELEGRAM_CONNECTION","botToken":"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"}`, "chatId", "is required"},
			{"telegram typo", `{"type":"TELEGRAM_CONNECTION","botToken":"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw","chat_id":"1"}`, "chat_id", "unknown field"},
			{"slack without url", `{"type":"SLACK_CONNECTION"}`, "url", "is required"},
			{"email smtp of the wrong type", `{"type":"EMAIL_CONNECTION","smtp":"smtp.example.com","from":"a@example.com","to":["b@example.com"]}`, "smtp", "must be an object"},
			{"email bad tls", `{"type":"EMAIL_CONNECTION","smtp":{"host":"smtp.example.com","tls":"SSL"},"from":"a@example.com","to":["b@example.com"]}`, "smtp.tls", "must be one of"},
			{"template not JSON", `{"url":"https://x.example.com/h","template":"{{.type}}"}`, "template", "not valid JSON"},
			{"template on slack", `{"type":"SLACK_CONNECTION","url":"https://hooks.slack.com/x","template":"{}"}`, "template", "unknown field"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := must(t, e.post("/v1/namespaces/acme/connections", acmeKey, tc.body), http.StatusBadRequest)
				assertDetail(t, r, tc.field, tc.says)
			})
		}
		// Templates are checked on update as on create; nothing is written
		// when refused.
		r := must(t, e.patch("/v1/namespaces/acme/connections/zapier?updateMask=template", acmeKey, `{"template":"{{json .post.title"}`), http.StatusBadRequest)
		assertDetail(t, r, "template", "does not parse")
		if got := must(t, e.get("/v1/namespaces/acme/connections/zapier", acmeKey), http.StatusOK); got.str("template") != `{"text": {{json (get . "post.title")}}}` {
			t.Errorf("template after a refused update: %s", got.Raw)
		}
		must(t, e.patch("/v1/namespaces/acme/connections/zapier?updateMask=template", acmeKey, `{"template":"{\"kind\": {{json .type}}}"}`), http.StatusOK)
		r = must(t, e.patch("/v1/namespaces/acme/connections/tg", acmeKey, `{"chatId":"not a chat"}`), http.StatusBadRequest)
		assertDetail(t, r, "chatId", "must be a chat id")
		r = must(t, e.post("/v1/namespaces/acme/managers", acmeKey, `{"source":{"type":"REDDIT","subreddits":["marketing"]},
			"input":{"keywords":["k"],"focus":{"type":"SALES"}},
			"notices":[{"type":"HTTP_REQUEST","connection":"namespaces/acme/connections/slack"},
			           {"type":"SLACK_MESSAGE","connection":"namespaces/acme/connections/mail","digest":{"every":"24h"}}]}`), http.StatusBadRequest)
		assertDetail(t, r, "notices[0].type", "needs a HTTP_CONNECTION")
		assertDetail(t, r, "notices[1].type", "needs a SLACK_CONNECTION")
		must(t, e.post("/v1/namespaces/acme/managers?managerId=m", acmeKey, `{"source":{"type":"REDDIT","subreddits":["marketing"]},
			"input":{"keywords":["k"],"focus":{"type":"SALES"}},
			"notices":[{"type":"SLACK_MESSAGE","connection":"namespaces/acme/connections/slack","events":["SPIKE"]},
			           {"type":"EMAIL_MESSAGE","connection":"namespaces/acme/connections/mail","minScore":0.6,"digest":{"every":"24h","at":"09:00","timeZone":"Europe/Berlin"}}]}`), http.StatusOK)
	})
}

// TestConnectionExamples: every channel's example in the OpenAPI
// document is a connection the API accepts.
func TestConnectionExamples(t *testing.T) {
	examples, _ := openAPIDocument()["components"].(obj)["schemas"].(obj)["Connection"].(obj)["examples"].([]any)
	if len(examples) != 5 {
		t.Fatalf("%d connection examples, want one per channel", len(examples))
	}
	e := newEnv(t, testredis.Embedded(t))
	for i, ex := range examples {
		must(t, e.post("/v1/namespaces/acme/connections?connectionId=ex"+strconv.Itoa(i), acmeKey, ex), http.StatusOK)
	}
}
