package config

import (
	"strings"
	"testing"
	"time"
)

func TestMatcherLLM(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"ok", "matcher:\n  llm: {base_url: \"http://localhost:11434/v1\", model: llama3, cache_ttl: 12h, timeout: 5s}\n", ""},
		{"no model", "matcher:\n  llm:\n    base_url: https://api.openai.com/v1\n", "t.yaml:2: matcher.llm.model: is required"},
		{"bad url", "matcher:\n  llm:\n    base_url: ftp://x\n    model: m\n", "t.yaml:3: matcher.llm.base_url:"},
		{"bad duration", "matcher:\n  llm: {base_url: \"https://x\", model: m, timeout: 5x}\n", "t.yaml:2: matcher.llm.timeout: must be a duration"},
		{"unknown key", "matcher:\n  llm:\n    base_url: https://x\n    model: m\n    temperature: 1\n", "t.yaml:5: matcher.llm.temperature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse("t.yaml", []byte(tc.yaml), nil)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if cfg.Matcher.LLM == nil || cfg.Matcher.LLM.CacheTTL != 12*time.Hour || cfg.Matcher.LLM.Model != "llama3" {
					t.Errorf("llm = %+v", cfg.Matcher.LLM)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestDeliveryLimits(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"timeout too long", "delivery:\n  timeout: 5m\n", "t.yaml:2: delivery.timeout: must be at most 1m0s"},
		{"negative rate", "delivery:\n  rate_limit: -1\n", "t.yaml:2: delivery.rate_limit: must not be negative"},
		{"negative concurrency", "delivery:\n  connection_concurrency: -3\n", "t.yaml:2: delivery.connection_concurrency: must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
