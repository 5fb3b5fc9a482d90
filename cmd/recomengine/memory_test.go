package main

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestMemoryAvailable: the least of the machine's memory and the process's memory cgroup
// limit, under cgroup v1 and v2, with "no limit" in each spelling.
func TestMemoryAvailable(t *testing.T) {
	const gib = 1 << 30
	tests := []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{"nothing readable", nil, 0},
		{"machine only", map[string]string{"proc/meminfo": "MemTotal:       25165824 kB\nMemFree: 1 kB\n"}, 24 * gib},
		{"v1 limit", map[string]string{
			"proc/meminfo":     "MemTotal: 25165824 kB\n",
			"proc/self/cgroup": "5:devices:/\n4:memory:/svc/a\n0::/\n",
			"sys/fs/cgroup/memory/svc/a/memory.limit_in_bytes": "4294967296\n",
		}, 4 * gib},
		{"v1 unlimited", map[string]string{
			"proc/meminfo":     "MemTotal: 25165824 kB\n",
			"proc/self/cgroup": "4:memory:/svc/a\n",
			"sys/fs/cgroup/memory/svc/a/memory.limit_in_bytes": "9223372036854771712\n",
		}, 24 * gib},
		{"v2 limit", map[string]string{
			"proc/meminfo":                   "MemTotal: 25165824 kB\n",
			"proc/self/cgroup":               "0::/svc\n",
			"sys/fs/cgroup/svc/memory.max":   "2147483648\n",
			"sys/fs/cgroup/other/memory.max": "1\n", // another cgroup's
		}, 2 * gib},
		{"v2 unlimited", map[string]string{
			"proc/meminfo":                 "MemTotal: 25165824 kB\n",
			"proc/self/cgroup":             "0::/svc\n",
			"sys/fs/cgroup/svc/memory.max": "max\n",
		}, 24 * gib},
	}
	for _, tt := range tests {
		root := t.TempDir()
		for name, text := range tt.files {
			path := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := memoryAvailable(root); got != tt.want {
			t.Errorf("%s: memoryAvailable = %d, want %d", tt.name, got, tt.want)
		}
	}
	if runtime.GOOS == "linux" && memoryAvailable("/") <= 0 {
		t.Error("no memory known on this Linux machine")
	}
}

// TestServeTunesTheCollector: serve collects at GOGC 800 under a soft limit of three
// quarters of the memory it may use, unless the environment set either.
func TestServeTunesTheCollector(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	tuneCollector()
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GOGC = %d, want %d", got, defaultGCPercent)
	}
	if want := memoryAvailable("/") / 100 * memoryLimitPercent; want > 0 {
		if got := debug.SetMemoryLimit(math.MaxInt64); got != want {
			t.Errorf("memory limit = %d, want %d", got, want)
		}
	}
	// Set by the operator (the runtime applied them at start): left alone.
	t.Setenv("GOGC", "50")
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetGCPercent(50)
	debug.SetMemoryLimit(1 << 30)
	tuneCollector()
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("GOGC = %d after the operator set 50", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != 1<<30 {
		t.Errorf("memory limit = %d after the operator set 1GiB", got)
	}
}
