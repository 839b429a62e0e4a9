// Package kubernetes_test checks the manifests beside it: each against the
// vendored, strict schema of its kind (the ones .ci/run gives kubeconform),
// and the ConfigMap's configuration as Earshot itself reads it.
package kubernetes_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/earshothq/earshot/config"
)

type object = map[string]any

// manifests decodes every document of every YAML file here.
func manifests(t *testing.T) map[string]object {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	out := map[string]object{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc object
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if doc == nil {
				continue
			}
			kind, _ := doc["kind"].(string)
			out[kind] = doc
		}
	}
	return out
}

// schemaFile is kubeconform's default name for a kind's schema.
func schemaFile(apiVersion, kind string) string {
	suffix := "-" + strings.ReplaceAll(apiVersion, "/", "-")
	if i := strings.Index(apiVersion, "/"); i >= 0 {
		suffix = "-" + strings.Split(apiVersion[:i], ".")[0] + "-" + apiVersion[i+1:]
	}
	return strings.ToLower(kind) + suffix + ".json"
}

func TestManifestsMatchSchemas(t *testing.T) {
	want := []string{"ConfigMap", "Deployment", "PodDisruptionBudget", "Secret", "Service"}
	docs := manifests(t)
	for _, kind := range want {
		if docs[kind] == nil {
			t.Errorf("no %s manifest", kind)
		}
	}
	for kind, doc := range docs {
		t.Run(kind, func(t *testing.T) {
			apiVersion, _ := doc["apiVersion"].(string)
			path, err := filepath.Abs(filepath.Join("schemas", schemaFile(apiVersion, kind)))
			if err != nil {
				t.Fatal(err)
			}
			c := jsonschema.NewCompiler()
			c.DefaultDraft(jsonschema.Draft4)
			sch, err := c.Compile(path)
			if err != nil {
				t.Fatalf("schema for %s %s: %v", apiVersion, kind, err)
			}
			// Through JSON, as the API server sees it.
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				t.Errorf("%s does not match its schema: %v", kind, err)
			}
		})
	}
}

// TestSchemasAreStrict: a misspelt field and a wrong type are refused, so
// the check above means something.
func TestSchemasAreStrict(t *testing.T) {
	path, _ := filepath.Abs(filepath.Join("schemas", "deployment-apps-v1.json"))
	sch, err := jsonschema.NewCompiler().Compile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"misspelt probe field": `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"selector":{},"template":{"spec":{"containers":[{"name":"c","livenessProbe":{"periodSecond":3}}]}}}}`,
		"replicas as a string": `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"replicas":"2","selector":{},"template":{}}}`,
		"wrong apiVersion":     `{"apiVersion":"apps/v1beta1","kind":"Deployment","metadata":{"name":"x"}}`,
	} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(v) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestConfigMapIsAValidConfiguration reads the ConfigMap's earshot.yaml as
// `earshot serve` would, with the Secret's variables filled in, and checks
// that the Deployment mounts it where its arguments say and probes the
// port it listens on.
func TestConfigMapIsAValidConfiguration(t *testing.T) {
	docs := manifests(t)
	data, _ := docs["ConfigMap"]["data"].(object)
	file, _ := data["earshot.yaml"].(string)
	if file == "" {
		t.Fatal("the ConfigMap has no earshot.yaml")
	}
	env := map[string]string{
		"REDIS_URL":             "rediss://:s3cret-password@redis.example.internal:6380/0",
		"EARSHOT_ADMIN_API_KEY": "esk_k8s-manifest-test-admin-key-0123456789",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err := config.Parse("earshot.yaml", []byte(file), lookup)
	if err != nil {
		t.Fatalf("the ConfigMap's configuration: %v", err)
	}
	if cfg.Redis.URL != env["REDIS_URL"] {
		t.Errorf("redis url %q, want the Secret's REDIS_URL", cfg.Redis.URL)
	}
	if cfg.Listen != ":8080" {
		t.Errorf("listen %q; the Deployment's port and probes expect :8080", cfg.Listen)
	}
	// As shipped the Secret's admin key is empty: no pod starts on it.
	env["EARSHOT_ADMIN_API_KEY"] = ""
	if _, err := config.Parse("earshot.yaml", []byte(file), lookup); err == nil {
		t.Error("an empty admin key was accepted")
	}

	dep := docs["Deployment"]
	pod := dig(dep, "spec", "template", "spec")
	c := pod["containers"].([]any)[0].(object)
	args := strings.Join(toStrings(c["args"]), " ")
	mount := c["volumeMounts"].([]any)[0].(object)["mountPath"].(string)
	if !strings.Contains(args, "--config "+mount+"/earshot.yaml") {
		t.Errorf("args %q do not read the mounted %s/earshot.yaml", args, mount)
	}
	probe := strings.Join(toStrings(dig(c, "readinessProbe", "exec")["command"]), " ")
	if !strings.HasPrefix(probe, "/usr/local/bin/earshot healthcheck") || !strings.Contains(probe, "127.0.0.1:8080/readyz") {
		t.Errorf("readiness probe %q: want earshot healthcheck on /readyz at :8080", probe)
	}
	if p := c["ports"].([]any)[0].(object)["containerPort"]; p != 8080 {
		t.Errorf("containerPort %v, want 8080", p)
	}
	sel := dig(docs["PodDisruptionBudget"], "spec", "selector", "matchLabels")
	labels := dig(dep, "spec", "template", "metadata", "labels")
	for k, v := range sel {
		if labels[k] != v {
			t.Errorf("the PodDisruptionBudget selects %s=%v, which the pods do not carry", k, v)
		}
	}
}

func dig(o object, path ...string) object {
	for _, p := range path {
		o, _ = o[p].(object)
	}
	return o
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
