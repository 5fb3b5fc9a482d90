// Command recomengine is the whole service in one binary: `serve` (API, dashboard, docs,
// background jobs) and `migrate`. main.go and config.go are the only places where adapters
// are chosen.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/recomengine/recomengine/api"
	"github.com/recomengine/recomengine/internal/analytics"
	"github.com/recomengine/recomengine/internal/auth"
	"github.com/recomengine/recomengine/internal/experiment"
	"github.com/recomengine/recomengine/internal/httpapi"
	"github.com/recomengine/recomengine/internal/ingest"
	"github.com/recomengine/recomengine/internal/inmem"
	"github.com/recomengine/recomengine/internal/logging"
	"github.com/recomengine/recomengine/internal/postgres"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/recommend"
	"github.com/recomengine/recomengine/internal/redis"
	"github.com/recomengine/recomengine/internal/sqlite"
	"github.com/recomengine/recomengine/sdk"
	"github.com/recomengine/recomengine/web"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "recomengine:", err)
		os.Exit(1)
	}
}

const usage = `usage: recomengine <command> [flags]

commands:
  serve     serve the API, dashboard and docs (default store: SQLite in ./data)
  migrate   apply the schema migrations and exit
  loadtest  drive a running server with load: loadtest events|recs [flags] (see -h);
            loadtest floor: the same client against an empty handler, the machine's floor
  demo      serve a demo: a real shop's data loaded through the API, and a storefront
            showing the SDK's widgets (-addr, -shop-addr, -dir data/demo)
  eval      offline evaluation of every strategy: eval --events FILE --catalog FILE [--k 10] [--test-days 30]
  version   print the version

Configuration comes from RECOM_* environment variables (see README), flags override them.
`

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// run is main with its surroundings passed in: tests start the whole program in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stdout, stderr)
	case "loadtest":
		return loadtestCmd(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "eval":
		return evalCmd(ctx, args[1:], stdout, stderr)
	case "demo":
		return demoCmd(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "recomengine", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// startJobs starts the background jobs of a node; they end with ctx.
func startJobs(ctx context.Context, st store, logger *slog.Logger) {
	if pg, ok := st.(*postgres.DB); ok {
		// Monthly event partitions are created three months ahead; every node may run
		// this, the store serialises it with an advisory lock.
		go every(ctx, 6*time.Hour, func() {
			if err := pg.EnsureEventPartitions(ctx, time.Now(), 3); err != nil {
				logger.Error("event partitions", "err", err)
			}
		})
	}
}

// every runs fn now and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// store is an opened store adapter.
type store interface {
	Migrate(ctx context.Context) error
	Stores() recom.Stores
	Close() error
}

// openStore opens the configured store: SQLite by default, PostgreSQL for postgres:// URLs.
func openStore(ctx context.Context, cfg config) (store, error) {
	if cfg.embedded() {
		return sqlite.Open(ctx, cfg.sqlitePath())
	}
	return postgres.Open(ctx, cfg.DatabaseURL)
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig("migrate", args, getenv, stderr)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations applied to", st.Stores().Name)
	return nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return serveOn(ctx, nil, args, getenv, stdout, stderr)
}

// serveOn is serve on a listener already open (demo's), or on cfg.Addr if ln is nil. It
// closes ln.
func serveOn(ctx context.Context, ln net.Listener, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	defer func() {
		if ln != nil && err != nil {
			ln.Close() // serving never began
		}
	}()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := loadConfig("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	// Log lines go out in batches every 100 ms (at info, every request logs a line);
	// the deferred Close writes the last ones, "stopped" included.
	logs := logging.NewBuffered(stdout, 100*time.Millisecond)
	defer logs.Close()
	logger := logging.New(logs, cfg.LogLevel, recom.LogAttrs)
	tuneCollector()
	jwtSecret, pepper, err := cfg.secrets()
	if err != nil {
		return err
	}
	tokens, err := auth.NewTokens(jwtSecret)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.AutoMigrate {
		if err := st.Migrate(ctx); err != nil {
			return err
		}
	}
	var limiter recom.Limiter = inmem.NewLimiter()
	var activity recom.Activity = inmem.NewActivity(100_000)
	checks := []func() recom.Health{func() recom.Health {
		return recom.Health{Name: "cache", Backend: "in-process", OK: true}
	}}
	// The bus tells nodes of catalog changes. In process it reaches only this node: right
	// for the one-node SQLite default, and left out on PostgreSQL, where other nodes may
	// run without hearing it.
	var bus recom.Bus
	if st.Stores().Name == "sqlite" {
		bus = inmem.NewBus()
	}
	var shared recom.Cache // ranked lists shared by the nodes; each node also keeps its own
	if cfg.RedisURL != "" {
		rc, err := redis.New(ctx, cfg.RedisURL, cfg.RedisPrefix, inmem.NewCache(100_000), limiter, logger)
		if err != nil {
			return err
		}
		defer rc.Close()
		shared, limiter, activity, bus, checks = rc.Cache(), rc.Limiter(), rc.Activity(), rc.Bus(), []func() recom.Health{rc.Health}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	refs := recom.NewRefCodec(pepper)
	experiments := experiment.New(st.Stores().Experiments, st.Stores().Analytics, logger)
	recommender := recommend.New(st.Stores(), activity, logger, recommend.Config{Refs: refs, Shared: shared, Bus: bus, Assign: experiments.Assign, Expose: experiments.Expose}, reg)
	// Each group commit's new events reach the recommender before they are acknowledged.
	ingester := ingest.New(st.Stores().Events, ingest.Config{Flushers: cfg.IngestFlushers, MaxDelay: cfg.IngestMaxDelay,
		MinInterval: cfg.IngestMinInterval, MaxBatch: cfg.IngestMaxBatch, Committed: recommender.Learn}, reg)
	// Accepted events are written before the process ends (DESIGN §3): the server is shut
	// down first (its handlers wait for their commits), then the ingester drains.
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := ingester.Close(dctx); err != nil {
			logger.Error("ingest drain", "err", err)
		}
	}()
	reports := analytics.New(st.Stores(), refs, logger, reg)
	jobs, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopJobs()
	defer func() { // queued exposures are stored before the store closes
		fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := experiments.Flush(fctx); err != nil {
			logger.Error("flush exposures", "err", err)
		}
	}()
	startJobs(jobs, st, logger)
	go recommender.Run(jobs)
	go reports.Run(jobs, cfg.RollupInterval)
	go experiments.Run(jobs, 200*time.Millisecond)
	h, err := httpapi.NewServer(ctx, httpapi.Deps{
		Logger: logger, Stores: st.Stores(), Limiter: limiter, Checks: checks,
		Tokens: tokens, Pepper: pepper, Registry: reg, Docs: api.DocsHandler(), Web: web.Handler(), SDK: sdk.Handler(),
		Ingester: ingester, Recommender: recommender, Analytics: reports, Experiments: experiments,
		Config: httpapi.Config{MaxBodyBytes: cfg.MaxBodyBytes, HSTS: cfg.TLSCertFile != "",
			BcryptCost: cfg.BcryptCost, SuperAdminEmails: cfg.SuperAdminEmails, TrustedProxies: cfg.TrustedProxies},
	})
	if err != nil {
		return err
	}
	if cfg.DebugAddr != "" {
		// Profiling for operators, on its own (private) address: never on the API port.
		go func() {
			mux := http.NewServeMux()
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
			logger.Info("pprof", "addr", cfg.DebugAddr, "err", http.ListenAndServe(cfg.DebugAddr, mux))
		}()
	}
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// TLS 1.2 is the floor (NFR-008); Go's default cipher suites are all AEAD there.
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12},
	}
	scheme := "http"
	if cfg.TLSCertFile != "" {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s", scheme, ln.Addr())
	fmt.Fprintf(stdout, "RecomEngine is serving on %s (store: %s) — dashboard %s/ , API docs %s/docs/\n",
		url, st.Stores().Name, url, url)
	logger.Info("serving", "addr", ln.Addr().String(), "store", st.Stores().Name, "tls", scheme == "https")

	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		// SIGTERM: stop accepting, let requests in flight finish, then return.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		done <- srv.Shutdown(sctx)
	}()
	if scheme == "https" {
		err = srv.ServeTLS(ln, cfg.TLSCertFile, cfg.TLSKeyFile)
	} else {
		err = srv.Serve(ln)
	}
	if !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := <-done; err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}
