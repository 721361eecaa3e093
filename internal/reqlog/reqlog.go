// Package reqlog carries a request id in a context and puts it on every
// log line made with that context. Each edge sets the id where a request
// comes in (an HTTP request's X-Request-ID, a WeCom message's key);
// cmd wraps the process's slog handler once. It is plumbing every layer
// may use: it imports only the standard library.
package reqlog

import (
	"context"
	"log/slog"
)

type idKey struct{}

// WithID returns ctx carrying a request id that every log line made with
// it shows.
func WithID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, idKey{}, id)
}

// ID returns the request id in ctx, or "".
func ID(ctx context.Context) string {
	id, _ := ctx.Value(idKey{}).(string)
	return id
}

// Handler wraps h so that records logged with a context carry its
// request id as request_id.
func Handler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if id := ID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler { return handler{h.Handler.WithAttrs(as)} }

func (h handler) WithGroup(name string) slog.Handler { return handler{h.Handler.WithGroup(name)} }
