package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chengguan/internal/identity"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

func (u *user) postOpen311(tb testing.TB, path string, form url.Values) *reply {
	tb.Helper()
	return u.do(tb, http.MethodPost, "/open311/v2/"+path, strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
}

func TestOpen311ClientsReportAndFollowCases(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		key, _, err := a.Identity.CreateOpen311Key(context.Background(), identity.System(), "FixMyStreet 示范")
		if err != nil {
			t.Fatal(err)
		}
		app := a.anonymous()
		var services []struct {
			ServiceCode string `json:"service_code"`
			ServiceName string `json:"service_name"`
		}
		app.getJSON(t, "/open311/v2/services.json").decode(t, &services)
		if len(services) < 40 {
			t.Fatalf("%d services, want the demo catalogue", len(services))
		}
		app.get(t, "/open311/v2/discovery.json").wantStatus(t, http.StatusOK)

		form := url.Values{"api_key": {key}, "service_code": {"E0102"}, "lat": {"33.76"}, "long": {"113.2"},
			"description": {"小区门口堆满垃圾"}, "first_name": {"四"}, "last_name": {"李"}, "phone": {"13700001111"},
			"email": {"li@example.cn"}}
		r := app.postOpen311(t, "requests.json", form)
		r.wantStatus(t, http.StatusOK)
		var created []struct {
			ServiceRequestID string `json:"service_request_id"`
		}
		r.decode(t, &created)
		if len(created) != 1 || !strings.HasPrefix(created[0].ServiceRequestID, time.Now().Format("2006")+"-") {
			t.Fatalf("created: %s", r)
		}
		id := created[0].ServiceRequestID

		bad := url.Values{"api_key": {"wrong"}, "service_code": {"E0102"}, "lat": {"33.76"}, "long": {"113.2"}}
		app.postOpen311(t, "requests.json", bad).wantStatus(t, http.StatusForbidden)
		outside := url.Values{"api_key": {key}, "service_code": {"E0102"}, "lat": {"39.9"}, "long": {"116.4"}, "description": {"x"}}
		app.postOpen311(t, "requests.json", outside).wantStatus(t, http.StatusBadRequest)
		app.getJSON(t, "/open311/v2/requests/1999-000001.json").wantStatus(t, http.StatusNotFound)

		for _, path := range []string{"/open311/v2/requests/" + id + ".json", "/open311/v2/requests/" + id + ".xml",
			"/open311/v2/requests.json", "/open311/v2/requests.xml?extensions=true"} {
			body := app.get(t, path)
			body.wantStatus(t, http.StatusOK)
			for _, secret := range []string{"13700001111", "li@example.cn", "李"} {
				if strings.Contains(body.String(), secret) {
					t.Fatalf("%s shows the reporter's %q: %s", path, secret, body)
				}
			}
		}
		var one []struct {
			Status      string `json:"status"`
			ServiceCode string `json:"service_code"`
			Agency      string `json:"agency_responsible"`
		}
		app.getJSON(t, "/open311/v2/requests/"+id+".json").decode(t, &one)
		if len(one) != 1 || one[0].Status != "open" || one[0].ServiceCode != "E0102" || one[0].Agency == "" {
			t.Fatalf("request: %+v", one)
		}

		// Staff reject it: the plain status closes, the extended one says why.
		var list struct{ Cases []caseJSON }
		operator := a.loginDemo(t, "operator")
		operator.getJSON(t, "/api/v1/cases?channel=open311").decode(t, &list)
		if len(list.Cases) != 1 {
			t.Fatalf("the operator's Open311 cases: %+v", list)
		}
		operator.move(t, list.Cases[0].ID, map[string]any{"move": "reject", "note": "属于物业管理范围", "public": true})
		app.getJSON(t, "/open311/v2/requests/"+id+".json?extensions=true").decode(t, &one)
		if one[0].Status != "closed" {
			t.Fatalf("after 不予立案: %+v", one)
		}
		var updates []struct {
			ServiceRequestID string `json:"service_request_id"`
			Status           string `json:"status"`
			Description      string `json:"description"`
		}
		start := url.QueryEscape(time.Now().Add(-time.Hour).Format(time.RFC3339))
		r = app.getJSON(t, "/open311/v2/servicerequestupdates.json?extensions=true&start_date="+start)
		r.wantStatus(t, http.StatusOK)
		if err := json.Unmarshal(r.body, &updates); err != nil {
			t.Fatalf("updates: %v: %s", err, r)
		}
		var sawReject bool
		for _, u := range updates {
			sawReject = sawReject || (u.ServiceRequestID == id && u.Status == "NOT_COUNCILS_RESPONSIBILITY" && u.Description == "属于物业管理范围")
		}
		if !sawReject {
			t.Fatalf("updates: %s", r)
		}
	})
}
