package models

import (
	"reflect"
	"testing"
)

func TestManagerValidateSearchSources(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Manager)
		want   []FieldError
	}{
		{name: "twitter with a query", modify: func(m *Manager) {
			m.Source = Source{Type: SourceTwitter, Query: "earshot -is:retweet"}
		}},
		{name: "twitter with keywords", modify: func(m *Manager) {
			m.Source = Source{Type: SourceTwitter}
			m.Input.Keywords = []string{"earshot"}
		}},
		{name: "twitter with neither", modify: func(m *Manager) {
			m.Source = Source{Type: SourceTwitter}
			m.Input.Keywords = nil
		}, want: []FieldError{{"source.query", "a TWITTER source needs a query, or input.keywords to build one from"}}},
		{name: "hacker news with neither", modify: func(m *Manager) {
			m.Source = Source{Type: SourceHackerNews, Query: " "}
			m.Input.Keywords = nil
		}, want: []FieldError{{"source.query", "a HACKERNEWS source needs a query, or input.keywords to build one from"}}},
		{name: "hacker news with keywords", modify: func(m *Manager) {
			m.Source = Source{Type: SourceHackerNews, Include: []string{"comments"}}
		}},
		{name: "facebook with pages", modify: func(m *Manager) {
			m.Source = Source{Type: SourceFacebook, Pages: []string{"acmeinc", "104958162837"}}
		}},
		{name: "facebook without pages", modify: func(m *Manager) {
			m.Source = Source{Type: SourceFacebook}
		}, want: []FieldError{{"source.pages", "a FACEBOOK source needs at least one page id or username"}}},
		{name: "ingest needs nothing of the source", modify: func(m *Manager) {
			m.Source = Source{Type: SourceIngest}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validManager()
			m.Input.Keywords = []string{"social listening"}
			tt.modify(&m)
			got := m.Validate()
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate() = %v, want %v", got, tt.want)
			}
		})
	}
}
