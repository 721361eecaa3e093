package miniprogram

import (
	"errors"
	"fmt"
	"strings"

	"orderhub/service"
)

// buyerMessage says a refusal to a buyer in Chinese, from the error's code
// and the data it carries (never the service's English message); the
// English code stays in the answer's "code" for the client. "" leaves the
// message the edge already has.
func buyerMessage(err error) string {
	var (
		short *service.ShortError
		conf  *service.ConflictError
		inv   *service.InvalidError
	)
	switch {
	case errors.As(err, &short):
		parts := make([]string, len(short.Lines))
		for i, l := range short.Lines {
			parts[i] = fmt.Sprintf("%s 需要 %d，现可订 %d", l.SKU, l.Want, max(l.Available, 0))
		}
		return "库存不足，订单未提交：" + strings.Join(parts, "；") + "。请减少数量后再下单。"
	case errors.As(err, &inv) && inv.Code() == service.CodeAddressRequired:
		return "请填写收货地址：订单没有地址，您的账户也没有登记默认收货地址。"
	case errors.As(err, &conf):
		switch conf.Code() {
		case service.CodeNotShipped:
			return fmt.Sprintf("订单 %s 还是「%s」，发货后才能确认收货。", conf.Subject, conf.State)
		case service.CodeNotCancellable:
			return fmt.Sprintf("订单 %s 已是「%s」，不能在小程序取消了；如需取消请联系客服。", conf.Subject, conf.State)
		case service.CodeAlreadyCancelled, service.CodeOrderCancelled:
			return "订单 " + conf.Subject + " 已取消。"
		case service.CodeAlreadyDelivered:
			return "订单 " + conf.Subject + " 已经签收了。"
		case service.CodeOrderMoved:
			return "订单状态刚刚更新，请刷新后再试。"
		case service.CodeIdempotencyKeyReused:
			return "这个请求编号（Idempotency-Key）已用于另一张订单，请换一个新的编号再下单。"
		}
	}
	return ""
}
