package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"chengguan/internal/calendar"
	"chengguan/internal/i18n"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban/taxonomy"
)

// apiTotals is the totals row of GET /api/v1/indicators formatted as the page shows it.
func apiTotals(tb testing.TB, u *user, dimension, from, to string) []string {
	tb.Helper()
	var table struct {
		Indicators []struct {
			Key  string `json:"key"`
			Rate bool   `json:"rate"`
		} `json:"indicators"`
		Total struct {
			Indicators []struct {
				Value float64 `json:"value"`
				Den   int     `json:"denominator"`
			} `json:"indicators"`
		} `json:"total"`
	}
	r := u.getJSON(tb, "/api/v1/indicators?dimension="+dimension+"&from="+from+"&to="+to)
	r.wantStatus(tb, http.StatusOK)
	r.decode(tb, &table)
	var out []string
	for i, in := range table.Total.Indicators {
		switch {
		case !table.Indicators[i].Rate:
			out = append(out, fmt.Sprintf("%.0f", in.Value))
		case in.Den == 0:
			out = append(out, "—")
		default:
			out = append(out, fmt.Sprintf("%.1f%%", in.Value))
		}
	}
	return out
}

// csvTotals is the totals row of the page's CSV export for the query.
func csvTotals(tb testing.TB, u *user, query string) []string {
	tb.Helper()
	r := u.get(tb, "/indicators.csv?"+query)
	r.wantStatus(tb, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.String(), "\uFEFF"))).ReadAll()
	if err != nil || len(rows) < 3 {
		tb.Fatalf("indicators CSV: %v\n%s", err, r)
	}
	return rows[len(rows)-1][1:]
}

// TestIndicatorsOverACustomRangeCountWhatTheAPICountsForTheSameDays: the page's end date
// is included, so the range from..to on the page is [from, to+1 day) in the API, and a
// range that ends the day before today leaves today's case out.
func TestIndicatorsOverACustomRangeCountWhatTheAPICountsForTheSameDays(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		cat := a.category(t, taxonomy.Event, "0102")
		r := a.loginDemo(t, "inspector").sendJSON(t, http.MethodPost, "/api/v1/cases", map[string]any{"channel": "inspector",
			"category_id": cat.ID, "description": "垃圾", "lon": yingchengLon, "lat": yingchengLat})
		r.wantStatus(t, http.StatusCreated)
		var rc struct{ Case caseJSON }
		r.decode(t, &rc)
		a.loginDemo(t, "operator").move(t, rc.Case.ID, map[string]any{"move": "file"})

		today := calendar.DateOf(time.Now())
		day := func(n int) string { return today.AddDays(n).String() }
		sup := a.loginDemo(t, "supervisor")
		for _, c := range []struct {
			name     string
			from, to int // days from today, to included
			filed    string
		}{
			{"ending today holds today's case", -3, 0, "1"},
			{"ending yesterday leaves it out", -3, -1, "0"},
			{"a single day, today", 0, 0, "1"},
		} {
			t.Run(c.name, func(t *testing.T) {
				q := url.Values{"period": {"range"}, "from": {day(c.from)}, "to": {day(c.to)}, "dimension": {"street"}}
				page := csvTotals(t, sup, q.Encode())
				api := apiTotals(t, sup, "street", day(c.from), day(c.to+1))
				if strings.Join(page, ",") != strings.Join(api, ",") {
					t.Fatalf("the page counts %v for %s..%s, the API %v for [%s, %s)", page, day(c.from), day(c.to), api, day(c.from), day(c.to+1))
				}
				if page[0] != c.filed {
					t.Fatalf("filed %s for %s..%s, want %s", page[0], day(c.from), day(c.to), c.filed)
				}
			})
		}

		// The page keeps the range in its form, its caption and both export links.
		q := url.Values{"period": {"range"}, "from": {day(-3)}, "to": {day(0)}, "dimension": {"street"}}
		page := sup.get(t, "/indicators?"+q.Encode())
		page.wantStatus(t, http.StatusOK)
		export := html.EscapeString(q.Encode())
		page.wantBody(t, `id="period-range" name="period" type="radio" value="range" checked`, `value="`+day(-3)+`"`,
			day(-3)+" – "+day(0), `href="/indicators.csv?`+export+`"`, `href="/indicators.xlsx?`+export+`"`)

		x := sup.get(t, "/indicators.xlsx?"+q.Encode())
		x.wantStatus(t, http.StatusOK)
		if cd := x.header.Get("Content-Disposition"); !strings.Contains(cd, day(-3)+"_"+day(0)) {
			t.Fatalf("xlsx file name %q does not name the range", cd)
		}
		book, err := excelize.OpenReader(bytes.NewReader(x.body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := book.GetRows(book.GetSheetName(0))
		if err != nil || len(rows) < 3 || strings.Join(rows[len(rows)-1][1:], ",") != strings.Join(csvTotals(t, sup, q.Encode()), ",") {
			t.Fatalf("xlsx rows %v (%v), want the CSV's totals", rows, err)
		}
	})
}

// TestIndicatorsRefuseABadRangeWithTheFieldError: an end before the start, a range
// over 366 days and a malformed date are refused with the error shape naming the field,
// on the page (the form again, with the reason) as in the exports.
func TestIndicatorsRefuseABadRangeWithTheFieldError(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		sup := a.loginDemo(t, "supervisor")
		for _, c := range []struct {
			name, from, to, field, key string
		}{
			{"the end before the start", "2026-03-10", "2026-03-09", "to", "indicator.range_order"},
			{"three years", "2023-01-01", "2025-12-31", "to", "indicator.range_too_long"},
			{"a malformed start", "2026-13-01", "2026-12-31", "from", "indicator.date"},
			{"a missing end", "2026-01-01", "", "to", "indicator.date"},
		} {
			t.Run(c.name, func(t *testing.T) {
				q := url.Values{"period": {"range"}, "from": {c.from}, "to": {c.to}}.Encode()
				msg := a.T(i18n.ZH, c.key, map[string]any{"Days": 366})
				for _, path := range []string{"/indicators.csv?" + q, "/indicators.xlsx?" + q} {
					e := sup.getJSON(t, path).wantError(t, http.StatusBadRequest, "invalid")
					if len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != c.field || e.Error.Fields[0].Message != msg {
						t.Fatalf("%s: fields %+v, want %s: %s", path, e.Error.Fields, c.field, msg)
					}
				}
				page := sup.get(t, "/indicators?"+q)
				page.wantStatus(t, http.StatusBadRequest)
				page.wantBody(t, `<p class="field-error">`+html.EscapeString(msg)+`</p>`, `value="`+c.from+`"`)
				if strings.Contains(page.String(), `id="indicators-csv"`) {
					t.Fatal("a refused period still offers an export")
				}
			})
		}
		// A whole leap year is the longest period.
		sup.get(t, "/indicators?period=range&from=2028-01-01&to=2028-12-31").wantStatus(t, http.StatusOK)
		sup.getJSON(t, "/indicators.csv?month=2026-1x").wantError(t, http.StatusBadRequest, "invalid")
	})
}
