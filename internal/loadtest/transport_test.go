package loadtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// server answers "<method> <path> <body>" and counts the connections opened to it.
func server(t *testing.T, handler http.HandlerFunc, idleTimeout ...time.Duration) (*httptest.Server, *atomic.Int64) {
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(handler)
	for _, d := range idleTimeout {
		srv.Config.IdleTimeout = d
	}
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &opened
}

func echo(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	time.Sleep(2 * time.Millisecond)
	fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, b)
}

func get(t *testing.T, c *http.Client, method, url, body string) (string, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

func TestTransportKeepsAtMostConnsConnections(t *testing.T) {
	srv, opened := server(t, echo)
	rt := newTransport(3, 1<<20, 10*time.Second)
	defer rt.CloseIdleConnections()
	c := &http.Client{Transport: rt}
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			want := fmt.Sprintf("POST /r%d body %d", i, i)
			if got, err := get(t, c, "POST", fmt.Sprintf("%s/r%d", srv.URL, i), fmt.Sprint("body ", i)); err != nil || got != want {
				t.Errorf("request %d answered %q, %v; want %q", i, got, err, want)
			}
		})
	}
	wg.Wait()
	if n := opened.Load(); n < 1 || n > 3 {
		t.Errorf("60 concurrent requests opened %d connections; want 1 to 3", n)
	}
}

func TestTransportCutsBodiesAndReusesTheConnection(t *testing.T) {
	srv, opened := server(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 10_000))
	})
	rt := newTransport(1, 100, 10*time.Second)
	defer rt.CloseIdleConnections()
	c := &http.Client{Transport: rt}
	for range 3 {
		if got, err := get(t, c, "GET", srv.URL, ""); err != nil || got != strings.Repeat("x", 100) {
			t.Fatalf("answered %d bytes, %v; want the first 100", len(got), err)
		}
	}
	if n := opened.Load(); n != 1 {
		t.Errorf("3 requests in turn opened %d connections; want 1, kept alive", n)
	}
}

func TestTransportRedialsAfterClose(t *testing.T) {
	srv, opened := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		echo(w, r)
	})
	rt := newTransport(1, 1<<20, 10*time.Second)
	c := &http.Client{Transport: rt}
	for i := range 3 {
		if got, err := get(t, c, "GET", srv.URL+"/x", ""); err != nil || got != "GET /x " {
			t.Fatalf("request %d answered %q, %v", i, got, err)
		}
	}
	if n := opened.Load(); n != 3 {
		t.Errorf("3 requests to a server closing each connection opened %d; want 3", n)
	}
}

// TestTransportFreesTheSlotOfAFailedRequest: a request that times out gives its
// connection up, so the next one gets a new connection instead of waiting forever.
func TestTransportFreesTheSlotOfAFailedRequest(t *testing.T) {
	hang := make(chan struct{})
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			<-hang
		}
		echo(w, r)
	})
	defer close(hang)
	rt := newTransport(1, 1<<20, 200*time.Millisecond)
	defer rt.CloseIdleConnections()
	c := &http.Client{Transport: rt}
	if _, err := get(t, c, "GET", srv.URL+"/hang", ""); err == nil {
		t.Fatal("a request the server never answered succeeded")
	}
	if got, err := get(t, c, "GET", srv.URL+"/ok", ""); err != nil || got != "GET /ok " {
		t.Errorf("the request after a timeout answered %q, %v", got, err)
	}
	// Cancelled without a deadline, as when an attack is stopped.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/hang", nil)
	start := time.Now()
	if _, err := (&http.Client{Transport: rt}).Do(req); err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("a cancelled request returned %v after %v", err, time.Since(start))
	}
	if got, err := get(t, c, "GET", srv.URL+"/ok", ""); err != nil || got != "GET /ok " {
		t.Errorf("the request after a cancelled one answered %q, %v", got, err)
	}
}

// TestTransportDropsConnectionsIdleTooLong: a connection unused for longer than maxIdle
// is not reused, so one the server has closed for idleness is not written to.
func TestTransportDropsConnectionsIdleTooLong(t *testing.T) {
	srv, opened := server(t, echo, 200*time.Millisecond)
	rt := newTransport(1, 1<<20, 10*time.Second)
	rt.maxIdle = 100 * time.Millisecond
	defer rt.CloseIdleConnections()
	c := &http.Client{Transport: rt}
	for i := range 2 {
		if got, err := get(t, c, "POST", srv.URL+"/e", "x"); err != nil || got != "POST /e x" {
			t.Fatalf("request %d answered %q, %v", i, got, err)
		}
		time.Sleep(400 * time.Millisecond) // the server closes the connection meanwhile
	}
	if n := opened.Load(); n != 2 {
		t.Errorf("opened %d connections; want 2, the idle one not reused", n)
	}
}
