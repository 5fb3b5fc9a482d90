package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// cpuMeter measures the CPU a run costs per unit (request or event): the client's own
// (processCPU) and the server's, as the server function tells it (serverCPU, or a
// process's total where the run started it).
type cpuMeter struct {
	server               func() (time.Duration, bool)
	client, serverAt     time.Duration
	clientOK, serverOK   bool
	ClientPer, ServerPer time.Duration // after stop; negative where not known
}

func startCPU(server func() (time.Duration, bool)) *cpuMeter {
	m := &cpuMeter{server: server, ClientPer: -1, ServerPer: -1}
	m.serverAt, m.serverOK = server()
	m.client, m.clientOK = processCPU()
	return m
}

// stop sets the CPU per unit of the units sent since start.
func (m *cpuMeter) stop(units int) {
	client, clientOK := processCPU()
	server, serverOK := m.server()
	if units <= 0 {
		return
	}
	if m.clientOK && clientOK {
		m.ClientPer = (client - m.client) / time.Duration(units)
	}
	if m.serverOK && serverOK {
		m.ServerPer = (server - m.serverAt) / time.Duration(units)
	}
}

// printCPU writes the figures per unit, as "cpu <unit>  server …  client …", "unknown"
// for a negative one.
func printCPU(w io.Writer, unit string, server, client time.Duration) {
	show := func(d time.Duration) string {
		if d < 0 {
			return "unknown"
		}
		return d.Round(100 * time.Nanosecond).String()
	}
	fmt.Fprintf(w, "%-14s server %s  client %s (warm-up included)\n", "cpu "+unit, show(server), show(client))
}

// serverCPU reads process_cpu_seconds_total from the server's /metrics: the server's
// whole process however many it serves at once (behind a load balancer, one node's, so
// the figure is then too low). That counter moves in steps of 10 ms on Linux: a short
// run's figure is coarse.
func serverCPU(ctx context.Context, c *client) (time.Duration, bool) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/metrics", nil)
	if err != nil {
		return 0, false
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, false
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, false
	}
	return parseCPUSeconds(res.Body)
}

// parseCPUSeconds finds process_cpu_seconds_total in a Prometheus text exposition.
func parseCPUSeconds(r io.Reader) (time.Duration, bool) {
	s := bufio.NewScanner(r)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		value, ok := strings.CutPrefix(s.Text(), "process_cpu_seconds_total ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || !(v >= 0 && v <= math.MaxInt64/float64(time.Second)) { // NaN and ±Inf too
			return 0, false
		}
		return time.Duration(v * float64(time.Second)), true
	}
	return 0, false
}
