package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"chengguan/internal/demo"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/personnel"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// loadPersonnelDemo loads the demo city's personnel into a's database and
// returns the personnel ID of the demo officer 孙执法.
func loadPersonnelDemo(tb testing.TB, a *app) string {
	tb.Helper()
	ctx := context.Background()
	svc := personnel.NewService(storage.NewPersonnelStore(a.DB), ids.New, nil, personnel.Options{})
	if _, err := demo.LoadPersonnel(ctx, a.Identity, svc, time.Now()); err != nil {
		tb.Fatalf("demo personnel: %v", err)
	}
	pg, err := svc.Roster(ctx, identity.System(), personnel.Filter{Text: "孙执法"})
	if err != nil || len(pg.Lines) != 1 {
		tb.Fatalf("demo officer: %v %v", pg, err)
	}
	return pg.Lines[0].Person.ID
}

func TestPersonnelPagesShowTheDemoCity(t *testing.T) {
	a := startApp(t, storagetest.OpenSQLite(t))
	id := loadPersonnelDemo(t, a)
	admin, lead := a.loginDemo(t, "admin"), a.loginDemo(t, "squadlead")
	for _, tt := range []struct {
		u    *user
		path string
		want []string
	}{
		{lead, "/personnel", []string{"孙执法", "********"}},
		{lead, "/personnel?cert=expired", []string{"已过期"}},
		{lead, "/personnel/people/" + id, []string{"孙执法", "执法记录仪", "身份证号和电话已脱敏"}},
		{admin, "/personnel/people/" + id, []string{"本次查看已记入执法全过程记录"}},
		{lead, "/personnel/boards/certs", []string{"豫平执"}},
		{lead, "/personnel/boards/training", []string{"未完成"}},
		{lead, "/personnel/boards/equipment", []string{"JLY0001"}},
		{admin, "/personnel/boards/staffing", []string{"东城区", "未达标"}},
		{lead, "/", []string{"执法证到期提醒", "今日值班"}},
	} {
		r := tt.u.get(t, tt.path)
		r.wantStatus(t, http.StatusOK)
		for _, w := range tt.want {
			if !strings.Contains(r.String(), w) {
				t.Errorf("%s: no %q", tt.path, w)
			}
		}
	}
	// The squad leader of 东城区 does not see 西城区's people.
	if r := lead.get(t, "/personnel?q=郑中队"); !strings.Contains(r.String(), "郑中队") {
		t.Errorf("squad leader does not find himself")
	}
	a.loginDemo(t, "auxiliary").get(t, "/personnel").wantStatus(t, http.StatusForbidden)
}
