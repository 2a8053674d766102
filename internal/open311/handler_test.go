package open311

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/i18n"
)

var testNow = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

type testAPI struct {
	h    http.Handler
	fake *fakeBackend
}

func newAPI(tb testing.TB, mod func(*Options)) *testAPI {
	tb.Helper()
	fake := newFake(func() time.Time { return testNow })
	bundle, err := i18n.New()
	if err != nil {
		tb.Fatal(err)
	}
	opts := Options{BaseURL: "https://cg.example.gov.cn/open311/v2", Changeset: "2026-11-21T00:00:00Z",
		Contact: "12345", KeyService: "向城管局申请", I18n: bundle, Now: func() time.Time { return testNow },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&opts)
	}
	return &testAPI{h: Handler(fake, opts), fake: fake}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (a *testAPI) do(tb testing.TB, method, target string, form url.Values, hdr ...string) answer {
	tb.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	return answer{status: w.Code, header: w.Header(), body: w.Body.String()}
}

func (a *testAPI) get(tb testing.TB, target string) answer {
	tb.Helper()
	return a.do(tb, http.MethodGet, target, nil)
}

func wantStatus(tb testing.TB, a answer, status int) {
	tb.Helper()
	if a.status != status {
		tb.Fatalf("status %d, want %d; body %s", a.status, status, a.body)
	}
}

// jsonErrors decodes a JSON error list and checks its shape.
func jsonErrors(tb testing.TB, a answer) []wireError {
	tb.Helper()
	var list []wireError
	if err := json.Unmarshal([]byte(a.body), &list); err != nil {
		tb.Fatalf("error body is not a JSON list: %v; %s", err, a.body)
	}
	if len(list) == 0 {
		tb.Fatalf("empty error list")
	}
	for _, e := range list {
		if e.Code != a.status || e.Description == "" {
			tb.Fatalf("error entry %+v in a %d answer", e, a.status)
		}
	}
	return list
}

type xmlErrors struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []struct {
		Code        int    `xml:"code"`
		Description string `xml:"description"`
	} `xml:"error"`
}

func validRequest() url.Values {
	return url.Values{
		"api_key": {fakeKey}, "service_code": {"0101"}, "lat": {"39.9042"}, "long": {"116.4074"},
		"description": {"路口有一堆垃圾\n已三天"}, "attribute[size]": {"m"},
		"attribute[kinds][]": {"food", "paper"}, "first_name": {"三"}, "last_name": {"张"},
		"email": {"zhang.san@example.com"}, "phone": {"13800138000"}, "device_id": {"dev-1"}, "account_id": {"acc-1"},
		"media_url": {"https://img.example.com/a.jpg"},
	}
}

func TestDiscoveryIsServedInXMLAndJSON(t *testing.T) {
	api := newAPI(t, nil)
	a := api.get(t, "/discovery.xml")
	wantStatus(t, a, 200)
	if ct := a.header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if !strings.HasPrefix(a.body, `<?xml version="1.0" encoding="utf-8"?>`) {
		t.Fatalf("no XML declaration: %s", a.body)
	}
	for _, want := range []string{"<discovery><changeset>2026-11-21T00:00:00Z</changeset>", "<key_service>",
		"<endpoints><endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification>",
		"<formats><format>text/xml</format><format>application/json</format></formats>", "<type>production</type>"} {
		if !strings.Contains(a.body, want) {
			t.Fatalf("discovery XML lacks %s: %s", want, a.body)
		}
	}
	a = api.get(t, "/discovery.json")
	wantStatus(t, a, 200)
	var d map[string]any
	if err := json.Unmarshal([]byte(a.body), &d); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"changeset", "contact", "key_service", "endpoints"} {
		if _, ok := d[k]; !ok {
			t.Fatalf("discovery JSON lacks %s: %s", k, a.body)
		}
	}
	ep := d["endpoints"].([]any)[0].(map[string]any)
	if ep["url"] != "https://cg.example.gov.cn/open311/v2" || ep["type"] != "production" {
		t.Fatalf("endpoint %v", ep)
	}
}

func TestServiceListIsABareArrayInJSONAndServicesInXML(t *testing.T) {
	api := newAPI(t, nil)
	a := api.get(t, "/services.json")
	wantStatus(t, a, 200)
	if a.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("content type %q", a.header.Get("Content-Type"))
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(a.body), &list); err != nil {
		t.Fatalf("not a bare array: %v %s", err, a.body)
	}
	if len(list) != 2 || list[0]["service_code"] != "0101" || list[0]["metadata"] != true ||
		list[0]["type"] != "realtime" || list[0]["keywords"] != "rubbish, garbage" || list[1]["type"] != "batch" {
		t.Fatalf("services %v", list)
	}
	a = api.get(t, "/services.xml")
	wantStatus(t, a, 200)
	var x struct {
		XMLName  xml.Name `xml:"services"`
		Services []struct {
			Code     string `xml:"service_code"`
			Name     string `xml:"service_name"`
			Metadata bool   `xml:"metadata"`
			Group    string `xml:"group"`
		} `xml:"service"`
	}
	if err := xml.Unmarshal([]byte(a.body), &x); err != nil {
		t.Fatal(err)
	}
	if len(x.Services) != 2 || x.Services[0].Name != "暴露垃圾" || !x.Services[0].Metadata || x.Services[1].Group != "公用设施" {
		t.Fatalf("services XML %+v", x)
	}
}

func TestServiceDefinitionListsEveryAttributeField(t *testing.T) {
	api := newAPI(t, nil)
	a := api.get(t, "/services/0101.json")
	wantStatus(t, a, 200)
	var d struct {
		ServiceCode string `json:"service_code"`
		Attributes  []struct {
			Variable            bool   `json:"variable"`
			Code                string `json:"code"`
			Datatype            string `json:"datatype"`
			Required            bool   `json:"required"`
			DatatypeDescription string `json:"datatype_description"`
			Order               int    `json:"order"`
			Description         string `json:"description"`
			Values              []struct{ Key, Name string }
		} `json:"attributes"`
	}
	if err := json.Unmarshal([]byte(a.body), &d); err != nil {
		t.Fatal(err)
	}
	if d.ServiceCode != "0101" || len(d.Attributes) != 7 {
		t.Fatalf("definition %+v", d)
	}
	size := d.Attributes[1]
	if size.Code != "size" || !size.Variable || !size.Required || size.Datatype != "singlevaluelist" ||
		size.Order != 2 || len(size.Values) != 3 || size.Values[1].Key != "m" || size.Values[1].Name != "中等" {
		t.Fatalf("size attribute %+v", size)
	}
	if d.Attributes[0].Variable {
		t.Fatal("info should not be variable")
	}
	a = api.get(t, "/services/0101.xml")
	wantStatus(t, a, 200)
	for _, want := range []string{"<service_definition><service_code>0101</service_code><attributes><attribute><variable>false</variable><code>info</code>",
		"<values><value><key>s</key><name>少量</name></value>", "<datatype>multivaluelist</datatype>", "<order>7</order>"} {
		if !strings.Contains(a.body, want) {
			t.Fatalf("definition XML lacks %s: %s", want, a.body)
		}
	}
	a = api.get(t, "/services/9999.xml")
	wantStatus(t, a, 404)
	var xe xmlErrors
	if err := xml.Unmarshal([]byte(a.body), &xe); err != nil || len(xe.Errors) != 1 || xe.Errors[0].Code != 404 {
		t.Fatalf("404 body %s (%v)", a.body, err)
	}
}

func TestPostRequestWithoutValidAPIKeyIs403(t *testing.T) {
	api := newAPI(t, nil)
	for _, key := range []string{"", "cgk_wrong"} {
		f := validRequest()
		f.Set("api_key", key)
		a := api.do(t, http.MethodPost, "/requests.json", f)
		wantStatus(t, a, 403)
		jsonErrors(t, a)
		a = api.do(t, http.MethodPost, "/requests.xml", f)
		wantStatus(t, a, 403)
		var xe xmlErrors
		if err := xml.Unmarshal([]byte(a.body), &xe); err != nil || xe.Errors[0].Code != 403 {
			t.Fatalf("403 XML %s", a.body)
		}
	}
	// A key is checked before validation: a keyless client learns nothing.
	a := api.do(t, http.MethodPost, "/requests.json", url.Values{"service_code": {"nope"}})
	wantStatus(t, a, 403)
	if len(api.fake.created) != 0 {
		t.Fatal("a request was created without a key")
	}
}

func TestPostRequestCreatesARequestWithAttributesAndContact(t *testing.T) {
	api := newAPI(t, nil)
	a := api.do(t, http.MethodPost, "/requests.json", validRequest())
	wantStatus(t, a, 200)
	var list []map[string]any
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || len(list) != 1 {
		t.Fatalf("answer %s", a.body)
	}
	if list[0]["service_request_id"] != "SR000001" || list[0]["service_notice"] == nil || list[0]["account_id"] != "acc-1" {
		t.Fatalf("answer %v", list[0])
	}
	if _, ok := list[0]["token"]; ok {
		t.Fatalf("id and token both present: %v", list[0])
	}
	in := api.fake.created[0]
	want := NewRequest{
		Client: Client{ID: "app1", Name: "Test app"}, ServiceCode: "0101",
		Location:    Location{HasPoint: true, Lat: 39.9042, Long: 116.4074},
		Attributes:  map[string][]string{"size": {"m"}, "kinds": {"food", "paper"}},
		Description: "路口有一堆垃圾\n已三天", MediaURL: "https://img.example.com/a.jpg",
		Contact:  Contact{FirstName: "三", LastName: "张", Email: "zhang.san@example.com", Phone: "13800138000"},
		DeviceID: "dev-1", AccountID: "acc-1",
	}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("backend got\n%+v\nwant\n%+v", in, want)
	}
	a = api.do(t, http.MethodPost, "/requests.xml", validRequest())
	wantStatus(t, a, 200)
	if !strings.Contains(a.body, "<service_requests><request><service_request_id>SR000002</service_request_id>") {
		t.Fatalf("XML answer %s", a.body)
	}
}

func TestPostRequestAcceptsEachKindOfLocation(t *testing.T) {
	api := newAPI(t, nil)
	for _, loc := range []url.Values{
		{"lat": {"-90"}, "long": {"180"}},
		{"address_string": {"示范市中山路 1 号"}},
		{"address_id": {"A-1001"}},
	} {
		f := validRequest()
		f.Del("lat")
		f.Del("long")
		for k, v := range loc {
			f[k] = v
		}
		wantStatus(t, api.do(t, http.MethodPost, "/requests.json", f), 200)
	}
}

func TestPostRequestReportsEveryProblemAtOnce(t *testing.T) {
	api := newAPI(t, nil)
	f := validRequest()
	f.Del("lat")
	f.Del("long")
	f.Set("email", "not an address")
	f.Set("media_url", "javascript:alert(1)")
	f.Set("colour", "red")
	f.Set("attribute[size]", "xl")
	f.Set("attribute[bags]", "many")
	f.Set("attribute[info]", "x")
	f.Set("attribute[nope]", "x")
	f.Set("description", "<b>bold</b>")
	a := api.do(t, http.MethodPost, "/requests.json", f, "Accept-Language", "en")
	wantStatus(t, a, 400)
	list := jsonErrors(t, a)
	var fields []string
	for _, e := range list {
		fields = append(fields, e.Description[:strings.Index(e.Description, ":")])
	}
	want := []string{"colour", "lat", "description", "media_url", "email", "attribute[bags]",
		"attribute[info]", "attribute[nope]", "attribute[size]"}
	if !reflect.DeepEqual(fields, want) {
		t.Fatalf("fields %v, want %v; %s", fields, want, a.body)
	}
	if !strings.Contains(a.body, "a location is required") {
		t.Fatalf("no English description: %s", a.body)
	}
	if len(api.fake.created) != 0 {
		t.Fatal("an invalid request reached the backend")
	}
}

func TestPostRequestChecksAttributesAgainstTheDefinition(t *testing.T) {
	cases := []struct {
		name string
		set  map[string][]string
		del  []string
		want string // field of the one expected error; "" = accepted
	}{
		{"required missing", nil, []string{"attribute[size]"}, "attribute[size]"},
		{"required empty", map[string][]string{"attribute[size]": {""}}, nil, "attribute[size]"},
		{"single value as list form", map[string][]string{"attribute[size]": nil, "attribute[size][]": {"s"}}, nil, ""},
		{"two values for a single", map[string][]string{"attribute[size][]": {"s", "l"}}, nil, "attribute[size]"},
		{"multi as plain key", map[string][]string{"attribute[kinds][]": nil, "attribute[kinds]": {"glass"}}, nil, ""},
		{"multi unknown key", map[string][]string{"attribute[kinds][]": {"food", "gold"}}, nil, "attribute[kinds]"},
		{"multi repeated key", map[string][]string{"attribute[kinds][]": {"food", "food"}}, nil, "attribute[kinds]"},
		{"number", map[string][]string{"attribute[bags]": {"2.5e1"}}, nil, ""},
		{"number NaN", map[string][]string{"attribute[bags]": {"NaN"}}, nil, "attribute[bags]"},
		{"datetime with offset", map[string][]string{"attribute[seen]": {"2026-11-20T08:30:00+08:00"}}, nil, ""},
		{"datetime without zone", map[string][]string{"attribute[seen]": {"2026-11-20T08:30:00"}}, nil, "attribute[seen]"},
		{"string with newline", map[string][]string{"attribute[where]": {"a\nb"}}, nil, "attribute[where]"},
		{"text with newline", map[string][]string{"attribute[more]": {"a\nb"}}, nil, ""},
		{"repeated plain parameter", map[string][]string{"description": {"a", "b"}}, nil, "description"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newAPI(t, nil)
			f := validRequest()
			for _, k := range tc.del {
				f.Del(k)
			}
			for k, v := range tc.set {
				if v == nil {
					f.Del(k)
				} else {
					f[k] = v
				}
			}
			a := api.do(t, http.MethodPost, "/requests.json", f, "Accept-Language", "en")
			if tc.want == "" {
				wantStatus(t, a, 200)
				return
			}
			wantStatus(t, a, 400)
			list := jsonErrors(t, a)
			if len(list) != 1 || !strings.HasPrefix(list[0].Description, tc.want+": ") {
				t.Fatalf("errors %+v, want one for %s", list, tc.want)
			}
		})
	}
	api := newAPI(t, nil)
	f := validRequest()
	f.Set("attribute[seen]", "2026-11-20T08:30+08:00")
	wantStatus(t, api.do(t, http.MethodPost, "/requests.json", f), 200)
	if got := api.fake.created[0].Attributes["seen"]; !reflect.DeepEqual(got, []string{"2026-11-20T08:30:00+08:00"}) {
		t.Fatalf("datetime attribute normalized to %v", got)
	}
}

func TestLatitudeAndLongitudeAreCheckedDecimalDegrees(t *testing.T) {
	cases := []struct {
		lat, long string
		ok        bool
	}{
		{"39.9", "116.4", true}, {"-90", "-180", true}, {"90.0", "180.0", true},
		{"90.0001", "116", false}, {"39", "180.5", false}, {"NaN", "116", false}, {"39", "Inf", false},
		{"1e1", "116", false}, {"0x10", "116", false}, {"39", "", false}, {"", "116", false}, {" 39", "116", false},
	}
	for _, tc := range cases {
		api := newAPI(t, nil)
		f := validRequest()
		f.Set("lat", tc.lat)
		f.Set("long", tc.long)
		a := api.do(t, http.MethodPost, "/requests.json", f)
		if tc.ok != (a.status == 200) {
			t.Errorf("lat %q long %q: status %d %s", tc.lat, tc.long, a.status, a.body)
		}
	}
}

func TestPostRequestForUnknownServiceIs404(t *testing.T) {
	api := newAPI(t, nil)
	f := validRequest()
	f.Set("service_code", "9999")
	a := api.do(t, http.MethodPost, "/requests.json", f)
	wantStatus(t, a, 404)
	jsonErrors(t, a)
}

func TestBatchServiceAnswersWithATokenThatResolves(t *testing.T) {
	api := newAPI(t, nil)
	f := url.Values{"api_key": {fakeKey}, "service_code": {"0202"}, "address_string": {"示范市中山路 1 号"}}
	a := api.do(t, http.MethodPost, "/requests.xml", f)
	wantStatus(t, a, 200)
	if !strings.Contains(a.body, "<request><token>tok-SR000001</token>") || strings.Contains(a.body, "service_request_id") {
		t.Fatalf("token answer %s", a.body)
	}
	a = api.get(t, "/tokens/tok-SR000001.json")
	wantStatus(t, a, 200)
	var list []map[string]any
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || len(list) != 1 ||
		list[0]["service_request_id"] != "SR000001" || list[0]["token"] != "tok-SR000001" {
		t.Fatalf("token lookup %s", a.body)
	}
	a = api.get(t, "/tokens/tok-SR000001.xml")
	if !strings.Contains(a.body, "<service_requests><request><service_request_id>SR000001</service_request_id><token>tok-SR000001</token></request></service_requests>") {
		t.Fatalf("token XML %s", a.body)
	}
	wantStatus(t, api.get(t, "/tokens/nope.xml"), 404)
}

// seed creates n requests through the API, one hour apart, ending at testNow.
func seed(t *testing.T, api *testAPI, n int) {
	t.Helper()
	for i := range n {
		wantStatus(t, api.do(t, http.MethodPost, "/requests.json", validRequest()), 200)
		api.fake.requests[len(api.fake.requests)-1].Requested = testNow.Add(-time.Duration(n-1-i) * time.Hour)
	}
}

func TestGetRequestsAppliesEveryFilter(t *testing.T) {
	api := newAPI(t, nil)
	seed(t, api, 3)
	api.fake.requests[0].Status = StatusFixed

	a := api.get(t, "/requests.json")
	wantStatus(t, a, 200)
	q := api.fake.lastQ
	if !q.End.Equal(testNow) || !q.Start.Equal(testNow.Add(-90*24*time.Hour)) || q.Limit != 1000 || q.Offset != 0 {
		t.Fatalf("default query %+v", q)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || len(list) != 3 {
		t.Fatalf("list %s", a.body)
	}

	api.get(t, "/requests.json?status=closed")
	if !reflect.DeepEqual(api.fake.lastQ.Statuses, statusesOf("closed")) {
		t.Fatalf("closed → %v", api.fake.lastQ.Statuses)
	}
	a = api.get(t, "/requests.json?status=open,closed")
	if n := len(api.fake.lastQ.Statuses); n != len(Statuses()) {
		t.Fatalf("open,closed → %d statuses", n)
	}
	a = api.get(t, "/requests.json?status=closed")
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || len(list) != 1 || list[0]["status"] != "closed" {
		t.Fatalf("closed list %s", a.body)
	}

	api.get(t, "/requests.json?service_code=0101,0202&start_date=2026-11-01T00:00:00%2B08:00&end_date=2026-11-21T00:00:00Z&page_size=2&page=3")
	q = api.fake.lastQ
	if !reflect.DeepEqual(q.ServiceCodes, []string{"0101", "0202"}) || q.Limit != 2 || q.Offset != 4 ||
		!q.Start.Equal(time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC)) || !q.End.Equal(time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("query %+v", q)
	}
	api.get(t, "/requests.json?start_date=2026-01-01")
	if q = api.fake.lastQ; q.End.Sub(q.Start) != 90*24*time.Hour ||
		q.Start.Format(time.RFC3339) != "2026-01-01T00:00:00+08:00" {
		t.Fatalf("open end %+v", q)
	}

	// service_request_id overrides everything, even malformed other parameters.
	a = api.get(t, "/requests.json?service_request_id=SR000001,SR000003&status=bogus&start_date=junk")
	wantStatus(t, a, 200)
	if q = api.fake.lastQ; !reflect.DeepEqual(q.IDs, []string{"SR000001", "SR000003"}) || q.Statuses != nil || !q.Start.IsZero() {
		t.Fatalf("id query %+v", q)
	}
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || len(list) != 2 {
		t.Fatalf("id list %s", a.body)
	}
}

func TestGetRequestsRefusesBadFiltersAllAtOnce(t *testing.T) {
	api := newAPI(t, nil)
	a := api.get(t, "/requests.json?status=pending&start_date=yesterday&page_size=5000&extensions=maybe")
	wantStatus(t, a, 400)
	if list := jsonErrors(t, a); len(list) != 4 {
		t.Fatalf("want 4 errors: %s", a.body)
	}
	for _, target := range []string{
		"/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", // > 90 days
		"/requests.json?start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", // reversed
		"/requests.json?start_date=2026-06-01T00:00:00",                                // no zone
		"/requests.json?page=0",
	} {
		a := api.get(t, target)
		wantStatus(t, a, 400)
		jsonErrors(t, a)
	}
	// An empty parameter is the same as an absent one.
	wantStatus(t, api.get(t, "/requests.json?status=&start_date=&end_date=&service_code=&service_request_id="), 200)
	if q := api.fake.lastQ; !q.End.Equal(testNow) || q.Statuses != nil {
		t.Fatalf("empty parameters changed the query: %+v", q)
	}
}

func TestGetOneRequestInBothFormats(t *testing.T) {
	api := newAPI(t, nil)
	seed(t, api, 1)
	a := api.get(t, "/requests/SR000001.json")
	wantStatus(t, a, 200)
	var list []map[string]any
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || len(list) != 1 {
		t.Fatalf("one request %s", a.body)
	}
	r := list[0]
	for _, k := range []string{"service_request_id", "status", "status_notes", "service_name", "service_code",
		"description", "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
		"expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"} {
		if _, ok := r[k]; !ok {
			t.Errorf("field %s missing", k)
		}
	}
	if r["status"] != "open" || r["lat"] != 39.9042 || r["requested_datetime"] != "2026-11-21T10:00:00Z" ||
		r["expected_datetime"] != nil || r["description"] != "路口有一堆垃圾\n已三天" {
		t.Fatalf("request %v", r)
	}
	if _, ok := r["extended_attributes"]; ok {
		t.Fatal("extensions shown without extensions=true")
	}
	a = api.get(t, "/requests/SR000001.xml")
	wantStatus(t, a, 200)
	for _, want := range []string{"<service_requests><request><service_request_id>SR000001</service_request_id><status>open</status>",
		"<lat>39.9042</lat><long>116.4074</long>", "<expected_datetime></expected_datetime>"} {
		if !strings.Contains(a.body, want) {
			t.Fatalf("XML lacks %s: %s", want, a.body)
		}
	}
	a = api.get(t, "/requests/SR999999.json")
	wantStatus(t, a, 404)
	jsonErrors(t, a)
}

func TestExtensionsAddExtendedAttributesAndNotes(t *testing.T) {
	api := newAPI(t, nil)
	seed(t, api, 1)
	api.fake.requests[0].Status = StatusActionScheduled
	api.fake.requests[0].Photos = []string{"https://cg.example.gov.cn/p/1.jpg"}
	api.fake.requests[0].Notes = []Note{{At: testNow, Description: "已派遣至环卫所", Type: "status"}}
	a := api.get(t, "/requests/SR000001.json?extensions=true")
	wantStatus(t, a, 200)
	var list []struct {
		Status   string `json:"status"`
		Extended struct {
			Status   string   `json:"status"`
			External string   `json:"external_status_code"`
			Channel  string   `json:"channel"`
			Photos   []string `json:"photos"`
		} `json:"extended_attributes"`
		Attributes []wireAnswer                                   `json:"attributes"`
		Notes      []struct{ Datetime, Description, Type string } `json:"notes"`
	}
	if err := json.Unmarshal([]byte(a.body), &list); err != nil {
		t.Fatal(err, a.body)
	}
	r := list[0]
	if r.Status != "open" || r.Extended.Status != "ACTION_SCHEDULED" || r.Extended.Channel != "open311" ||
		r.Extended.External != "reported" || len(r.Extended.Photos) != 1 || len(r.Attributes) != 3 ||
		len(r.Notes) != 1 || r.Notes[0].Datetime != "2026-11-21T10:00:00Z" {
		t.Fatalf("extended %+v; %s", r, a.body)
	}
	a = api.get(t, "/requests.xml?extensions=true")
	for _, want := range []string{"<extended_attributes><status>ACTION_SCHEDULED</status>",
		"<photos><photo>https://cg.example.gov.cn/p/1.jpg</photo></photos>",
		"<attributes><attribute><code>size</code><value>m</value></attribute>",
		"<notes><note><datetime>2026-11-21T10:00:00Z</datetime><description>已派遣至环卫所</description><type>status</type></note></notes>"} {
		if !strings.Contains(a.body, want) {
			t.Fatalf("XML lacks %s: %s", want, a.body)
		}
	}
}

func TestPlainStatusIsOpenOrClosedForEveryExtendedStatus(t *testing.T) {
	closed := map[Status]bool{StatusFixed: true, StatusClosed: true, StatusDuplicate: true,
		StatusNotCouncilsResponsibility: true, StatusNoFurtherAction: true, StatusInternalReferral: true, StatusCancelled: true}
	if len(Statuses()) != 13 {
		t.Fatalf("%d statuses", len(Statuses()))
	}
	for _, s := range Statuses() {
		want := "open"
		if closed[s] {
			want = "closed"
		}
		if s.Plain() != want {
			t.Errorf("%s → %s, want %s", s, s.Plain(), want)
		}
	}
	if Status("SOMETHING").Plain() != "open" {
		t.Error("an unknown status must not claim closed")
	}
}

// TestNoGetShowsAReportersNameEmailOrPhone checks the privacy rule both by
// construction (the read models have no such fields) and by output.
func TestNoGetShowsAReportersNameEmailOrPhone(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[Request](), reflect.TypeFor[Update](),
		reflect.TypeFor[wireRequest](), reflect.TypeFor[wireUpdate](), reflect.TypeFor[Note](), reflect.TypeFor[AttributeAnswer]()} {
		for f := range typ.Fields() {
			name := strings.ToLower(f.Name)
			for _, bad := range []string{"name", "mail", "phone", "contact"} {
				if strings.Contains(name, bad) && f.Name != "ServiceName" && f.Name != "XMLName" {
					t.Errorf("%s.%s could carry a reporter's %s", typ.Name(), f.Name, bad)
				}
			}
			if f.Type == reflect.TypeFor[Contact]() {
				t.Errorf("%s.%s is a Contact", typ.Name(), f.Name)
			}
		}
	}
	api := newAPI(t, nil)
	seed(t, api, 2)
	up := url.Values{"api_key": {fakeKey}, "service_request_id": {"SR000001"}, "status": {"closed"},
		"updated_datetime": {"2026-11-21T10:00:00Z"}, "description": {"thanks"},
		"first_name": {"三"}, "last_name": {"张"}, "email": {"zhang.san@example.com"}, "phone": {"13800138000"}}
	wantStatus(t, api.do(t, http.MethodPost, "/servicerequestupdates.json", up), 200)
	for _, target := range []string{"/requests.json", "/requests.xml", "/requests.json?extensions=true",
		"/requests.xml?extensions=true", "/requests/SR000001.json?extensions=true", "/requests/SR000002.xml",
		"/servicerequestupdates.json?extensions=true", "/servicerequestupdates.xml"} {
		a := api.get(t, target)
		wantStatus(t, a, 200)
		for _, secret := range []string{"zhang.san", "13800138000", "张", ">三<", `"三"`} {
			if strings.Contains(a.body, secret) {
				t.Fatalf("%s shows %q: %s", target, secret, a.body)
			}
		}
	}
}

func TestServiceRequestUpdates(t *testing.T) {
	api := newAPI(t, nil)
	seed(t, api, 1)
	f := url.Values{"api_key": {fakeKey}, "service_request_id": {"SR000001"}, "update_id": {"fms-77"},
		"status": {"in_progress"}, "updated_datetime": {"2026-11-21T09:00:00+08:00"}, "description": {"在处理"},
		"title": {"ignored"}, "public_anonymity_required": {"FALSE"}}
	a := api.do(t, http.MethodPost, "/servicerequestupdates.xml", f)
	wantStatus(t, a, 200)
	if !strings.Contains(a.body, "<service_request_updates><request_update><update_id>U1</update_id><service_request_id>SR000001</service_request_id><status>open</status>") {
		t.Fatalf("update answer %s", a.body)
	}
	if p := api.fake.posted[0]; p.Status != StatusInProgress || p.ClientUpdateID != "fms-77" || p.Client.ID != "app1" {
		t.Fatalf("posted %+v", p)
	}
	f.Set("api_key", "")
	wantStatus(t, api.do(t, http.MethodPost, "/servicerequestupdates.xml", f), 403)
	f.Set("api_key", fakeKey)
	f.Set("service_request_id", "SR999")
	a = api.do(t, http.MethodPost, "/servicerequestupdates.json", f, "Accept-Language", "en")
	wantStatus(t, a, 400)
	if l := jsonErrors(t, a); l[0].Description != "service_request_id: Not found." {
		t.Fatalf("backend invalid error %+v", l)
	}
	a = api.do(t, http.MethodPost, "/servicerequestupdates.json", url.Values{"api_key": {fakeKey}, "status": {"done"}})
	wantStatus(t, a, 400)
	if l := jsonErrors(t, a); len(l) != 3 {
		t.Fatalf("want 3 errors (id, status, datetime): %+v", l)
	}

	a = api.get(t, "/servicerequestupdates.json?start_date=2026-11-21T00:00:00Z&end_date=2026-11-22T00:00:00Z")
	wantStatus(t, a, 200)
	var list []map[string]any
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || len(list) != 1 || list[0]["status"] != "open" ||
		list[0]["updated_datetime"] != "2026-11-21T09:00:00+08:00" {
		t.Fatalf("updates %s", a.body)
	}
	a = api.get(t, "/servicerequestupdates.json?extensions=true&start_date=2026-11-21T00:00:00Z")
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || list[0]["status"] != "IN_PROGRESS" {
		t.Fatalf("extended updates %s", a.body)
	}
	api.get(t, "/servicerequestupdates.json?page=2&page_size=10")
	if q := api.fake.lastUQ; q.Limit != 10 || q.Offset != 10 || !q.End.Equal(testNow) {
		t.Fatalf("update query %+v", q)
	}
	ext := newAPI(t, func(o *Options) { o.ExtendedStatuses = true })
	ext.fake.updates = []Update{{UpdateID: "U9", ServiceRequestID: "SR1", Status: StatusNotCouncilsResponsibility, UpdatedAt: testNow.Add(-time.Minute)}}
	a = ext.get(t, "/servicerequestupdates.xml")
	if !strings.Contains(a.body, "<status>NOT_COUNCILS_RESPONSIBILITY</status>") {
		t.Fatalf("extended statuses option: %s", a.body)
	}
}

func TestUnknownPathsAndFormatsAre404AndWrongMethods405(t *testing.T) {
	api := newAPI(t, nil)
	for _, target := range []string{"/services.html", "/services", "/requests.csv", "/nothing.json",
		"/requests/a/b.json", "/requests/.json", "/services/.xml", "/discovery.yaml"} {
		a := api.get(t, target)
		wantStatus(t, a, 404)
		if strings.HasSuffix(target, ".json") {
			jsonErrors(t, a)
		} else if !strings.Contains(a.body, "<errors><error><code>404</code>") {
			t.Fatalf("%s: %s", target, a.body)
		}
	}
	for _, tc := range []struct{ method, target, allow string }{
		{http.MethodPost, "/services.json", "GET, HEAD"},
		{http.MethodDelete, "/requests.json", "GET, HEAD, POST"},
		{http.MethodPut, "/requests/SR1.xml", "GET, HEAD"},
		{http.MethodPost, "/discovery.json", "GET, HEAD"},
	} {
		a := api.do(t, tc.method, tc.target, nil)
		wantStatus(t, a, 405)
		if a.header.Get("Allow") != tc.allow {
			t.Fatalf("%s %s Allow %q", tc.method, tc.target, a.header.Get("Allow"))
		}
	}
}

func TestPrefixOptionStripsTheMountPath(t *testing.T) {
	api := newAPI(t, func(o *Options) { o.Prefix = "/open311/v2/" })
	wantStatus(t, api.get(t, "/open311/v2/services.json"), 200)
	wantStatus(t, api.get(t, "/other/services.json"), 404)
}

func TestJurisdictionID(t *testing.T) {
	one := newAPI(t, func(o *Options) { o.Jurisdictions = []string{"sfs.gov.cn"} })
	wantStatus(t, one.get(t, "/services.json"), 200)
	if one.fake.lastS.Jurisdiction != "sfs.gov.cn" {
		t.Fatalf("scope %+v", one.fake.lastS)
	}
	wantStatus(t, one.get(t, "/services.json?jurisdiction_id=sfs.gov.cn"), 200)
	wantStatus(t, one.get(t, "/services.json?jurisdiction_id=other.gov.cn"), 404)

	two := newAPI(t, func(o *Options) { o.Jurisdictions = []string{"a.gov.cn", "b.gov.cn"} })
	wantStatus(t, two.get(t, "/services.json"), 400)
	wantStatus(t, two.get(t, "/services.json?jurisdiction_id=b.gov.cn"), 200)
	if two.fake.lastS.Jurisdiction != "b.gov.cn" {
		t.Fatalf("scope %+v", two.fake.lastS)
	}
	f := validRequest()
	wantStatus(t, two.do(t, http.MethodPost, "/requests.json", f), 400)
	f.Set("jurisdiction_id", "a.gov.cn")
	wantStatus(t, two.do(t, http.MethodPost, "/requests.json", f), 200)

	none := newAPI(t, nil)
	wantStatus(t, none.get(t, "/services.json?jurisdiction_id=anything"), 200)
}

func TestPostBodyIsLimitedAndMustBeAForm(t *testing.T) {
	api := newAPI(t, func(o *Options) { o.MaxBodyBytes = 1024 })
	f := validRequest()
	f.Set("description", strings.Repeat("长", 400))
	a := api.do(t, http.MethodPost, "/requests.json", f)
	wantStatus(t, a, 400)
	jsonErrors(t, a)

	for _, tc := range []struct{ ct, body string }{
		{"application/json", `{"service_code":"0101"}`},
		{"application/x-www-form-urlencoded; charset=gbk", validRequest().Encode()},
		{"application/x-www-form-urlencoded", "api_key=cgk_test&service_code=%zz"},
		{"application/x-www-form-urlencoded", "api_key=cgk_test;service_code=0101"},
		{"application/x-www-form-urlencoded", "api_key=cgk_test&service_code=%ff"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/requests.json", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", tc.ct)
		w := httptest.NewRecorder()
		api.h.ServeHTTP(w, r)
		if w.Code != 400 {
			t.Fatalf("%s %q: %d %s", tc.ct, tc.body, w.Code, w.Body)
		}
	}
	if len(api.fake.created) != 0 {
		t.Fatal("a refused body created a request")
	}
	// The description limit is the spec's 4,000 characters.
	big := newAPI(t, nil)
	f.Set("description", strings.Repeat("长", 4000))
	wantStatus(t, big.do(t, http.MethodPost, "/requests.json", f), 200)
	f.Set("description", strings.Repeat("长", 4001))
	wantStatus(t, big.do(t, http.MethodPost, "/requests.json", f), 400)
}

func TestErrorDescriptionsFollowAcceptLanguage(t *testing.T) {
	api := newAPI(t, nil)
	a := api.do(t, http.MethodPost, "/requests.json", url.Values{})
	if l := jsonErrors(t, a); l[0].Description != "api_key: 缺少 api_key，无法继续。" {
		t.Fatalf("zh-CN default: %+v", l)
	}
	a = api.do(t, http.MethodPost, "/requests.json", url.Values{}, "Accept-Language", "en-GB,en;q=0.8")
	if l := jsonErrors(t, a); l[0].Description != "api_key: No api_key received -- can't proceed." {
		t.Fatalf("en: %+v", l)
	}
}

func TestBackendErrorsBecomeSpecErrorLists(t *testing.T) {
	cases := []struct {
		err    error
		status int
		n      int
	}{
		{ErrNotFound, 404, 1},
		{fmt.Errorf("wrapped: %w", ErrForbidden), 403, 1},
		{&InvalidError{Problems: []Problem{{Field: "lat", Key: "open311.err.lat_range"}, {Field: "long", Key: "open311.err.long_range"}}}, 400, 2},
		{apperr.InvalidFields(apperr.Field("description", "open311.err.html")), 400, 1},
		{apperr.New(apperr.NotFound, "open311.err.not_found"), 404, 1},
		{apperr.New(apperr.Conflict, "open311.err.general"), 400, 1},
		{errors.New("database is down"), 400, 1},
	}
	for _, tc := range cases {
		api := newAPI(t, nil)
		api.fake.fail = tc.err
		for _, target := range []string{"/services.json", "/requests.json", "/requests/SR1.json"} {
			a := api.get(t, target)
			wantStatus(t, a, tc.status)
			if l := jsonErrors(t, a); len(l) != tc.n || strings.Contains(a.body, "database") {
				t.Fatalf("%v on %s: %s", tc.err, target, a.body)
			}
		}
		a := api.do(t, http.MethodPost, "/requests.xml", validRequest())
		wantStatus(t, a, tc.status)
		var xe xmlErrors
		if err := xml.Unmarshal([]byte(a.body), &xe); err != nil || len(xe.Errors) != tc.n {
			t.Fatalf("%v XML: %s", tc.err, a.body)
		}
	}
}

func TestTimesAreW3CWithAZone(t *testing.T) {
	zone := time.FixedZone("UTC+8", 8*3600)
	for s, ok := range map[string]bool{
		"2026-11-21T08:30:00Z": true, "2026-11-21T08:30:00+08:00": true, "2026-11-21T08:30:00.123-05:00": true,
		"2026-11-21T08:30+08:00": true, "2026-11-21": true,
		"2026-11-21T08:30:00": false, "2026-11-21 08:30:00Z": false, "21/11/2026": false, "2026-11-21T08:30:00+0800": false,
		"2026-13-01": false, "2026-11-21T25:00:00Z": false, "": false,
	} {
		if _, got := parseTime(s, zone); got != ok {
			t.Errorf("parseTime(%q) = %v, want %v", s, got, ok)
		}
	}
}

// TestEveryErrorKeyIsTranslated checks the open311.err.* literals of this
// package against both languages (internal/web's key scan does not read
// this package).
func TestEveryErrorKeyIsTranslated(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	lit := regexp.MustCompile(`"(open311\.err\.[a-z0-9_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			keys[m[1]] = true
		}
	}
	if len(keys) < 30 {
		t.Fatalf("found only %d keys; is the scan right?", len(keys))
	}
	for _, lang := range i18n.Languages() {
		have, err := i18n.Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		for k := range keys {
			if !slices.Contains(have, k) {
				t.Errorf("%s lacks %s", lang, k)
			}
		}
	}
}

func TestHeadIsAnsweredLikeGet(t *testing.T) {
	api := newAPI(t, nil)
	a := api.do(t, http.MethodHead, "/services.json", nil)
	wantStatus(t, a, 200)
	if a.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("HEAD content type %q", a.header.Get("Content-Type"))
	}
}

func TestAnEchoedParameterNameIsShortened(t *testing.T) {
	api := newAPI(t, nil)
	f := validRequest()
	f.Set(strings.Repeat("x", 500), "1")
	a := api.do(t, http.MethodPost, "/requests.json", f)
	wantStatus(t, a, 400)
	if l := jsonErrors(t, a); len(l[0].Description) > 200 {
		t.Fatalf("description of %d bytes", len(l[0].Description))
	}
}

func TestOptionalStringsEncodeAsJSONLikeTheStandardLibrary(t *testing.T) {
	for _, s := range []string{"", "2026-11-21T10:00:00Z", "路口有垃圾", "a\nb", `q"uote`, `back\slash`, "<b>&", "\u2028", "\x01", "bad\xffutf8"} {
		got, err := maybe(s).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(s)
		if s == "" {
			want = []byte("null")
		}
		if string(got) != string(want) {
			t.Errorf("%q → %s, want %s", s, got, want)
		}
	}
}
