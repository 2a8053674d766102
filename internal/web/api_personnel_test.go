package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"chengguan/internal/storage/storagetest"
)

type personOut struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	Version  int    `json:"version"`
}

func TestPersonnelAPIMasksForSquadLeadersAndAnswersEligibility(t *testing.T) {
	a := startApp(t, storagetest.OpenSQLite(t))
	admin, lead, aux := a.loginDemo(t, "admin"), a.loginDemo(t, "squadlead"), a.loginDemo(t, "auxiliary")
	squad := a.unitID(t, "419901-ZD01")
	var p personOut
	r := admin.sendJSON(t, http.MethodPost, "/api/v1/personnel/people", map[string]any{"unit_id": squad, "name": "测试队员",
		"id_number": "11010519491231002X", "staff_type": "civil_servant", "phone": "13812345678", "hired_on": "2020-01-01"})
	r.wantStatus(t, http.StatusCreated)
	r.decode(t, &p)

	// The squad leader sees the person masked; the auxiliary not at all.
	r = lead.getJSON(t, "/api/v1/personnel/people?q=测试")
	r.wantStatus(t, http.StatusOK)
	var pg struct {
		Lines []struct {
			Person personOut `json:"person"`
		} `json:"lines"`
		Total int `json:"total"`
	}
	r.decode(t, &pg)
	if pg.Total != 1 || pg.Lines[0].Person.IDNumber != "110105********002X" || pg.Lines[0].Person.Phone != "138****5678" {
		t.Fatalf("squad leader roster %+v, want one masked line", pg)
	}
	aux.getJSON(t, "/api/v1/personnel/people").wantError(t, http.StatusForbidden, "forbidden")
	lead.sendJSON(t, http.MethodPost, "/api/v1/personnel/people", map[string]any{"unit_id": squad, "name": "x",
		"id_number": "11010519491231002X", "staff_type": "civil_servant"}).wantError(t, http.StatusForbidden, "forbidden")
	e := admin.sendJSON(t, http.MethodPost, "/api/v1/personnel/people", map[string]any{"unit_id": squad, "name": "错号",
		"id_number": "110105194912310021", "staff_type": "civil_servant"}).wantError(t, http.StatusBadRequest, "invalid")
	if e.field("id_number") == "" {
		t.Fatalf("no id_number field in %+v", e)
	}

	// Eligibility: no certificate, no initial training, no recorder — in the request's language.
	at := time.Now().UTC().Format(time.RFC3339)
	r = lead.do(t, http.MethodGet, "/api/v1/personnel/people/"+p.ID+"/eligibility?act=penalty.investigate&at="+at, nil,
		"Accept-Language", "en")
	r.wantStatus(t, http.StatusOK)
	var v struct {
		Allowed bool `json:"allowed"`
		Reasons []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"reasons"`
	}
	r.decode(t, &v)
	var msgs []string
	for _, x := range v.Reasons {
		msgs = append(msgs, x.Code+": "+x.Message)
	}
	if v.Allowed || len(v.Reasons) != 3 || !strings.Contains(strings.Join(msgs, "\n"), "no body-worn recorder assigned") {
		t.Fatalf("eligibility %+v", msgs)
	}

	// A full card is written to the ledger; the card is masked for the squad leader.
	var card struct {
		Full   bool      `json:"full"`
		Person personOut `json:"person"`
	}
	lead.getJSON(t, "/api/v1/personnel/people/"+p.ID).decode(t, &card)
	if card.Full || card.Person.IDNumber == "11010519491231002X" {
		t.Fatalf("squad leader card %+v", card)
	}
	admin.getJSON(t, "/api/v1/personnel/people/"+p.ID).decode(t, &card)
	if !card.Full || card.Person.IDNumber != "11010519491231002X" {
		t.Fatalf("administrator card %+v", card)
	}
	if logs := a.Logs(); strings.Contains(logs, "11010519491231002X") || strings.Contains(logs, "13812345678") {
		t.Fatalf("an ID or phone number reached the log")
	}
}

func TestAnOfficerAsksWhetherTheyMayAct(t *testing.T) {
	a := startApp(t, storagetest.OpenSQLite(t))
	id := loadPersonnelDemo(t, a)
	officer := a.loginDemo(t, "officer")
	r := officer.getJSON(t, "/api/v1/personnel/people/"+id+"/eligibility?act=penalty.investigate")
	r.wantStatus(t, http.StatusOK)
	var v struct {
		Allowed bool `json:"allowed"`
	}
	r.decode(t, &v)
	if !v.Allowed {
		t.Fatalf("the demo officer (certificate, training, recorder) may not act: %s", r)
	}
	// Someone else's record is not theirs to look at.
	other := a.loginDemo(t, "squadlead")
	var pg struct {
		Lines []struct {
			Person personOut `json:"person"`
		} `json:"lines"`
	}
	other.getJSON(t, "/api/v1/personnel/people?q=郑中队").decode(t, &pg)
	officer.getJSON(t, "/api/v1/personnel/people/"+pg.Lines[0].Person.ID+"/eligibility?act=penalty.file").wantError(t, http.StatusForbidden, "forbidden")
}
