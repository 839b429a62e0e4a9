package notify

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
)

// TestResult reports a connection test.
type TestResult struct {
	WebhookID  string `json:"webhookId"`
	Challenge  string `json:"challenge"`
	Success    bool   `json:"success"` // a 2xx within the timeout
	StatusCode int    `json:"statusCode,omitempty"`
	LatencyMS  int64  `json:"latencyMs"`
	// ChallengeEchoed says the answer's body contained the challenge: the
	// receiver read and parsed the event, not just accepted the request.
	ChallengeEchoed bool   `json:"challengeEchoed"`
	Error           string `json:"error,omitempty"`
	ResponseBody    string `json:"responseBody,omitempty"`
}

// TestEvent returns the TEST event of a connection:
// {"type":"TEST","name":"namespaces/…/connections/…","data":{"challenge":"…"}}.
func TestEvent(connectionName, challenge string) models.Event {
	return models.Event{Type: models.EventTest, Name: connectionName, Data: map[string]string{"challenge": challenge}}
}

// Test sends a TEST event to a connection at once, signed like any
// delivery and through the same SSRF guard, and reports how the receiver
// answered. It is not queued, retried nor recorded; a disabled connection
// can be tested before it is enabled again.
func (s *Service) Test(ctx context.Context, ns, conn string) (*TestResult, error) {
	c, err := s.store.GetConnection(ctx, ns, conn)
	if err != nil {
		return nil, err
	}
	challenge := randomToken(18)
	body, err := json.Marshal(TestEvent(models.ConnectionName(ns, conn), challenge))
	if err != nil {
		return nil, fmt.Errorf("notify: encode test event: %w", err)
	}
	now := time.Now()
	entry := &connEntry{conn: c, policy: s.cfg.PolicyFor(c)}
	r := &TestResult{WebhookID: "msg_test_" + randomHex(12), Challenge: challenge}
	out := s.channels.send(ctx, c, Message{WebhookID: r.WebhookID, Body: body, Secrets: entry.secrets(now), Timeout: entry.policy.Timeout})
	r.Success = out.OK()
	r.StatusCode = out.StatusCode
	r.LatencyMS = out.Latency.Milliseconds()
	r.ResponseBody = out.Body
	r.ChallengeEchoed = strings.Contains(out.Body, challenge)
	if out.Err != nil {
		r.Error = out.Err.Error()
	}
	return r, nil
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
