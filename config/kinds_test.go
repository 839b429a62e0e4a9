package config

import (
	"strings"
	"testing"
)

// TestTheNewKindsParse: the README's managers of the new kinds parse as
// they are (their fields are the kinds' settings, flat in source:), and a
// mistake in one names file, line and field.
func TestTheNewKindsParse(t *testing.T) {
	env := func(string) (string, bool) { return "", false }
	good := `
sources:
  allow_private_targets: false
  mastodon: {base_url: https://mastodon.social, access_token: tok, access_tokens: {fosstodon.org: tok2}, max_pages: 5}
  rss: {user_agent: "earshot/0.1", max_items: 100}
  youtube: {api_key: key, daily_quota: 10000, max_pages: 1, comment_videos: 10}
  github: {token: tok}
  stackexchange: {key: key}
namespaces:
  - id: acme
    managers:
      - id: fediverse
        source: {type: MASTODON, instance: https://fosstodon.org, hashtags: [selfhosted, "#SocialListening"], query: earshot}
        input: {keywords: [earshot], focus: {type: MENTIONS}}
      - id: blogs
        source: {type: RSS, feeds: ["https://blog.example.com/feed.xml"]}
        input: {keywords: [earshot], focus: {type: MENTIONS}}
      - id: youtube
        source: {type: YOUTUBE, query: 'earshot|"social listening"', channels: [UC38IQsAvIsxxjztdMZQtwHA], include: [videos, comments]}
        input: {keywords: [earshot], focus: {type: MENTIONS}}
      - id: github
        source: {type: GITHUB, query: 'earshot in:title,body', repos: [acme/widget], include: [issues, comments]}
        input: {keywords: [earshot], focus: {type: MENTIONS}}
      - id: so
        source: {type: STACKEXCHANGE, site: stackoverflow, tagged: [go, webhooks], include: [questions, answers]}
        input: {keywords: [webhook], focus: {type: MENTIONS}}
`
	if _, err := Parse("earshot.yaml", []byte(good), env); err != nil {
		t.Fatalf("the README's managers: %v", err)
	}
	bad := strings.NewReplacer("hashtags: [selfhosted", "hashtag: [selfhosted", "feeds: [", "feeds: [relative, ", "allow_private_targets: false", "allow_private_targets: maybe").Replace(good)
	_, err := Parse("earshot.yaml", []byte(bad), env)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`earshot.yaml:3: sources.allow_private_targets: must be true or false`,
		`namespaces[0].managers[0].source.hashtag: unknown field "hashtag"`,
		`namespaces[0].managers[1].source.feeds[0]: must be an absolute URL`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems:\n%v\nwant one with %q", err, want)
		}
	}
}
