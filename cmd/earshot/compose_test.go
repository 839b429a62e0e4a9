package main

import (
	"net/url"
	"os"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The docker compose setup has a configuration of its own whose receiver
// is not the container's own loopback (where the quickstart's
// 127.0.0.1:9000 would point), and the compose file runs that receiver.
func TestComposeExample(t *testing.T) {
	t.Setenv("RECEIVER_URL", "")
	cfg, err := loadConfig("validate", "../../examples/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range cfg.Namespaces {
		for _, c := range ns.Connections {
			u, err := url.Parse(c.URL)
			if err != nil {
				t.Fatal(err)
			}
			if h := u.Hostname(); h == "127.0.0.1" || h == "localhost" || h == "::1" {
				t.Errorf("connection %s points at %s: the earshot container itself under docker compose", c.ID, c.URL)
			}
		}
	}
	if !cfg.Delivery.AllowPrivateTargets {
		t.Error("the bundled receiver is on the compose network: private targets must be allowed by default")
	}
	t.Setenv("ALLOW_PRIVATE_TARGETS", "false")
	if cfg, err := loadConfig("validate", "../../examples/compose.yaml"); err != nil || cfg.Delivery.AllowPrivateTargets {
		t.Errorf("ALLOW_PRIVATE_TARGETS=false does not turn the guard on: %v", err)
	}
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatal(err)
	}
	if compose.Services["earshot"].Environment["RECEIVER_URL"] == "" {
		t.Error("the earshot service does not pass RECEIVER_URL")
	}
	if cmd := compose.Services["receiver"].Command; len(cmd) == 0 || cmd[0] != "listen" {
		t.Errorf("no receiver service running earshot listen: %v", cmd)
	}
}
