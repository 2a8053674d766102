package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban"
	"chengguan/internal/urban/taxonomy"
)

// A point in 鹰城社区 (建设路街道), the demo inspector's street.
const yingchengLon, yingchengLat = 113.2000, 33.7600

type caseJSON struct {
	ID           string `json:"id"`
	Number       string `json:"number"`
	Version      int    `json:"version"`
	State        string `json:"state"`
	StateLabel   string `json:"state_label"`
	DepartmentID string `json:"department_id"`
	GridCode     string `json:"grid_code"`
	Overdue      bool   `json:"overdue"`
}

type caseDetailJSON struct {
	Case      caseJSON `json:"case"`
	Remaining *struct {
		Text string `json:"text"`
	} `json:"remaining"`
	History []struct {
		Move string `json:"move"`
		Note string `json:"note"`
	} `json:"history"`
	Attachments []struct {
		SHA256 string `json:"sha256"`
		URL    string `json:"url"`
	} `json:"attachments"`
	Moves []struct {
		Move    string `json:"move"`
		Allowed bool   `json:"allowed"`
		Reason  string `json:"reason"`
	} `json:"moves"`
}

// testJPEG is a minimal JPEG: SOI, an APP0 JFIF segment, EOI.
var testJPEG = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
	0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9}

func (u *user) upload(tb testing.TB, name string, content []byte) *reply {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", name)
	if err != nil {
		tb.Fatal(err)
	}
	part.Write(content)
	mw.Close()
	return u.do(tb, http.MethodPost, "/api/v1/evidence", &body, "Content-Type", mw.FormDataContentType(), "Accept", "application/json")
}

func (u *user) move(tb testing.TB, id string, body map[string]any) caseJSON {
	tb.Helper()
	r := u.sendJSON(tb, http.MethodPost, "/api/v1/cases/"+id+"/moves", body)
	r.wantStatus(tb, http.StatusOK)
	var c caseJSON
	r.decode(tb, &c)
	return c
}

func TestTheClosedLoopThroughTheAPI(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		inspector := a.loginDemo(t, "inspector")
		up := inspector.upload(t, "scene.jpg", testJPEG)
		up.wantStatus(t, http.StatusCreated)
		var ev struct {
			SHA256 string `json:"sha256"`
			Kind   string `json:"kind"`
		}
		up.decode(t, &ev)
		if ev.Kind != "photo" || len(ev.SHA256) != 64 {
			t.Fatalf("upload: %+v", ev)
		}
		inspector.upload(t, "notes.jpg", []byte("not a photo at all")).wantStatus(t, http.StatusUnsupportedMediaType)

		cat := a.category(t, taxonomy.Event, "0102")
		report := map[string]any{"channel": "inspector", "category_id": cat.ID, "description": "路边暴露垃圾",
			"lon": yingchengLon, "lat": yingchengLat, "client_id": "c-1", "evidence": []string{ev.SHA256}}
		r := inspector.sendJSON(t, http.MethodPost, "/api/v1/cases", report)
		r.wantStatus(t, http.StatusCreated)
		var rc struct {
			Case        caseJSON `json:"case"`
			Resubmitted bool     `json:"resubmitted"`
		}
		r.decode(t, &rc)
		if rc.Case.State != "reported" || rc.Case.StateLabel != "待立案" || rc.Case.GridCode == "" {
			t.Fatalf("reported: %+v", rc.Case)
		}
		again := inspector.sendJSON(t, http.MethodPost, "/api/v1/cases", report)
		again.wantStatus(t, http.StatusOK)

		outside := map[string]any{"channel": "inspector", "category_id": cat.ID, "description": "x", "lon": 116.4, "lat": 39.9}
		inspector.sendJSON(t, http.MethodPost, "/api/v1/cases", outside).wantError(t, http.StatusNotFound, "not_found")

		id := rc.Case.ID
		operator := a.loginDemo(t, "operator")
		var d caseDetailJSON
		operator.getJSON(t, "/api/v1/cases/"+id).decode(t, &d)
		allowed := map[string]bool{}
		for _, m := range d.Moves {
			allowed[m.Move] = m.Allowed
			if !m.Allowed && m.Reason == "" {
				t.Fatalf("move %s is refused without a reason", m.Move)
			}
		}
		if !allowed["file"] || !allowed["reject"] || allowed["close"] || allowed["handle"] {
			t.Fatalf("the operator's moves on a new report: %+v", d.Moves)
		}
		if d.Remaining == nil || d.Remaining.Text == "" || len(d.Attachments) != 1 {
			t.Fatalf("detail: %+v", d)
		}
		photo := operator.get(t, d.Attachments[0].URL)
		photo.wantStatus(t, http.StatusOK)
		if photo.header.Get("Content-Type") != "image/jpeg" || photo.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("evidence headers: %v", photo.header)
		}
		a.anonymous().get(t, d.Attachments[0].URL).wantStatus(t, http.StatusUnauthorized)

		c := operator.move(t, id, map[string]any{"move": "file"})
		operator.sendJSON(t, http.MethodPost, "/api/v1/cases/"+id+"/moves", map[string]any{"move": "file", "version": 1}).wantError(t, http.StatusConflict, "conflict")
		c = operator.move(t, id, map[string]any{"move": "dispatch", "department_id": cat.DepartmentID, "version": c.Version})
		dept := a.loginDemo(t, "dept")
		var inbox struct{ Cases []caseJSON }
		dept.getJSON(t, "/api/v1/cases?state=dispatched").decode(t, &inbox)
		if len(inbox.Cases) != 1 || inbox.Cases[0].ID != id {
			t.Fatalf("the department's inbox: %+v", inbox)
		}
		dept.sendJSON(t, http.MethodPost, "/api/v1/cases/"+id+"/moves", map[string]any{"move": "handle"}).wantError(t, http.StatusBadRequest, "invalid")
		after := dept.upload(t, "after.jpg", append(append([]byte(nil), testJPEG...), 0))
		after.wantStatus(t, http.StatusCreated)
		var afterEv struct {
			SHA256 string `json:"sha256"`
		}
		after.decode(t, &afterEv)
		dept.move(t, id, map[string]any{"move": "handle", "note": "已清运", "evidence": []string{afterEv.SHA256}})
		inspector.move(t, id, map[string]any{"move": "verify"})
		c = operator.move(t, id, map[string]any{"move": "close"})
		if c.State != "closed" {
			t.Fatalf("closed: %+v", c)
		}
		operator.getJSON(t, "/api/v1/cases/"+id).decode(t, &d)
		if len(d.History) != 6 || len(d.Attachments) != 2 {
			t.Fatalf("history %d, attachments %d", len(d.History), len(d.Attachments))
		}
		var list struct{ Cases []caseJSON }
		a.loginDemo(t, "supervisor").getJSON(t, "/api/v1/cases?state=closed").decode(t, &list)
		if len(list.Cases) != 1 {
			t.Fatalf("the supervisor's closed cases: %+v", list)
		}
		a.loginDemo(t, "admin").getJSON(t, "/api/v1/cases").wantStatus(t, http.StatusForbidden)
	})
}

func TestHotlineCallersStayPrivate(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		operator := a.loginDemo(t, "operator")
		cat := a.category(t, taxonomy.Event, "0102")
		r := operator.sendJSON(t, http.MethodPost, "/api/v1/cases", map[string]any{"channel": "hotline", "category_id": cat.ID,
			"description": "市民来电反映垃圾", "lon": yingchengLon, "lat": yingchengLat, "caller_name": "王五", "caller_phone": "13912345678"})
		r.wantStatus(t, http.StatusCreated)
		if strings.Contains(r.String(), "13912345678") || strings.Contains(r.String(), "王五") {
			t.Fatalf("the report's answer carries the caller: %s", r)
		}
		var rc struct{ Case caseJSON }
		r.decode(t, &rc)
		for _, path := range []string{"/api/v1/cases", "/api/v1/cases/" + rc.Case.ID} {
			body := operator.getJSON(t, path).String()
			if strings.Contains(body, "13912345678") || strings.Contains(body, "王五") {
				t.Fatalf("%s carries the caller: %s", path, body)
			}
		}
		a.loginDemo(t, "inspector").getJSON(t, "/api/v1/cases/"+rc.Case.ID+"/contact").wantStatus(t, http.StatusForbidden)
		contact := operator.getJSON(t, "/api/v1/cases/"+rc.Case.ID+"/contact")
		contact.wantStatus(t, http.StatusOK)
		if !strings.Contains(contact.String(), "13912345678") || contact.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("contact: %s %v", contact, contact.header)
		}
		if strings.Contains(a.Logs(), "13912345678") {
			t.Fatal("the caller's phone is in the logs")
		}
		a.loginDemo(t, "inspector").sendJSON(t, http.MethodPost, "/api/v1/cases", map[string]any{"channel": "hotline",
			"category_id": cat.ID, "description": "x", "lon": yingchengLon, "lat": yingchengLat}).wantError(t, http.StatusForbidden, "forbidden")
	})
}

func TestIndicatorsThroughTheAPI(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		inspector := a.loginDemo(t, "inspector")
		cat := a.category(t, taxonomy.Event, "0102")
		r := inspector.sendJSON(t, http.MethodPost, "/api/v1/cases", map[string]any{"channel": "inspector", "category_id": cat.ID,
			"description": "垃圾", "lon": yingchengLon, "lat": yingchengLat})
		r.wantStatus(t, http.StatusCreated)
		var rc struct{ Case caseJSON }
		r.decode(t, &rc)
		operator := a.loginDemo(t, "operator")
		operator.move(t, rc.Case.ID, map[string]any{"move": "file"})
		today := time.Now().In(time.FixedZone("CST", 8*3600))
		from := today.AddDate(0, 0, -1).Format("2006-01-02")
		to := today.AddDate(0, 0, 2).Format("2006-01-02")
		var table struct {
			Indicators []struct {
				Key     string `json:"key"`
				Name    string `json:"name"`
				Formula string `json:"formula"`
			} `json:"indicators"`
			Groups []struct {
				Name       string `json:"name"`
				Indicators []struct {
					Key   string  `json:"key"`
					Value float64 `json:"value"`
				} `json:"indicators"`
			} `json:"groups"`
			Total struct {
				Counts struct {
					Filed int `json:"filed"`
				} `json:"counts"`
			} `json:"total"`
		}
		a.loginDemo(t, "supervisor").getJSON(t, "/api/v1/indicators?dimension=street&from="+from+"&to="+to).decode(t, &table)
		if table.Total.Counts.Filed != 1 || len(table.Groups) != 1 || table.Groups[0].Name != "建设路街道" {
			t.Fatalf("indicators: %+v", table)
		}
		if len(table.Indicators) != len(urban.IndicatorKeys()) || len(table.Groups[0].Indicators) != len(table.Indicators) {
			t.Fatalf("indicators: %d defined, %d in the group", len(table.Indicators), len(table.Groups[0].Indicators))
		}
		for i, in := range table.Indicators {
			if in.Formula == "" || strings.HasPrefix(in.Formula, "indicator.") || strings.HasPrefix(in.Name, "indicator.") {
				t.Fatalf("indicator %s has no name or formula: %+v", in.Key, in)
			}
			if table.Groups[0].Indicators[i].Key != in.Key {
				t.Fatalf("the group's values are not in the table's order: %+v", table.Groups[0].Indicators)
			}
		}
		a.loginDemo(t, "supervisor").getJSON(t, "/api/v1/indicators?from="+to+"&to="+from).wantError(t, http.StatusBadRequest, "invalid")
	})
}

func TestCaseExportsStreamTheScopeWithoutReporters(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		operator := a.loginDemo(t, "operator")
		cat := a.category(t, taxonomy.Event, "0102")
		for i := range 3 {
			operator.sendJSON(t, http.MethodPost, "/api/v1/cases", map[string]any{"channel": "hotline", "category_id": cat.ID,
				"description": fmt.Sprintf("来电 %d", i), "lon": yingchengLon, "lat": yingchengLat,
				"caller_name": "赵六", "caller_phone": "13611112222"}).wantStatus(t, http.StatusCreated)
		}
		r := operator.get(t, "/api/v1/cases/export.csv")
		r.wantStatus(t, http.StatusOK)
		lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(r.String(), "\uFEFF")), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "案件编号,上报时间") || !strings.Contains(lines[1], "暴露垃圾") {
			t.Fatalf("csv: %q", lines)
		}
		if strings.Contains(r.String(), "13611112222") || strings.Contains(r.String(), "赵六") {
			t.Fatal("the export carries the caller")
		}
		x := operator.get(t, "/api/v1/cases/export.xlsx?state=reported")
		x.wantStatus(t, http.StatusOK)
		book, err := excelize.OpenReader(bytes.NewReader(x.body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := book.GetRows("案件")
		if err != nil || len(rows) != 4 || rows[0][0] != "案件编号" {
			t.Fatalf("xlsx rows: %v %v", rows, err)
		}
		d := a.loginDemo(t, "dept").get(t, "/api/v1/cases/export.csv")
		if n := len(strings.Split(strings.TrimSpace(d.String()), "\n")); n != 1 {
			t.Fatalf("a department exports %d lines of cases not dispatched to it", n-1)
		}
		a.loginDemo(t, "admin").getJSON(t, "/api/v1/cases/export.csv").wantStatus(t, http.StatusForbidden)
	})
}
