package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"orderhub/config"
	"orderhub/internal/app"
	"orderhub/service"
)

// directoryCmd runs `orderhub directory sync`: the sync, now, printing
// what it did. A running orderhub sends the leads' notices from the outbox.
func directoryCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "sync" {
		return errors.New("usage: orderhub directory sync")
	}
	if cfg.WeCom.CorpID == "" {
		return errors.New("directory sync needs a WeCom corp: set ORDERHUB_WECOM_CORP_ID and the app's secret (see docs/configuration.md)")
	}
	a, err := app.Open(ctx, cfg, log, service.SystemClock)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.DirectorySync().Sync(ctx, "企业微信通讯录同步")
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "directory sync:", res.Summary())
	for _, h := range res.Left {
		fmt.Fprintf(stdout, "  %s left: %d orders, %d transfers, %d tickets handed over, %d with no one to take them; told %q\n",
			h.UserID, h.Orders, h.Transfers, h.Tickets, h.Unassigned, h.Told)
	}
	return nil
}
