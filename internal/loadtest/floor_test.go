package loadtest

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

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
		"exit 3":         `printed "" where its URL was expected`,
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
