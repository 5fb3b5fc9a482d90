package engine

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"

	"github.com/recomengine/recomengine/internal/recom"
)

// ReadCatalog reads catalog items as JSON lines (recom.CatalogItem, one object a line),
// gzipped or not. Items without "available" count as available.
func ReadCatalog(r io.Reader) ([]recom.CatalogItem, error) {
	var items []recom.CatalogItem
	err := readJSONL(r, func(dec *json.Decoder) error {
		it := recom.CatalogItem{Available: true}
		if err := dec.Decode(&it); err != nil {
			return err
		}
		items = append(items, it)
		return nil
	})
	return items, err
}

// ReadEvents reads events as JSON lines (recom.Event, one object a line), gzipped or not.
func ReadEvents(r io.Reader) ([]recom.Event, error) {
	var events []recom.Event
	err := readJSONL(r, func(dec *json.Decoder) error {
		var e recom.Event
		if err := dec.Decode(&e); err != nil {
			return err
		}
		events = append(events, e)
		return nil
	})
	return events, err
}

func readJSONL(r io.Reader, decode func(*json.Decoder) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("engine: read gzip: %w", err)
		}
		defer gz.Close()
		br = bufio.NewReaderSize(gz, 1<<16)
	}
	dec := json.NewDecoder(br)
	for n := 1; dec.More(); n++ {
		if err := decode(dec); err != nil {
			return fmt.Errorf("engine: record %d: %w", n, err)
		}
	}
	return nil
}
