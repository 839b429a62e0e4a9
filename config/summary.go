package config

// DeclaresNothing reports whether the file declares no resources and no
// admin keys: a server started on it serves an API nobody can call, so
// `earshot validate` says so instead of a bare ok.
func (c *Config) DeclaresNothing() bool {
	return len(c.Namespaces) == 0 && len(c.AdminAPIKeys) == 0
}
