package config

import "github.com/earshothq/earshot/models"

// Namespace returns the namespace with the given id.
func (c *Config) Namespace(id string) (*Namespace, bool) {
	for i := range c.Namespaces {
		if c.Namespaces[i].ID == id {
			return &c.Namespaces[i], true
		}
	}
	return nil, false
}

// Connection returns the namespace's connection with the given id. The
// pointer is into the namespace's own slice.
func (n Namespace) Connection(id string) (*models.Connection, bool) {
	for i := range n.Connections {
		if n.Connections[i].ID == id {
			return &n.Connections[i], true
		}
	}
	return nil, false
}

// Manager returns the namespace's manager with the given id. The pointer is
// into the namespace's own slice.
func (n Namespace) Manager(id string) (*models.Manager, bool) {
	for i := range n.Managers {
		if n.Managers[i].ID == id {
			return &n.Managers[i], true
		}
	}
	return nil, false
}
