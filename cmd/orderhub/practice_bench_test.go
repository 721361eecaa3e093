package main

import (
	"context"
	"errors"
	"testing"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// BenchmarkPracticeRoute is the question every WeCom callback asks before
// recording a message — does its sender practise now? — 50 callers at a
// time on MariaDB (ORDERHUB_TEST_MYSQL_DSN; the embedded mode's answer is
// a stat of a file): "nobody" for a user without a sandbox (nearly every
// message), "trainee" for one practising in a sandbox this instance has
// open.
func BenchmarkPracticeRoute(b *testing.B) {
	if modeltest.MySQLDSN() == "" {
		b.Skip("practice routing asks the MySQL server; set ORDERHUB_TEST_MYSQL_DSN")
	}
	ctx := context.Background()
	cfg := config.Default()
	cfg.MySQLDSN = modeltest.FreshMySQLDatabase(b)
	real := modeltest.MySQL(b)
	rdb, prefix := modeltest.Redis(b)
	cfg.Redis.Prefix = prefix
	cfg.DataDir = b.TempDir()
	p, err := newPractice(cfg, real, rdb, service.SystemClock, modeltest.Log(), nil, noMedia{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.close)
	const trainee = "bench-trainee"
	key := practiceKey(trainee)
	sb, err := p.open(ctx, key, trainee, true)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if server, err := p.serverConn(ctx); err == nil {
			_ = server.Exec("DROP DATABASE IF EXISTS `" + p.dbName(key) + "`").Error
		}
	})
	if err := sb.db.Create(&model.PracticeSession{UserID: trainee, State: model.PracticeActive}).Error; err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, user string
		practises  bool
	}{{"nobody", "wangjg", false}, {"trainee", trainee, true}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetParallelism(25) // 25 × GOMAXPROCS (2 here) callers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, _, ok, err := p.Route(ctx, tc.user)
					if err != nil || ok != tc.practises {
						b.Errorf("Route(%s) = %v, %v", tc.user, ok, err)
						return
					}
				}
			})
		})
	}
}

// noMedia is a bot.MediaSource with nothing in it (routing needs none).
type noMedia struct{}

func (noMedia) Media(context.Context, string) ([]byte, error) { return nil, errors.New("no media") }
