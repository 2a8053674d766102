package grid

import "testing"

func TestNamesWithControlCharactersAreReportedNotStored(t *testing.T) {
	doc := []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"419901001001001","name":"坏\u0000名"},
	"geometry":{"type":"Polygon","coordinates":[[[113.0,33.0],[113.001,33.0],[113.001,33.001],[113.0,33.001],[113.0,33.0]]]}}]}`)
	res, err := Import(doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range res.Problems {
		if p.Reason == ReasonBadProperty {
			found = true
		}
	}
	if !found || res.Err() == nil {
		t.Fatalf("a NUL in a name: problems %+v", res.Problems)
	}
}
