package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/ingest"
)

// A Read is one read of a source made on a schedule: of one manager, or,
// for a source that implements sources.Shared, shared by every manager of
// its stream that needs it (all of Reddit, a multireddit, one query, one
// page). Its posts are matched against all of its managers in one index
// pass, and its cursor is its own.
type Read struct {
	// ID names the read in every process and across restarts: the poll
	// tasks, the lock and the cursor of a shared read are named by it.
	// "manager/namespaces/{ns}/managers/{id}" for a manager read alone,
	// "{TYPE}/{stream key}" (and "#{read key}") for a shared one.
	ID string
	// Type is the source type.
	Type string
	// Shared says the read is a stream's (its cursor is the stream's,
	// not a manager's).
	Shared bool
	// Poll is the manager the source's Poll is given.
	Poll *models.Manager
	// Managers are the managers its posts are matched against, by name.
	Managers []*models.Manager
	// Streamed says the read is a continuous stream (a sources.Streamer's):
	// RunStreams reads it, the scheduler does not poll it.
	Streamed bool

	source sources.Source
	wants  func(m *models.Manager, p *models.Post) bool // nil: every post for every manager
}

// manager returns the namespace and id of a read of one manager.
func (r *Read) manager() (ns, id string, ok bool) {
	if r.Shared || len(r.Managers) != 1 {
		return "", "", false
	}
	ns, id, err := models.ParseManagerName(r.Managers[0].Name)
	return ns, id, err == nil
}

// Reads groups the enabled, polled managers (INGEST ones are pushed) into
// the reads that serve them: one per manager of a source that does not
// share its reads, and for the others one per stream — the managers of
// one source type whose StreamKey is equal — or, for a sources.Combiner,
// the reads its Combine returns. Managers whose type has no source are
// left out (Poll reports them). Reads are returned in ID order.
func Reads(reg sources.Registry, managers []*models.Manager) []Read {
	type streamID struct{ typ, key string }
	streams := map[streamID][]*models.Manager{}
	var out []Read
	for _, m := range managers {
		if !m.Enable || m.Source.Type == ingest.Type {
			continue
		}
		src, err := reg.For(m)
		if err != nil {
			continue
		}
		if sh, ok := sources.As[sources.Shared](src); ok {
			if key := sh.StreamKey(m); key != "" {
				id := streamID{m.Source.Type, key}
				streams[id] = append(streams[id], m)
				continue
			}
		}
		out = append(out, Read{ID: "manager/" + m.Name, Type: m.Source.Type, Poll: m, Managers: []*models.Manager{m}, source: src})
	}
	for id, ms := range streams {
		slices.SortFunc(ms, byName)
		src := reg[id.typ]
		base := id.typ + "/" + id.key
		comb, ok := sources.As[sources.Combiner](src)
		if !ok {
			_, streamed := sources.As[sources.Streamer](src)
			out = append(out, Read{ID: base, Type: id.typ, Shared: true, Streamed: streamed, Poll: sources.Representative(ms, nil), Managers: ms, source: src})
			continue
		}
		for _, r := range comb.Combine(ms) {
			if len(r.Managers) == 0 || r.Manager == nil {
				continue
			}
			rid := base
			if r.Key != "" {
				rid += "#" + r.Key
			}
			served := slices.Clone(r.Managers)
			slices.SortFunc(served, byName)
			out = append(out, Read{ID: rid, Type: id.typ, Shared: true, Poll: r.Manager, Managers: served, source: src, wants: comb.Wants})
		}
	}
	slices.SortFunc(out, func(a, b Read) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func byName(a, b *models.Manager) int { return cmp.Compare(a.Name, b.Name) }

// snapshot is every manager as of one version of the store, and the reads
// they make. Reading them again only when the version moves keeps a poll
// (and an ingest) from decoding every manager, while a manager added,
// changed or removed in any process counts from the next read on.
type snapshot struct {
	version  int64
	managers []*models.Manager
	byName   map[string]*models.Manager
	reads    []Read
	byID     map[string]*Read
	ingest   map[string][]*models.Manager // by namespace: enabled INGEST managers
}

type snapshots struct {
	mu  sync.Mutex
	cur *snapshot
}

// snapshot returns the current snapshot of the managers.
func (p *Poller) snapshot(ctx context.Context) (*snapshot, error) {
	v, err := p.Store.Version(ctx)
	if err != nil {
		return nil, err
	}
	p.snap.mu.Lock()
	defer p.snap.mu.Unlock()
	if s := p.snap.cur; s != nil && s.version == v {
		return s, nil
	}
	nss, err := p.Store.ListNamespaces(ctx)
	if err != nil {
		return nil, err
	}
	s := &snapshot{version: v, byName: map[string]*models.Manager{}, byID: map[string]*Read{}, ingest: map[string][]*models.Manager{}}
	for _, n := range nss {
		ms, err := p.Store.ListManagers(ctx, n.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Name == "" {
				m.Name = models.ManagerName(n.ID, m.ID)
			}
			s.managers = append(s.managers, m)
			s.byName[m.Name] = m
			if m.Enable && m.Source.Type == ingest.Type {
				s.ingest[n.ID] = append(s.ingest[n.ID], m)
			}
		}
	}
	for _, ms := range s.ingest {
		slices.SortFunc(ms, byName)
	}
	s.reads = Reads(p.Sources, s.managers)
	for i := range s.reads {
		s.byID[s.reads[i].ID] = &s.reads[i]
	}
	p.snap.cur = s
	return s, nil
}

// readsOf returns the reads that serve a manager.
func (s *snapshot) readsOf(name string) []*Read {
	var out []*Read
	for i := range s.reads {
		if slices.ContainsFunc(s.reads[i].Managers, func(m *models.Manager) bool { return m.Name == name }) {
			out = append(out, &s.reads[i])
		}
	}
	return out
}

// errNoSource is returned for a manager whose source type has no source.
func errNoSource(m *models.Manager) error {
	return fmt.Errorf("pipeline: poll %s: sources: no source of type %q is configured", m.Name, m.Source.Type)
}
