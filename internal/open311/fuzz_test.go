package open311

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPostRequestForm feeds arbitrary bodies to POST requests.json. The
// decoder must never panic, and every answer is either a created request
// whose input satisfies the protocol's rules, or a spec error list.
//
//	go test ./internal/open311 -run '^$' -fuzz FuzzPostRequestForm -fuzztime 60s
func FuzzPostRequestForm(f *testing.F) {
	f.Add(validRequest().Encode())
	f.Add("api_key=cgk_test&service_code=0202&address_id=A1")
	f.Add("api_key=cgk_test&service_code=0101&lat=90&long=-180&attribute[size]=s&attribute[kinds][]=food&attribute[kinds][]=glass&attribute[bags]=1e3&attribute[seen]=2026-01-01")
	f.Add("api_key=cgk_test&service_code=0101&lat=1e1&long=NaN&attribute[size][]=s&attribute[size][]=m")
	f.Add("api_key=cgk_test&service_code=%00&attribute[]=x&attribute[a][b]=y&description=%3Cscript%3E")
	f.Add("api_key=cgk_test&api_key=cgk_test&service_code=0101;lat=1")
	f.Add("api_key=cgk_test&service_code=0101&address_string=%E4%B8%AD&email=a%40b.c&phone=%2B86+138&media_url=http://x/y")
	api := newAPI(f, nil)
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/requests.json", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		api.fake.mu.Lock()
		api.fake.created, api.fake.requests = nil, nil // keep a long run's memory flat
		api.fake.mu.Unlock()
		before := 0
		api.h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK:
			var list []wireCreated
			if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list) != 1 ||
				(list[0].ServiceRequestID == "") == (list[0].Token == "") {
				t.Fatalf("200 with body %s", w.Body)
			}
			if len(api.fake.created) != before+1 {
				t.Fatal("200 without a created request")
			}
			checkAccepted(t, api.fake.created[before])
		case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound:
			var list []wireError
			if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list) == 0 {
				t.Fatalf("%d with body %s", w.Code, w.Body)
			}
			for _, e := range list {
				if e.Code != w.Code || e.Description == "" || !utf8.ValidString(e.Description) ||
					strings.Contains(e.Description, "open311.err.") {
					t.Fatalf("bad error entry %+v", e)
				}
			}
			if len(api.fake.created) != before {
				t.Fatal("a refused request reached the backend")
			}
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
}

// checkAccepted states what an accepted request guarantees the Backend.
func checkAccepted(t *testing.T, in NewRequest) {
	t.Helper()
	loc := in.Location
	if in.ServiceCode == "" || (!loc.HasPoint && loc.AddressString == "" && loc.AddressID == "") {
		t.Fatalf("accepted without service or location: %+v", in)
	}
	if loc.HasPoint && (loc.Lat < -90 || loc.Lat > 90 || loc.Long < -180 || loc.Long > 180) {
		t.Fatalf("accepted out-of-range point %+v", loc)
	}
	if utf8.RuneCountInString(in.Description) > maxDescription || htmlTag.MatchString(in.Description) {
		t.Fatalf("accepted description %q", in.Description)
	}
	if in.MediaURL != "" && !validURL(in.MediaURL) {
		t.Fatalf("accepted media_url %q", in.MediaURL)
	}
	var def ServiceDefinition
	if in.ServiceCode == fakeDefinition.ServiceCode {
		def = fakeDefinition
	}
	for code, vals := range in.Attributes {
		var a *Attribute
		for i := range def.Attributes {
			if def.Attributes[i].Code == code {
				a = &def.Attributes[i]
			}
		}
		if a == nil || !a.Variable || len(vals) == 0 || (a.Datatype != MultiValueList && len(vals) != 1) {
			t.Fatalf("accepted attribute %s=%q", code, vals)
		}
	}
	for _, a := range def.Attributes {
		if a.Required && len(in.Attributes[a.Code]) == 0 {
			t.Fatalf("accepted without required %s", a.Code)
		}
	}
}
