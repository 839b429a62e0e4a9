package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// scanView is a scan as the API shows it: scans never change, so their
// updateTime is their createTime and their etag a digest of their content.
type scanView struct {
	models.Scan
	UpdateTime time.Time `json:"updateTime"`
	Etag       string    `json:"etag"`
}

func newScanView(s *models.Scan, raw []byte) scanView {
	sum := sha256.Sum256(raw)
	return scanView{Scan: *s, UpdateTime: s.CreateTime, Etag: hex.EncodeToString(sum[:8])}
}

type listScansResponse struct {
	Scans         []scanView `json:"scans"`
	NextPageToken string     `json:"nextPageToken,omitempty"`
}

// scanFilter is the one filter the scans list takes (AIP-160's syntax):
// createTime > "2026-06-13T12:00:00Z", or >=, to poll incrementally.
var scanFilter = regexp.MustCompile(`^\s*createTime\s*(>=|>)\s*("([^"]*)"|(\S+))\s*$`)

func parseScanFilter(f string) (since time.Time, inclusive bool, err error) {
	if f == "" {
		return time.Time{}, false, nil
	}
	m := scanFilter.FindStringSubmatch(f)
	if m == nil {
		return time.Time{}, false, invalidField("filter", `unsupported filter: the scans list takes createTime > "RFC 3339 time" (or >=)`)
	}
	ts := m[3]
	if m[4] != "" {
		ts = m[4]
	}
	t, perr := time.Parse(time.RFC3339Nano, ts)
	if perr != nil {
		return time.Time{}, false, invalidField("filter", `createTime must be compared with an RFC 3339 time, such as "2026-06-13T12:00:00Z"`)
	}
	return t, m[1] == ">=", nil
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
	since, inclusive, err := parseScanFilter(q.Get("filter"))
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
	listed, more, err := a.store.ListScans(r.Context(), c.ns, store.ScanQuery{
		Manager: m, After: tok.Scan, Since: since, SinceInclusive: inclusive, Limit: size,
	})
	if err != nil {
		return err
	}
	resp := listScansResponse{Scans: make([]scanView, len(listed))}
	for i, l := range listed {
		resp.Scans[i] = newScanView(l.Scan, l.Raw)
	}
	if more && len(listed) > 0 {
		last := listed[len(listed)-1].Position
		resp.NextPageToken = encodePageToken(pageToken{Query: tok.Query, Scan: &last})
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
