package loadtest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// FloorConfig shapes a run against a server whose handler does nothing: what the
// machine, the kernel, net/http and this client cost before the API does any work, the
// floor under any latency `loadtest events` can measure on the same machine.
type FloorConfig struct {
	Rate        int           // requests per second
	Duration    time.Duration // of the measured attack
	Warmup      time.Duration // of the attack before it, at the same rate, not measured
	Connections int           // HTTP connections (0: 64)
	// Server is the command that runs ServeFloor in a process of its own, as the real
	// server runs apart from the client: it prints its base URL on its first line of
	// output and stops when its standard input closes.
	Server *exec.Cmd
}

// FloorReport is the outcome of a run. The CPU figures are per request, warm-up
// included, of the whole process (kernel time too), read from the operating system.
type FloorReport struct {
	Warmup        warmupReport
	Requests      uint64
	P50, P95, P99 time.Duration
	Max           time.Duration
	StatusCodes   map[string]int
	Errors        []string
	ServerCPU     time.Duration
	ClientCPU     time.Duration // negative if the platform does not tell
}

// floorAnswer is what the empty handler answers: the server's answer to an accepted
// single event, so the two runs write and read the same bytes.
var floorAnswer = []byte(`{"data":{"accepted":1},"meta":{}}` + "\n")

// ServeFloor serves on ln, until ctx ends, a handler that reads the request's body and
// answers 202 with a fixed JSON body (its length set, as the server sets it): net/http
// and nothing else.
func ServeFloor(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(floorAnswer)))
			w.WriteHeader(http.StatusAccepted)
			w.Write(floorAnswer)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Floor starts cfg.Server, attacks it with POST requests the size of a single event,
// stops it, and writes a report to w.
func Floor(ctx context.Context, cfg FloorConfig, w io.Writer) (FloorReport, error) {
	if cfg.Rate < 1 || cfg.Duration <= 0 || cfg.Warmup < 0 || cfg.Server == nil {
		return FloorReport{}, errors.New("loadtest: need rate ≥ 1, duration > 0, warm-up ≥ 0 and a server command")
	}
	base, stop, err := startServer(ctx, cfg.Server)
	if err != nil {
		return FloorReport{}, err
	}
	body := appendBody(nil, newRunID(), 1, EventsConfig{Batch: 1, Products: 200, Shoppers: 10_000})
	targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: "POST", URL: base + "/api/v1/events", Body: body,
		Header: http.Header{"Content-Type": {"application/json"}, "X-API-Key": {"rk_live_" + strings.Repeat("0", 43)}}})
	fmt.Fprintf(w, "attacking an empty handler on %s at %d req/s for %v after a %v warm-up\n", base, cfg.Rate, cfg.Duration, cfg.Warmup)
	var (
		rep        FloorReport
		m          vegeta.Metrics
		serverUsed time.Duration // known once the server has exited
	)
	cpu := startCPU(func() (time.Duration, bool) { return serverUsed, true })
	attack(targeter, cfg.Rate, cfg.Connections, 1<<16, cfg.Warmup, cfg.Duration, "floor", func(res *vegeta.Result, measured bool) {
		if measured {
			m.Add(res)
		} else {
			rep.Warmup.add(res)
		}
	})
	if serverUsed, err = stop(); err != nil {
		return rep, err
	}
	m.Close()
	cpu.stop(int(m.Requests) + rep.Warmup.Requests)
	rep.ServerCPU, rep.ClientCPU = cpu.ServerPer, cpu.ClientPer
	rep.Requests, rep.StatusCodes, rep.Errors = m.Requests, m.StatusCodes, m.Errors
	rep.P50, rep.P95, rep.P99, rep.Max = m.Latencies.P50, m.Latencies.P95, m.Latencies.P99, m.Latencies.Max
	rep.Warmup.print(w, cfg.Warmup)
	fmt.Fprintf(w, "requests       %d\n", rep.Requests)
	printLatency(w, "latency", rep.P50, rep.P95, rep.P99, rep.Max)
	fmt.Fprintf(w, "status codes   %v\n", rep.StatusCodes)
	printCPU(w, "a request", rep.ServerCPU, rep.ClientCPU)
	printErrors(w, rep.Errors)
	return rep, nil
}

// startServer starts cmd with a pipe as its standard input, reads the base URL from
// its first line of output, and returns it with stop, which closes that pipe (the
// server's signal to stop: it also closes if this process dies, so the server never
// outlives the run), kills the process if it has not exited 5 s later, and returns the
// CPU it used. The process is killed if ctx ends first.
func startServer(ctx context.Context, cmd *exec.Cmd) (string, func() (time.Duration, error), error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	first := &firstLine{line: make(chan string, 1)}
	cmd.Stdout = first
	cmd.WaitDelay = 5 * time.Second // for the output of any process it started
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("loadtest: start the server: %w", err)
	}
	exited := make(chan error, 1)
	go func() {
		exited <- cmd.Wait()
		first.end()
	}()
	kill := func() error {
		cmd.Process.Kill()
		<-exited
		return errors.New("killed")
	}
	stop := func() (time.Duration, error) {
		stdin.Close()
		var err error
		select {
		case err = <-exited:
		case <-time.After(5 * time.Second):
			err = fmt.Errorf("still running 5 s after its input closed: %w", kill())
		}
		if err != nil {
			return 0, fmt.Errorf("loadtest: the server failed: %w", err)
		}
		return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
	}
	select {
	case base, ok := <-first.line:
		switch {
		case !ok:
			return "", nil, fmt.Errorf("loadtest: the server ended before it printed its URL: %v", cmp.Or(<-exited, errors.New("exit status 0")))
		case !strings.HasPrefix(base, "http://"):
			kill()
			return "", nil, fmt.Errorf("loadtest: the server printed %q where its URL was expected", base)
		}
		return base, stop, nil
	case <-ctx.Done():
		kill()
		return "", nil, ctx.Err()
	}
}

// firstLine is a process's output that hands on its first line and drops the rest.
type firstLine struct {
	mu   sync.Mutex
	buf  []byte
	sent bool
	line chan string // gets the first line, or is closed without one at end
}

func (f *firstLine) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sent {
		return len(p), nil
	}
	f.buf = append(f.buf, p...)
	if i := bytes.IndexByte(f.buf, '\n'); i >= 0 {
		f.sent = true
		f.line <- strings.TrimSpace(string(f.buf[:i]))
	} else if len(f.buf) > 4096 {
		f.sent = true
		f.line <- strings.TrimSpace(string(f.buf))
	}
	return len(p), nil
}

// end closes line if nothing was sent on it.
func (f *firstLine) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.sent {
		f.sent = true
		close(f.line)
	}
}
