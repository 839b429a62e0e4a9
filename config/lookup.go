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
