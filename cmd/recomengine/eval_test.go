package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvalCommand(t *testing.T) {
	// The first 40,000 lines of the engine's Online Retail test data: about 550 customers.
	f, err := os.Open("../../internal/engine/testdata/events.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	events := filepath.Join(t.TempDir(), "events.jsonl")
	out, err := os.Create(events)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(gz)
	for n := 0; n < 40000 && sc.Scan(); n++ {
		out.Write(append(sc.Bytes(), '\n'))
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	err = run(context.Background(), []string{"eval", "--events", events, "--catalog",
		"../../internal/engine/testdata/catalog.jsonl.gz", "--k", "10", "--test-days", "30"},
		func(string) string { return "" }, nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"new items", "repurchase allowed", "NDCG@10", "blended (default)", "collaborative",
		"content_based", "frequently_bought_together", "trending", "most_popular", "random"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	t.Log("\n" + stdout.String())

	err = run(context.Background(), []string{"eval", "--events", events}, func(string) string { return "" }, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--catalog") {
		t.Errorf("eval without --catalog: %v", err)
	}
}
