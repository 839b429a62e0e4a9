package api

import (
	"errors"
	"net/http"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

type listNamespacesResponse struct {
	Namespaces    []*models.Namespace `json:"namespaces"`
	NextPageToken string              `json:"nextPageToken,omitempty"`
}

func (a *API) createNamespace(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := query(r, "namespaceId")
	if err != nil {
		return err
	}
	// A namespace has no writable fields; the body may be left out.
	var n models.Namespace
	if _, e := decodeBody(w, r, &n, true); e != nil {
		return e
	}
	id, generated, err := resourceID(q, "namespaceId")
	if err != nil {
		return err
	}
	clearOutputOnly(&n)
	for attempt := 0; ; attempt++ {
		n.ID = id
		err = a.store.CreateNamespace(r.Context(), &n)
		if errors.Is(err, store.ErrAlreadyExists) && generated && attempt < 3 {
			id = newID()
			continue
		}
		break
	}
	if err != nil {
		return storeError(err, models.NamespaceName(id))
	}
	c.log.Info("namespace created", "namespace", n.Name)
	setEtag(w, n.Etag)
	writeJSON(w, http.StatusOK, &n)
	return nil
}

func (a *API) getNamespace(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := query(r); err != nil {
		return err
	}
	n, err := a.store.GetNamespace(r.Context(), c.ns)
	if err != nil {
		return storeError(err, models.NamespaceName(c.ns))
	}
	setEtag(w, n.Etag)
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (a *API) listNamespaces(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := query(r, "pageSize", "pageToken")
	if err != nil {
		return err
	}
	size, err := pageSize(q)
	if err != nil {
		return err
	}
	tok, err := readPageToken(q, queryDigest("namespaces"))
	if err != nil {
		return err
	}
	all, err := a.store.ListNamespaces(r.Context())
	if err != nil {
		return err
	}
	page, next := pageByID(all, func(n *models.Namespace) string { return n.ID }, tok, size)
	writeJSON(w, http.StatusOK, listNamespacesResponse{Namespaces: page, NextPageToken: next})
	return nil
}

// deleteNamespace deletes a namespace with everything in it: its
// connections, managers, scans and API keys.
func (a *API) deleteNamespace(w http.ResponseWriter, r *http.Request, c *call) error {
	etag, err := readDelete(w, r)
	if err != nil {
		return err
	}
	if err := a.store.DeleteNamespaceIf(r.Context(), c.ns, etag); err != nil {
		return storeError(err, models.NamespaceName(c.ns))
	}
	c.log.Info("namespace deleted", "namespace", models.NamespaceName(c.ns))
	writeJSON(w, http.StatusOK, empty{})
	return nil
}
