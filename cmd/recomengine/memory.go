package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// Serve's collector, unless the operator set GOGC or GOMEMLIMIT (read by the runtime
// itself, hence the process environment). The heap may grow 8× past what is live
// between collections, where Go's default is 1×: under ingestion load the collector
// took about 16 % of the server's CPU at Go's default, 200 cut the server's CPU by
// about a tenth, and 800 by a tenth again (0.73 cores instead of 0.81 for 10,000 single
// events a second, the p95 acknowledgement ~10 ms instead of 12–13, the heap ~150 MB
// instead of ~80; a collection's mark phase slows every request it overlaps). A soft
// memory limit of three quarters of what the process may use keeps that growth
// bounded: as a large live heap (models of many tenants) nears it, the collector runs
// more often instead of the process running out of memory.
const (
	defaultGCPercent   = 800
	memoryLimitPercent = 75
)

// tuneCollector applies the defaults above where the environment sets nothing.
func tuneCollector() {
	defaultGOGC(defaultGCPercent)
	if os.Getenv("GOMEMLIMIT") == "" {
		if n := memoryAvailable("/"); n > 0 {
			debug.SetMemoryLimit(n / 100 * memoryLimitPercent)
		}
	}
}

// defaultGOGC sets the collector's GOGC to percent unless the environment set one (the
// runtime reads the process environment, so that is the one looked at).
func defaultGOGC(percent int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(percent)
	}
}

// memoryAvailable returns how much memory this process may use, reading the files
// under root: the least of the machine's (MemTotal) and its memory cgroup's limit
// (v2 memory.max, v1 memory.limit_in_bytes, found through /proc/self/cgroup); 0 if
// neither is known (not Linux).
func memoryAvailable(root string) int64 {
	var least int64
	consider := func(n int64) {
		if n > 0 && (least == 0 || n < least) {
			least = n
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "proc/meminfo")); err == nil {
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				if err == nil {
					consider(kb << 10)
				}
			}
		}
	}
	cgroups, _ := os.ReadFile(filepath.Join(root, "proc/self/cgroup"))
	for line := range strings.Lines(string(cgroups)) {
		// "<id>:<controllers>:<path>"; v2 is "0::<path>".
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var file string
		switch {
		case parts[0] == "0" && parts[1] == "":
			file = filepath.Join(root, "sys/fs/cgroup", parts[2], "memory.max")
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			file = filepath.Join(root, "sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes")
		default:
			continue
		}
		// "max" (v2) or a near-2⁶³ value (v1) mean no limit: the first fails to parse,
		// the second is more than the machine has.
		if b, err := os.ReadFile(file); err == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
				consider(n)
			}
		}
	}
	return least
}
