package service

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// Channel webhooks: a channel with a webhook URL is told of each stage
// change of its orders. The event is an outbox row written by the stage
// change's own transaction, keyed by (order, stage, entry time), so it is
// sent at least once — retried with backoff through a channel's outage —
// and written at most once; its event_id lets the channel drop a repeat
// delivery.

// MsgTypeChannelWebhook marks outbox rows the webhook sender delivers.
const MsgTypeChannelWebhook = "channel_webhook"

// ChannelOutboxWebhook is the outbox channel of webhook rows.
const ChannelOutboxWebhook = "webhook"

// OrderOption configures Orders beyond its dependencies.
type OrderOption func(*Orders)

// WithChannelWebhooks names the channels told of their orders' stage
// changes.
func WithChannelWebhooks(keys ...string) OrderOption {
	return func(o *Orders) {
		for _, k := range keys {
			o.webhooks[k] = true
		}
	}
}

// StageEvent is the body of a channel webhook.
type StageEvent struct {
	EventID    string `json:"event_id"`
	Channel    string `json:"channel"`
	ExternalID string `json:"external_id"`
	OrderNo    string `json:"order_no"`
	From       string `json:"from"`
	To         string `json:"to"`
	StageName  string `json:"stage_name"`
	Carrier    string `json:"carrier,omitempty"`
	TrackingNo string `json:"tracking_no,omitempty"`
	At         string `json:"at"`
}

// notifyChannel queues the webhook of a stage change, when the order came
// from a channel that wants them.
func (o *Orders) notifyChannel(tx *gorm.DB, ord model.Order, to string, now time.Time) error {
	if !o.webhooks[ord.Channel] {
		return nil
	}
	var it model.Intake
	if err := tx.Where("order_id = ?", ord.ID).Limit(1).Find(&it).Error; err != nil {
		return err
	}
	key := fmt.Sprintf("webhook:%d:%s:%d", ord.ID, to, now.UnixMilli())
	ev := StageEvent{EventID: key, Channel: ord.Channel, ExternalID: it.ExternalID, OrderNo: ord.No, From: ord.Stage, To: to,
		StageName: o.pipe.Name(to), Carrier: ord.Carrier, TrackingNo: ord.TrackingNo, At: now.In(o.loc).Format(time.RFC3339)}
	if to == StageCancelled {
		ev.StageName = "已取消"
	}
	_, err := enqueueOne(tx, now, 0, Message{Channel: ChannelOutboxWebhook, To: []string{ord.Channel}, Type: MsgTypeChannelWebhook,
		Body: ev, Key: key, OrderID: ord.ID})
	return err
}
