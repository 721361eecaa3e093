package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"orderhub/config"
)

// TestDeployManifests reads what an operator deploys with and that no CI can
// run here (Docker, Kubernetes, Caddy): every file parses, every ORDERHUB_*
// variable it sets is one orderhub reads (a typo would be silently ignored and
// the instance would start on defaults), and the production pieces that make
// the deployment safe are there: two instances, health checks on /readyz,
// secrets required rather than defaulted, and probes in the Deployment.
func TestDeployManifests(t *testing.T) {
	known := map[string]bool{}
	for _, n := range config.EnvNames() {
		known[n] = true
	}
	envRef := regexp.MustCompile(`\bORDERHUB_[A-Z0-9_]+`)
	checkNames := func(t *testing.T, file string, b []byte) {
		t.Helper()
		for _, name := range envRef.FindAllString(string(b), -1) {
			// "ORDERHUB_WECOM_*" in a comment names a family, not a variable.
			if !known[name] && !strings.HasSuffix(name, "_") {
				t.Errorf("%s names %s, which orderhub does not read", file, name)
			}
		}
	}

	t.Run("compose", func(t *testing.T) {
		b, err := os.ReadFile("../../docker-compose.yml")
		if err != nil {
			t.Fatal(err)
		}
		// ORDERHUB_DOMAIN is compose's own variable (Caddy's site address).
		checkNames(t, "docker-compose.yml", bytes.ReplaceAll(b, []byte("ORDERHUB_DOMAIN"), nil))
		var c struct {
			Services map[string]struct {
				Profiles    []string          `yaml:"profiles"`
				Environment map[string]string `yaml:"environment"`
				DependsOn   map[string]any    `yaml:"depends_on"`
				Healthcheck struct {
					Test []string `yaml:"test"`
				} `yaml:"healthcheck"`
				Volumes []string `yaml:"volumes"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(b, &c); err != nil {
			t.Fatalf("docker-compose.yml: %v", err)
		}
		var prod []string
		for name, s := range c.Services {
			if slices.Contains(s.Profiles, "production") && strings.HasPrefix(name, "orderhub") {
				prod = append(prod, name)
				if !strings.Contains(strings.Join(s.Healthcheck.Test, " "), "/readyz") {
					t.Errorf("%s: health check does not ask /readyz: %q", name, s.Healthcheck.Test)
				}
				for _, k := range []string{"ORDERHUB_ADMIN_TOKEN", "ORDERHUB_SECRET", "ORDERHUB_MYSQL_DSN", "ORDERHUB_PUBLIC_URL"} {
					if !strings.Contains(s.Environment[k], ":?") {
						t.Errorf("%s: %s has a default or none (%q); production must refuse to start without it", name, k, s.Environment[k])
					}
				}
			}
		}
		if len(prod) < 2 {
			t.Fatalf("the production profile runs %d orderhub instances (%v), want 2", len(prod), prod)
		}
		caddy, ok := c.Services["caddy"]
		if !ok || !slices.Contains(caddy.Profiles, "production") {
			t.Fatal("no caddy service in the production profile")
		}
		for _, p := range prod {
			if _, ok := caddy.DependsOn[p]; !ok {
				t.Errorf("caddy does not depend on %s, so `up caddy` would not start it", p)
			}
		}
		cf, err := os.ReadFile("../../deploy/caddy/Caddyfile")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range prod {
			if !strings.Contains(string(cf), p+":8080") {
				t.Errorf("the Caddyfile does not proxy to %s:8080", p)
			}
		}
		if !strings.Contains(string(cf), "health_uri /readyz") {
			t.Error("the Caddyfile does not health-check /readyz")
		}
	})

	t.Run("kubernetes", func(t *testing.T) {
		files, err := filepath.Glob("../../deploy/k8s/*.yaml")
		if err != nil || len(files) == 0 {
			t.Fatalf("no manifests in deploy/k8s (%v)", err)
		}
		kinds := map[string]map[string]any{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			checkNames(t, filepath.Base(f), b)
			dec := yaml.NewDecoder(bytes.NewReader(b))
			for {
				var doc map[string]any
				if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				kind, _ := doc["kind"].(string)
				if kind == "" || doc["apiVersion"] == nil {
					t.Fatalf("%s: a document without kind or apiVersion", f)
				}
				kinds[kind] = doc
			}
		}
		for _, k := range []string{"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "Secret", "Ingress"} {
			if kinds[k] == nil {
				t.Errorf("deploy/k8s has no %s", k)
			}
		}
		dep, _ := yaml.Marshal(kinds["Deployment"])
		for _, want := range []string{"path: /readyz", "path: /healthz", "secretRef", "name: orderhub"} {
			if !strings.Contains(string(dep), want) {
				t.Errorf("the Deployment lacks %q", want)
			}
		}
	})
}
