package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The server's CPU per unit is the growth of its process_cpu_seconds_total over the
// run divided by the units sent; where /metrics does not tell, it is unknown, not 0.
func TestCPUMeterDividesTheServersCPU(t *testing.T) {
	var cpu atomic.Value
	cpu.Store("1.5")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %s\n", cpu.Load())
	}))
	defer srv.Close()
	c := &client{base: srv.URL, http: srv.Client()}
	server := func() (time.Duration, bool) { return serverCPU(context.Background(), c) }
	m := startCPU(server)
	cpu.Store("2.75")
	m.stop(1000)
	if m.ServerPer != 1250*time.Microsecond {
		t.Errorf("server CPU per unit = %v, want 1.25ms (1.25 s over 1,000)", m.ServerPer)
	}
	if m.ClientPer < 0 {
		t.Errorf("client CPU per unit unknown on a platform that tells it")
	}
	var out strings.Builder
	printCPU(&out, "an event", m.ServerPer, 0)
	if want := "cpu an event   server 1.25ms  client 0s (warm-up included)\n"; out.String() != want {
		t.Errorf("printCPU wrote %q, want %q", out.String(), want)
	}

	c.base = srv.URL + "/nothing-here"
	m = startCPU(server)
	m.stop(1000)
	out.Reset()
	printCPU(&out, "a request", m.ServerPer, m.ClientPer)
	if !strings.HasPrefix(out.String(), "cpu a request  server unknown  client ") {
		t.Errorf("without /metrics printCPU wrote %q, want the server's figure unknown", out.String())
	}
}

func TestParseCPUSeconds(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 12.34\nprocess_open_fds 9\n", 12340 * time.Millisecond, true},
		{"go_goroutines 7\nprocess_cpu_seconds_total 1e-02\n", 10 * time.Millisecond, true},
		{"process_cpu_seconds_total_other 3\n", 0, false}, // another metric with the name as prefix
		{"process_cpu_seconds_total NaNx\n", 0, false},
		{"process_cpu_seconds_total -1\n", 0, false},
		{"process_cpu_seconds_total NaN\n", 0, false},
		{"process_cpu_seconds_total +Inf\n", 0, false},
		{"", 0, false},
	} {
		got, ok := parseCPUSeconds(strings.NewReader(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("parseCPUSeconds(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// The floor's server must print its URL first: anything else fails the run at once, and
// the process does not outlive it.
func TestFloorNeedsTheServersURL(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	cfg := FloorConfig{Rate: 10, Duration: time.Second}
	for script, want := range map[string]string{
		"echo listening": `printed "listening" where its URL was expected`,
		"exit 3":         `ended before it printed its URL: exit status 3`,
		"exit 0":         `ended before it printed its URL: exit status 0`,
	} {
		cfg.Server = exec.Command("sh", "-c", script)
		if _, err := Floor(context.Background(), cfg, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("server %q: err = %v, want one saying %s", script, err, want)
		}
		if cfg.Server.ProcessState == nil {
			t.Errorf("server %q: not waited for", script)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	cfg.Server = exec.Command("sh", "-c", "exec sleep 30")
	start := time.Now()
	if _, err := Floor(ctx, cfg, &strings.Builder{}); err != context.DeadlineExceeded {
		t.Errorf("a silent server: err = %v, want the context's deadline", err)
	}
	if cfg.Server.ProcessState == nil || time.Since(start) > 10*time.Second {
		t.Errorf("a silent server was not killed when the context ended (after %v)", time.Since(start))
	}
}
