package matcher

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/matcher/query"
	"github.com/earshothq/earshot/models"
)

func post(id, title, text string) *models.Post {
	return &models.Post{Type: models.PostRedditLink, ID: id, Title: title, Text: text,
		Time:      models.NewTimestamp(time.Date(2026, 6, 13, 12, 0, 0, 0, time.UTC)),
		Subreddit: &models.Community{Name: "marketing"}, User: models.User{Name: "marketing_pro"}, Lang: "en-US"}
}

// manager is a manager of id reading in; a focus left out is MENTIONS.
func manager(id string, in models.Input) *models.Manager {
	if in.Focus.Type == "" {
		in.Focus.Type = FocusMentions
	}
	return &models.Manager{Meta: models.Meta{Name: "namespaces/acme/managers/" + id}, ID: id, Enable: true, Type: models.ManagerTypeFeed, Input: in}
}

func f64(v float64) *float64 { return &v }

// offline returns a Matcher that never reaches the network: site fetches
// fail at once and fall back to the domain's brand word.
func offline(t testing.TB) *Matcher {
	return New(Options{HTTPClient: failingClient(), SiteTimeout: 50 * time.Millisecond})
}

func TestEvaluate(t *testing.T) {
	leads := models.Input{URLs: []string{"https://mycompany.com"}, Keywords: []string{"social listening", "brand monitoring"}, Focus: models.Focus{Type: FocusSales}}
	tests := []struct {
		name    string
		in      models.Input
		post    *models.Post
		matched bool
		terms   []string
	}{
		{"sales lead", leads, post("1", "Looking for a social listening tool", "Any recommendations for a small agency?"), true, []string{"social listening"}},
		{"sales needs intent", leads, post("2", "Social listening is fun", "We wrote about brand monitoring."), false, []string{"social listening", "brand monitoring"}},
		{"sales promotion is not a lead", leads, post("3", "We just launched our social listening tool", "Check out our free trial, promo code LAUNCH."), false, []string{"social listening"}},
		{"brand word of the url", leads, post("4", "Is MyCompany worth it?", "Thinking about switching from Hootsuite."), true, []string{"mycompany"}},
		{"word boundaries", models.Input{Keywords: []string{"crm"}, Focus: models.Focus{Type: FocusMentions}}, post("5", "", "Our scrm migration"), false, nil},
		{"case insensitive mentions", models.Input{Keywords: []string{"Acme Analytics"}, Focus: models.Focus{Type: FocusMentions}}, post("6", "", "I use ACME analytics daily"), true, []string{"Acme Analytics"}},
		{"excludes", models.Input{Keywords: []string{"acme"}, Excludes: []string{"looney tunes"}, Focus: models.Focus{Type: FocusMentions}}, post("7", "", "Acme from Looney Tunes"), false, []string{"acme"}},
		{"query and fields", models.Input{Query: `(crm OR "sales pipeline") -hiring subreddit:marketing lang:en`, Focus: models.Focus{Type: FocusMentions}}, post("8", "Sales pipeline help", "Our CRM is a mess"), true, []string{"crm", `"sales pipeline"`}},
		{"query not", models.Input{Query: `crm NOT hiring`, Focus: models.Focus{Type: FocusMentions}}, post("9", "We're hiring", "CRM admin wanted"), false, []string{"crm"}},
		{"title field", models.Input{Query: `title:crm`, Focus: models.Focus{Type: FocusMentions}}, post("10", "Nothing here", "crm"), false, nil},
		{"prefix wildcard", models.Input{Query: `plug*`, Focus: models.Focus{Type: FocusMentions}}, post("11", "", "Best plugins for WordPress"), true, []string{"plug*"}},
		{"negative sentiment", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusSentiment, Polarity: "NEGATIVE"}}, post("12", "Acme is awful", "Terrible support, I hate it."), true, []string{"acme"}},
		{"positive is not negative", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusSentiment}}, post("13", "Acme is great", "Love the support, amazing team!"), false, []string{"acme"}},
		{"positive polarity", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusSentiment, Polarity: "POSITIVE"}}, post("14", "Acme is great", "Love the support, amazing team!"), true, []string{"acme"}},
		{"minScore", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusSentiment, Polarity: "POSITIVE", MinScore: f64(0.99)}}, post("15", "Acme is ok", "fine I guess"), false, []string{"acme"}},
		{"unicode keyword", models.Input{Keywords: []string{"Müller"}, Focus: models.Focus{Type: FocusMentions}}, post("16", "", "Bei MÜLLER gekauft"), true, []string{"Müller"}},
	}
	m := offline(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := m.Evaluate(context.Background(), manager("m-"+tt.post.ID, tt.in), tt.post)
			if err != nil {
				t.Fatal(err)
			}
			if r.Matched != tt.matched {
				t.Errorf("matched = %v, want %v (%+v)", r.Matched, tt.matched, r.Match)
			}
			if tt.terms == nil {
				tt.terms = []string{}
			}
			if strings.Join(r.Match.Terms, "|") != strings.Join(tt.terms, "|") {
				t.Errorf("terms = %q, want %q", r.Match.Terms, tt.terms)
			}
			if r.Match.Score < 0 || r.Match.Score > 1 || r.Match.Sentiment < -1 || r.Match.Sentiment > 1 {
				t.Errorf("out of range: %+v", r.Match)
			}
			b, _ := json.Marshal(r.Match)
			if strings.Contains(string(b), "null") {
				t.Errorf("match encodes null: %s", b)
			}
		})
	}
}

func TestValidateQuery(t *testing.T) {
	if err := ValidateQuery(`crm OR ("sales pipeline" -jobs)`); err != nil {
		t.Fatal(err)
	}
	if err := ValidateQuery(""); err != nil {
		t.Fatal("empty query means no query:", err)
	}
	err := ValidateQuery(`crm OR (`)
	var pe *query.Error
	if !errors.As(err, &pe) || pe.Column != 9 {
		t.Fatalf("got %v", err)
	}
}

func TestValidateManager(t *testing.T) {
	tests := []struct {
		name string
		in   models.Input
		want string
	}{
		{"ok", models.Input{Keywords: []string{"x"}, Focus: models.Focus{Type: FocusSales}}, ""},
		{"bad focus", models.Input{Focus: models.Focus{Type: "LEADS"}}, "input.focus.type"},
		{"bad polarity", models.Input{Focus: models.Focus{Type: FocusSentiment, Polarity: "ANGRY"}}, "input.focus.polarity"},
		{"bad minScore", models.Input{Focus: models.Focus{Type: FocusSales, MinScore: f64(2)}}, "input.focus.minScore"},
		{"bad query", models.Input{Query: "a OR", Focus: models.Focus{Type: FocusSales}}, "input.query: query: column 5"},
		{"bad keyword", models.Input{Keywords: []string{"!!"}, Focus: models.Focus{Type: FocusSales}}, "input.keywords"},
		{"short window", models.Input{Focus: models.Focus{Type: FocusCrisis, Window: models.Duration(time.Second)}}, "input.focus.window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateErr(manager("v", tt.in))
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestExplainScoresWithoutMatch(t *testing.T) {
	m := offline(t)
	mgr := manager("x", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusSales}})
	e, err := m.Explain(context.Background(), mgr, post("p", "Looking for a CRM", "any recommendations?"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Matched || e.Score < 0.5 || e.Reasons[0] != "query did not match" {
		t.Fatalf("got %+v", e)
	}
}

func TestCompiledCache(t *testing.T) {
	m := offline(t)
	mgr := manager("c", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusMentions}})
	c1, _ := m.compile(mgr, nil)
	c2, _ := m.compile(mgr, nil)
	if c1 != c2 {
		t.Fatal("recompiled an unchanged manager")
	}
	mgr.Input.Keywords = []string{"globex"}
	c3, _ := m.compile(mgr, nil)
	if c3 == c1 || c3.terms[0].display != "globex" {
		t.Fatal("did not recompile a changed manager")
	}
}

// TestQueryExpressions: the compiled expression (evaluated in postfix
// order) honours precedence, nesting, NOT, fields and filters.
func TestQueryExpressions(t *testing.T) {
	p := post("q", "Sales pipeline help", "Our CRM is a mess, not hiring")
	tests := []struct {
		name  string
		query string
		want  bool
	}{
		{"term", "crm", true},
		{"missing term", "erp", false},
		{"implicit and", "crm mess", true},
		{"and with a miss", "crm erp", false},
		{"or", "erp OR crm", true},
		{"or of misses", "erp OR sap", false},
		{"not", "NOT erp", true},
		{"not present", "NOT crm", false},
		{"minus", "crm -hiring", false},
		{"double not", "NOT (NOT crm)", true},
		{"nested", "(erp OR (crm AND mess)) AND NOT (sap OR oracle)", true},
		{"nested miss", "(erp OR (crm AND sap)) AND mess", false},
		{"title field", "title:pipeline", true},
		{"title field in text", "title:crm", false},
		{"text field", "text:crm AND title:help", true},
		{"field filters", "crm subreddit:marketing lang:en type:REDDIT_LINK", true},
		{"field filter miss", "crm subreddit:sales", false},
		{"filter alone", "author:marketing*", true},
		{"or of filters", "subreddit:sales OR lang:en", true},
		{"phrase", `"sales pipeline" OR erp`, true},
		{"deep", "((((((crm))))))", true},
		{"many", "a OR b OR c OR d OR e OR f OR g OR h OR i OR j OR k OR l OR m OR n OR o OR p OR q OR r OR s OR t OR u OR v OR w OR x OR y OR z OR aa OR bb OR cc OR dd OR ee OR ff OR gg OR crm", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := compileManager(manager("q", models.Input{Query: tt.query}), nil)
			if err != nil {
				t.Fatal(err)
			}
			d := newDoc(p, nil)
			if got := c.match(c.termHits(d, nil), p); got != tt.want {
				t.Errorf("%s: match = %v, want %v", tt.query, got, tt.want)
			}
		})
	}
}

// TestSentimentFocus: a SENTIMENT focus reads what a post states, not
// what it asks for, with the learned model or (focus.model: VADER) VADER.
func TestSentimentFocus(t *testing.T) {
	focus := func(model, polarity string) models.Input {
		return models.Input{Focus: models.Focus{Type: FocusSentiment, Polarity: polarity, Model: model}}
	}
	tests := []struct {
		name    string
		post    *models.Post
		want    string // the polarity wanted: POSITIVE or NEGATIVE
		matched bool
		reason  string
	}{
		{"praise", post("1", "Shoutout to Acme", "Great support, they fixed it in an hour. Love it!"), PolarityPositive, true, "(positive;"},
		{"a question asks", post("2", "Best CRM for a small team?", "What's a good, easy option you'd recommend?"), PolarityPositive, false, "without its questions"},
		{"praise beside a question", post("3", "Acme is amazing", "Saved us hours every week. Who else uses it?"), PolarityPositive, true, ""},
		{"a request is not praise", post("4", "Looking for a good CRM", "Would love something simple and fast."), PolarityPositive, false, "a purchase request"},
		{"complaint with a question", post("5", "Done with Acme", "Support is awful and the app keeps crashing. What's a good alternative?"), PolarityNegative, true, "with them"},
		{"complaint", post("6", "", "Terrible support. I hate it."), PolarityNegative, true, "(negative;"},
		{"a request is still a complaint", post("7", "Looking for an alternative to Acme", "Their app is terrible and keeps crashing."), PolarityNegative, true, ""},
		{"only questions", post("8", "", "Why would anyone hate this?"), PolarityNegative, false, ""},
	}
	m := offline(t)
	for _, model := range []string{"", models.SentimentModelVADER} {
		for _, tt := range tests {
			t.Run(model+"/"+tt.name, func(t *testing.T) {
				r, err := m.Evaluate(context.Background(), manager("s-"+tt.post.ID+model, focus(model, tt.want)), tt.post)
				if err != nil {
					t.Fatal(err)
				}
				if r.Matched != tt.matched {
					t.Errorf("matched = %v, want %v (%+v)", r.Matched, tt.matched, r.Match)
				}
				if tt.reason != "" && !strings.Contains(strings.Join(r.Match.Reasons, "|"), tt.reason) {
					t.Errorf("reasons %q, want one with %q", r.Match.Reasons, tt.reason)
				}
				// The sentiment field is the model's polarity of the whole post.
				text := appendSentimentText(nil, tt.post)
				want := round3(learnedModel().Polarity(text, compoundScore(analyzer(), tt.post)))
				if model == models.SentimentModelVADER {
					want = round3(compoundScore(analyzer(), tt.post))
				}
				if r.Match.Sentiment != want {
					t.Errorf("sentiment %v, want %v", r.Match.Sentiment, want)
				}
			})
		}
	}
}

func TestDropQuestions(t *testing.T) {
	tests := []struct {
		name, in, want string
		asks           bool
	}{
		{"none", "Great tool. Love it!", "Great tool. Love it!", false},
		{"title question", "Best tool? We need one. Thanks!", "We need one. Thanks!", true},
		{"last", "I like it. Anyone else?", "I like it.", true},
		{"mixed run", "Really?! Wow. Sure?.", "Wow.", true},
		{"all questions", "Why? How??", "", true},
		{"no final punctuation", "Good stuff? yes really", "yes really", true},
		{"inner dots", "Version 4.5 is out. Is it good?", "Version 4.5 is out.", true},
		{"question mark inside a word", "what?really good", "what?really good", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, asks := dropQuestions([]byte(tt.in))
			if string(got) != tt.want || asks != tt.asks {
				t.Errorf("dropQuestions(%q) = %q, %v; want %q, %v", tt.in, got, asks, tt.want, tt.asks)
			}
		})
	}
}
