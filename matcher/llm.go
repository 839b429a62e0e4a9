package matcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	openai "github.com/sashabaranov/go-openai"
)

// LLMConfig turns on the optional LLM judge: an OpenAI-compatible
// chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp…) that sees the
// candidates the offline stage lets through.
type LLMConfig struct {
	BaseURL           string        `yaml:"base_url"` // e.g. https://api.openai.com/v1, http://localhost:11434/v1
	APIKey            string        `yaml:"api_key"`
	Model             string        `yaml:"model"`
	MaxCallsPerMinute int           `yaml:"max_calls_per_minute"` // across all processes sharing Redis; default 60
	CacheTTL          time.Duration `yaml:"cache_ttl"`            // default 24h
	Timeout           time.Duration `yaml:"timeout"`              // per call; default 10s
}

// String keeps the API key out of logs.
func (c LLMConfig) String() string {
	return fmt.Sprintf("{base_url:%s model:%s api_key:<secret> max_calls_per_minute:%d}", c.BaseURL, c.Model, c.MaxCallsPerMinute)
}

// LLM defaults.
const (
	DefaultLLMCallsPerMinute = 60
	DefaultLLMCacheTTL       = 24 * time.Hour
	DefaultLLMTimeout        = 10 * time.Second
	llmKeyPrefix             = "earshot:llm:"
	llmMaxPostChars          = 4000
)

// ErrLLMBudget means the per-minute budget of LLM calls is spent.
var ErrLLMBudget = errors.New("matcher: llm call budget exhausted")

// verdict is the judge's structured answer.
type verdict struct {
	Relevant  bool    `json:"relevant"`
	Score     float64 `json:"score"`
	Sentiment float64 `json:"sentiment"`
	Reason    string  `json:"reason"`
}

type llmJudge struct {
	cfg    LLMConfig
	client *openai.Client
	kv     kv
	log    *slog.Logger
	now    func() time.Time
}

func newLLMJudge(cfg LLMConfig, hc *http.Client, store kv, log *slog.Logger, now func() time.Time) *llmJudge {
	if cfg.MaxCallsPerMinute == 0 {
		cfg.MaxCallsPerMinute = DefaultLLMCallsPerMinute
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultLLMCacheTTL
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultLLMTimeout
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	if hc != nil {
		oc.HTTPClient = hc
	}
	return &llmJudge{cfg: cfg, client: openai.NewClientWithConfig(oc), kv: store, log: log, now: now}
}

const llmSystemPrompt = `You review social media posts for a social-listening monitor.
Answer with one JSON object and nothing else:
{"relevant": true|false, "score": number from 0 to 1, "sentiment": number from -1 to 1, "reason": "one short sentence"}
"relevant" says whether the post is what the monitor looks for; "score" how strongly (0.5 or more means it should be reported);
"sentiment" the author's attitude; "reason" why, for the person reading the alert.`

func focusBrief(c *compiled) string {
	if c.kind.brief == nil {
		return c.focus.Type
	}
	return c.kind.brief(c)
}

func (j *llmJudge) prompt(c *compiled, profiles []SiteProfile, p *models.Post) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Monitor focus: %s\n", focusBrief(c))
	var subject []string
	for _, t := range c.terms {
		if t.kind != kindExclude && !t.negated {
			subject = append(subject, t.display)
		}
	}
	if len(subject) > 0 {
		fmt.Fprintf(&b, "Monitor terms: %s\n", strings.Join(subject, ", "))
	}
	for _, sp := range profiles {
		fmt.Fprintf(&b, "Monitored site: %s", sp.Domain)
		if sp.Name != "" {
			fmt.Fprintf(&b, " (%s)", sp.Name)
		}
		if sp.Description != "" {
			fmt.Fprintf(&b, ": %s", sp.Description)
		}
		b.WriteByte('\n')
	}
	text := p.Text
	if len(text) > llmMaxPostChars {
		text = text[:llmMaxPostChars]
	}
	fmt.Fprintf(&b, "\nPost (%s", p.Type)
	if p.Subreddit != nil && p.Subreddit.Name != "" {
		fmt.Fprintf(&b, " in r/%s", p.Subreddit.Name)
	}
	fmt.Fprintf(&b, ")\nTitle: %s\nText: %s\n", p.Title, text)
	return b.String()
}

// judge asks the model about a post. Any failure (timeout, error, budget,
// unparsable answer) comes back as an error for the caller to fall back on.
func (j *llmJudge) judge(ctx context.Context, c *compiled, profiles []SiteProfile, p *models.Post) (verdict, error) {
	prompt := j.prompt(c, profiles, p)
	sum := sha256.Sum256([]byte(j.cfg.Model + "\x00" + llmSystemPrompt + "\x00" + prompt))
	key := llmKeyPrefix + "answer:" + hex.EncodeToString(sum[:16])
	if v, ok, err := j.kv.get(ctx, key); err == nil && ok {
		var cached verdict
		if json.Unmarshal([]byte(v), &cached) == nil {
			return cached, nil
		}
	}
	minute := j.now().Unix() / 60
	n, err := j.kv.incr(ctx, llmKeyPrefix+"budget:"+strconv.FormatInt(minute, 10), 2*time.Minute)
	if err != nil {
		return verdict{}, fmt.Errorf("matcher: llm budget: %w", err)
	}
	if n > int64(j.cfg.MaxCallsPerMinute) {
		return verdict{}, ErrLLMBudget
	}
	cctx, cancel := context.WithTimeoutCause(ctx, j.cfg.Timeout, errors.New("matcher: llm timeout"))
	defer cancel()
	resp, err := j.client.CreateChatCompletion(cctx, openai.ChatCompletionRequest{
		Model: j.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: llmSystemPrompt},
			{Role: openai.ChatMessageRoleUser, Content: prompt},
		},
		Temperature: 0,
		// max_tokens, not max_completion_tokens: the OpenAI-compatible
		// servers we target (Ollama, vLLM, llama.cpp) read only the former.
		MaxTokens: 200, //nolint:staticcheck // see above

		ResponseFormat: &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject},
	})
	if err != nil {
		if cause := context.Cause(cctx); cause != nil && ctx.Err() == nil {
			return verdict{}, cause
		}
		return verdict{}, fmt.Errorf("matcher: llm call: %w", err)
	}
	if len(resp.Choices) == 0 {
		return verdict{}, errors.New("matcher: llm answered no choices")
	}
	v, err := parseVerdict(resp.Choices[0].Message.Content)
	if err != nil {
		return verdict{}, err
	}
	if b, err := json.Marshal(v); err == nil {
		if err := j.kv.set(ctx, key, string(b), j.cfg.CacheTTL); err != nil {
			j.log.Warn("llm answer not cached", "error", err)
		}
	}
	return v, nil
}

// parseVerdict reads the model's JSON, tolerating code fences or prose
// around it, which smaller local models add.
func parseVerdict(s string) (verdict, error) {
	i, k := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}')
	if i < 0 || k < i {
		return verdict{}, fmt.Errorf("matcher: llm answer is not JSON: %.80q", s)
	}
	var raw struct {
		Relevant  *bool    `json:"relevant"`
		Score     *float64 `json:"score"`
		Sentiment float64  `json:"sentiment"`
		Reason    string   `json:"reason"`
	}
	if err := json.Unmarshal([]byte(s[i:k+1]), &raw); err != nil {
		return verdict{}, fmt.Errorf("matcher: llm answer: %w", err)
	}
	if raw.Relevant == nil || raw.Score == nil {
		return verdict{}, errors.New(`matcher: llm answer lacks "relevant" or "score"`)
	}
	v := verdict{Relevant: *raw.Relevant, Score: clamp01(*raw.Score), Sentiment: max(-1, min(1, raw.Sentiment)), Reason: strings.TrimSpace(raw.Reason)}
	if len(v.Reason) > 300 {
		v.Reason = v.Reason[:300]
	}
	return v, nil
}
