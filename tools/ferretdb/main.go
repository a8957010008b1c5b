// Command ferretdb runs FerretDB 1.24 (a MongoDB wire-protocol server on SQLite) for local tests and
// the demo. It wraps FerretDB's embeddable package because `go install .../cmd/ferretdb@v1.24.2`
// builds a binary that panics at start ("Invalid build/version/version.txt"): release builds expect
// version files that only FerretDB's own build task generates. The embedded server disables telemetry.
//
// Flags mirror the upstream binary's: --listen-addr, --handler=sqlite|postgresql, --sqlite-url,
// --postgresql-url, --log-level;
// --telemetry and --debug-addr are accepted and ignored (always off here).
//
// Tuned for CPU (profiled with `perf record` under bench:scale's million-customer backfill, docs/benchmarks.md):
//   - FerretDB's SQL layer calls logger.With(args) on every statement, before its Debug call; slog's
//     TextHandler formats (and quotes) those attributes at With time, level enabled or not — the whole
//     document JSON of every insert, ≈ 15 % of FerretDB's CPU. The handler here keeps With's attributes
//     unformatted until a record is actually written (never, for debug records at the default level).
//   - The Go GC runs at GOGC=400 unless GOGC is set (FerretDB's live heap is tens of MB; collections were
//     ≈ 10 % of its CPU), and the runtime's allocation sampling for memory profiles is off (no profiler reads it).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	handler := flag.String("handler", "sqlite", "backend handler (sqlite)")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite data directory URL, with a trailing slash")
	postgresqlURL := flag.String("postgresql-url", "", "PostgreSQL URL, for --handler=postgresql")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	_ = flag.String("telemetry", "disable", "ignored: telemetry is always disabled")
	_ = flag.String("debug-addr", "-", "ignored: no debug handler")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "bad --log-level: %v\n", err)
		os.Exit(2)
	}
	runtime.MemProfileRate = 0
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	logger := slog.New(lazyAttrs{h: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})})

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Handler:       *handler,
		SQLiteURL:     *sqliteURL,
		PostgreSQLURL: *postgresqlURL,
		Logger:        logger,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("listening", "addr", *listen, "handler", *handler)
	if err := f.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}
}

// lazyAttrs keeps the attributes of Logger.With unformatted until a record is handled: slog's built-in
// handlers format them at With time, whether or not any record at that level is ever written.
type lazyAttrs struct {
	h     slog.Handler
	attrs []slog.Attr
}

func (l lazyAttrs) Enabled(ctx context.Context, level slog.Level) bool {
	return l.h.Enabled(ctx, level)
}

func (l lazyAttrs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return lazyAttrs{h: l.h, attrs: append(slices.Clip(l.attrs), attrs...)}
}

func (l lazyAttrs) WithGroup(name string) slog.Handler {
	return lazyAttrs{h: l.materialized().WithGroup(name)}
}

func (l lazyAttrs) Handle(ctx context.Context, r slog.Record) error {
	return l.materialized().Handle(ctx, r)
}

func (l lazyAttrs) materialized() slog.Handler {
	if len(l.attrs) == 0 {
		return l.h
	}
	return l.h.WithAttrs(slices.Clone(l.attrs))
}
