package facebook

import (
	"slices"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

var _ sources.Combiner = (*Source)(nil)

// StreamKey implements sources.Shared: every Facebook manager is of one
// stream, whose reads (see Combine) are its pages.
func (s *Source) StreamKey(m *models.Manager) string {
	if _, err := feedPages(m); err != nil {
		return ""
	}
	return "pages"
}

// Combine implements sources.Combiner: one read per distinct page, shared
// by every manager that names it.
func (s *Source) Combine(ms []*models.Manager) []sources.Read {
	served := map[string][]*models.Manager{}
	for _, m := range ms {
		pages, err := feedPages(m)
		if err != nil {
			continue
		}
		for _, p := range pages {
			served[p] = append(served[p], m)
		}
	}
	reads := make([]sources.Read, 0, len(served))
	for p, managers := range served {
		rep := sources.Representative(managers, nil)
		rep.Name, rep.ID = "", "stream page:"+p
		rep.Source.Settings = models.SettingsOf(Settings{Pages: []string{p}})
		reads = append(reads, sources.Read{Key: "page:" + p, Manager: rep, Managers: managers})
	}
	slices.SortFunc(reads, func(a, b sources.Read) int { return strings.Compare(a.Key, b.Key) })
	return reads
}

// Wants implements sources.Combiner: a read is of one page, and every
// manager it serves names that page.
func (s *Source) Wants(*models.Manager, *models.Post) bool { return true }
