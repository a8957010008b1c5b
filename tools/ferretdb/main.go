// Command ferretdb runs FerretDB 1.24 (a MongoDB wire-protocol server on SQLite) for local tests and
// the demo. It wraps FerretDB's embeddable package because `go install .../cmd/ferretdb@v1.24.2`
// builds a binary that panics at start ("Invalid build/version/version.txt"): release builds expect
// version files that only FerretDB's own build task generates. The embedded server disables telemetry.
//
// Flags mirror the upstream binary's: --listen-addr, --handler=sqlite|postgresql, --sqlite-url,
// --postgresql-url, --log-level;
// --telemetry and --debug-addr are accepted and ignored (always off here).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
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
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

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
