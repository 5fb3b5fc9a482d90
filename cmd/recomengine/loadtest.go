package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/recomengine/recomengine/internal/loadtest"
)

// loadtestGCPercent is the load client's GOGC when the environment sets none.
const loadtestGCPercent = 400

// loadtestCmd runs `recomengine loadtest events`: it exits non-zero when a request failed
// or an acknowledged event is missing, so scripts can gate on it.
func loadtestCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "floor-server" { // started by floor, in a process of its own
		return floorServer(ctx, args[1:], stdin, stdout, stderr)
	}
	// Collect garbage a quarter as often as Go's default unless GOGC is set: the load
	// client shares the machine with the server it measures, and at 10,000 single
	// events/s this cut its CPU from 0.45–0.47 to 0.40–0.41 cores, for a heap of a few
	// tens of MB.
	defaultGOGC(loadtestGCPercent)
	if len(args) > 0 {
		switch args[0] {
		case "recs":
			return loadtestRecs(ctx, args[1:], getenv, stdout, stderr)
		case "floor":
			return loadtestFloor(ctx, args[1:], stdout, stderr)
		}
	}
	if len(args) == 0 || args[0] != "events" {
		return errors.New("usage: recomengine loadtest events|recs|floor [flags]")
	}
	fs := flag.NewFlagSet("loadtest events", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := loadtest.EventsConfig{}
	url := "http://" + getenvOr(getenv, "RECOM_ADDR", "127.0.0.1:8080")
	fs.StringVar(&cfg.URL, "url", url, "base URL of the server")
	fs.IntVar(&cfg.Tenants, "tenants", 20, "tenants (one key each) to spread the load over")
	fs.IntVar(&cfg.Rate, "rate", 1000, "requests per second")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "attack duration, measured")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "attack at the same rate before, not measured (its events are verified)")
	fs.IntVar(&cfg.Batch, "batch", 1, "events per request (1: POST /events; 2–100: POST /events/batch)")
	fs.IntVar(&cfg.Products, "products", 200, "catalog size per tenant")
	fs.IntVar(&cfg.Shoppers, "shoppers", 10_000, "shoppers per tenant the events come from (0: a new shopper each event)")
	fs.IntVar(&cfg.Connections, "connections", 64, "HTTP connections")
	fs.BoolVar(&cfg.Verify, "verify", true, "count the stored events of the run afterwards")
	maxP95 := fs.Duration("max-p95", 0, "fail the run if the acknowledgement p95 is above this (0: report only)")
	adminFlags(fs, &cfg.Admin)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	rep, err := loadtest.Events(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	var failed int
	for _, codes := range []map[string]int{rep.Warmup.StatusCodes, rep.StatusCodes} {
		for code, n := range codes {
			if code != "202" && code != "200" { // 200: a duplicate, counted apart
				failed += n
			}
		}
	}
	if failed > 0 || rep.Missing > 0 || rep.Unreadable > 0 {
		return fmt.Errorf("loadtest: %d requests not acknowledged, %d answers unreadable, %d acknowledged events missing",
			failed, rep.Unreadable, rep.Missing)
	}
	return overTarget(rep.P95, *maxP95)
}

// overTarget fails a run whose p95 is above the -max-p95 target, if one was set.
func overTarget(p95, target time.Duration) error {
	if target > 0 && p95 > target {
		return fmt.Errorf("loadtest: p95 %v is above the target of %v (-max-p95)", p95, target)
	}
	return nil
}

func getenvOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// loadtestFloor runs `recomengine loadtest floor`: the events attack's client against an
// empty handler in a process of its own (this binary's `loadtest floor-server`), to show
// what the machine costs before the API does any work. It exits non-zero when a request
// failed.
func loadtestFloor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadtest floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := loadtest.FloorConfig{}
	fs.IntVar(&cfg.Rate, "rate", 1000, "requests per second")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "attack duration, measured")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "attack at the same rate before, not measured")
	fs.IntVar(&cfg.Connections, "connections", 64, "HTTP connections")
	if err := fs.Parse(args); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cfg.Server = exec.Command(exe, "loadtest", "floor-server")
	cfg.Server.Stderr = stderr
	rep, err := loadtest.Floor(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	return unanswered("202", rep.Requests, rep.StatusCodes, rep.Warmup.Requests, rep.Warmup.StatusCodes)
}

// unanswered fails a run any of whose requests, the warm-up's too, got a status other
// than ok.
func unanswered(ok string, requests uint64, codes map[string]int, warmup int, warmupCodes map[string]int) error {
	failed := requests - uint64(codes[ok]) + uint64(warmup-warmupCodes[ok])
	if failed > 0 {
		return fmt.Errorf("loadtest: %d of %d requests failed", failed, requests+uint64(warmup))
	}
	return nil
}

// floorServer serves loadtest.ServeFloor on -addr (by default a free loopback port),
// printing its base URL first, until its standard input closes (floor closes it, and
// so does the end of floor's process), SIGTERM or an interrupt. Its collector is tuned
// as serve's is, so the two servers compare.
func floorServer(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	tuneCollector()
	fs := flag.NewFlagSet("loadtest floor-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		io.Copy(io.Discard, stdin)
		cancel()
	}()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	return loadtest.ServeFloor(ctx, ln)
}

// loadtestRecs runs `recomengine loadtest recs`; it exits non-zero when a request failed.
func loadtestRecs(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadtest recs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := loadtest.RecsConfig{}
	fs.StringVar(&cfg.URL, "url", "http://"+getenvOr(getenv, "RECOM_ADDR", "127.0.0.1:8080"), "base URL of the server")
	fs.IntVar(&cfg.Tenants, "tenants", 4, "tenants to spread the load over")
	fs.IntVar(&cfg.Users, "users", 300, "shoppers with history per tenant")
	fs.IntVar(&cfg.Products, "products", 500, "catalog size per tenant")
	fs.IntVar(&cfg.Rate, "rate", 500, "requests per second")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "attack duration, measured")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "attack at the same rate before, not measured")
	fs.IntVar(&cfg.Connections, "connections", 64, "HTTP connections")
	maxP95 := fs.Duration("max-p95", 0, "fail the run if the latency p95 is above this (0: report only)")
	adminFlags(fs, &cfg.Admin)
	if err := fs.Parse(args); err != nil {
		return err
	}
	rep, err := loadtest.Recs(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	if err := unanswered("200", rep.Requests, rep.StatusCodes, rep.Warmup.Requests, rep.Warmup.StatusCodes); err != nil {
		return err
	}
	return overTarget(rep.P95, *maxP95)
}

// adminFlags binds the sign-in of the load test: a super admin of the server (listed in
// its RECOM_SUPER_ADMIN_EMAILS) may raise the tenants' rate limits for the run.
func adminFlags(fs *flag.FlagSet, a *loadtest.Admin) {
	fs.StringVar(&a.Email, "email", "", "admin email to sign up or in with; must be in the server's RECOM_SUPER_ADMIN_EMAILS")
	fs.StringVar(&a.Password, "password", "loadtest admin password", "that admin's password")
}
