package app

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub/service/insight"
)

// measureGauges exports, for Prometheus and the Grafana dashboard
// (deploy/grafana), the war room's figures that are counted from the
// database rather than as they happen: the on-time rate of the last 7 days
// and the escalation levels fired today, by clock and level. Like the
// board's gauges they are the same on every instance (take max, not sum).
// Figured at most every measureGaugesEvery, so a scrape of every instance
// every few seconds costs the database little; they read a replica when
// there is one (insight.Measures on model.OnReplica).
type measureGauges struct {
	m   *insight.Measures
	log *slog.Logger

	onTime, delivered, escalations *prometheus.Desc

	mu      sync.Mutex
	at      time.Time
	metrics []prometheus.Metric
}

const measureGaugesEvery = 30 * time.Second

func newMeasureGauges(m *insight.Measures, log *slog.Logger) *measureGauges {
	return &measureGauges{
		m: m, log: log,
		onTime: prometheus.NewDesc("orderhub_on_time_rate",
			"Share of the orders delivered in the last 7 local days (today included) that arrived within promised ± 2 h (GET /api/v1/metrics/on-time).", nil, nil),
		delivered: prometheus.NewDesc("orderhub_delivered_orders",
			"Orders delivered in the last 7 local days, the on-time rate's base.", nil, nil),
		escalations: prometheus.NewDesc("orderhub_escalations_today",
			"Escalation levels fired today (local day), by what was waited for (stage, ack, resolve, transfer) and level.", []string{"clock", "level"}, nil),
	}
}

func (g *measureGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- g.onTime
	ch <- g.delivered
	ch <- g.escalations
}

func (g *measureGauges) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.metrics == nil || time.Since(g.at) >= measureGaugesEvery {
		g.metrics, g.at = g.figure(), time.Now()
	}
	for _, m := range g.metrics {
		ch <- m
	}
}

func (g *measureGauges) figure() []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out []prometheus.Metric
	if ot, err := g.m.OnTime(ctx, g.m.LastDays(7)); err != nil {
		// Left out rather than failing the scrape: every other figure
		// still reaches Prometheus.
		g.log.Warn("metrics: on-time rate", "err", err)
	} else {
		out = append(out,
			prometheus.MustNewConstMetric(g.onTime, prometheus.GaugeValue, ot.Rate),
			prometheus.MustNewConstMetric(g.delivered, prometheus.GaugeValue, float64(ot.Delivered)))
	}
	if esc, err := g.m.Escalations(ctx, g.m.LastDays(1)); err != nil {
		g.log.Warn("metrics: escalations today", "err", err)
	} else {
		for _, e := range esc {
			out = append(out, prometheus.MustNewConstMetric(g.escalations, prometheus.GaugeValue, float64(e.Count), e.Clock, strconv.Itoa(e.Level)))
		}
	}
	return out
}
