package service

import (
	"time"
)

// PromiseSkew is how far before now a promised time may lie and still be
// taken: the clocks of a channel, a phone or a script and ours may differ
// by a few minutes, and a promise written "now" should not be refused for
// it. Anything earlier is a promise already broken when it is made, which
// is a typo (a wrong day or year), never a plan: it is refused naming the
// field, not stored silently to make the order late at once.
const PromiseSkew = 5 * time.Minute

// promiseRange refuses a promised time outside what both databases store
// (MariaDB's DATETIME has no year 0 or 10000): a 422 naming field, not a
// 500 from the driver.
func promiseRange(field string, at time.Time) error {
	if y := at.UTC().Year(); y < 2000 || y > 9999 {
		return invalid(field, CodeInvalidRange, "承诺交期须在 2000 到 9999 年之间，收到 %d 年", y)
	}
	return nil
}

// checkPromise is the one rule for a promised time given by anyone (the
// staff API and the board's advance, chat's 交期=…, a channel's order, an
// order placed with promised_at): within the stored range, and not before
// made (when the promise was given, normally now) by more than
// PromiseSkew. field names the field as the sender wrote it.
func checkPromise(field string, at, made time.Time, loc *time.Location) error {
	if err := promiseRange(field, at); err != nil {
		return err
	}
	if at.Before(made.Add(-PromiseSkew)) {
		ex := made.In(loc).AddDate(0, 0, 3)
		ex = time.Date(ex.Year(), ex.Month(), ex.Day(), 18, 0, 0, 0, loc)
		return invalid(field, CodePromiseInPast, "交期不能早于现在：%s 已经过去（现在 %s），请写将来的时间，例如 %s",
			at.In(loc).Format("2006-01-02 15:04"), made.In(loc).Format("2006-01-02 15:04"), ex.Format("2006-01-02 15:04"))
	}
	return nil
}
