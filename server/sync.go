package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// ApplyConfig stores the resources declared in the configuration file.
//
// The file wins when it changes: a resource is written when its declaration
// differs from the one applied last time (or it is missing), and left alone
// otherwise, so an edit made through the API survives restarts until the
// file's declaration of that resource changes. A resource that an earlier
// file declared and this one does not is deleted; resources created through
// the API are never touched.
func ApplyConfig(ctx context.Context, st *store.Store, cfg *config.Config, log *slog.Logger) error {
	if err := checkWhole(cfg); err != nil {
		return err
	}
	declared := make(map[string]bool)
	for _, n := range cfg.Namespaces {
		ns := &models.Namespace{ID: n.ID}
		if _, err := st.GetNamespace(ctx, n.ID); errors.Is(err, store.ErrNotFound) {
			if err := st.PutNamespace(ctx, ns); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		for i := range n.Connections {
			c := n.Connections[i]
			name := models.ConnectionName(n.ID, c.ID)
			declared[name] = true
			changed, h, err := declarationChanged(ctx, st, name, c, func() error {
				_, err := st.GetConnection(ctx, n.ID, c.ID)
				return err
			})
			if err != nil {
				return err
			}
			if !changed {
				continue
			}
			if err := st.PutConnection(ctx, n.ID, &c); err != nil {
				return err
			}
			if err := st.SetConfigHash(ctx, name, h); err != nil {
				return err
			}
			log.Info("connection applied from config", "connection", name)
		}
		for i := range n.Managers {
			m := n.Managers[i]
			name := models.ManagerName(n.ID, m.ID)
			declared[name] = true
			changed, h, err := declarationChanged(ctx, st, name, m, func() error {
				_, err := st.GetManager(ctx, n.ID, m.ID)
				return err
			})
			if err != nil {
				return err
			}
			if !changed {
				continue
			}
			if err := st.PutManager(ctx, n.ID, &m); err != nil {
				return err
			}
			if err := st.SetConfigHash(ctx, name, h); err != nil {
				return err
			}
			log.Info("manager applied from config", "manager", name)
		}
	}
	// API keys: only their SHA-256 digests are stored. Keys of an earlier
	// file that this one no longer lists stop working; keys made with
	// `earshot apikey create` are not touched.
	nsKeys := make(map[string][]string, len(cfg.Namespaces))
	for _, n := range cfg.Namespaces {
		nsKeys[n.ID] = n.APIKeys
	}
	if err := st.SyncConfigAPIKeys(ctx, cfg.AdminAPIKeys, nsKeys); err != nil {
		return err
	}
	return pruneUndeclared(ctx, st, declared, log)
}

// checkWhole checks every declared resource, as the API would and as
// it will be stored, before anything is written: a configuration that
// cannot be applied whole is not applied at all. config.Load has run the
// same validators; this guards a Config built or changed in code.
func checkWhole(cfg *config.Config) error {
	var problems []string
	for _, n := range cfg.Namespaces {
		conns := map[string]*models.Connection{}
		for i := range n.Connections {
			c := &n.Connections[i]
			conns[models.ConnectionName(n.ID, c.ID)] = c
			for _, fe := range catalog.ValidateConnection(c) {
				problems = append(problems, models.ConnectionName(n.ID, c.ID)+": "+fe.Error())
			}
			if _, err := json.Marshal(c); err != nil {
				problems = append(problems, models.ConnectionName(n.ID, c.ID)+": "+err.Error())
			}
		}
		for i := range n.Managers {
			m := &n.Managers[i]
			for _, fe := range catalog.ValidateManager(m, func(name string) *models.Connection { return conns[name] }) {
				problems = append(problems, models.ManagerName(n.ID, m.ID)+": "+fe.Error())
			}
			if _, err := json.Marshal(m); err != nil {
				problems = append(problems, models.ManagerName(n.ID, m.ID)+": "+err.Error())
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("server: the configuration cannot be applied, nothing was written: %s", strings.Join(problems, "; "))
	}
	return nil
}

func declarationChanged(ctx context.Context, st *store.Store, name string, decl any, exists func() error) (bool, string, error) {
	b, err := json.Marshal(decl)
	if err != nil {
		return false, "", fmt.Errorf("server: encode %s: %w", name, err)
	}
	sum := sha256.Sum256(b)
	h := hex.EncodeToString(sum[:])
	prev, err := st.ConfigHash(ctx, name)
	if err != nil {
		return false, "", err
	}
	if prev != h {
		return true, h, nil
	}
	if err := exists(); errors.Is(err, store.ErrNotFound) {
		return true, h, nil
	} else if err != nil {
		return false, "", err
	}
	return false, h, nil
}

// pruneUndeclared deletes resources an earlier config file declared and the
// current one no longer does.
func pruneUndeclared(ctx context.Context, st *store.Store, declared map[string]bool, log *slog.Logger) error {
	names, err := st.ConfigDeclared(ctx)
	if err != nil {
		return err
	}
	// Managers first: a connection still named by a notice must outlive it.
	for _, pass := range []string{"/managers/", "/connections/"} {
		for _, name := range names {
			if declared[name] || !strings.Contains(name, pass) {
				continue
			}
			var derr error
			if ns, id, err := models.ParseManagerName(name); err == nil {
				derr = st.DeleteManager(ctx, ns, id)
			} else if ns, id, err := models.ParseConnectionName(name); err == nil {
				derr = st.DeleteConnection(ctx, ns, id)
			}
			if derr != nil && !errors.Is(derr, store.ErrNotFound) {
				return derr
			}
			if err := st.ForgetConfigHash(ctx, name); err != nil {
				return err
			}
			log.Info("resource removed from config; deleted", "resource", name)
		}
	}
	return nil
}
