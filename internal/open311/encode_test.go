package open311

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

func TestRequestListsAreWrittenAsEncodingJSONWouldWriteThem(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	texts := []string{"", "SR-2026-000123", "路边暴露垃圾一堆", `say "hi"\now`, "<b>&amp;</b>", "tab\there", "\u2028line",
		"bad \xff byte", "emoji 😀", "ctrl \x01"}
	text := func() string { return texts[r.IntN(len(texts))] }
	for n := range 200 {
		list := wireRequests{} // as writeRequests makes it: an empty list is []
		for range n % 4 {
			req := Request{ID: text(), Status: []Status{StatusOpen, StatusFixed, StatusInProgress}[r.IntN(3)],
				ExternalStatus: text(), StatusNotes: text(), ServiceCode: text(), ServiceName: text(), Description: text(),
				AgencyResponsible: text(), ServiceNotice: text(), Address: text(), AddressID: text(), Zipcode: text(),
				HasPoint: r.IntN(3) > 0, Lat: 30 + r.Float64(), Long: 114 + r.Float64(), MediaURL: text(), Channel: text()}
			if r.IntN(2) == 0 {
				req.Requested = time.Date(2026, 9, 30, 10, r.IntN(60), 0, 0, time.FixedZone("CST", 8*3600))
				req.Updated = req.Requested.Add(time.Hour)
			}
			if r.IntN(3) == 0 {
				req.Photos = []string{text()}
				req.Attributes = []AttributeAnswer{{Code: text(), Value: text()}}
				req.Notes = []Note{{At: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Description: text(), Type: text()}}
			}
			list = append(list, toWireRequest(req, r.IntN(2) == 0))
		}
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode([]wireRequest(list)); err != nil {
			t.Fatal(err)
		}
		got, err := list.appendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("list %d:\n got %s\nwant %s", n, got, want.Bytes())
		}
	}
}
