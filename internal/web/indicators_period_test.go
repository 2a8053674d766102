package web

import (
	"net/url"
	"testing"
	"time"

	"chengguan/internal/calendar"
)

// TestIndicatorsOfferTheUsualPeriods: 本月 and 上月 are months, 本季度 and 本年 ranges
// of whole days that the service accepts.
func TestIndicatorsOfferTheUsualPeriods(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, calendar.Location())
	quick := quickPeriods(now, indicatorPeriod{Mode: periodMonth, Month: "2026-11"}, "grid")
	want := []string{
		"/indicators?dimension=grid&month=2026-11",
		"/indicators?dimension=grid&month=2026-10",
		"/indicators?dimension=grid&from=2026-10-01&period=range&to=2026-12-31",
		"/indicators?dimension=grid&from=2026-01-01&period=range&to=2026-12-31",
	}
	for i, q := range quick {
		if q.Href != want[i] || q.Active != (i == 0) {
			t.Fatalf("quick period %d is %+v, want %s (active only for this month)", i, q, want[i])
		}
		u, _ := url.Parse(q.Href)
		if _, _, err := readIndicatorPeriod(u.Query(), now); err != nil {
			t.Fatalf("%s is refused: %v", q.Href, err)
		}
	}
	// January's last month is December of the year before.
	jan := quickPeriods(time.Date(2027, 1, 5, 0, 0, 0, 0, calendar.Location()), indicatorPeriod{}, "grid")
	if jan[1].Href != "/indicators?dimension=grid&month=2026-12" || jan[2].Href != "/indicators?dimension=grid&from=2027-01-01&period=range&to=2027-03-31" {
		t.Fatalf("January's quick periods: %+v", jan)
	}
}
