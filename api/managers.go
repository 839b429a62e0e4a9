package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

type listManagersResponse struct {
	Managers      []*models.Manager `json:"managers"`
	NextPageToken string            `json:"nextPageToken,omitempty"`
}

// vetManager applies a manager's defaults and reports every problem: its
// fields, its schedule and query (checked by the packages that run them),
// and its notices, which may only name existing connections of the
// manager's own namespace.
func (a *API) vetManager(ctx context.Context, ns string, m *models.Manager, missing []models.FieldError, connectionExists func(string) bool) error {
	m.ApplyDefaults()
	errs := catalog.ValidateManager(m, func(name string) *models.Connection {
		// The notice's type is checked against its connection's; the
		// connection's existence is checked below, in the transaction.
		if cns, cid, err := models.ParseConnectionName(name); err == nil && cns == ns {
			if c, err := a.store.GetConnection(ctx, ns, cid); err == nil {
				return c
			}
		}
		return nil
	})
	if m.Schedule != "" && a.opts.ValidateSchedule != nil {
		if err := a.opts.ValidateSchedule(m.Schedule); err != nil {
			errs = append(errs, models.FieldError{Field: "schedule", Description: err.Error()})
		}
	}
	for i, n := range m.Notices {
		cns, cid, err := models.ParseConnectionName(n.Connection)
		if err != nil {
			continue // Validate said so
		}
		field := "notices[" + strconv.Itoa(i) + "].connection"
		switch {
		case cns != ns:
			errs = append(errs, models.FieldError{Field: field, Description: "a notice may only name a connection of its own namespace (namespaces/" + ns + "/connections/…)"})
		case !connectionExists(cid):
			errs = append(errs, models.FieldError{Field: field, Description: "names a connection that does not exist"})
		}
	}
	if errs := merge(missing, errs); len(errs) > 0 {
		return invalid(errs...)
	}
	return nil
}

// withStatus fills in the output-only status of managers read from the
// store.
func (a *API) withStatus(ctx context.Context, ms ...*models.Manager) error {
	sts, err := a.store.ManagerStatuses(ctx, ms)
	if err != nil {
		return err
	}
	for i, m := range ms {
		m.Status = sts[i]
	}
	return nil
}

func (a *API) createManager(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := query(r, "managerId")
	if err != nil {
		return err
	}
	// Fields left out keep their defaults; in particular enable is true.
	m := models.DefaultManager()
	b, e := decodeBody(w, r, &m, false)
	if e != nil {
		return e
	}
	id, generated, err := resourceID(q, "managerId")
	if err != nil {
		return err
	}
	clearOutputOnly(&m)
	missing := required(b, "source.type", "input.focus.type")
	for attempt := 0; ; attempt++ {
		m.ID = id
		err = a.store.CreateManager(r.Context(), c.ns, &m, func(m *models.Manager, exists func(string) bool) error {
			return a.vetManager(r.Context(), c.ns, m, missing, exists)
		})
		if errors.Is(err, store.ErrAlreadyExists) && generated && attempt < 3 {
			id = newID()
			continue
		}
		break
	}
	if err != nil {
		return storeError(err, models.ManagerName(c.ns, id))
	}
	c.log.Info("manager created", "manager", m.Name)
	if err := a.withStatus(r.Context(), &m); err != nil {
		return err
	}
	setEtag(w, m.Etag)
	writeJSON(w, http.StatusOK, &m)
	return nil
}

func (a *API) getManager(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := query(r); err != nil {
		return err
	}
	id := r.PathValue("m")
	m, err := a.store.GetManager(r.Context(), c.ns, id)
	if err != nil {
		return storeError(err, models.ManagerName(c.ns, id))
	}
	if err := a.withStatus(r.Context(), m); err != nil {
		return err
	}
	setEtag(w, m.Etag)
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) listManagers(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := query(r, "pageSize", "pageToken")
	if err != nil {
		return err
	}
	size, err := pageSize(q)
	if err != nil {
		return err
	}
	tok, err := readPageToken(q, queryDigest("managers", c.ns))
	if err != nil {
		return err
	}
	all, err := a.store.ListManagers(r.Context(), c.ns)
	if err != nil {
		return err
	}
	page, next := pageByID(all, func(m *models.Manager) string { return m.ID }, tok, size)
	if err := a.withStatus(r.Context(), page...); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listManagersResponse{Managers: page, NextPageToken: next})
	return nil
}

func (a *API) updateManager(w http.ResponseWriter, r *http.Request, c *call) error {
	patch, paths, etag, err := readPatch(w, r, func(p *models.Manager) string { return p.Etag })
	if err != nil {
		return err
	}
	id := r.PathValue("m")
	m, err := a.store.UpdateManager(r.Context(), c.ns, id, etag, func(cur *models.Manager, exists func(string) bool) error {
		applyMask(cur, patch, paths)
		return a.vetManager(r.Context(), c.ns, cur, nil, exists)
	})
	if err != nil {
		return storeError(err, models.ManagerName(c.ns, id))
	}
	c.log.Info("manager updated", "manager", m.Name)
	if err := a.withStatus(r.Context(), m); err != nil {
		return err
	}
	setEtag(w, m.Etag)
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) deleteManager(w http.ResponseWriter, r *http.Request, c *call) error {
	etag, err := readDelete(w, r)
	if err != nil {
		return err
	}
	id := r.PathValue("m")
	if err := a.store.DeleteManagerIf(r.Context(), c.ns, id, etag); err != nil {
		return storeError(err, models.ManagerName(c.ns, id))
	}
	c.log.Info("manager deleted", "manager", models.ManagerName(c.ns, id))
	writeJSON(w, http.StatusOK, empty{})
	return nil
}
