package model_test

import (
	"context"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestReplicaReads runs on a real MariaDB replica: reads marked OnReplica
// are answered by it while it replicates within the bound; writes, unmarked
// reads and everything in a transaction stay on the primary; a replica that
// is down, stopped or lagging is skipped, the primary answers, and the
// skips are counted.
func TestReplicaReads(t *testing.T) {
	pair := modeltest.ReplicationPair(t)
	primaryDSN, replicaDSN := pair.FreshDatabase(t)
	ctx := context.Background()
	const maxLag = time.Second
	db, err := model.Open(ctx, model.Options{MySQLDSN: primaryDSN, Log: modeltest.Log(), Replicas: model.ReplicaOptions{
		// The second replica is down for the whole test: nothing listens there.
		DSNs:       []string{replicaDSN, "orderhub:orderhub@tcp(127.0.0.1:1)/x?parseTime=True"},
		MaxLag:     maxLag,
		CheckEvery: time.Hour, // the test checks by CheckReplicas
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = model.Close(db) })
	replicaServer := pair.Server(t, pair.Replica)
	// Whatever happens below, the replica replicates again afterwards for
	// the next test that uses it.
	t.Cleanup(func() {
		for _, q := range []string{"STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY=0", "START SLAVE"} {
			if _, err := replicaServer.Exec(q); err != nil {
				t.Errorf("restoring the replica: %s: %v", q, err)
			}
		}
	})

	serverID := func(q *gorm.DB) int {
		t.Helper()
		var id int
		if err := q.Raw("SELECT @@server_id").Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	primaryID := serverID(db)
	var replicaID int
	if err := replicaServer.QueryRow("SELECT @@server_id").Scan(&replicaID); err != nil {
		t.Fatal(err)
	}
	if primaryID == replicaID {
		t.Fatalf("primary and replica share server id %d", primaryID)
	}
	stat := func(addr string) model.ReplicaStat {
		t.Helper()
		stats, _ := model.ReplicaStats(db)
		for _, s := range stats {
			if s.Addr == addr {
				return s
			}
		}
		t.Fatalf("no replica %s in %+v", addr, stats)
		return model.ReplicaStat{}
	}
	replicaAddr := addrOf(t, replicaDSN)

	if err := db.Exec("CREATE TABLE probe (id INT PRIMARY KEY, note VARCHAR(20))").Error; err != nil {
		t.Fatal(err)
	}
	pair.Eventually(t, 20*time.Second, "the probe table on the replica", func() bool {
		var n int
		return model.OnReplica(db).Raw("SELECT COUNT(*) FROM probe").Scan(&n).Error == nil
	})

	t.Run("marked reads go to the replica", func(t *testing.T) {
		model.CheckReplicas(ctx, db)
		if s := stat(replicaAddr); !s.Usable || !s.LagKnown {
			t.Fatalf("replica not in use: %+v", s)
		}
		if got := serverID(model.OnReplica(db)); got != replicaID {
			t.Errorf("marked read answered by server %d, want the replica %d", got, replicaID)
		}
		if got := serverID(model.OnReplica(db.WithContext(ctx))); got != replicaID {
			t.Errorf("marked read with a context answered by server %d, want the replica %d", got, replicaID)
		}
		if got := serverID(db); got != primaryID {
			t.Errorf("unmarked read answered by server %d, want the primary %d", got, primaryID)
		}
		// A model query (the Query callback, not Raw) is routed the same way.
		var n int64
		if err := model.OnReplica(db).Table("probe").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		down := stat("127.0.0.1:1")
		if down.Usable || down.Reason != model.ReplicaDown || down.Skipped[model.ReplicaDown] == 0 {
			t.Errorf("the replica nobody listens for: %+v, want skipped as down with the skips counted", down)
		}
	})

	t.Run("writes and transactions stay on the primary", func(t *testing.T) {
		if err := model.OnReplica(db).Exec("INSERT INTO probe (id, note) VALUES (1, 'written')").Error; err != nil {
			t.Fatalf("a write through a replica-marked handle: %v", err)
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if got := serverID(model.OnReplica(tx)); got != primaryID {
				t.Errorf("marked read inside a transaction answered by server %d, want the primary %d", got, primaryID)
			}
			// The row the transaction wrote is visible to its own read:
			// it is the same connection.
			if err := tx.Exec("INSERT INTO probe (id, note) VALUES (2, 'in tx')").Error; err != nil {
				return err
			}
			var n int64
			if err := model.OnReplica(tx).Table("probe").Where("id = 2").Count(&n).Error; err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("a transaction's marked read did not see its own write")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var note string
		pair.Eventually(t, 20*time.Second, "the replica to have the rows written through the primary", func() bool {
			return replicaServer.QueryRow("SELECT note FROM "+dbName(t, replicaDSN)+".probe WHERE id = 2").Scan(&note) == nil
		})
	})

	t.Run("a stopped replica is skipped and the primary serves", func(t *testing.T) {
		if _, err := replicaServer.Exec("STOP SLAVE"); err != nil {
			t.Fatal(err)
		}
		model.CheckReplicas(ctx, db)
		s := stat(replicaAddr)
		if s.Usable || s.Reason != model.ReplicaStopped {
			t.Fatalf("stopped replica: %+v, want skipped as stopped", s)
		}
		_, before := model.ReplicaStats(db)
		if got := serverID(model.OnReplica(db)); got != primaryID {
			t.Errorf("with the replica stopped a marked read was answered by server %d, want the primary %d", got, primaryID)
		}
		if _, after := model.ReplicaStats(db); after != before+1 {
			t.Errorf("primary reads %d -> %d, want one more", before, after)
		}
		if got := stat(replicaAddr).Skipped[model.ReplicaStopped]; got == 0 {
			t.Error("no read counted as skipping the stopped replica")
		}
		if _, err := replicaServer.Exec("START SLAVE"); err != nil {
			t.Fatal(err)
		}
		pair.Eventually(t, 20*time.Second, "the restarted replica back in use", func() bool {
			model.CheckReplicas(ctx, db)
			return stat(replicaAddr).Usable
		})
		if got := serverID(model.OnReplica(db)); got != replicaID {
			t.Errorf("replica back: marked read answered by server %d, want %d", got, replicaID)
		}
	})

	t.Run("a lagging replica is skipped", func(t *testing.T) {
		// Real lag: the replica applies each event 30s after the primary
		// wrote it, so once a write waits its Seconds_Behind_Master grows
		// past the bound.
		for _, q := range []string{"STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY=30", "START SLAVE"} {
			if _, err := replicaServer.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := db.Exec("INSERT INTO probe (id, note) VALUES (3, 'delayed')").Error; err != nil {
			t.Fatal(err)
		}
		pair.Eventually(t, 20*time.Second, "the delayed replica to be skipped for lag", func() bool {
			model.CheckReplicas(ctx, db)
			s := stat(replicaAddr)
			return !s.Usable && s.Reason == model.ReplicaLagging && s.LagKnown && s.Lag > maxLag
		})
		// The row is on the primary, not yet on the replica: the marked read
		// sees it because the primary answers.
		var n int64
		if err := model.OnReplica(db).Table("probe").Where("id = 3").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Error("a marked read while the replica lags did not see the primary's row")
		}
		if got := stat(replicaAddr).Skipped[model.ReplicaLagging]; got == 0 {
			t.Error("no read counted as skipping the lagging replica")
		}
	})
}

func addrOf(t *testing.T, dsn string) string {
	t.Helper()
	c, err := mysqlConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c.Addr
}

func dbName(t *testing.T, dsn string) string {
	t.Helper()
	c, err := mysqlConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c.DBName
}

func mysqlConfig(dsn string) (*gomysql.Config, error) { return gomysql.ParseDSN(dsn) }
