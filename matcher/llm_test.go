package matcher

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/earshothq/earshot/models"
)

// fakeLLM speaks the chat-completions API and answers with content(prompt).
func fakeLLM(t *testing.T, calls *atomic.Int32, content func(prompt string) string, delay time.Duration) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
			t.Errorf("unexpected request %s %s", r.URL.Path, r.Header.Get("Authorization"))
		}
		calls.Add(1)
		var req struct {
			Model          string `json:"model"`
			Messages       []struct{ Role, Content string }
			ResponseFormat struct{ Type string } `json:"response_format"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		if req.ResponseFormat.Type != "json_object" || req.Model != "judge-1" {
			t.Errorf("request %+v", req)
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","created":1,"model":"judge-1","choices":[{"index":0,"message":{"role":"assistant","content":%q},"finish_reason":"stop"}]}`,
			content(req.Messages[len(req.Messages)-1].Content))
	}))
}

func TestLLMJudge(t *testing.T) {
	var calls atomic.Int32
	srv := fakeLLM(t, &calls, func(prompt string) string {
		if strings.Contains(prompt, "job opening") {
			return "```json\n{\"relevant\": false, \"score\": 0.1, \"sentiment\": 0, \"reason\": \"a job ad\"}\n```"
		}
		return `{"relevant": true, "score": 0.92, "sentiment": -0.2, "reason": "asks for a CRM"}`
	}, 0)
	defer srv.Close()
	m := New(Options{HTTPClient: srv.Client(), LLM: &LLMConfig{BaseURL: srv.URL + "/v1", APIKey: "sk-test", Model: "judge-1", MaxCallsPerMinute: 3}})
	mgr := manager("llm", models.Input{Keywords: []string{"crm"}, Focus: models.Focus{Type: FocusSales}})
	ctx := context.Background()

	r, _ := m.Evaluate(ctx, mgr, post("1", "Looking for a CRM", "any recommendations?"))
	if !r.Matched || r.Match.Score != 0.92 || !strings.Contains(strings.Join(r.Match.Reasons, "|"), "llm: relevant: asks for a CRM") {
		t.Fatalf("%+v", r.Match)
	}
	// Cached: the same post costs no call.
	m.Evaluate(ctx, mgr, post("1", "Looking for a CRM", "any recommendations?"))
	if calls.Load() != 1 {
		t.Fatalf("%d calls", calls.Load())
	}
	// The judge can veto.
	r, _ = m.Evaluate(ctx, mgr, post("2", "Looking for a CRM admin", "job opening, any recommendations? apply"))
	if r.Matched {
		t.Fatalf("vetoed post matched: %+v", r.Match)
	}
	// Posts that fail the offline stage are never sent.
	m.Evaluate(ctx, mgr, post("3", "CRM", "our crm exported a report"))
	if calls.Load() != 2 {
		t.Fatalf("%d calls", calls.Load())
	}
	// Budget of 3 a minute: the 4th call falls back to the offline score.
	m.Evaluate(ctx, mgr, post("4", "Which CRM should we go with?", "any recommendations?"))
	r, _ = m.Evaluate(ctx, mgr, post("5", "What CRM do you use?", "looking for recommendations"))
	if calls.Load() != 3 || !r.Matched || !strings.Contains(strings.Join(r.Match.Reasons, "|"), "llm unavailable") {
		t.Fatalf("calls %d, %+v", calls.Load(), r.Match)
	}
}

func TestLLMTimeoutAndErrorsFallBack(t *testing.T) {
	var calls atomic.Int32
	slow := fakeLLM(t, &calls, func(string) string { return `{"relevant":false,"score":0}` }, 2*time.Second)
	defer slow.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"message":"overloaded"}}`, http.StatusServiceUnavailable)
	}))
	defer broken.Close()
	garbage := fakeLLM(t, &calls, func(string) string { return "I think it is relevant" }, 0)
	defer garbage.Close()
	mgr := manager("llm", models.Input{Keywords: []string{"crm"}, Focus: models.Focus{Type: FocusSales}})
	for name, srv := range map[string]*httptest.Server{"timeout": slow, "5xx": broken, "not json": garbage} {
		t.Run(name, func(t *testing.T) {
			m := New(Options{LLM: &LLMConfig{BaseURL: srv.URL + "/v1", APIKey: "sk-test", Model: "judge-1", Timeout: 200 * time.Millisecond}})
			start := time.Now()
			r, err := m.Evaluate(context.Background(), mgr, post("1", "Looking for a CRM", "any recommendations?"))
			if err != nil || !r.Matched {
				t.Fatalf("offline score not kept: %+v %v", r, err)
			}
			if time.Since(start) > time.Second {
				t.Fatalf("blocked %v", time.Since(start))
			}
		})
	}
}
