package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// query returns r's query parameters, refusing any not in allowed and any
// given twice: a misspelt parameter silently ignored would hide a bug.
func query(r *http.Request, allowed ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, newError(http.StatusBadRequest, "malformed query string")
	}
	var errs []models.FieldError
	for _, k := range sortedParams(q) {
		switch {
		case !slices.Contains(allowed, k):
			d := "unknown query parameter"
			if len(allowed) > 0 {
				d += "; this method takes " + strings.Join(allowed, ", ")
			}
			errs = append(errs, models.FieldError{Field: k, Description: d})
		case len(q[k]) > 1:
			errs = append(errs, models.FieldError{Field: k, Description: "is given more than once"})
		}
	}
	if len(errs) > 0 {
		return nil, invalid(errs...)
	}
	return q, nil
}

func sortedParams(q url.Values) []string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Page sizes (AIP-158).
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// pageSize reads the pageSize parameter: absent or 0 means the default,
// more than the maximum means the maximum.
func pageSize(q url.Values) (int, error) {
	s := q.Get("pageSize")
	if s == "" {
		return DefaultPageSize, nil
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return 0, invalidField("pageSize", "must be an integer")
	case n < 0:
		return 0, invalidField("pageSize", "must not be negative")
	case n == 0:
		return DefaultPageSize, nil
	}
	return min(n, MaxPageSize), nil
}

// pageToken is what a nextPageToken holds, base64url-encoded JSON. It is
// opaque to clients, and bound to its query: the digest of the list's
// parent and filter, so a token cannot continue a different listing.
type pageToken struct {
	Query string              `json:"q"`
	After string              `json:"a,omitempty"` // id of the last resource returned
	Scan  *store.ScanPosition `json:"s,omitempty"` // position of the last scan returned
}

// queryDigest names a listing: what it lists and its filter.
func queryDigest(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:8])
}

func encodePageToken(t pageToken) string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

// readPageToken decodes the pageToken parameter of the listing named by
// digest; a zero token when there is none.
func readPageToken(q url.Values, digest string) (pageToken, error) {
	s := q.Get("pageToken")
	if s == "" {
		return pageToken{Query: digest}, nil
	}
	var t pageToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &t) != nil || t.Query == "" {
		return t, invalidField("pageToken", "is not a page token of this API: pass the nextPageToken of a previous page unchanged")
	}
	if t.Query != digest {
		return t, invalidField("pageToken", "belongs to a different listing: a page token only continues the listing (same parent and filter) that returned it")
	}
	return t, nil
}

// preconditionEtag returns the etag a write is conditional on: the
// body's etag field (AIP-154) or the If-Match header; "" for none.
func preconditionEtag(r *http.Request, bodyEtag string) (string, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	h = strings.TrimPrefix(h, "W/")
	h = strings.Trim(h, `"`)
	if h == "*" {
		h = ""
	}
	if h != "" && bodyEtag != "" && h != bodyEtag {
		return "", invalidField("etag", "differs from the If-Match header; give one or make them agree")
	}
	if bodyEtag != "" {
		return bodyEtag, nil
	}
	return h, nil
}

// resourceID reads the id a create method is asked to use (the idParam
// query parameter), or generates one.
func resourceID(q url.Values, idParam string) (id string, generated bool, err error) {
	id = q.Get(idParam)
	if id == "" {
		return newID(), true, nil
	}
	if err := models.ValidID(id); err != nil {
		return "", false, invalidField(idParam, "%s", strings.TrimPrefix(err.Error(), "invalid id: "))
	}
	return id, false, nil
}

// newID returns a random id: 12 lowercase letters and digits, starting
// with a letter.
func newID() string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	const alnum = letters + "0123456789"
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	b[0] = letters[int(b[0])%len(letters)]
	for i := 1; i < len(b); i++ {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// setEtag sends a resource's etag as the ETag header too.
func setEtag(w http.ResponseWriter, etag string) {
	if etag != "" {
		w.Header().Set("ETag", `"`+etag+`"`)
	}
}

// empty is the answer of a delete (google.protobuf.Empty).
type empty struct{}

// deleteRequest is the optional body of a delete.
type deleteRequest struct {
	Etag string `json:"etag"`
}

// readDelete reads a delete request: no query parameters, and an optional
// body whose etag (or an If-Match header) is the precondition ("" for none).
func readDelete(w http.ResponseWriter, r *http.Request) (etag string, err error) {
	if _, err := query(r); err != nil {
		return "", err
	}
	var req deleteRequest
	if _, e := decodeBody(w, r, &req, true); e != nil {
		return "", e
	}
	return preconditionEtag(r, req.Etag)
}

// readPatch reads an update of a T: the partial resource in the body, the
// field paths to write (the updateMask, or else the fields present) and
// the etag precondition (from the body's etag or If-Match).
func readPatch[T any](w http.ResponseWriter, r *http.Request, etagOf func(*T) string) (patch *T, paths []string, etag string, err error) {
	q, err := query(r, "updateMask")
	if err != nil {
		return nil, nil, "", err
	}
	patch = new(T)
	b, e := decodeBody(w, r, patch, false)
	if e != nil {
		return nil, nil, "", e
	}
	if paths, err = updateMask[T](q, b); err != nil {
		return nil, nil, "", err
	}
	if etag, err = preconditionEtag(r, etagOf(patch)); err != nil {
		return nil, nil, "", err
	}
	return patch, paths, etag, nil
}

// readEmptyCall reads a custom method that takes no arguments: no query
// parameters and an empty (or {}) body.
func readEmptyCall(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	var req struct{}
	if _, e := decodeBody(w, r, &req, true); e != nil {
		return e
	}
	return nil
}
