package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"orderhub/internal/demo"
	"orderhub/internal/testclock"
	"orderhub/model/modeltest"
	"orderhub/web"
)

// getJSON is GET path on the demo server with the admin token.
func (d *demoServer) getJSON(t *testing.T, path string, into any) int {
	t.Helper()
	return d.doJSON(t, http.MethodGet, path, testToken, "", into)
}

// doJSON sends body (none if "") to path with token and decodes the
// answer into into; header pairs follow.
func (d *demoServer) doJSON(t *testing.T, method, path, token, body string, into any, header ...string) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, d.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("%s %s = %d %s", method, path, res.StatusCode, b)
	}
	return res.StatusCode
}

// TestDemoStockingListsAPI: on the demo with its history, on 2026-12-15,
// GET /api/v1/insight/stocking-lists lists 昆山永固's list for its window
// of the 22nd, to be sent on the 18th (three working days before), with its usual SKUs; the one
// customer's route answers it, and a customer without a window is 404.
func TestDemoStockingListsAPI(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		clock := testclock.New(time.Date(2026, 12, 15, 2, 0, 0, 0, time.UTC))
		d := startDemo(t, mysql, clock.Now)
		a := d.app
		if _, err := demo.NewHistory(a.db, a.catalog, a.orders, a.tickets, clock.Now, a.cfg.Location()).Seed(context.Background(), 90); err != nil {
			t.Fatal(err)
		}
		var all struct{ Items []web.StockingListJSON }
		if code := d.getJSON(t, "/api/v1/insight/stocking-lists", &all); code != 200 {
			t.Fatalf("lists = %d", code)
		}
		i := slices.IndexFunc(all.Items, func(l web.StockingListJSON) bool { return l.Customer == "C101" })
		if i < 0 {
			t.Fatalf("no list for C101: %+v", all.Items)
		}
		l := all.Items[i]
		// Three working days before Tuesday the 22nd, by the default
		// work_time calendar (Monday–Saturday): Monday 21, Saturday 19,
		// Friday 18.
		if l.WindowFrom != "2026-12-22" || l.SendOn != "2026-12-18" || l.Windows != 3 || len(l.Lines) < 2 || l.ValueFen <= 0 {
			t.Fatalf("C101's list: %+v", l)
		}
		for _, ln := range l.Lines {
			if !slices.Contains([]string{"ANCHOR-M10", "BOLT-M12-50", "NUT-M12-LOCK", "WASHER-M10-SPR"}, ln.SKU) {
				t.Errorf("line %+v is not one of 昆山永固's usual SKUs", ln)
			}
		}
		var one struct{ List web.StockingListJSON }
		if code := d.getJSON(t, "/api/v1/insight/stocking-lists/C101", &one); code != 200 || one.List.WindowFrom != "2026-12-22" || len(one.List.Lines) != len(l.Lines) {
			t.Fatalf("C101 = %d %+v", code, one.List)
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		if code := d.getJSON(t, "/api/v1/insight/stocking-lists/C001", &e); code != 404 || e.Error.Message == "" {
			t.Fatalf("C001 = %d %+v", code, e)
		}

		// 昆山永固's buyer opens it in the mini-program and places it.
		no := d.placeYonggu(t, len(l.Lines))
		if code := d.getJSON(t, "/api/v1/insight/stocking-lists/C101", &one); code != 200 || one.List.OrderNo != no {
			t.Fatalf("after placing: %d %+v", code, one.List)
		}
	})
}

// placeYonggu logs 昆山永固's buyer into the mini-program (staff link
// them), opens the stocking list (want lines) and places what the
// shelf has of it as the planned order; its number.
func (d *demoServer) placeYonggu(t *testing.T, want int) string {
	t.Helper()
	var login struct{ Token string }
	if code := d.doJSON(t, http.MethodPost, "/api/mp/v1/login", "", `{"code":"dev:yonggu"}`, &login); code/100 != 2 || login.Token == "" {
		t.Fatalf("login = %d", code)
	}
	var linked map[string]any
	if code := d.doJSON(t, http.MethodPost, "/api/v1/buyers/dev:yonggu/link", testToken, `{"customer":"C101"}`, &linked); code != 200 {
		t.Fatalf("link = %d %v", code, linked)
	}
	var mine struct {
		List struct {
			WindowFrom string `json:"window_from"`
			Address    string
			Lines      []struct {
				SKU            string
				Qty, Available int64
			}
		}
	}
	if code := d.doJSON(t, http.MethodGet, "/api/mp/v1/stocking-list", login.Token, "", &mine); code != 200 || mine.List.WindowFrom != "2026-12-22" || len(mine.List.Lines) != want {
		t.Fatalf("buyer's list = %d %+v", code, mine.List)
	}
	var kept []string
	for _, ln := range mine.List.Lines {
		if q := min(ln.Qty, ln.Available); q > 0 {
			kept = append(kept, fmt.Sprintf(`{"sku":%q,"qty":%d}`, ln.SKU, q))
		}
	}
	body := fmt.Sprintf(`{"lines":[%s],"address":%q}`, strings.Join(kept, ","), mine.List.Address)
	var placed struct {
		Order   struct{ No string }
		Planned bool
	}
	if code := d.doJSON(t, http.MethodPost, "/api/mp/v1/stocking-list/order", login.Token, body, &placed, "Idempotency-Key", "yonggu-1222"); code != 201 || !placed.Planned {
		t.Fatalf("place = %d %+v (%s)", code, placed, body)
	}
	return placed.Order.No
}
