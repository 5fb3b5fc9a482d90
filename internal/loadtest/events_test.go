package loadtest

import (
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestCountsReadTheAnswers: what the run counts as acknowledged is what the server says
// it accepted, so a duplicate is neither acknowledged nor reported missing.
func TestCountsReadTheAnswers(t *testing.T) {
	for _, c := range []struct {
		code            uint16
		body            string
		accepted, dupes int64
	}{
		{202, `{"data":{"accepted":1}}`, 1, 0},
		{200, `{"data":{"accepted":0},"meta":{"duplicate":true}}`, 0, 1},
		{202, `{"data":{"accepted":97,"duplicates":2,"rejected":1},"errors":[]}`, 97, 2},
		{503, `{"title":"Service Unavailable"}`, 0, 0},
		{202, `not json`, 0, 0},
	} {
		a, d := counts(&vegeta.Result{Code: c.code, Body: []byte(c.body)})
		if a != c.accepted || d != c.dupes {
			t.Errorf("%d %s: counted %d accepted, %d duplicates; want %d, %d", c.code, c.body, a, d, c.accepted, c.dupes)
		}
	}
}
