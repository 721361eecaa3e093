package reqlog_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"orderhub/internal/reqlog"
)

// A line logged with a context that carries a request id shows it, through
// WithAttrs and WithGroup too; one without shows none.
func TestHandlerAddsRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(reqlog.Handler(slog.NewTextHandler(&buf, nil))).With("app", "orderhub").WithGroup("g")
	ctx := reqlog.WithID(context.Background(), "req-42")
	if reqlog.ID(ctx) != "req-42" || reqlog.ID(context.Background()) != "" {
		t.Fatalf("ID = %q", reqlog.ID(ctx))
	}
	log.InfoContext(ctx, "with")
	log.InfoContext(context.Background(), "without")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "req-42") || strings.Contains(lines[1], "request_id") {
		t.Fatalf("log:\n%s", buf.String())
	}
}
