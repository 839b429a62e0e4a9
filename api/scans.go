package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// scanView is a scan as the API shows it: its etag is a digest of its
// stored content, and its updateTime that of its last triage (its
// createTime before any).
type scanView struct {
	models.Scan
	UpdateTime time.Time `json:"updateTime"`
	Etag       string    `json:"etag"`
}

func newScanView(s *models.Scan, raw []byte) scanView {
	s.Normalize()
	u := s.UpdateTime
	if u.IsZero() {
		u = s.CreateTime
	}
	return scanView{Scan: *s, UpdateTime: u, Etag: store.ScanEtag(raw)}
}

type listScansResponse struct {
	Scans         []scanView `json:"scans"`
	NextPageToken string     `json:"nextPageToken,omitempty"`
}

// listScans lists a manager's scans, or with manager "-" those of every
// manager of the namespace (AIP-159), newest first.
func (a *API) listScans(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := query(r, "pageSize", "pageToken", "filter")
	if err != nil {
		return err
	}
	size, err := pageSize(q)
	if err != nil {
		return err
	}
	f, err := parseScanFilter(q.Get("filter"))
	if err != nil {
		return err
	}
	m := r.PathValue("m")
	tok, err := readPageToken(q, queryDigest("scans", c.ns, m, q.Get("filter")))
	if err != nil {
		return err
	}
	if m != "-" {
		if _, err := a.store.GetManager(r.Context(), c.ns, m); err != nil {
			return storeError(err, models.ManagerName(c.ns, m))
		}
	}
	listed, next, err := a.store.ListScans(r.Context(), c.ns, store.ScanQuery{
		Manager: m, After: tok.Scan, Since: f.since, SinceInclusive: f.inclusive, Keep: f.keep(), Limit: size,
	})
	if err != nil {
		return err
	}
	resp := listScansResponse{Scans: make([]scanView, len(listed))}
	for i, l := range listed {
		resp.Scans[i] = newScanView(l.Scan, l.Raw)
	}
	if next != nil {
		resp.NextPageToken = encodePageToken(pageToken{Query: tok.Query, Scan: next})
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) getScan(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := query(r); err != nil {
		return err
	}
	m, id := r.PathValue("m"), r.PathValue("s")
	if m == "-" {
		return newError(http.StatusBadRequest, "a scan is read by its full name, namespaces/{namespace}/managers/{manager}/scans/{scan}: the \"-\" wildcard only lists")
	}
	if _, err := a.store.GetManager(r.Context(), c.ns, m); err != nil {
		return storeError(err, models.ManagerName(c.ns, m))
	}
	s, raw, err := a.store.GetScanRaw(r.Context(), c.ns, m, id)
	if err != nil {
		return storeError(err, models.ScanName(c.ns, m, id))
	}
	v := newScanView(s, raw)
	setEtag(w, v.Etag)
	writeJSON(w, http.StatusOK, v)
	return nil
}

// updateScan writes a scan's triage: state and tags, the only fields of a
// scan a user writes (AIP-134, with updateMask or the fields given).
func (a *API) updateScan(w http.ResponseWriter, r *http.Request, c *call) error {
	patch, paths, etag, err := readPatch(w, r, func(p *scanView) string { return p.Etag })
	if err != nil {
		return err
	}
	explicit := r.URL.Query().Has("updateMask") && strings.TrimSpace(r.URL.Query().Get("updateMask")) != ""
	var write []string
	for _, p := range paths {
		root, _, _ := strings.Cut(p, ".")
		switch {
		case root == "state" || root == "tags":
			write = append(write, root)
		case explicit:
			return invalidField("updateMask", "names %s, an output-only field: a scan's writable fields are state and tags", p)
		}
	}
	m, id := r.PathValue("m"), r.PathValue("s")
	if m == "-" {
		return newError(http.StatusBadRequest, "a scan is updated by its full name, namespaces/{namespace}/managers/{manager}/scans/{scan}: the \"-\" wildcard only lists")
	}
	if _, err := a.store.GetManager(r.Context(), c.ns, m); err != nil {
		return storeError(err, models.ManagerName(c.ns, m))
	}
	s, raw, err := a.store.UpdateScan(r.Context(), c.ns, m, id, etag, func(cur *models.Scan) error {
		v := scanView{Scan: *cur}
		applyMask(&v, patch, write)
		*cur = v.Scan
		if errs := cur.ValidateTriage(); len(errs) > 0 {
			return invalid(errs...)
		}
		return nil
	})
	if err != nil {
		return storeError(err, models.ScanName(c.ns, m, id))
	}
	c.log.Debug("scan triaged", "scan", s.Name, "state", s.State)
	v := newScanView(s, raw)
	setEtag(w, v.Etag)
	writeJSON(w, http.StatusOK, v)
	return nil
}
