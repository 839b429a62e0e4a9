package matcher

import (
	"context"
	"strings"
	"testing"

	"github.com/earshothq/earshot/matcher/lang"
	"github.com/earshothq/earshot/models"
)

// TestLangFilterOnAPostWithoutLanguage: Reddit names no language, yet
// lang:en keeps the English post and drops the Spanish one, and the
// detected language is what the payload carries.
func TestLangFilterOnAPostWithoutLanguage(t *testing.T) {
	m := New(Options{Lang: lang.New()})
	mgr := manager("lang", models.Input{Query: `crm lang:en`, Focus: models.Focus{Type: FocusMentions}})
	tests := []struct {
		name, title, text, lang string
		want                    bool
	}{
		{"english", "Which CRM should a small agency use?", "We have five people and a tight budget.", "en", true},
		{"spanish", "¿Qué CRM recomiendan para una agencia pequeña?", "Somos cinco personas y tenemos poco presupuesto.", "es", false},
		{"named by the platform", "Which CRM should a small agency use?", "", "de", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := post("t3_"+tt.name, tt.title, tt.text)
			p.Type, p.Lang = models.PostRedditLink, ""
			if tt.name == "named by the platform" {
				p.Lang = "de"
			}
			r, err := m.Evaluate(context.Background(), mgr, p)
			if err != nil {
				t.Fatal(err)
			}
			if r.Matched != tt.want || p.Lang != tt.lang {
				t.Errorf("matched %v lang %q, want %v %q", r.Matched, p.Lang, tt.want, tt.lang)
			}
		})
	}
	// Without a lang: filter nothing is detected while matching (it costs
	// more than matching); the pipeline fills it on the matches.
	plain := manager("plain", models.Input{Query: `crm`, Focus: models.Focus{Type: FocusMentions}})
	p := post("t3_x", "Which CRM should a small agency use?", "")
	p.Lang = ""
	if r, _ := m.Evaluate(context.Background(), plain, p); !r.Matched || p.Lang != "" {
		t.Errorf("matched %v, lang %q detected without a lang: filter", r.Matched, p.Lang)
	}
	m.FillLang(p)
	if p.Lang != "en" {
		t.Errorf("FillLang: %q", p.Lang)
	}
	// Nor when the terms settle the query.
	p = post("t3_y", "Nothing about that here, friends", "Just a long enough English sentence.")
	p.Lang = ""
	if r, _ := m.Evaluate(context.Background(), mgr, p); r.Matched || p.Lang != "" {
		t.Errorf("matched %v, lang %q detected though no term matched", r.Matched, p.Lang)
	}
	neg := manager("neg", models.Input{Query: `crm -lang:en`, Focus: models.Focus{Type: FocusMentions}})
	p = post("t3_z", "¿Qué CRM recomiendan para una agencia pequeña?", "")
	p.Lang = ""
	if r, _ := m.Evaluate(context.Background(), neg, p); !r.Matched || p.Lang != "es" {
		t.Errorf("-lang:en: matched %v lang %q", r.Matched, p.Lang)
	}
}

// BenchmarkScore10kLang is BenchmarkScore10k with a lang:en filter on
// every manager: "platform" posts name their language (as Mastodon's do)
// and no detector runs; "detected" posts name none (Reddit's) and the
// matcher detects it, once per post, for the posts whose language decides
// a candidate's query. Every post of this world is a candidate of about
// ten managers, so every one is detected: the worst case. The ratio of
// the two is the cost of detection on matching.
func BenchmarkScore10kLang(b *testing.B) {
	managers, posts := benchWorld(b)
	for _, mg := range managers {
		terms := make([]string, len(mg.Input.Keywords))
		for i, k := range mg.Input.Keywords {
			terms[i] = `"` + k + `"`
		}
		mg.Input.Query = "(" + strings.Join(terms, " OR ") + ") lang:en"
		mg.Input.Keywords = nil
	}
	for _, mode := range []struct {
		name string
		lang string
		det  *lang.Detector
	}{{"platform", "en", nil}, {"detected", "", lang.New()}} {
		b.Run(mode.name, func(b *testing.B) {
			m := New(Options{HTTPClient: failingClient(), Lang: mode.det})
			ix, err := m.IndexOf("bench", managers)
			if err != nil {
				b.Fatal(err)
			}
			mode.det.Detect("warming up the language models") // loaded once, before timing
			ctx := context.Background()
			matched := 0
			b.SetBytes(300)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := *posts[i%len(posts)]
				p.Lang = mode.lang
				rs, err := m.MatchIndex(ctx, ix, &p, nil)
				if err != nil {
					b.Fatal(err)
				}
				matched += len(rs)
			}
			postsPerSec(b)
			b.ReportMetric(float64(matched)/float64(b.N), "matches/post")
		})
	}
}
