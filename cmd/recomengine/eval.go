package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/recomengine/recomengine/internal/engine"
	"github.com/recomengine/recomengine/internal/recom"
)

// evalCmd runs `recomengine eval`: every strategy and the MostPopular and Random baselines
// on a temporal split of an events file (DESIGN §9), printed as tables. Both files are JSON
// lines, gzipped or not: one recom.Event a line for --events (eventType, userId, productId,
// timestamp, orderId…), one recom.CatalogItem a line for --catalog.
func evalCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	eventsPath := fs.String("events", "", "events, JSON lines of recom.Event (.gz ok)")
	catalogPath := fs.String("catalog", "", "catalog, JSON lines of recom.CatalogItem (.gz ok)")
	k := fs.Int("k", 10, "list length of the metrics")
	testDays := fs.Int("test-days", 30, "the last test-days days of the events are the test period")
	minItems := fs.Int("min-items", 5, "users need this many distinct products before the cut")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *eventsPath == "" || *catalogPath == "" {
		fs.Usage()
		return errors.New("eval: --events and --catalog are required")
	}
	if *k < 1 || *testDays < 1 || *minItems < 1 {
		return errors.New("eval: --k, --test-days and --min-items must be positive")
	}
	items, err := readFile(*catalogPath, engine.ReadCatalog)
	if err != nil {
		return err
	}
	events, err := readFile(*eventsPath, engine.ReadEvents)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(events) == 0 || len(items) == 0 {
		return errors.New("eval: no events or no catalog items")
	}
	rep := engine.Evaluate(items, events, engine.EvalConfig{K: *k, TestDays: *testDays, MinTrainItems: *minItems})
	if rep.Variants[0].Users == 0 {
		return fmt.Errorf("eval: no user has %d products before %s and one after it", *minItems, rep.Cut.Format("2006-01-02"))
	}
	return rep.WriteTable(stdout)
}

func readFile[T recom.CatalogItem | recom.Event](path string, read func(io.Reader) ([]T, error)) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("eval: %s: %w", path, err)
	}
	return v, nil
}
