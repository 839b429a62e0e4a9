package twitter

import (
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

var _ sources.Shared = (*Source)(nil)

// StreamKey implements sources.Shared: managers whose search query (their
// own, or the one built from their input) is the same share its read.
func (s *Source) StreamKey(m *models.Manager) string {
	q, err := Query(m)
	if err != nil {
		return ""
	}
	return "query:" + q
}
