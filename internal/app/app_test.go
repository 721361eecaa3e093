package app

import (
	"bytes"
	"context"
	"net"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"orderhub/config"
	"orderhub/model/modeltest"
	"orderhub/service"
)

const testToken = "test-admin-token-e2e"

// testApp wires a whole orderhub, as serve does, on a fresh database:
// SQLite, or a fresh MariaDB database when mysql is true; and on the Redis
// at redisAddr ("" for the test Redis of modeltest).
func testApp(t *testing.T, mysql bool, redisAddr string) (*App, *httptest.Server) {
	t.Helper()
	apps, srvs := testApps(t, mysql, redisAddr, 1)
	return apps[0], srvs[0]
}

// testApps wires n instances of orderhub that share one fresh database and
// one Redis, as several instances behind a load balancer do.
func testApps(t *testing.T, mysql bool, redisAddr string, n int) ([]*App, []*httptest.Server) {
	t.Helper()
	return testAppsWith(t, mysql, redisAddr, n, nil)
}

// testAppsWith is testApps with the config tuned first.
func testAppsWith(t *testing.T, mysql bool, redisAddr string, n int, tune func(*config.Config)) ([]*App, []*httptest.Server) {
	t.Helper()
	cfg := config.Default()
	if tune != nil {
		tune(&cfg)
	}
	cfg.DataDir = t.TempDir()
	cfg.AdminToken = testToken
	cfg.Secret = "test-secret-shared-by-every-instance-0123456789"
	cfg.Redis.Prefix = "oh_t_" + modeltest.RandomHex(6) + ":"
	if mysql {
		cfg.MySQLDSN = modeltest.FreshMySQLDatabase(t)
		if cfg.WeCom.CorpID == "" {
			// The tests run the demo corp on MariaDB too, on loopback.
			cfg.WeCom.Local = config.WeComLocalInsecure
		}
	}
	if !cfg.Redis.Configured() { // tune may have named sentinels or a cluster
		if redisAddr == "" {
			redisAddr = modeltest.RedisAddr()
		}
		if redisAddr == "" {
			redisAddr = miniredis.RunT(t).Addr()
		}
		cfg.Redis.Addr = redisAddr
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var apps []*App
	var srvs []*httptest.Server
	for i := 0; i < n; i++ {
		a, err := Open(ctx, cfg, modeltest.Log(), service.SystemClock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(a.Close)
		srv := httptest.NewServer(a.server.Handler())
		t.Cleanup(srv.Close)
		apps, srvs = append(apps, a), append(srvs, srv)
	}
	return apps, srvs
}

// stoppableRedis is a Redis a test may stop: a real redis-server process
// when the machine has one (CI installs it), else an in-process server.
type stoppableRedis struct {
	Addr string
	stop func()
}

func startRedis(t *testing.T) *stoppableRedis {
	t.Helper()
	if path, err := exec.LookPath("redis-server"); err == nil {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		for i := 0; ; i++ {
			c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			if i > 100 {
				t.Fatalf("redis-server on %s did not start", addr)
			}
			time.Sleep(50 * time.Millisecond)
		}
		stopped := false
		stop := func() {
			if !stopped {
				stopped = true
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
		}
		t.Cleanup(stop)
		return &stoppableRedis{Addr: addr, stop: stop}
	}
	mr := miniredis.RunT(t)
	return &stoppableRedis{Addr: mr.Addr(), stop: mr.Close}
}

// syncBuffer is a bytes.Buffer safe to write from the server goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
