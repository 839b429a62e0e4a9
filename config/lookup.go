package config

import "github.com/earshothq/earshot/models"

// Manager returns the manager ns/id declared in the file.
func (c *Config) Manager(ns, id string) (*models.Manager, bool) {
	n, ok := c.Namespace(ns)
	if !ok {
		return nil, false
	}
	return n.Manager(id)
}

// connectionNamed returns the connection of the namespace that a notice
// names by its resource name, or nil.
func (ns *Namespace) connectionNamed(name string) *models.Connection {
	nsID, id, err := models.ParseConnectionName(name)
	if err != nil || nsID != ns.ID {
		return nil
	}
	for i := range ns.Connections {
		if ns.Connections[i].ID == id {
			return &ns.Connections[i]
		}
	}
	return nil
}
