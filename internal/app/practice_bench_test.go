package app

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"
	"time"

	"orderhub/bot"
	"orderhub/config"
	"orderhub/internal/benchlat"
	"orderhub/internal/chatcli"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// BenchmarkPracticeRoute is the question every WeCom callback asks before
// recording a message — does its sender practise now? — 50 callers at a
// time: "nobody" for a user without a sandbox (nearly every message),
// "trainee" for one practising in a sandbox this instance has open. On
// SQLite (embedded: a stat of the sandbox's file) and, with
// ORDERHUB_TEST_MYSQL_DSN, on MariaDB (sandboxes are databases).
func BenchmarkPracticeRoute(b *testing.B) {
	run := func(b *testing.B, mysql bool) {
		ctx := context.Background()
		cfg := config.Default()
		cfg.DataDir = b.TempDir()
		real := modeltest.SQLite(b)
		if mysql {
			cfg.MySQLDSN = modeltest.FreshMySQLDatabase(b)
			real = modeltest.MySQL(b)
		}
		rdb, prefix := modeltest.Redis(b)
		cfg.Redis.Prefix = prefix
		p, err := newPractice(cfg, real, rdb, service.SystemClock, modeltest.Log(), nil, noMedia{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(p.Close)
		const trainee = "bench-trainee"
		key := practiceKey(trainee)
		sb, err := p.open(ctx, key, trainee, true)
		if err != nil {
			b.Fatal(err)
		}
		if mysql {
			b.Cleanup(func() {
				if server, err := p.serverConn(ctx); err == nil {
					_ = server.Exec("DROP DATABASE IF EXISTS `" + p.dbName(key) + "`").Error
				}
			})
		}
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
	b.Run("sqlite", func(b *testing.B) { run(b, false) })
	if modeltest.MySQLDSN() != "" {
		b.Run("mysql", func(b *testing.B) { run(b, true) })
	}
}

// noMedia is a bot.MediaSource with nothing in it (routing needs none).
type noMedia struct{}

func (noMedia) Media(context.Context, string) ([]byte, error) { return nil, errors.New("no media") }

// BenchmarkCallbackServed posts b.N WeCom callbacks, 50 at a time, to a
// served demo orderhub wired as main wires it — with practice routing,
// which bot's BenchmarkCallback does not have — and reports the p50 and p99
// answer times: verify, decrypt, Redis dedupe, practice routing, insert,
// answer. The bot is not running, so the commands do not run.
func BenchmarkCallbackServed(b *testing.B) {
	run := func(b *testing.B, mysql bool) {
		d := startDemo(b, mysql, service.SystemClock)
		crypto, err := bot.NewCrypto(bot.DemoToken, bot.DemoAESKey, bot.DemoCorpID)
		if err != nil {
			b.Fatal(err)
		}
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 50}}
		b.Cleanup(client.CloseIdleConnections)
		ctx := context.Background()
		msgs := make([]chatcli.Message, b.N)
		for i := range msgs {
			msgs[i] = chatcli.Message{ToUserName: bot.DemoCorpID, FromUserName: "wangjg", CreateTime: time.Now().Unix(), MsgType: "text",
				Content: "库存 NUT-M8", MsgID: strconv.FormatUint(rand.Uint64()>>2, 10), AgentID: strconv.Itoa(bot.DemoAgentID)}
		}
		benchlat.Run(b, 50, func(k int) error {
			return chatcli.PostCallback(ctx, client, d.base, crypto, msgs[k])
		})
	}
	b.Run("sqlite", func(b *testing.B) { run(b, false) })
	if modeltest.MySQLDSN() != "" {
		b.Run("mysql", func(b *testing.B) { run(b, true) })
	}
}
