// Package models holds Earshot's domain and wire types: the resources of the
// API and the YAML file (Namespace, Connection, Manager), the posts that
// sources read, the Scans the matcher makes of them, and the webhook events
// that carry Scans to receivers. JSON and YAML share one set of field names,
// so a monitor can move between the config file and the API unchanged.
package models
