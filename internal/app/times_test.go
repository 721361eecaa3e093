package app

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"orderhub/internal/testclock"
	"orderhub/service"
)

// utcTime is an RFC 3339 time written in UTC ("…Z"), or one with no zone
// at all: neither is what an answer may carry.
var utcTime = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z)?"`)

// Every time every served JSON route answers is RFC 3339 in Asia/Shanghai
// (storage stays UTC): the routes are read from the router, so one added
// later is checked too. An order with a promise, stage fields and a
// transfer puts times in every shape there is.
func TestAPITimesInZone(t *testing.T) {
	// A fake clock before the promise the test gives, on any day it runs.
	d := startDemo(t, false, testclock.New(time.Date(2026, 12, 20, 2, 0, 0, 0, time.UTC)).Now)
	ctx := t.Context()
	a := d.app
	det, _, err := a.orders.Create(ctx, service.NewOrder{Customer: "C001", Lines: []service.LineInput{{SKU: "BOLT-M6-20", Qty: 20}}, Address: "上海市嘉定区安亭镇", Actor: service.Admin})
	if err != nil {
		t.Fatal(err)
	}
	no := det.Order.No
	if _, err := a.orders.Advance(ctx, service.Move{No: no, To: "confirmed", Fields: map[string]string{"promised_at": "2026-12-24 18:00"}, Actor: service.Admin}); err != nil {
		t.Fatal(err)
	}
	// A buyer of C001, for the mini-program's routes.
	var login struct {
		Token string `json:"token"`
	}
	doJSON(t, "POST", d.base+"/api/mp/v1/login", "", `{"code":"dev:zhang"}`, &login)
	doJSON(t, "POST", d.base+"/api/v1/buyers/dev:zhang/link", testToken, `{"customer":"C001"}`, nil)
	var link struct {
		URL string `json:"url"`
	}
	doJSON(t, "GET", d.base+"/api/v1/orders/"+no+"/tracking-link", testToken, "", &link)
	token := link.URL[strings.LastIndex(link.URL, "/")+1:]

	checked := 0
	for _, r := range a.server.Engine().Routes() {
		if r.Method != http.MethodGet || strings.Contains(r.Path, "*") {
			continue
		}
		path := r.Path
		for param, v := range map[string]string{":no": no, ":id": "1", ":token": token, ":code": "C001", ":sku": "BOLT-M6-20", ":openid": "dev:zhang", ":userid": "wangjg", ":name": "none.jpg", ":kind": "products", ":customer": "C001"} {
			path = strings.ReplaceAll(path, param, v)
		}
		if strings.Contains(path, ":") {
			t.Errorf("%s: no value for its parameter; add one to this test", r.Path)
			continue
		}
		bearer := testToken
		if strings.HasPrefix(path, "/api/mp/") {
			bearer = login.Token
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(resp.Header.Get("Content-Type"), "json") {
			continue
		}
		checked++
		if m := utcTime.FindString(string(body)); m != "" {
			t.Errorf("GET %s answers the time %s, not RFC 3339 in Asia/Shanghai:\n%.600s", path, m, body)
		}
	}
	if checked < 10 {
		t.Fatalf("only %d JSON routes checked", checked)
	}
	// The order itself: its promise and its stage fields in +08:00.
	var got struct {
		Order struct {
			PromisedAt string            `json:"promised_at"`
			Fields     map[string]string `json:"fields"`
		} `json:"order"`
	}
	doJSON(t, "GET", d.base+"/api/v1/orders/"+no, testToken, "", &got)
	if got.Order.PromisedAt != "2026-12-24T18:00:00+08:00" || got.Order.Fields["promised_at"] != "2026-12-24T18:00:00+08:00" {
		t.Fatalf("promised_at %q, fields %v", got.Order.PromisedAt, got.Order.Fields)
	}
}

func doJSON(t *testing.T, method, url, bearer, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}
