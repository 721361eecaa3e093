package service

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the business counters of one process; Prometheus sums them
// over instances.
type Metrics struct {
	OrdersCreated    *prometheus.CounterVec
	OrdersRefused    prometheus.Counter
	ReserveRetries   prometheus.Counter
	LockFallbacks    prometheus.Counter
	BatchFallbacks   prometheus.Counter
	StageChanges     *prometheus.CounterVec
	TransfersCreated prometheus.Counter
	// AlarmsWithoutRecipient counts escalation levels that found nobody
	// to push (design invariant 10): each is an error, passed up.
	AlarmsWithoutRecipient prometheus.Counter
}

// NewMetrics registers the business counters with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		OrdersCreated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_orders_created_total", Help: "Orders accepted, by channel.",
		}, []string{"channel"}),
		OrdersRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderhub_orders_refused_total", Help: "Orders refused for insufficient stock.",
		}),
		ReserveRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderhub_reserve_retries_total", Help: "Reservations planned again because stock changed under them.",
		}),
		LockFallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderhub_reserve_lock_fallbacks_total", Help: "Contended reservations that went on without the Redis lock (Redis down or lock wait over).",
		}),
		BatchFallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderhub_order_batch_fallbacks_total", Help: "Order batches the database refused for a reason other than stock, then placed one order per transaction.",
		}),
		StageChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_stage_changes_total", Help: "Orders moved into a stage.",
		}, []string{"to"}),
		TransfersCreated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderhub_transfers_created_total", Help: "Transfer work orders created by reservations.",
		}),
		AlarmsWithoutRecipient: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderhub_alarms_without_recipient_total", Help: "Escalation levels that found nobody to push; each went on to the next level (or the supervisors).",
		}),
	}
	reg.MustRegister(m.OrdersCreated, m.OrdersRefused, m.ReserveRetries, m.LockFallbacks, m.BatchFallbacks, m.StageChanges, m.TransfersCreated, m.AlarmsWithoutRecipient)
	return m
}
