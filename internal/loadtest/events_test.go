package loadtest

import (
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestCountsReadTheAnswers: what the run counts as acknowledged is what the server says
// it accepted, so a duplicate is neither acknowledged nor reported missing, and an
// answer it cannot read is told apart from one that accepted nothing.
func TestCountsReadTheAnswers(t *testing.T) {
	for _, c := range []struct {
		code            uint16
		body            string
		accepted, dupes int64
		ok              bool
	}{
		{202, `{"data":{"accepted":1}}`, 1, 0, true},
		{200, `{"data":{"accepted":0},"meta":{"duplicate":true}}`, 0, 1, true},
		{202, `{"data":{"accepted":97,"duplicates":2,"rejected":1},"errors":[]}`, 97, 2, true},
		{503, `{"title":"Service Unavailable"}`, 0, 0, true},
		{202, `{"data":{"accepted":97,"dupl`, 0, 0, false}, // cut short
		{202, `{"title":"not an answer of ours"}`, 0, 0, false},
	} {
		a, d, ok := counts(&vegeta.Result{Code: c.code, Body: []byte(c.body)})
		if a != c.accepted || d != c.dupes || ok != c.ok {
			t.Errorf("%d %s: counted %d accepted, %d duplicates, ok %v; want %d, %d, %v", c.code, c.body, a, d, ok, c.accepted, c.dupes, c.ok)
		}
	}
}
