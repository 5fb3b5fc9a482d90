package httpapi

import (
	"bytes"
	"reflect"
	"testing"

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
	slow, err := decodeFrom[T](bytes.NewReader(body))
	if err != nil {
		t.Errorf("%T from %q: decodeFast accepted it, encoding/json refused it: %v", fast, body, err)
	} else if !reflect.DeepEqual(fast, slow) {
		t.Errorf("%T from %q:\nencoding/json/v2 %+v\nencoding/json    %+v", fast, body, fast, slow)
	}
	return 1
}
