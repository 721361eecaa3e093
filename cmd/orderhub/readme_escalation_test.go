package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/demo"
	"orderhub/internal/redislock"
	"orderhub/internal/testclock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/worktime"
)

// readmeFastConfig returns the escalation walk-through's config file, as
// the README writes it to /tmp/fast.yaml.
func readmeFastConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "cat > /tmp/fast.yaml <<'YAML'\n")
	if !ok {
		t.Fatal("README.md: the fast escalation config (cat > /tmp/fast.yaml <<'YAML') is gone")
	}
	yaml, _, ok := strings.Cut(rest, "\nYAML\n")
	if !ok {
		t.Fatal("README.md: the fast escalation config does not end with YAML")
	}
	return yaml
}

// TestReadmeFastEscalation plays the README's escalation walk-through on
// its own config and the demo company, scanning every second as its
// scan_every says, on a test clock: the customer-service lead (吴华) gets
// one card at 10 s, the director (冯军) nothing within the walk-through's
// 12 s and one card at 30 s, and the same when the server was down while
// the order waited past both levels (then the director is told the
// ladder's 20 s after the lead, never in the next scan).
func TestReadmeFastEscalation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fast.yaml")
	if err := os.WriteFile(path, []byte(readmeFastConfig(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string {
		if k == "ORDERHUB_CONFIG" {
			return path
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		down     time.Duration // the server was down this long after the seed
		lead     time.Duration // when the lead is told, from the first scan
		director time.Duration
	}{
		{"running", 0, 10 * time.Second, 30 * time.Second},
		{"down for five minutes", 5 * time.Minute, 0, 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
				got := fastTour(t, db, cfg, tc.down)
				want := map[string]time.Duration{"wuhua": tc.lead, "fengjun": tc.director}
				if len(got) != 2 {
					t.Fatalf("pushed %v, want the lead at %v and the director at %v", got, tc.lead, tc.director)
				}
				for user, at := range want {
					if len(got[user]) != 1 || got[user][0] != at {
						t.Errorf("%s pushed at %v, want once at %v (all: %v)", user, got[user], at, got)
					}
				}
			})
		})
	}
}

// fastTour seeds the demo company, waits down, then scans every second
// for 40 s; it returns when each user was pushed, from the first scan.
func fastTour(t *testing.T, db *gorm.DB, cfg config.Config, down time.Duration) map[string][]time.Duration {
	t.Helper()
	ctx := context.Background()
	rdb, prefix := modeltest.Redis(t)
	log := modeltest.Log()
	clock := testclock.New(time.Now().UTC().Truncate(time.Second))
	// The walk-through's own working time (all day), as the served
	// orderhub would count it.
	pipe := service.NewPipeline(cfg).WithHours(service.NewHours(worktime.New(cfg.WorkTime, cfg.Location()), db))
	cat := catalog.NewCatalog(db, cfg.Roles)
	stock := service.NewStock(db, clock.Now)
	orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock.Now, cfg.Location(), log,
		service.NewMetrics(prometheus.NewRegistry()))
	if _, err := demo.NewCompany(db, cat, stock, orders, clock.Now).Seed(ctx); err != nil {
		t.Fatal(err)
	}
	tickets := service.NewTickets(db, pipe, clock.Now, cfg.Location(), cfg.Roles)
	esc := service.NewEscalator(db, orders, tickets, cfg.Escalation, clock.Now, cfg.Location(), log)
	clock.Add(down)
	start := clock.Now()
	got := map[string][]time.Duration{}
	seen := 0
	for clock.Now().Sub(start) <= 40*time.Second {
		if _, err := esc.Scan(ctx); err != nil {
			t.Fatal(err)
		}
		var rows []model.Outbox
		if err := db.Where("`key` LIKE ?", "esc%").Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows[seen:] {
			for _, u := range strings.Split(r.ToUser, "|") {
				got[u] = append(got[u], clock.Now().Sub(start))
			}
		}
		seen = len(rows)
		clock.Add(cfg.Escalation.ScanEvery.D())
	}
	return got
}
