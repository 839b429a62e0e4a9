package hackernews

import (
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

var _ sources.Combiner = (*Source)(nil)

// defaultInclude is what an empty source.include reads: stories and
// comments.
var defaultInclude = []string{"comments", "posts"}

// StreamKey implements sources.Shared: every manager without a query of
// its own shares one reader of every new story and comment (HN Search by
// date with an empty query), and managers with a query share its read.
func (s *Source) StreamKey(m *models.Manager) string {
	st, err := sources.Settings[Settings](m)
	if err != nil {
		return ""
	}
	if q := strings.Join(strings.Fields(st.Query), " "); q != "" {
		return "query:" + q
	}
	return "all"
}

// Combine implements sources.Combiner: one read, of stories, comments or
// both as the managers ask.
func (s *Source) Combine(ms []*models.Manager) []sources.Read {
	if len(ms) == 0 {
		return nil
	}
	return []sources.Read{{Manager: sources.Representative(ms, defaultInclude), Managers: ms}}
}

// Wants implements sources.Combiner: a story is for the managers that read
// posts, a comment for those that read comments.
func (s *Source) Wants(m *models.Manager, p *models.Post) bool {
	kind := "posts"
	if p.Type == PostTypeComment {
		kind = "comments"
	}
	return sources.Includes(m, kind, defaultInclude)
}
