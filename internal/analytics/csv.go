package analytics

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSVColumns is the header of the export. Every row has every column; a row's section
// says which of the dashboard's views it belongs to and which columns it fills:
//
//	current, previous  the overview's KPI cards: from and to
//	daily              the time series: date
//	breakdown          the range per placement, strategy and experiment arm
//	product            the top products: productId, productName
var CSVColumns = []string{"section", "from", "to", "date", "placement", "strategy", "experimentId", "variant",
	"productId", "productName", "impressions", "clicks", "ctr", "conversions", "conversionRate", "revenue"}

// WriteCSV writes the export of q (RFC 4180: CRLF line ends, quotes where needed; UTF-8)
// with exactly the numbers the reports give for the same query: the overview, the time
// series, the breakdown and the top products by `by` (up to limit). Each part is written
// as soon as it is read.
func (s *Service) WriteCSV(ctx context.Context, w io.Writer, tenantID string, q Query, by string, limit int) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	row := func(section, from, to, date string, k KPIs, text ...string) {
		rec := append([]string{section, from, to, date}, text...)
		for len(rec) < 10 {
			rec = append(rec, "")
		}
		for i := 4; i < 10; i++ {
			rec[i] = cell(rec[i])
		}
		rec = append(rec, strconv.FormatInt(k.Impressions, 10), strconv.FormatInt(k.Clicks, 10), number(k.CTR),
			strconv.FormatInt(k.Conversions, 10), number(k.ConversionRate), number(k.Revenue))
		_ = cw.Write(rec) // the error sticks; cw.Error reports it
	}
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	rows, err := s.withPrevious(ctx, tenantID, q) // one read for the overview, series and breakdown
	if err != nil {
		return err
	}
	o := overviewOf(rows, q)
	row("current", o.From, o.To, "", o.Current)
	row("previous", o.PreviousFrom, o.PreviousTo, "", o.Previous)
	for _, p := range seriesOf(rows, q) {
		row("daily", "", "", p.Date, p.KPIs)
	}
	cw.Flush()
	from, to := q.From.Format(time.DateOnly), q.To.Format(time.DateOnly)
	for _, b := range breakdownOf(rows, q) {
		row("breakdown", from, to, "", b.KPIs, b.Placement, b.Strategy, b.ExperimentID, b.Variant)
	}
	top, err := s.TopProducts(ctx, tenantID, q, by, limit)
	if err != nil {
		return err
	}
	for _, p := range top {
		row("product", from, to, "", p.KPIs, "", "", "", "", p.ProductID, p.Name)
	}
	cw.Flush()
	return cw.Error()
}

// cell neutralises text a spreadsheet would run as a formula (CSV injection, OWASP): a
// leading =, +, -, @, tab or carriage return gets a ' in front.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// number formats a float as JSON does for the same value (shortest form that reads back
// the same), so the file and the API agree to the last digit.
func number(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
