package service_test

import (
	"context"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/movein"
	"orderhub/service/servicetest"
)

// cachedBuyers is a Buyers with a BuyerCache on the test's Redis, and a
// buyer "o-cache" linked to C1.
type cachedBuyers struct {
	*env
	rdb    *redis.Client
	cache  *service.BuyerCache
	buyers *service.Buyers
	id     uint64
}

func newCachedBuyers(t *testing.T, db *gorm.DB) *cachedBuyers {
	t.Helper()
	e := newEnv(t, db)
	e.world(t)
	rdb, prefix := modeltest.Redis(t)
	c := &cachedBuyers{env: e, rdb: rdb, cache: service.NewBuyerCache(rdb, prefix, modeltest.Log())}
	c.buyers = service.NewBuyers(db, e.clock.Now).WithCache(c.cache)
	e.catalog.WithBuyerCache(c.cache)
	ctx := context.Background()
	b, _, err := c.buyers.Login(ctx, service.BuyerLogin{OpenID: "o-cache", Name: "冯十"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.buyers.Link(ctx, "o-cache", "C1"); err != nil {
		t.Fatal(err)
	}
	c.id = b.ID
	return c
}

// passFence stands for the fence's lifetime passing: the fence a write
// leaves refuses fills for a while (on miniredis, which expires keys only
// when told, until the test ends), and these tests want the entry filled.
func (c *cachedBuyers) passFence(t *testing.T) {
	t.Helper()
	if err := c.rdb.Del(context.Background(), service.BuyerCacheKey(c.cache, c.id)).Err(); err != nil {
		t.Fatal(err)
	}
}

// warm fills the entry and proves the next ByID is answered from it: a
// change made behind the service's back is not seen. The cache gives up
// on Redis after 50 ms and leaves it alone for a second (buyerCacheDown):
// on a loaded machine a fill or a read can time out, so a try whose read
// went to the database is tried again after that second, a few times.
func (c *cachedBuyers) warm(t *testing.T) service.Buyer {
	t.Helper()
	ctx := context.Background()
	for try := 1; ; try++ {
		c.passFence(t)
		filled, err := c.buyers.ByID(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		behind := fmt.Sprintf("behind-the-back-%d", try)
		if err := c.db.Model(&model.Customer{}).Where("id = ?", filled.CustomerID).Update("phone", behind).Error; err != nil {
			t.Fatal(err)
		}
		hit, err := c.buyers.ByID(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if hit.Customer.Phone != behind && reflect.DeepEqual(hit, filled) {
			return filled
		}
		if try == 4 {
			t.Fatalf("second ByID was not the cached answer (%d tries):\n got %+v\nwant %+v", try, hit, filled)
		}
		time.Sleep(1100 * time.Millisecond)
	}
}

// fromDB is ByID's answer read from the database directly.
func (c *cachedBuyers) fromDB(t *testing.T) service.Buyer {
	t.Helper()
	var b service.Buyer
	if err := c.db.Take(&b.Buyer, c.id).Error; err != nil {
		t.Fatal(err)
	}
	if err := c.db.Take(&b.Customer, b.CustomerID).Error; err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBuyerCacheHit: a cached answer is exactly what the database holds,
// every column of both rows; an unknown buyer is still buyer_not_found
// and leaves nothing in Redis.
func TestBuyerCacheHit(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		c := newCachedBuyers(t, db)
		ctx := context.Background()
		if err := db.Model(&model.Customer{}).Where("code = ?", "C1").Updates(map[string]any{
			"contact": "吴先生", "phone": "13800000000", "tags": "大客户,月结"}).Error; err != nil {
			t.Fatal(err)
		}
		want := c.fromDB(t)
		c.passFence(t)
		for _, what := range []string{"fill", "hit"} {
			got, err := c.buyers.ByID(ctx, c.id)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
			}
		}
		if n, err := c.rdb.Exists(ctx, service.BuyerCacheKey(c.cache, c.id)).Result(); err != nil || n != 1 {
			t.Errorf("entry exists = %d, %v; want 1", n, err)
		}
		for range 2 {
			if _, err := c.buyers.ByID(ctx, c.id+1000); service.ErrorCode(err) != "buyer_not_found" {
				t.Errorf("unknown id = %v, want buyer_not_found", err)
			}
		}
		if n, _ := c.rdb.Exists(ctx, service.BuyerCacheKey(c.cache, c.id+1000)).Result(); n != 0 {
			t.Errorf("a miss was cached")
		}
	})
}

// start is newEnv's clock at the start.
var start = time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)

// TestBuyerCacheInvalidation: after a write through the service that
// changes ByID's answer — a customer edit, a customer import, a link to
// another customer, a login — the next ByID answers the new rows at once,
// not after the TTL.
func TestBuyerCacheInvalidation(t *testing.T) {
	tests := []struct {
		name  string
		write func(t *testing.T, c *cachedBuyers)
		check func(b service.Buyer) bool
	}{
		{"customer edit", func(t *testing.T, c *cachedBuyers) {
			contact := "新联系人"
			if _, err := c.catalog.UpdateCustomer(context.Background(), "C1", catalog.CustomerPatch{Contact: &contact}); err != nil {
				t.Fatal(err)
			}
		}, func(b service.Buyer) bool { return b.Customer.Contact == "新联系人" }},
		{"customer import", func(t *testing.T, c *cachedBuyers) {
			im := movein.NewImports(c.db, c.clock.Now, c.cfg.Roles).WithBuyerCache(c.cache)
			res, err := im.Import(context.Background(), movein.ImportCustomers, &servicetest.Sheet{Rows: [][]string{
				{"客户编码", "客户名称", "联系人"}, {"C2", "精工五金", "不变"}, {"C1", "宏达机电（新）", "导入联系人"}}})
			if err != nil || res.Updated != 2 {
				t.Fatalf("import = %+v, %v", res, err)
			}
		}, func(b service.Buyer) bool {
			return b.Customer.Name == "宏达机电（新）" && b.Customer.Contact == "导入联系人"
		}},
		{"link", func(t *testing.T, c *cachedBuyers) {
			if _, err := c.buyers.Link(context.Background(), "o-cache", "C2"); err != nil {
				t.Fatal(err)
			}
		}, func(b service.Buyer) bool { return b.Customer.Code == "C2" }},
		{"login", func(t *testing.T, c *cachedBuyers) {
			c.clock.Add(time.Hour)
			if _, _, err := c.buyers.Login(context.Background(), service.BuyerLogin{OpenID: "o-cache"}); err != nil {
				t.Fatal(err)
			}
		}, func(b service.Buyer) bool { return b.LastLoginAt.Equal(start.Add(time.Hour)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
				c := newCachedBuyers(t, db)
				if old := c.warm(t); tc.check(old) {
					t.Fatalf("the cached answer already shows the change: %+v", old)
				}
				tc.write(t, c)
				got, err := c.buyers.ByID(context.Background(), c.id)
				if err != nil {
					t.Fatal(err)
				}
				if want := c.fromDB(t); !tc.check(got) || !reflect.DeepEqual(got, want) {
					t.Errorf("after the write ByID = %+v\nthe database holds %+v", got, want)
				}
			})
		})
	}
}

// TestBuyerCacheFence: a reader that read the rows before a write
// committed and fills the cache after the write's invalidation does not
// leave the old rows cached.
func TestBuyerCacheFence(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		c := newCachedBuyers(t, db)
		ctx := context.Background()
		c.passFence(t)
		old, err := c.buyers.ByID(ctx, c.id) // the reader's database read
		if err != nil {
			t.Fatal(err)
		}
		c.passFence(t) // its fill not landed yet
		if _, err := c.buyers.Link(ctx, "o-cache", "C2"); err != nil {
			t.Fatal(err)
		}
		service.BuyerCachePut(ctx, c.cache, old) // its fill, late
		got, err := c.buyers.ByID(ctx, c.id)
		if err != nil || got.Customer.Code != "C2" {
			t.Fatalf("ByID after a late fill = %s, %v; want C2", got.Customer.Code, err)
		}
	})
}

// TestBuyerCacheBadEntry: an entry that does not decode, or is another
// buyer's, is read past to the database.
func TestBuyerCacheBadEntry(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		c := newCachedBuyers(t, db)
		ctx := context.Background()
		want := c.fromDB(t)
		for _, raw := range []string{"{not json", `{"ID":` + strconv.FormatUint(c.id+1, 10) + `}`, "[]"} {
			if err := c.rdb.Set(ctx, service.BuyerCacheKey(c.cache, c.id), raw, time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			got, err := c.buyers.ByID(ctx, c.id)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("entry %q: ByID = %+v, %v", raw, got, err)
			}
		}
	})
}

// TestBuyerCacheRedisDown: with the cache's Redis closed, refusing
// connections, or accepting them and never answering, ByID and the writes
// answer from the database; reads reach a Redis that does not answer about
// once a second, not once per call.
func TestBuyerCacheRedisDown(t *testing.T) {
	// silent accepts connections and never answers, counting them.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = silent.Close() })
	var accepted atomic.Int64
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conns = append(conns, conn)
		}
	}()
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedAddr := refused.Addr().String()
	_ = refused.Close()

	tests := []struct {
		name string
		rdb  func(t *testing.T) *redis.Client
	}{
		{"closed client", func(t *testing.T) *redis.Client {
			rdb, _ := modeltest.Redis(t)
			other := redis.NewClient(rdb.Options())
			_ = other.Close()
			return other
		}},
		{"refused", func(t *testing.T) *redis.Client {
			return redis.NewClient(&redis.Options{Addr: refusedAddr, DialTimeout: 300 * time.Millisecond, MaxRetries: 1})
		}},
		{"not answering", func(t *testing.T) *redis.Client {
			return redis.NewClient(&redis.Options{Addr: silent.Addr().String(), DialTimeout: 300 * time.Millisecond, MaxRetries: 1})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
				e := newEnv(t, db)
				e.world(t)
				rdb := tc.rdb(t)
				t.Cleanup(func() { _ = rdb.Close() })
				cache := service.NewBuyerCache(rdb, "oh_t_down:", modeltest.Log())
				buyers := service.NewBuyers(db, e.clock.Now).WithCache(cache)
				e.catalog.WithBuyerCache(cache)
				ctx := context.Background()
				b, _, err := buyers.Login(ctx, service.BuyerLogin{OpenID: "o-down", Name: "褚一"})
				if err != nil {
					t.Fatal(err)
				}
				for i := range 6 {
					code := []string{"C1", "C2"}[i%2]
					if _, err := buyers.Link(ctx, "o-down", code); err != nil {
						t.Fatalf("link %d: %v", i, err)
					}
					got, err := buyers.ByID(ctx, b.ID)
					if err != nil || got.Customer.Code != code {
						t.Fatalf("ByID %d = %s, %v; want %s", i, got.Customer.Code, err, code)
					}
				}
				contact := "停机联系人"
				if _, err := e.catalog.UpdateCustomer(ctx, "C2", catalog.CustomerPatch{Contact: &contact}); err != nil {
					t.Fatal(err)
				}
				if _, err := buyers.ByID(ctx, b.ID+1000); service.ErrorCode(err) != "buyer_not_found" {
					t.Errorf("unknown id = %v, want buyer_not_found", err)
				}
				// Reads and fills skip Redis for a second after a failure
				// (writes try it each time, to leave nothing stale behind).
				before, began := accepted.Load(), time.Now()
				const reads = 200
				for i := range reads {
					got, err := buyers.ByID(ctx, b.ID)
					if err != nil || got.Customer.Code != "C2" || got.Customer.Contact != contact {
						t.Fatalf("read %d = %+v, %v", i, got, err)
					}
				}
				if tc.name == "not answering" {
					secs := int64(time.Since(began)/time.Second) + 1
					if n := accepted.Load() - before; n > 2*secs {
						t.Errorf("%d connections in %d reads over %d s: reads did not back off", n, reads, secs)
					}
					t.Logf("%d reads in %v, %d connections", reads, time.Since(began), accepted.Load()-before)
				}
			})
		})
	}
}

// countCalls counts the round trips of a client's connections: each
// command, pipeline or transaction is one write to the socket. (A hook
// would not see the commands of the cache's WithTimeout view.)
type countCalls struct{ n, dials atomic.Int64 }

type countedConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countedConn) Write(b []byte) (int, error) { c.n.Add(1); return c.Conn.Write(b) }

// client is a client on opts's server whose round trips are counted.
func (h *countCalls) client(opts *redis.Options) *redis.Client {
	o := *opts
	o.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		h.dials.Add(1)
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countedConn{Conn: conn, n: &h.n}, nil
	}
	o.PoolSize, o.MinIdleConns = 1, 0 // one connection, dialled by the first call
	return redis.NewClient(&o)
}

// TestBuyerCacheUnlessMarked: ByIDUnlessMarked, what each mini-program
// request's auth calls, reads the session's revocation mark and the cached
// buyer in one round trip and answers as an EXISTS then ByID would: a set
// mark wins over everything; a hit is the cached answer; a miss, a fence
// or a bad entry is the database (and a miss fills the entry). Without a
// cache, or with its Redis down, it asks nothing and says unchecked, and
// ByID after it reads the database without asking Redis again.
func TestBuyerCacheUnlessMarked(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		c := newCachedBuyers(t, db)
		ctx := context.Background()
		calls := &countCalls{}
		counted := calls.client(c.rdb.Options())
		if err := counted.Ping(ctx).Err(); err != nil { // dial and handshake now
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = counted.Close() })
		prefix := service.BuyerCacheKey(c.cache, 0)
		prefix = prefix[:len(prefix)-len("buyer:v1:"+service.BuyerKeyTag(0))]
		cache := service.NewBuyerCache(counted, prefix, modeltest.Log())
		buyers := service.NewBuyers(db, c.clock.Now).WithCache(cache)
		mark := prefix + "mp:revoked:test-" + strconv.FormatUint(c.id, 10)

		hit := c.warm(t) // the customer's phone changed behind the cache's back
		calls.n.Store(0)
		got, marked, checked, err := buyers.ByIDUnlessMarked(ctx, c.id, mark)
		if err != nil || marked || !checked || !reflect.DeepEqual(got, hit) {
			t.Fatalf("hit = %+v marked=%v checked=%v %v; want the cached answer", got, marked, checked, err)
		}
		if n := calls.n.Load(); n != 1 {
			t.Errorf("a hit took %d round trips, want 1", n)
		}

		if err := c.rdb.Set(ctx, mark, "1", time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		calls.n.Store(0)
		got, marked, checked, err = buyers.ByIDUnlessMarked(ctx, c.id, mark)
		if err != nil || !marked || !checked || got.ID != 0 {
			t.Fatalf("marked = %+v marked=%v checked=%v %v; want marked and no buyer", got, marked, checked, err)
		}
		if n := calls.n.Load(); n != 1 {
			t.Errorf("a marked session took %d round trips, want 1", n)
		}
		if _, marked, _, _ := buyers.ByIDUnlessMarked(ctx, c.id+1000, mark); !marked {
			t.Errorf("the mark did not win over an unknown buyer")
		}
		if err := c.rdb.Del(ctx, mark).Err(); err != nil {
			t.Fatal(err)
		}

		for _, entry := range []string{"miss", "fence", "bad entry"} {
			t.Run(entry, func(t *testing.T) {
				key := service.BuyerCacheKey(c.cache, c.id)
				var err error
				switch entry {
				case "miss":
					err = c.rdb.Del(ctx, key).Err()
				case "fence":
					_, err = buyers.Link(ctx, "o-cache", "C2")
				case "bad entry":
					err = c.rdb.Set(ctx, key, "{not json", time.Minute).Err()
				}
				if err != nil {
					t.Fatal(err)
				}
				want := c.fromDB(t)
				got, marked, checked, err := buyers.ByIDUnlessMarked(ctx, c.id, mark)
				if err != nil || marked || !checked || !reflect.DeepEqual(got, want) {
					t.Fatalf("got %+v marked=%v checked=%v %v;\nwant %+v from the database", got, marked, checked, err, want)
				}
				if entry == "miss" {
					if n, err := c.rdb.Exists(ctx, key).Result(); err != nil || n != 1 {
						t.Errorf("a miss did not fill the entry: %d, %v", n, err)
					}
				}
			})
		}
		if _, _, checked, err := buyers.ByIDUnlessMarked(ctx, c.id+1000, mark); !checked || service.ErrorCode(err) != "buyer_not_found" {
			t.Errorf("unknown buyer = checked=%v %v; want buyer_not_found", checked, err)
		}

		t.Run("no cache", func(t *testing.T) {
			plain := service.NewBuyers(db, c.clock.Now)
			got, marked, checked, err := plain.ByIDUnlessMarked(ctx, c.id, mark)
			if err != nil || marked || checked || got.ID != 0 {
				t.Fatalf("got %+v marked=%v checked=%v %v; want unchecked, nothing read", got, marked, checked, err)
			}
		})
		t.Run("redis down", func(t *testing.T) {
			// A port nobody listens on: every attempt to reach it dials.
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			opts := *c.rdb.Options()
			opts.Addr, opts.DialTimeout, opts.MaxRetries = l.Addr().String(), 300*time.Millisecond, 1
			_ = l.Close()
			dc := &countCalls{}
			down := dc.client(&opts)
			t.Cleanup(func() { _ = down.Close() })
			dbuyers := service.NewBuyers(db, c.clock.Now).WithCache(service.NewBuyerCache(down, prefix, modeltest.Log()))
			got, marked, checked, err := dbuyers.ByIDUnlessMarked(ctx, c.id, mark)
			if err != nil || marked || checked || got.ID != 0 {
				t.Fatalf("got %+v marked=%v checked=%v %v; want unchecked, nothing read", got, marked, checked, err)
			}
			asked := dc.dials.Load()
			if asked == 0 {
				t.Fatal("Redis was not asked")
			}
			want := c.fromDB(t)
			if got, err := dbuyers.ByID(ctx, c.id); err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("ByID after = %+v, %v; want the database's", got, err)
			}
			if dc.dials.Load() != asked {
				t.Errorf("ByID asked the failed Redis again within its second")
			}
			if _, _, checked, _ := dbuyers.ByIDUnlessMarked(ctx, c.id, mark); checked || dc.dials.Load() != asked {
				t.Errorf("the next call asked the failed Redis again within its second")
			}
		})
	})
}
