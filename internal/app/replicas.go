package app

import (
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/model"
)

// replicaCollector exports the read replicas' state (model.ReplicaStats):
// whether each is in use, its lag, the reads each answered and the reads
// that skipped it, by reason. Without replicas only the primary's count of
// replica reads shows, at 0.
type replicaCollector struct {
	db                      *gorm.DB
	up, lag, reads, skipped *prometheus.Desc
}

func newReplicaCollector(db *gorm.DB) *replicaCollector {
	return &replicaCollector{
		db: db,
		up: prometheus.NewDesc("orderhub_db_replica_up",
			"1 while a read replica answers the board, metrics, insight and exports; 0 while it is skipped (down, stopped or lagging).", []string{"replica", "reason"}, nil),
		lag: prometheus.NewDesc("orderhub_db_replica_lag_seconds",
			"How far a read replica was behind the primary at its last check (absent while it cannot say).", []string{"replica"}, nil),
		reads: prometheus.NewDesc("orderhub_db_replica_reads_total",
			"Reads that may go to a replica, by who answered: a replica's address, or primary when none was usable.", []string{"served_by"}, nil),
		skipped: prometheus.NewDesc("orderhub_db_replica_skipped_reads_total",
			"Reads that passed a read replica over, by why: down, stopped or lag.", []string{"replica", "reason"}, nil),
	}
}

func (c *replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.lag
	ch <- c.reads
	ch <- c.skipped
}

func (c *replicaCollector) Collect(ch chan<- prometheus.Metric) {
	stats, primary := model.ReplicaStats(c.db)
	ch <- prometheus.MustNewConstMetric(c.reads, prometheus.CounterValue, float64(primary), "primary")
	for _, s := range stats {
		up := 0.0
		if s.Usable {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, s.Addr, s.Reason)
		if s.LagKnown {
			ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, s.Lag.Seconds(), s.Addr)
		}
		ch <- prometheus.MustNewConstMetric(c.reads, prometheus.CounterValue, float64(s.Reads), s.Addr)
		for reason, n := range s.Skipped {
			ch <- prometheus.MustNewConstMetric(c.skipped, prometheus.CounterValue, float64(n), s.Addr, reason)
		}
	}
}
