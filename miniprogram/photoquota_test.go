package miniprogram_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// TestPhotoQuota: a buyer's problem photos are bounded across all their
// problems, in number and in bytes per window, counted in the database:
// over it is 429 with a Chinese message and Retry-After, with Redis up or
// down, and concurrent uploads cannot squeeze past it; the window passing
// lets them upload again. Before, a buyer could open problem after
// problem and upload about 145 MB a minute.
func TestPhotoQuota(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		q := service.PhotoQuota{Count: 4, Bytes: 3 << 20, Window: time.Hour}
		h := newHarness(t, db, harnessOpts{writeLimit: 1000, photoQuota: q})
		must(h.catalog.CreateStaff(context.Background(), catalog.StaffInput{UserID: "cslead", Name: "钱主管", Phone: "13900000000", Roles: []string{"cs_lead"}}))
		zhang, li := h.login("dev:zhang"), h.login("dev:li")
		problem := func(tok, key string) string {
			no := h.order(tok, key, `[{"sku":"NUT-M8","qty":1}]`)
			r := h.do("POST", "/api/mp/v1/orders/"+no+"/problems", tok, `{"kind":"damaged","description":"外箱破损"}`)
			if r.code != http.StatusCreated {
				t.Fatalf("report = %d %s", r.code, r.body)
			}
			return "/api/mp/v1/orders/" + no + "/problems/" + r.json(t)["ticket"].(map[string]any)["no"].(string) + "/photos"
		}
		img := pngBytes(t)
		// Two problems, so the per-problem cap (6) is not what stops them.
		p1, p2 := problem(zhang, "z1"), problem(zhang, "z2")

		// Six at once on two problems: exactly four get through.
		var wg sync.WaitGroup
		codes := make([]int, 6)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				path := p1
				if i%2 == 1 {
					path = p2
				}
				codes[i] = h.upload(path, zhang, "photo", img).code
			}()
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, c := range codes {
			switch c {
			case http.StatusCreated:
				ok++
			case http.StatusTooManyRequests:
				refused++
			}
		}
		if ok != 4 || refused != 2 {
			t.Fatalf("6 uploads at once against a quota of 4: %v", codes)
		}
		r := h.upload(p2, zhang, "photo", img)
		if r.code != http.StatusTooManyRequests || !strings.Contains(string(r.body), "上传的照片太多了") || r.header.Get("Retry-After") == "" {
			t.Fatalf("over the quota = %d %s (Retry-After %q)", r.code, r.body, r.header.Get("Retry-After"))
		}
		if code := r.json(t)["error"].(map[string]any)["code"]; code != "photo_quota" {
			t.Errorf("code = %v, want photo_quota", code)
		}
		// With Redis down, the same answer: the quota is in the database.
		h.redisDown.Store(true)
		if r := h.upload(p2, zhang, "photo", img); r.code != http.StatusTooManyRequests {
			t.Errorf("over the quota with Redis down = %d %s", r.code, r.body)
		}
		h.redisDown.Store(false)
		// Another buyer has their own quota; bytes count too.
		lp := problem(li, "l1")
		big := append(append([]byte{}, img...), make([]byte, 2<<20)...)
		if r := h.upload(lp, li, "photo", big); r.code != http.StatusCreated {
			t.Fatalf("li's first 2 MiB photo = %d %s", r.code, r.body)
		}
		if r := h.upload(lp, li, "photo", big); r.code != http.StatusTooManyRequests {
			t.Errorf("li's second 2 MiB photo, past 3 MiB an hour = %d %s", r.code, r.body)
		}
		if r := h.upload(lp, li, "photo", img); r.code != http.StatusCreated {
			t.Errorf("li's small photo, within the bytes = %d %s", r.code, r.body)
		}
		// An hour later the window has moved on.
		h.clock.Add(time.Hour + time.Second)
		if r := h.upload(p2, zhang, "photo", img); r.code != http.StatusCreated {
			t.Errorf("an hour later = %d %s", r.code, r.body)
		}
	})
}
