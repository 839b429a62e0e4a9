package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/earshothq/earshot/models"
)

// Bounds of an HTTP connection's body template.
const (
	MaxTemplateSize = 16 << 10
	maxTemplateOut  = 1 << 20
)

// templateFuncs are the helpers a body template may call.
var templateFuncs = template.FuncMap{
	// json writes a value as JSON: {{json .post.title}} is a quoted,
	// escaped string, whatever the post says.
	"json": func(v any) (string, error) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return "", err
		}
		return strings.TrimSuffix(b.String(), "\n"), nil
	},
	// get reads a dotted path, nil where it is missing: {{json (get .
	// "post.title")}} is null for an event without a post, where
	// .post.title would stop the template.
	"get": func(v any, path string) any {
		for _, k := range strings.Split(path, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		}
		return v
	},
	// truncate cuts a string to n runes.
	"truncate": func(n int, v any) string { s, _ := v.(string); return Truncate(s, n) },
	// default is v, or d when v is missing or empty.
	"default": func(d, v any) any {
		if v == nil || v == "" {
			return d
		}
		return v
	},
}

// ParseTemplate parses a body template.
func ParseTemplate(src string) (*template.Template, error) {
	return template.New("template").Funcs(templateFuncs).Option("missingkey=zero").Parse(src)
}

var errTemplateTooLong = errors.New("output is over 1 MiB")

type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxTemplateOut {
		return 0, errTemplateTooLong
	}
	return b.Buffer.Write(p)
}

// RenderTemplate runs a body template on an event's JSON (the template
// sees it as decoded JSON: {{.type}}, {{.post.title}}) and checks that it
// produced JSON.
func RenderTemplate(t *template.Template, event []byte) ([]byte, error) {
	var data any
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return nil, fmt.Errorf("notify: template: event is unreadable: %w", err)
	}
	var out limitedBuffer
	if err := t.Execute(&out, data); err != nil {
		return nil, fmt.Errorf("notify: template: %w", err)
	}
	if !json.Valid(out.Bytes()) {
		return nil, errors.New("notify: template: output is not valid JSON (write strings with {{json .post.title}})")
	}
	return out.Bytes(), nil
}

// sampleEvents are what a template is tried on before it is accepted.
func sampleEvents() map[string][]byte {
	post := models.Post{Type: models.PostRedditLink, Time: models.NewTimestamp(time.Date(2026, 6, 13, 12, 10, 0, 0, time.UTC)),
		ID: "t3_123456", Title: `Recs "needed" \ <b>`, Text: "Looking for a tool\nwith \"quotes\"", URL: "https://reddit.com/r/marketing/comments/123456/recs_needed",
		Subreddit: &models.Community{ID: "t5_2qi1r", Name: "marketing", URL: "https://reddit.com/r/marketing"},
		User:      models.User{ID: "t2_abc123", Name: "marketing_pro", URL: "https://reddit.com/user/marketing_pro"}}
	scan, _ := models.ScanEvent(&models.Scan{Name: "namespaces/acme/managers/m/scans/s", Post: post,
		Match: &models.Match{Focus: "SALES", Score: 0.8, Sentiment: 0.1, Terms: []string{"tool"}, Reasons: []string{"purchase intent"}}})
	spike, _ := json.Marshal(models.Event{Type: models.EventSpike, Name: "namespaces/acme/managers/m/spikes/1",
		Spike: &models.Spike{ID: "1", Window: models.Duration(time.Hour), Count: 12, Baseline: 2, Ratio: 6, Sentiment: -0.5, TopPosts: []models.Post{post}}})
	test, _ := json.Marshal(TestEvent("namespaces/acme/connections/c", "challenge"))
	return map[string][]byte{models.EventScan: scan, models.EventSpike: spike, models.EventTest: test}
}

// checkTemplate returns what is wrong with a body template, or "".
func checkTemplate(src string) string {
	if len(src) > MaxTemplateSize {
		return fmt.Sprintf("must be at most %d bytes", MaxTemplateSize)
	}
	t, err := ParseTemplate(src)
	if err != nil {
		return "does not parse: " + trimTemplatePrefix(err.Error())
	}
	samples := sampleEvents()
	for _, typ := range []string{models.EventScan, models.EventSpike, models.EventTest} {
		if _, err := RenderTemplate(t, samples[typ]); err != nil {
			msg := "for a sample " + typ + " event: " + trimTemplatePrefix(strings.TrimPrefix(err.Error(), "notify: "))
			if strings.Contains(msg, "nil pointer") {
				msg += ` (every event type goes through the template: read fields that only some have with {{with .post}}…{{end}} or {{json (get . "post.title")}})`
			}
			return msg
		}
	}
	return ""
}

// trimTemplatePrefix drops the "template: template:" text/template puts
// before a position ("1:21: …").
func trimTemplatePrefix(s string) string {
	for {
		t := strings.TrimSpace(strings.TrimPrefix(s, "template:"))
		if t == s {
			return s
		}
		s = t
	}
}
