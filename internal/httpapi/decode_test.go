package httpapi

import (
	"bytes"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// decodeFastCases are bodies on which encoding/json/v2 and encoding/json could part:
// names in another case or twice, odd numbers, times and strings, nulls, metadata.
var decodeFastCases = []string{
	`{"eventType":"product_viewed","userId":"u","productId":"p"}`,
	`{"eventType":"purchase","userId":"u","productId":"p","orderId":"o","price":12.5,"quantity":2,"currency":"EUR"}`,
	`{"eventType":"recommendation_clicked","userId":"u","productId":"p","recommendationId":"r","placement":"home","position":1}`,
	`{"EventType":"product_viewed","userId":"u"}`, `{"eventtype":"product_viewed"}`, `{"USERID":"u"}`,
	`{"userId":"a","userId":"b"}`, `{"userId":"a","UserId":"b"}`,
	`{"tenantId":"t"}`, `{"TenantID":"t"}`, `{"-":"x"}`, `{"receivedAt":"2026-11-26T12:00:00Z"}`,
	`{"quantity":1.0}`, `{"quantity":1e2}`, `{"quantity":-0}`, `{"quantity":9223372036854775808}`, `{"quantity":"1"}`,
	`{"position":01}`, `{"price":1e400}`, `{"price":-0.0}`, `{"price":"12.5"}`, `{"price":1E-7}`, `{"price":null}`,
	`{"timestamp":"2026-11-26T12:00:00Z"}`, `{"timestamp":"2026-11-26T12:00:00.123456789+01:00"}`,
	`{"timestamp":"2026-11-26t12:00:00z"}`, `{"timestamp":"2026-11-26 12:00:00Z"}`, `{"timestamp":"2026-11-26T12:00:00,5Z"}`,
	`{"timestamp":"2026-11-26T24:00:00Z"}`, `{"timestamp":"2026-11-26T12:00:60Z"}`, `{"timestamp":"2026-11-26T12:00Z"}`,
	`{"timestamp":"2026-11-26T12:00:00.Z"}`, `{"timestamp":"2026-11-26T12:00:00+0100"}`, `{"timestamp":"2026-11-26T12:00:00+24:00"}`,
	`{"timestamp":"0000-01-01T00:00:00Z"}`, `{"timestamp":"+2026-11-26T12:00:00Z"}`, `{"timestamp":"2026-02-30T12:00:00Z"}`,
	`{"timestamp":"2026-11-26T12:00:00\u002B01:00"}`, `{"timestamp":"2026-11-26T12:00:00\u005a"}`, `{"timestamp":"\u0032026-11-26T12:00:00Z"}`,
	`{"events":[{"eventType":"product_viewed","userId":"u","timestamp":"2026-11-26T12:00:00\u005a"}]}`,
	`{"timestamp":" 2026-11-26T12:00:00Z"}`, `{"timestamp":"2026-11-26T12:00:00-00:00"}`, `{"timestamp":null}`, `{"timestamp":0}`,
	`{"userId":"\ud800"}`, `{"userId":"\u00e9\u0000"}`, "{\"userId\":\"\xff\"}", `{"userId":"é"}`, `{"userId":null}`, `{"userId":5}`,
	`{"metadata":{"a":[1,{"b":null}]}}`, `{"metadata":null}`, `{"metadata":"x"}`, `{"metadata": { "a" : 1 } }`, `{"metadata":{"a":1,"a":2}}`,
	`{"metadata":{"\ud800":1}}`, `{"metadata":[1,2]}`, `{"metadata":1e999}`,
	`{"eventType":"x"} `, `{"eventType":"x"} {}`, `{"eventType":"x"}]`, ` {"eventType":"x"}`, `null`, `[]`, `{}`, ``, `{`,
	`{"events":[{"eventType":"product_viewed","userId":"u","productId":"p"},{"eventType":"add_to_cart","userId":"v"}]}`,
	`{"events":[null, 1, "x", {}]}`, `{"events":{}}`, `{"events":null}`, `{"Events":[{}]}`, `{"events":[{}],"events":[{}]}`,
	`{"events":[{"userId":"a","userId":"b"}]}`, `{"events":[{"unknown":1}]}`, `{"events":[]}`,
}

// TestDecodeFastAgrees: whatever decodeFast accepts, encoding/json (decodeFrom) accepts
// too and decodes to the same value, for a single event and a batch.
func TestDecodeFastAgrees(t *testing.T) {
	accepted := 0
	for _, body := range decodeFastCases {
		accepted += checkDecodeFastAgrees(t, []byte(body))
	}
	if accepted < 5 {
		t.Errorf("decodeFast accepted only %d of the cases; the agreement checked nothing", accepted)
	}
}

func FuzzDecodeFastAgrees(f *testing.F) {
	for _, body := range decodeFastCases {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkDecodeFastAgrees(t, body) })
}

// checkDecodeFastAgrees returns how many of the two decodings decodeFast accepted.
func checkDecodeFastAgrees(t *testing.T, body []byte) int {
	t.Helper()
	return agrees[recom.Event](t, body) + agrees[struct {
		Events []recom.Event `json:"events"`
	}](t, body)
}

func agrees[T any](t *testing.T, body []byte) int {
	t.Helper()
	var fast T
	if !decodeFast(body, &fast) {
		return 0
	}
	// The batch handler decodes into room made beforehand: nothing of what that
	// room held before may show through.
	if all, ok := any(&fast).(*struct {
		Events []recom.Event `json:"events"`
	}); ok {
		stale := make([]recom.Event, recom.MaxEventBatch)
		position := 7
		for i := range stale {
			stale[i] = recom.Event{TenantID: "stale", Type: recom.Purchase, UserID: "stale", OrderID: "stale", Position: &position,
				Metadata: []byte(`{"stale":1}`), Timestamp: time.Unix(1, 0)}
		}
		reused := struct {
			Events []recom.Event `json:"events"`
		}{stale[:0]}
		if !decodeFast(body, &reused) || !reflect.DeepEqual(reused.Events, all.Events) && (len(reused.Events) > 0 || len(all.Events) > 0) {
			t.Errorf("batch from %q into used room:\n%+v\nwant %+v", body, reused.Events, all.Events)
		}
	}
	slow, err := decodeFrom[T](bytes.NewReader(body))
	if err != nil {
		t.Errorf("%T from %q: decodeFast accepted it, encoding/json refused it: %v", fast, body, err)
	} else if !reflect.DeepEqual(fast, slow) {
		t.Errorf("%T from %q:\nencoding/json/v2 %+v\nencoding/json    %+v", fast, body, fast, slow)
	}
	return 1
}

// readJSON reads a body whole whatever its size against the room it makes up front
// (the declared length, at most 64 KiB), and a body sent without a length too.
func TestReadJSONReadsWholeBodies(t *testing.T) {
	for _, size := range []int{1, 511, 512, 64 << 10, 64<<10 + 1, 300_000} {
		body := bytes.Repeat([]byte("x"), size)
		for _, chunked := range []bool{false, true} {
			r := httptest.NewRequest("POST", "/api/v1/events/batch", bytes.NewReader(body))
			if chunked {
				r.ContentLength = -1
			}
			got, err := readJSON(r)
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("%d bytes (chunked: %t): read %d, %v", size, chunked, len(got), err)
			}
		}
	}
}
